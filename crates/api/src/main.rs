//! The `roster` binary: see `roster --help`.

fn main() -> std::process::ExitCode {
    roster_api::cli::main()
}
