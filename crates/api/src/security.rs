//! Response headers that hold for every answer: the Content-Security-Policy
//! (which the SPA and the API reference page both work under), and, when Roster
//! is served over HTTPS, Strict-Transport-Security.

use base64::Engine;
use sha2::{Digest, Sha256};

/// The `'sha256-...'` sources of the inline `<script>` elements of `html`
/// (those without `src`), so the policy allows exactly them.
pub fn inline_script_hashes(html: &str) -> Vec<String> {
    let mut hashes = Vec::new();
    let lower = html.to_ascii_lowercase();
    let mut at = 0;
    while let Some(start) = lower[at..].find("<script") {
        let open = at + start;
        let Some(tag_end) = lower[open..].find('>').map(|i| open + i + 1) else {
            break;
        };
        let Some(close) = lower[tag_end..].find("</script").map(|i| tag_end + i) else {
            break;
        };
        let tag = &lower[open..tag_end];
        if !tag.contains(" src=") && !tag.contains(" src =") {
            let digest = Sha256::digest(&html.as_bytes()[tag_end..close]);
            hashes.push(format!(
                "'sha256-{}'",
                base64::engine::general_purpose::STANDARD.encode(digest)
            ));
        }
        at = close;
    }
    hashes
}

/// The Content-Security-Policy of every response. Scripts only from Roster
/// itself (plus the listed inline ones), WebAssembly allowed to compile, no
/// plugins, no framing, no `<base>` games. Styles allow inline attributes,
/// which the API reference page sets.
pub fn content_security_policy(script_hashes: &[String]) -> String {
    let mut script_src = String::from("'self' 'wasm-unsafe-eval'");
    for hash in script_hashes {
        script_src.push(' ');
        script_src.push_str(hash);
    }
    format!(
        "default-src 'self'; script-src {script_src}; style-src 'self' 'unsafe-inline'; \
         img-src 'self' data:; connect-src 'self'; font-src 'self' data:; object-src 'none'; \
         base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
    )
}

/// Strict-Transport-Security for an HTTPS deployment: a year, subdomains not
/// included (Roster does not own its parent domain).
pub const HSTS: &str = "max-age=31536000";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_inline_scripts_are_hashed() {
        let html = "<script src=\"/a.js\"></script><script type=\"module\">boot()</script>";
        let hashes = inline_script_hashes(html);
        assert_eq!(hashes.len(), 1);
        let expected = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(b"boot()"));
        assert_eq!(hashes[0], format!("'sha256-{expected}'"));
    }

    #[test]
    fn the_policy_names_its_hashes() {
        let policy = content_security_policy(&["'sha256-x'".into()]);
        assert!(policy.contains("script-src 'self' 'wasm-unsafe-eval' 'sha256-x';"));
        assert!(policy.contains("frame-ancestors 'none'"));
    }
}
