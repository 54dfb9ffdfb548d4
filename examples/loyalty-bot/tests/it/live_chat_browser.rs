//! Live operator chat in headless Chromium (issue 20): two operators open the same dialogue;
//! one takes it and the other sees it locked to her; a reply with a photo, uploaded through
//! the page, reaches the user on the messenger; the user's answer appears in the first
//! operator's page by Server-Sent Events, without a reload; an administrator hands the dialogue
//! to the second operator, whose open page shows it.
//!
//! Needs `chromium` and `chromium-driver` (`.ci/run` installs them); without them the test
//! prints a note and passes locally, and fails under `CI=true`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stderr)]

use crate::common;

use std::time::Duration;

use chrono::Utc;
use common::live::{PASSWORD, start};
use common::{USER, log_in};
use control_panel::webdriver::{Browser, BrowserBinaries};
use fantoccini::Locator;

/// Waits up to 10 s for `css` to contain `text`.
async fn wait_text(b: &Browser, css: &str, text: &str) -> String {
    b.wait_text(css, text, Duration::from_secs(10))
        .await
        .unwrap_or_else(|e| panic!("{e}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_operators_one_takes_the_other_sees_it_locked_and_answers_arrive_live() {
    let _turn = common::browser_turn().await;
    let Some(bins) = BrowserBinaries::find_or_skip("the live chat browser test") else {
        return;
    };
    let live = start(Utc::now()).await;
    let e = &live.ergo;
    log_in(e).await;
    e.bot.press("💬 Підтримка").await;
    e.bot.say("Допоможіть із бонусами").await;
    let id = {
        use control_panel::PanelBackend;
        live.backend.support_dialogues("ergo").await.unwrap()[0]
            .id
            .clone()
    };
    let dialogue = format!("{}/bots/ergo/support/d/{id}", live.base);

    // Olena finds the dialogue in the list and takes it.
    let olena = Browser::start(&bins).await.unwrap();
    olena.sign_in(&live.base, "olena", PASSWORD).await.unwrap();
    // The bots page shows one open dialogue and leads to the Support page.
    olena
        .client
        .goto(&format!("{}/bots", live.base))
        .await
        .unwrap();
    let link = olena
        .client
        .find(Locator::Css("li[data-bot=ergo] a.support"))
        .await
        .unwrap();
    let label = link.text().await.unwrap();
    assert_eq!(
        label.split_whitespace().collect::<Vec<_>>(),
        ["Підтримка", "1"]
    );
    link.click().await.unwrap();
    let row = wait_text(&olena, "#support-list tr.dialogue", "User 7").await;
    assert!(row.contains("вільний"), "nobody has it yet: {row}");
    let unread = olena
        .client
        .find(Locator::Css("#support-list .unread"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(unread, "1");
    olena
        .client
        .find(Locator::Css("#support-list tr.dialogue a"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_text(&olena, "#support-messages", "Допоможіть із бонусами").await;
    olena
        .client
        .find(Locator::Css("#take"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_text(&olena, "#support-holder", "Діалог ведете ви").await;
    olena.screenshot("support-taken").await.unwrap();

    // Ivan sees it locked to Olena: no take button, no reply form.
    let ivan = Browser::start(&bins).await.unwrap();
    ivan.sign_in(&live.base, "ivan", PASSWORD).await.unwrap();
    ivan.client.goto(&dialogue).await.unwrap();
    let holder = wait_text(&ivan, "#support-holder", "olena").await;
    assert!(holder.contains("🔒"), "{holder}");
    assert!(ivan.client.find(Locator::Css("#take")).await.is_err());
    assert!(
        ivan.client
            .find(Locator::Css("#support-send"))
            .await
            .is_err()
    );
    assert!(
        ivan.client
            .find(Locator::Css("#support-locked"))
            .await
            .is_ok()
    );
    ivan.screenshot("support-locked").await.unwrap();

    // Olena replies with a text and a photo through the form.
    let dir = tempfile::tempdir().unwrap();
    let png = dir.path().join("reply.png");
    let img = image::RgbImage::from_pixel(16, 12, image::Rgb([200, 30, 30]));
    img.save(&png).unwrap();
    let c = &olena.client;
    c.find(Locator::Css("#support-text"))
        .await
        .unwrap()
        .send_keys("Нараховано, дивіться https://club.ergo-global.com/")
        .await
        .unwrap();
    c.find(Locator::Css("#support-photo"))
        .await
        .unwrap()
        .send_keys(&png.display().to_string())
        .await
        .unwrap();
    c.find(Locator::Css("#send"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_text(&olena, "#support-messages", "Нараховано").await;
    let photos = c
        .find_all(Locator::Css("#support-messages li.operator img.photo"))
        .await
        .unwrap();
    assert_eq!(photos.len(), 1);
    // The picture is served as an image the browser can show.
    let mut width = serde_json::Value::Null;
    for _ in 0..50 {
        width = c
            .execute(
                "return document.querySelector('#support-messages li.operator img.photo').naturalWidth;",
                vec![],
            )
            .await
            .unwrap();
        if width == serde_json::json!(16) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(width, serde_json::json!(16));
    e.bot.runner.drain().await.unwrap();
    let got = e.bot.m.last_sent(USER).unwrap();
    assert!(
        got.text().contains("https://club.ergo-global.com/"),
        "{}",
        got.text()
    );
    assert!(got.content.image.is_some(), "the photo reached the user");

    // The user answers: Olena's open page shows it without a reload.
    c.execute("window.__no_reload = 42;", vec![]).await.unwrap();
    e.bot.say("Дякую, бачу!").await;
    wait_text(&olena, "#support-messages", "Дякую, бачу!").await;
    let marker = c
        .execute("return window.__no_reload;", vec![])
        .await
        .unwrap();
    assert_eq!(marker, serde_json::json!(42), "the page was reloaded");
    olena.screenshot("support-live").await.unwrap();

    // An administrator hands the dialogue to Ivan; Ivan's open page shows it without a reload.
    ivan.client
        .execute("window.__no_reload = 7;", vec![])
        .await
        .unwrap();
    let boss = &olena;
    c.find(Locator::Css("#logout"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    boss.sign_in(&live.base, "boss", PASSWORD).await.unwrap();
    c.goto(&dialogue).await.unwrap();
    c.find(Locator::Css("#reassign-to"))
        .await
        .unwrap()
        .select_by_value("ivan")
        .await
        .unwrap();
    c.find(Locator::Css("#reassign"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_text(boss, "#support-holder", "ivan").await;
    wait_text(&ivan, "#support-holder", "Діалог ведете ви").await;
    let marker = ivan
        .client
        .execute("return window.__no_reload;", vec![])
        .await
        .unwrap();
    assert_eq!(marker, serde_json::json!(7), "Ivan's page was reloaded");

    // On a phone-sized screen the dialogue fits the width.
    ivan.client.set_window_size(390, 844).await.unwrap();
    ivan.client.refresh().await.unwrap();
    wait_text(&ivan, "#support-holder", "Діалог ведете ви").await;
    let fits = ivan
        .client
        .execute(
            "return document.documentElement.scrollWidth <= window.innerWidth + 1;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(fits, serde_json::json!(true));
    ivan.screenshot("support-phone").await.unwrap();
}
