//! The panel in a real browser: headless Chromium driven over WebDriver (chromedriver).
//!
//! Needs the Debian packages `chromium` and `chromium-driver` (`.ci/run` installs them). Without
//! them the test prints a note and passes locally, but fails under `CI=true`.
//! `CHROMIUM` and `CHROMEDRIVER` override the binaries' paths.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stderr)]

use crate::common;

use common::{ADMIN, Harness};
use control_panel::webdriver::{Browser, BrowserBinaries};
use fantoccini::{Client, Locator};
use serde_json::json;

async fn visible_bots(c: &Client) -> Vec<String> {
    let mut ids = Vec::new();
    for li in c.find_all(Locator::Css("#bots li")).await.unwrap() {
        ids.push(li.attr("data-bot").await.unwrap().unwrap());
    }
    ids
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_panel_in_headless_chromium() {
    let Some(bins) = BrowserBinaries::find_or_skip("the panel's browser test") else {
        return;
    };
    let h = Harness::start().await;
    let b = Browser::start(&bins).await.unwrap();
    let c = &b.client;
    let base = &h.base;

    // 1. The administrator signs in and sees both bots.
    b.sign_in(base, ADMIN.0, ADMIN.1).await.unwrap();
    assert_eq!(visible_bots(c).await, ["ergo", "pharmacy"]);
    b.screenshot("bots").await.unwrap();

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
    b.screenshot("accounts").await.unwrap();

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
    b.sign_in(base, "browser-op", "browser-op-password")
        .await
        .unwrap();
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
    b.screenshot("stats").await.unwrap();
    c.find(Locator::Css("#xlsx"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let file = b.wait_for_download("xlsx").await.unwrap();
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

    b.screenshot("texts").await.unwrap();
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
    b.screenshot("users-phone").await.unwrap();

    // 8. Codes: the operator only reads them; the administrator reorders the channels of
    //    "spending bonuses", turns its code on, and the bot has it.
    c.set_window_size(1280, 1000).await.unwrap();
    c.goto(&format!("{base}/bots/ergo/codes")).await.unwrap();
    let channels = c
        .find(Locator::Css(
            "#form-codes-spend_bonuses input[name=channels]",
        ))
        .await
        .unwrap();
    assert_eq!(
        channels.attr("disabled").await.unwrap().as_deref(),
        Some("true"),
        "read-only for an operator"
    );
    c.clone().close().await.unwrap();
    let admin = Browser::start(&bins).await.unwrap();
    admin.sign_in(base, ADMIN.0, ADMIN.1).await.unwrap();
    let c = &admin.client;
    c.goto(&format!("{base}/bots/ergo/codes")).await.unwrap();
    c.find(Locator::Css(
        "#form-codes-spend_bonuses input[name=required]",
    ))
    .await
    .unwrap()
    .click()
    .await
    .unwrap();
    let channels = c
        .find(Locator::Css(
            "#form-codes-spend_bonuses input[name=channels]",
        ))
        .await
        .unwrap();
    channels.clear().await.unwrap();
    channels.send_keys("chat, sms").await.unwrap();
    c.find(Locator::Css(
        "#form-codes-spend_bonuses button[type=submit]",
    ))
    .await
    .unwrap()
    .click()
    .await
    .unwrap();
    c.wait()
        .for_element(Locator::Css("#form-codes-spend_bonuses"))
        .await
        .unwrap();
    admin.screenshot("codes").await.unwrap();
    // The save is a navigation: poll the bot's side for it.
    let mut now = h.backend.code_action("ergo", "spend_bonuses").unwrap();
    for _ in 0..50 {
        if now.required {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        now = h.backend.code_action("ergo", "spend_bonuses").unwrap();
    }
    assert!(now.required);
    assert_eq!(now.channels, ["chat", "sms"]);
    c.clone().close().await.unwrap();
}

/// Processes in the process group `group` (from `ps`).
fn processes_in(group: u32) -> Vec<String> {
    let out = std::process::Command::new("ps")
        .args(["-eo", "pgid=,comm="])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| {
            let (g, comm) = l.trim().split_once(' ')?;
            (g.trim() == group.to_string()).then(|| comm.trim().to_owned())
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropping_the_browser_ends_chromium_too() {
    let Some(bins) = BrowserBinaries::find_or_skip("the browser clean-up test") else {
        return;
    };
    let b = Browser::start(&bins).await.unwrap();
    b.client.goto("about:blank").await.unwrap();
    let group = b.process_group().unwrap();
    let running = processes_in(group);
    assert!(
        running
            .iter()
            .any(|c| c.contains("chromium") || c.contains("chrome")),
        "no browser in chromedriver's group: {running:?}"
    );
    drop(b);
    let mut left = processes_in(group);
    for _ in 0..50 {
        if left.is_empty() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
        left = processes_in(group);
    }
    assert!(left.is_empty(), "still running after the drop: {left:?}");
}
