//! The browser entry point: wasm-bindgen runs `main` once the module is loaded.

fn main() {
    roster_frontend::start();
}
