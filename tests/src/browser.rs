//! Headless Chromium through ChromeDriver (WebDriver), for tests of the SPA.
//!
//! Found at `CHROMEDRIVER` / `CHROME` or `/usr/bin/chromedriver` /
//! `/usr/bin/chromium`. When they or the built SPA are missing the test is skipped
//! loudly, unless `ROSTER_REQUIRE_BROWSER` is set (as in CI), when it fails.

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};

pub const REQUIRE_ENV: &str = "ROSTER_REQUIRE_BROWSER";

pub struct Browser {
    pub client: Client,
    driver: Child,
    /// Where ChromeDriver listens.
    driver_port: u16,
    /// The WebDriver session, ended when the browser goes.
    session: Option<String>,
    _profile: tempfile::TempDir,
}

impl Drop for Browser {
    /// Ends the session, so ChromeDriver quits Chromium, then stops ChromeDriver
    /// and anything left in its process group. Killing ChromeDriver alone would
    /// leave every Chromium it started running (hundreds of processes over a
    /// suite, until memory runs out). Runs even when the test failed.
    fn drop(&mut self) {
        if let Some(session) = &self.session {
            end_session(self.driver_port, session);
        }
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.driver.id())])
            .stderr(Stdio::null())
            .status();
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// `DELETE /session/{id}` to ChromeDriver, without an async runtime (this runs
/// in `drop`); waits a few seconds at most.
fn end_session(port: u16, session: &str) {
    use std::io::{Read, Write};
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    let Ok(mut stream) = std::net::TcpStream::connect_timeout(&addr, Duration::from_secs(1)) else {
        return;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let request = format!(
        "DELETE /session/{session} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    );
    if stream.write_all(request.as_bytes()).is_ok() {
        let mut answer = Vec::new();
        let _ = stream.read_to_end(&mut answer);
    }
}

fn find_program(env: &str, candidates: &[&str]) -> Option<PathBuf> {
    if let Some(p) = std::env::var_os(env) {
        return Some(PathBuf::from(p));
    }
    candidates.iter().map(PathBuf::from).find(|p| p.exists())
}

/// Where `cargo xtask build` puts the SPA.
pub fn spa_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/spa")
}

/// Starts ChromeDriver and a headless browser session, or explains why not.
pub async fn start() -> Result<Browser, String> {
    // reqwest and fantoccini bring different rustls providers; pick one.
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let driver_path = find_program(
        "CHROMEDRIVER",
        &["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"],
    )
    .ok_or("chromedriver not found (apt-get install chromium chromium-driver)")?;
    let chrome = find_program(
        "CHROME",
        &[
            "/usr/bin/chromium",
            "/usr/bin/chromium-browser",
            "/usr/bin/google-chrome",
        ],
    )
    .ok_or("chromium not found (apt-get install chromium chromium-driver)")?;
    if !spa_dir().join("index.html").exists() {
        return Err("the SPA is not built (cargo xtask build)".into());
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map_err(|e| e.to_string())?
        .port();
    let driver = Command::new(&driver_path)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        // Its own process group, which Chromium joins, so all of it can be
        // stopped at once.
        .process_group(0)
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", driver_path.display()))?;
    let profile = tempfile::tempdir().map_err(|e| e.to_string())?;
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": chrome,
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-quic", "--no-first-run", "--window-size=1280,900",
                format!("--user-data-dir={}", profile.path().display()),
            ]
        }),
    );
    let url = format!("http://127.0.0.1:{port}");
    let mut last_err = String::new();
    for _ in 0..100 {
        let mut builder = ClientBuilder::rustls().map_err(|e| e.to_string())?;
        match builder.capabilities(caps.clone()).connect(&url).await {
            Ok(client) => {
                let session = client.session_id().await.ok().flatten();
                return Ok(Browser {
                    client,
                    driver,
                    driver_port: port,
                    session,
                    _profile: profile,
                });
            }
            Err(e) => {
                last_err = e.to_string();
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
    Err(format!("cannot open a browser session: {last_err}"))
}

impl Browser {
    /// Waits (up to 10 s) for an element matching `css`.
    pub async fn wait_css(&self, css: &str) -> fantoccini::elements::Element {
        self.client
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("element {css} appears: {e}"))
    }

    /// Waits for the element matching `css` and clicks it.
    pub async fn click(&self, css: &str) {
        self.wait_css(css)
            .await
            .click()
            .await
            .unwrap_or_else(|e| panic!("click {css}: {e}"));
    }

    /// Waits for the input matching `css` and types `text` into it.
    pub async fn type_into(&self, css: &str, text: &str) {
        self.wait_css(css)
            .await
            .send_keys(text)
            .await
            .unwrap_or_else(|e| panic!("type into {css}: {e}"));
    }

    /// Waits (up to 10 s) until `check` holds, re-evaluating it every 50 ms.
    pub async fn wait_until<F, Fut>(&self, what: &str, mut check: F)
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = bool>,
    {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        while tokio::time::Instant::now() < deadline {
            if check().await {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let source = self.client.source().await.unwrap_or_default();
        panic!("timed out waiting until {what}; page was:\n{source}");
    }

    /// The `name` attribute of every element matching `css`, in page order
    /// (elements that went meanwhile are left out, for `wait_until` to look
    /// again).
    pub async fn attrs(&self, css: &str, name: &str) -> Vec<String> {
        let mut out = Vec::new();
        for element in self
            .client
            .find_all(Locator::Css(css))
            .await
            .unwrap_or_default()
        {
            if let Ok(Some(value)) = element.attr(name).await {
                out.push(value);
            }
        }
        out
    }

    /// The value of `key` in the browser's query string.
    pub async fn query_value(&self, key: &str) -> Option<String> {
        let url = self.client.current_url().await.ok()?;
        url.query_pairs()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.into_owned())
    }

    /// Waits until the browser's address has path `path`.
    pub async fn wait_for_path(&self, path: &str) {
        self.wait_until(&format!("the address is {path}"), || async {
            self.client
                .current_url()
                .await
                .is_ok_and(|u| u.path() == path)
        })
        .await;
    }

    /// Signs out from the account menu in the header.
    pub async fn sign_out(&self) {
        self.click("button#user-menu").await;
        self.click("#user-menu-sign-out").await;
    }

    /// Sets the window's size (the viewport is a little smaller).
    pub async fn resize(&self, width: u32, height: u32) {
        self.client
            .set_window_size(width, height)
            .await
            .unwrap_or_else(|e| panic!("resize to {width}x{height}: {e}"));
    }

    /// Runs `script` (a function body that `return`s) and gives its result.
    pub async fn eval(&self, script: &str) -> serde_json::Value {
        self.client
            .execute(script, Vec::new())
            .await
            .unwrap_or_else(|e| panic!("script {script}: {e}"))
    }

    /// The texts of all elements matching `css`.
    pub async fn texts(&self, css: &str) -> Vec<String> {
        let mut out = Vec::new();
        for el in self
            .client
            .find_all(Locator::Css(css))
            .await
            .unwrap_or_default()
        {
            out.push(el.text().await.unwrap_or_default());
        }
        out
    }
}

/// A browser, or `None` after saying loudly why the test is skipped.
pub async fn open() -> Option<Browser> {
    match start().await {
        Ok(b) => Some(b),
        Err(why) => {
            crate::skip("the browser tests", &why, REQUIRE_ENV);
            None
        }
    }
}

impl Browser {
    /// Fills in and sends the sign-in form at `base`.
    pub async fn submit_sign_in(&self, base: &str, email: &str, password: &str) {
        self.client
            .goto(&format!("{base}/login"))
            .await
            .unwrap_or_else(|e| panic!("open {base}/login: {e}"));
        self.type_into("input#email", email).await;
        self.type_into("input#password", password).await;
        self.click("button[type=submit]").await;
    }

    /// Signs in through the form at `base` and waits for the Users table.
    pub async fn sign_in(&self, base: &str, email: &str, password: &str) {
        self.submit_sign_in(base, email, password).await;
        self.wait_css("table#users-table").await;
    }

    /// Opens `url` in the browser.
    pub async fn goto(&self, url: &str) {
        self.client
            .goto(url)
            .await
            .unwrap_or_else(|e| panic!("open {url}: {e}"));
    }
}
