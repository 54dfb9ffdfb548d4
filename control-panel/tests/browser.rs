//! The panel in a real browser: headless Chromium driven over WebDriver (chromedriver).
//!
//! Needs the Debian packages `chromium` and `chromium-driver` (`.ci/run` installs them). Without
//! them the test prints a note and passes locally, but fails under `CI=true`.
//! `CHROMIUM` and `CHROMEDRIVER` override the binaries' paths.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stderr)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use common::{ADMIN, Harness};
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;

fn binaries() -> Option<(PathBuf, PathBuf)> {
    let chromium =
        PathBuf::from(std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into()));
    let driver = PathBuf::from(
        std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into()),
    );
    (chromium.exists() && driver.exists()).then_some((chromium, driver))
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

struct Browser {
    client: Client,
    _driver: tokio::process::Child,
    downloads: tempfile::TempDir,
    _profile: tempfile::TempDir,
}

async fn start_browser(chromium: &Path, driver: &Path) -> Browser {
    let port = free_port();
    let child = tokio::process::Command::new(driver)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("chromedriver starts");
    let downloads = tempfile::tempdir().unwrap();
    let profile = tempfile::tempdir().unwrap();
    let caps = json!({
        "goog:chromeOptions": {
            "binary": chromium,
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
    let caps = caps.as_object().unwrap().clone();
    let url = format!("http://127.0.0.1:{port}");
    let mut last_err = None;
    for _ in 0..100 {
        match ClientBuilder::new(HttpConnector::new())
            .capabilities(caps.clone())
            .connect(&url)
            .await
        {
            Ok(client) => {
                return Browser {
                    client,
                    _driver: child,
                    downloads,
                    _profile: profile,
                };
            }
            Err(e) => {
                last_err = Some(e);
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
    panic!("no WebDriver session: {last_err:?}");
}

async fn sign_in(c: &Client, base: &str, login: &str, password: &str) {
    c.goto(&format!("{base}/login")).await.unwrap();
    c.find(Locator::Css("input[name=login]"))
        .await
        .unwrap()
        .send_keys(login)
        .await
        .unwrap();
    c.find(Locator::Css("input[name=password]"))
        .await
        .unwrap()
        .send_keys(password)
        .await
        .unwrap();
    c.find(Locator::Css("#login-form button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait().for_element(Locator::Css("#whoami")).await.unwrap();
}

/// With `PANEL_SCREENSHOTS=<dir>`, saves a screenshot of the current page (to look at the UI).
async fn shot(c: &Client, name: &str) {
    if let Ok(dir) = std::env::var("PANEL_SCREENSHOTS") {
        let png = c.screenshot().await.unwrap();
        std::fs::write(Path::new(&dir).join(format!("{name}.png")), png).unwrap();
    }
}

async fn visible_bots(c: &Client) -> Vec<String> {
    let mut ids = Vec::new();
    for li in c.find_all(Locator::Css("#bots li")).await.unwrap() {
        ids.push(li.attr("data-bot").await.unwrap().unwrap());
    }
    ids
}

async fn wait_for_download(dir: &Path) -> PathBuf {
    for _ in 0..150 {
        if let Some(p) = std::fs::read_dir(dir)
            .unwrap()
            .filter_map(Result::ok)
            .map(|e| e.path())
            .find(|p| p.extension().is_some_and(|e| e == "xlsx"))
        {
            return p;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no .xlsx downloaded into {}", dir.display());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_panel_in_headless_chromium() {
    let Some((chromium, driver)) = binaries() else {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("CI=true but chromium/chromedriver are missing: .ci/run must install them");
        }
        eprintln!(
            "NOTE: chromium or chromedriver not found: the browser test is skipped locally (apt-get install chromium chromium-driver)"
        );
        return;
    };
    let h = Harness::start().await;
    let b = start_browser(&chromium, &driver).await;
    let c = &b.client;
    let base = &h.base;

    // 1. The administrator signs in and sees both bots.
    sign_in(c, base, ADMIN.0, ADMIN.1).await;
    assert_eq!(visible_bots(c).await, ["ergo", "pharmacy"]);
    shot(c, "bots").await;

    // 2. Creates an operator limited to ERGO.
    c.goto(&format!("{base}/accounts")).await.unwrap();
    c.find(Locator::Css("#new-account input[name=login]"))
        .await
        .unwrap()
        .send_keys("browser-op")
        .await
        .unwrap();
    c.find(Locator::Css("#new-account input[name=password]"))
        .await
        .unwrap()
        .send_keys("browser-op-password")
        .await
        .unwrap();
    c.find(Locator::Css("#new-account input[name=bots][value=ergo]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.find(Locator::Css("#new-account button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait()
        .for_element(Locator::Css("tr[data-login=browser-op]"))
        .await
        .unwrap();
    let account = h.store.account("browser-op").await.unwrap().unwrap();
    assert_eq!(account.bots, ["ergo"]);
    assert_eq!(account.role, control_panel::Role::Operator);
    shot(c, "accounts").await;

    // 3. Signs out; the operator signs in and sees only ERGO.
    c.find(Locator::Css("#logout"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait()
        .for_element(Locator::Css("#login-form"))
        .await
        .unwrap();
    sign_in(c, base, "browser-op", "browser-op-password").await;
    assert_eq!(visible_bots(c).await, ["ergo"]);
    assert!(!c.source().await.unwrap().contains("Pharmacy"));
    c.goto(&format!("{base}/bots/pharmacy/users"))
        .await
        .unwrap();
    let body = c
        .find(Locator::Css("body"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(body.contains("Доступ заборонено"), "{body}");
    assert!(!body.contains("Secret Pharmacy User"));

    // 4. Statistics: the page, then the Excel file downloaded by the browser.
    c.goto(&format!(
        "{base}/bots/ergo/stats?from=2026-11-30&to=2026-12-07&granularity=week"
    ))
    .await
    .unwrap();
    let total = c
        .find(Locator::Css(
            "#totals tr[data-messenger=all] td:nth-child(2)",
        ))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(total, "5");
    assert_eq!(
        c.find_all(Locator::Css("svg.chart")).await.unwrap().len(),
        2
    );
    shot(c, "stats").await;
    c.find(Locator::Css("#xlsx"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let file = wait_for_download(b.downloads.path()).await;
    assert_eq!(
        file.file_name().unwrap(),
        "stats-ergo-2026-11-30-2026-12-07.xlsx"
    );
    let bytes = std::fs::read(&file).unwrap();
    let (figures, subscribers) = common::read_xlsx(&bytes);
    let all: Vec<String> = figures
        .iter()
        .filter(|r| r[1] == "all")
        .map(|r| r.join(","))
        .collect();
    assert_eq!(all, ["2026-11-30,all,4,15,18", "2026-12-07,all,1,11,14"]);
    assert_eq!(subscribers.last().unwrap(), &["all", "5", "4", "1"]);

    // 5. Edits a text; the backend (the bot) gets it.
    c.goto(&format!("{base}/bots/ergo/texts")).await.unwrap();
    let area = c
        .find(Locator::Css("#form-welcome-uk textarea"))
        .await
        .unwrap();
    area.clear().await.unwrap();
    area.send_keys("Привіт, {name}! Новий текст із панелі.")
        .await
        .unwrap();
    c.find(Locator::Css("#form-welcome-uk button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait()
        .for_element(Locator::Css("#reset-welcome-uk"))
        .await
        .unwrap();
    assert_eq!(
        h.backend.effective_text("ergo", "welcome", "uk").unwrap(),
        "Привіт, {name}! Новий текст із панелі."
    );
    let changes = h.backend.changes();
    assert_eq!(changes.len(), 1);
    assert_eq!(
        changes[0].value.as_deref(),
        Some("Привіт, {name}! Новий текст із панелі.")
    );

    shot(c, "texts").await;
    // 6. The same form without its CSRF token is refused and changes nothing.
    c.execute(
        "document.querySelector('#form-welcome-ru input[name=csrf]').remove();",
        vec![],
    )
    .await
    .unwrap();
    let area = c
        .find(Locator::Css("#form-welcome-ru textarea"))
        .await
        .unwrap();
    area.clear().await.unwrap();
    area.send_keys("Взлом {name}").await.unwrap();
    c.find(Locator::Css("#form-welcome-ru button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait().for_element(Locator::Css("p.error")).await.unwrap();
    let body = c
        .find(Locator::Css("body"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(body.contains("CSRF"), "{body}");
    assert_eq!(h.backend.changes().len(), 1);
    assert_eq!(
        h.backend.effective_text("ergo", "welcome", "ru").unwrap(),
        "Здравствуйте, {name}!"
    );

    // 7. A phone-sized window still shows the page (viewport meta, no horizontal overflow of the body).
    c.set_window_size(390, 844).await.unwrap();
    c.goto(&format!("{base}/bots/ergo/users")).await.unwrap();
    let overflow = c
        .execute(
            "return document.documentElement.scrollWidth <= window.innerWidth + 1;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(overflow, json!(true));
    shot(c, "users-phone").await;

    c.clone().close().await.unwrap();
}
