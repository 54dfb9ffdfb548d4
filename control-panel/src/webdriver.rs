//! Drives the panel in a real browser, for tests: headless Chromium over WebDriver
//! (chromedriver), through [fantoccini](https://docs.rs/fantoccini). Behind the feature `webdriver`.
//!
//! The panel's own browser test uses it, and so can a team that mounts the panel in its bot
//! and wants to prove, end to end, that an edit in the panel reaches its users.
//!
//! ```no_run
//! # async fn demo(base: &str) {
//! use control_panel::webdriver::{Browser, BrowserBinaries};
//!
//! let Some(bins) = BrowserBinaries::find_or_skip("my test") else { return };
//! let browser = Browser::start(&bins).await.unwrap();
//! browser.sign_in(base, "admin", "admin-password").await.unwrap();
//! # }
//! ```
//!
//! Chromium and chromedriver come from the OS packages (Debian: `chromium`, `chromium-driver`);
//! `CHROMIUM` and `CHROMEDRIVER` override their paths.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;

/// Where Chromium and chromedriver are.
#[derive(Debug, Clone)]
pub struct BrowserBinaries {
    /// The browser (`CHROMIUM`, default `/usr/bin/chromium`).
    pub chromium: PathBuf,
    /// The WebDriver server (`CHROMEDRIVER`, default `/usr/bin/chromedriver`).
    pub chromedriver: PathBuf,
}

impl BrowserBinaries {
    /// Both binaries, when installed.
    pub fn find() -> Option<Self> {
        let chromium =
            PathBuf::from(std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into()));
        let chromedriver = PathBuf::from(
            std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into()),
        );
        (chromium.exists() && chromedriver.exists()).then_some(Self {
            chromium,
            chromedriver,
        })
    }

    /// Both binaries; without them `None` and a note on stderr naming `test`, so the test can
    /// return early on a developer's machine.
    ///
    /// # Panics
    /// Under `CI=true` when they are missing: CI must install them, a skipped browser test
    /// there would hide a regression.
    #[allow(clippy::print_stderr)]
    pub fn find_or_skip(test: &str) -> Option<Self> {
        let found = Self::find();
        if found.is_none() {
            assert!(
                !std::env::var("CI").is_ok_and(|v| v == "true"),
                "CI=true but chromium/chromedriver are missing: CI must install them ({test})"
            );
            eprintln!(
                "NOTE: chromium or chromedriver not found: {test} is skipped locally (apt-get install chromium chromium-driver)"
            );
        }
        found
    }
}

/// A headless Chromium session; chromedriver and the browser it started are killed when this is
/// dropped (also when a test panics half-way).
#[derive(Debug)]
pub struct Browser {
    /// The WebDriver client.
    pub client: Client,
    /// Where the browser saves downloads.
    pub downloads: tempfile::TempDir,
    _profile: tempfile::TempDir,
    driver: tokio::process::Child,
}

impl Browser {
    /// The process group of chromedriver and the Chromium processes it started (its own group,
    /// numbered after chromedriver's pid).
    pub fn process_group(&self) -> Option<u32> {
        self.driver.id()
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // Killing chromedriver alone leaves Chromium running: its processes stay in the group
        // chromedriver was started in, which is theirs alone.
        if let Some(group) = self.driver.id() {
            let _ = std::process::Command::new("kill")
                .args(["-KILL", "--", &format!("-{group}")])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
        }
    }
}

