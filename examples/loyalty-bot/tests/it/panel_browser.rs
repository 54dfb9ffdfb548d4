//! The control panel mounted in the running bot, end to end in headless Chromium: the offline
//! demo prints where the panel is and the administrator's password, an operator signs in with
//! them in a real browser, edits the greeting, and the bot's next `/start` sends the new text;
//! the users page lists the chat that just wrote.
//!
//! Needs `chromium` and `chromium-driver` (`.ci/run` installs them); without them the test
//! prints a note and passes locally, and fails under `CI=true`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stderr)]

use crate::common;

use common::console::ConsoleBot;
use control_panel::webdriver::{Browser, BrowserBinaries};
use fantoccini::Locator;

/// The text between the first pair of backticks after `after`.
fn quoted(line: &str, after: &str) -> String {
    let rest = &line[line.find(after).unwrap() + after.len()..];
    rest.split('`').nth(1).unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_text_edited_in_the_panel_is_what_the_running_bot_sends() {
    let _turn = common::browser_turn().await;
    let Some(bins) = BrowserBinaries::find_or_skip("the bot's panel browser test") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let mut bot = ConsoleBot::start(dir.path(), &[("PANEL_LISTEN_ADDR", "127.0.0.1:0")]);

    // The demo says where the panel is and how to sign in.
    let at = bot.wait_err(|l| l.contains("control panel at http://"));
    let base = at[at.find("http://").unwrap()..]
        .trim_end_matches('/')
        .to_owned();
    let login = bot.wait_err(|l| l.contains("panel login"));
    assert_eq!(quoted(&login, "panel login"), "admin", "{login}");
    let password = quoted(&login, "password");
    assert!(password.starts_with("demo-"), "{login}");

    bot.send("/start");
    bot.wait_out(|l| l.starts_with("Вітаємо"));

    let browser = Browser::start(&bins).await.unwrap();
    browser.sign_in(&base, "admin", &password).await.unwrap();
    browser
        .edit_text(
            &base,
            "ergo",
            "greeting",
            "uk",
            "Панель вітає вас, {name}! Програма {programme}.",
        )
        .await
        .unwrap();

    // No restart: the next greeting is the edited one.
    bot.send("/start");
    let greeting = bot.wait_out(|l| l.starts_with("Вітаємо") || l.starts_with("Панель вітає вас"));
    assert!(
        greeting.starts_with("Панель вітає вас, ") && greeting.ends_with("Програма ERGO CLUB."),
        "{greeting}"
    );

    // The chat that wrote is in the panel's users list.
    let c = &browser.client;
    c.goto(&format!("{base}/bots/ergo/users")).await.unwrap();
    let rows = c.find_all(Locator::Css("table tbody tr")).await.unwrap();
    assert_eq!(rows.len(), 1, "one console chat");
    let row = rows[0].text().await.unwrap();
    assert!(row.contains("console"), "{row}");
    browser.screenshot("bot-users").await.unwrap();

    bot.finish();
}