/// Why a browser session or a step in it failed.
#[derive(Debug, thiserror::Error)]
pub enum BrowserError {
    /// chromedriver or a temporary directory could not be set up.
    #[error("cannot start chromedriver: {0}")]
    Start(#[from] std::io::Error),
    /// No WebDriver session after retrying for ten seconds.
    #[error("no WebDriver session: {0}")]
    Session(String),
    /// A WebDriver command failed.
    #[error("WebDriver: {0}")]
    Command(#[from] fantoccini::error::CmdError),
    /// What a test waited for never showed; `page` is the page's source at the end.
    #[error("{what} never showed; page:\n{page}")]
    Timeout {
        /// What was awaited.
        what: String,
        /// The page's HTML when the wait ended.
        page: String,
    },
}

fn free_port() -> std::io::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

impl Browser {
    /// Starts chromedriver on a free port and opens a headless Chromium session (1280×1000,
    /// downloads into [`Browser::downloads`] without asking).
    ///
    /// # Errors
    /// [`BrowserError::Start`] or [`BrowserError::Session`].
    pub async fn start(bins: &BrowserBinaries) -> Result<Self, BrowserError> {
        let port = free_port()?;
        let driver = tokio::process::Command::new(&bins.chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .process_group(0)
            .spawn()?;
        let downloads = tempfile::tempdir()?;
        let profile = tempfile::tempdir()?;
        let caps = serde_json::json!({
            "goog:chromeOptions": {
                "binary": bins.chromium,
                "args": [
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    "--disable-dev-shm-usage", "--window-size=1280,1000",
                    format!("--user-data-dir={}", profile.path().display()),
                ],
                "prefs": {
                    "download.default_directory": downloads.path(),
                    "download.prompt_for_download": false,
                    "safebrowsing.enabled": false
                }
            }
        });
        let caps = caps.as_object().cloned().unwrap_or_default();
        let url = format!("http://127.0.0.1:{port}");
        let mut last_err = String::new();
        for _ in 0..100 {
            match ClientBuilder::new(HttpConnector::new())
                .capabilities(caps.clone())
                .connect(&url)
                .await
            {
                Ok(client) => {
                    return Ok(Self {
                        client,
                        downloads,
                        _profile: profile,
                        driver,
                    });
                }
                Err(e) => {
                    last_err = e.to_string();
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        }
        Err(BrowserError::Session(last_err))
    }

    /// Signs in through the panel's form at `base` and waits for the signed-in page.
    ///
    /// # Errors
    /// [`BrowserError::Command`] when a step fails (wrong password: no signed-in page).
    pub async fn sign_in(
        &self,
        base: &str,
        login: &str,
        password: &str,
    ) -> Result<(), BrowserError> {
        let c = &self.client;
        c.goto(&format!("{base}/login")).await?;
        c.find(Locator::Css("input[name=login]"))
            .await?
            .send_keys(login)
            .await?;
        c.find(Locator::Css("input[name=password]"))
            .await?
            .send_keys(password)
            .await?;
        c.find(Locator::Css("#login-form button[type=submit]"))
            .await?
            .click()
            .await?;
        c.wait().for_element(Locator::Css("#whoami")).await?;
        Ok(())
    }

    /// Replaces the text `key` in `lang` (`uk`, `ru`) of bot `bot` through its form on the texts
    /// page, and waits for the saved page (its "reset to default" button for that text).
    ///
    /// # Errors
    /// [`BrowserError::Command`] when a step fails.
    pub async fn edit_text(
        &self,
        base: &str,
        bot: &str,
        key: &str,
        lang: &str,
        text: &str,
    ) -> Result<(), BrowserError> {
        let c = &self.client;
        c.goto(&format!("{base}/bots/{bot}/texts")).await?;
        let form = format!("#form-{key}-{lang}");
        let area = c.find(Locator::Css(&format!("{form} textarea"))).await?;
        area.clear().await?;
        area.send_keys(text).await?;
        c.find(Locator::Css(&format!("{form} button[type=submit]")))
            .await?
            .click()
            .await?;
        c.wait()
            .for_element(Locator::Css(&format!("#reset-{key}-{lang}")))
            .await?;
        Ok(())
    }

    /// With `PANEL_SCREENSHOTS=<dir>`, saves a screenshot of the current page as
    /// `<dir>/<name>.png` (to look at the UI); otherwise does nothing.
    ///
    /// # Errors
    /// [`BrowserError::Command`] when the screenshot fails; an unwritable directory is
    /// [`BrowserError::Start`].
    pub async fn screenshot(&self, name: &str) -> Result<(), BrowserError> {
        if let Ok(dir) = std::env::var("PANEL_SCREENSHOTS") {
            let png = self.client.screenshot().await?;
            std::fs::write(Path::new(&dir).join(format!("{name}.png")), png)?;
        }
        Ok(())
    }

    /// Waits up to 15 s for a file ending in `.extension` in [`Browser::downloads`].
    ///
    /// # Errors
    /// [`BrowserError::Start`] when the directory cannot be read or nothing arrived.
    pub async fn wait_for_download(&self, extension: &str) -> Result<PathBuf, BrowserError> {
        for _ in 0..150 {
            if let Some(p) = std::fs::read_dir(self.downloads.path())?
                .filter_map(Result::ok)
                .map(|e| e.path())
                .find(|p| p.extension().is_some_and(|e| e == extension))
            {
                return Ok(p);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Err(BrowserError::Start(std::io::Error::new(
            std::io::ErrorKind::TimedOut,
            format!(
                "no .{extension} downloaded into {}",
                self.downloads.path().display()
            ),
        )))
    }

    /// Clicks the button matching `css`, whose `data-confirm` asks first, and accepts that
    /// dialog.
    ///
    /// Waits up to 5 s for the dialog after a click. When none opened and the page has not
    /// moved (a click lost while the page was still laying out, seen once on a loaded CI
    /// machine), it clicks again, three times at most. Only alert commands are sent while a
    /// dialog may be opening: any other command would make chromedriver dismiss it, and the
    /// form would silently not be sent.
    ///
    /// # Errors
    /// [`BrowserError::Timeout`] with the page's source when no dialog opened, or when the page
    /// changed without one (the confirmation is gone); [`BrowserError::Command`] when the
    /// button is missing.
    pub async fn click_and_confirm(&self, css: &str) -> Result<(), BrowserError> {
        let c = &self.client;
        let url = c.current_url().await?;
        for _ in 0..3 {
            // A click refused because a late dialog of the previous click was open dismissed
            // that dialog: click again.
            if c.find(Locator::Css(css)).await?.click().await.is_ok() {
                for _ in 0..50 {
                    if c.accept_alert().await.is_ok() {
                        return Ok(());
                    }
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
            if c.current_url().await? != url {
                break;
            }
        }
        Err(BrowserError::Timeout {
            what: format!("a confirmation dialog after clicking {css}"),
            page: c.source().await.unwrap_or_default(),
        })
    }

    /// Waits up to `within` for the first element matching `css` to contain `text` (pages that
    /// change by Server-Sent Events or scripts), and returns its text.
    ///
    /// # Errors
    /// [`BrowserError::Timeout`] with the page's source when it never did.
    pub async fn wait_text(
        &self,
        css: &str,
        text: &str,
        within: Duration,
    ) -> Result<String, BrowserError> {
        let until = tokio::time::Instant::now() + within;
        loop {
            if let Ok(el) = self.client.find(fantoccini::Locator::Css(css)).await
                && let Ok(t) = el.text().await
                && t.contains(text)
            {
                return Ok(t);
            }
            if tokio::time::Instant::now() >= until {
                return Err(BrowserError::Timeout {
                    what: format!("{css} containing {text:?}"),
                    page: self.client.source().await.unwrap_or_default(),
                });
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}
