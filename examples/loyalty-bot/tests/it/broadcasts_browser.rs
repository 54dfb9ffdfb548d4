//! A broadcast composed and sent in headless Chromium (issue 19): an operator picks her own
//! test chat, writes a text with emoji and a link (ChromeDriver types only characters of the
//! Basic Multilingual Plane: the emoji is ⭐), attaches a picture and a URL button, sees the
//! previews and the audience size, sends a test to herself, sends the broadcast, and watches the
//! figures on its page reach "sent" live while the bot's senders deliver it to the in-memory
//! messenger's users.
//!
//! Needs `chromium` and `chromium-driver` (`.ci/run` installs them); without them the test
//! prints a note and passes locally, and fails under `CI=true`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stderr)]

use crate::common;

use std::time::Duration;

use chrono::Utc;
use common::live::{PASSWORD, start};
use control_panel::webdriver::{Browser, BrowserBinaries};
use fantoccini::Locator;
use messenger_core::{Button, Image};

/// Waits up to 15 s for `css` to contain `text`.
async fn wait_text(b: &Browser, css: &str, text: &str) -> String {
    b.wait_text(css, text, Duration::from_secs(15))
        .await
        .unwrap_or_else(|e| panic!("{e}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_operator_composes_a_broadcast_with_a_picture_and_a_button_and_watches_it_sent() {
    let _turn = common::browser_turn().await;
    let Some(bins) = BrowserBinaries::find_or_skip("the broadcasts browser test") else {
        return;
    };
    let live = start(Utc::now()).await;
    let bot = &live.ergo.bot;
    for u in 1..=3 {
        bot.feed(bot.m.user_says(u, "/start")).await;
    }
    // The bot's senders run as in `app::run`.
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let runner = bot.runner.clone();
    let sender = tokio::spawn(async move {
        let mut stopped = stopped;
        runner
            .run_broadcasts(async move {
                let _ = stopped.wait_for(|s| *s).await;
            })
            .await;
    });

    let olena = Browser::start(&bins).await.unwrap();
    olena.sign_in(&live.base, "olena", PASSWORD).await.unwrap();
    let c = &olena.client;
    c.goto(&format!("{}/bots/ergo/broadcasts", live.base))
        .await
        .unwrap();
    c.find(Locator::Css("#bc-new"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    // Olena's own test chat: user 2, found by id.
    c.find(Locator::Css("#test-chat-search"))
        .await
        .unwrap()
        .send_keys("2")
        .await
        .unwrap();
    c.find(Locator::Css("#test-chat-form button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_text(&olena, "#bc-test-chat", "in_memory 2").await;
    // Everyone: the three users.
    wait_text(&olena, "#audience-count", "3").await;
    let dir = tempfile::tempdir().unwrap();
    let png = dir.path().join("sale.png");
    image::RgbImage::from_pixel(16, 12, image::Rgb([30, 120, 200]))
        .save(&png)
        .unwrap();
    c.find(Locator::Css("#bc-text"))
        .await
        .unwrap()
        .send_keys("⭐ *Подвійні бонуси* до неділі: [умови](https://shop.example/x2)")
        .await
        .unwrap();
    c.find(Locator::Css("#bc-image"))
        .await
        .unwrap()
        .send_keys(&png.display().to_string())
        .await
        .unwrap();
    c.find(Locator::Css("#bc-button-label"))
        .await
        .unwrap()
        .send_keys("Каталог")
        .await
        .unwrap();
    c.find(Locator::Css("#bc-button-url"))
        .await
        .unwrap()
        .send_keys("https://shop.example/")
        .await
        .unwrap();
    // The previews follow the form: styles on Telegram, a plain text with the address on Viber.
    let tg = wait_text(
        &olena,
        "section.preview[data-messenger=telegram]",
        "Каталог",
    )
    .await;
    assert!(tg.contains("Подвійні бонуси до неділі: умови"), "{tg}");
    let bold = c
        .find(Locator::Css("section.preview[data-messenger=telegram] b"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(bold, "Подвійні бонуси");
    wait_text(
        &olena,
        "section.preview[data-messenger=viber]",
        "умови (https://shop.example/x2)",
    )
    .await;
    // The picture is shown in the previews (read in the browser, never uploaded for it).
    for _ in 0..50 {
        if c.find(Locator::Css("#bc-preview img.photo")).await.is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(c.find(Locator::Css("#bc-preview img.photo")).await.is_ok());
    // A test to herself first: to user 2 only, without leaving the page.
    let before = (bot.m.sent(1).len(), bot.m.sent(2).len());
    c.find(Locator::Css("#bc-test"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_text(&olena, "#bc-test-result", "✓ in_memory 2").await;
    bot.runner.drain().await.unwrap();
    assert_eq!(bot.m.sent(2).len(), before.1 + 1);
    assert_eq!(bot.m.sent(1).len(), before.0);
    assert_eq!(
        bot.m.last_sent(2).unwrap().text(),
        "⭐ Подвійні бонуси до неділі: умови"
    );
    assert!(
        c.find(Locator::Css("#bc-text"))
            .await
            .unwrap()
            .prop("value")
            .await
            .unwrap()
            .unwrap()
            .contains("Подвійні"),
        "the form keeps what was typed"
    );
    // A segment of one messenger: still the three (all are on the in-memory messenger).
    c.find(Locator::Css("#aud-segment"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.find(Locator::Css("input[name=aud_messenger][value=in_memory]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_text(&olena, "#audience-count", "3").await;
    olena.screenshot("broadcast-compose").await.unwrap();
    c.execute(
        "document.getElementById('bc-preview').scrollIntoView()",
        Vec::new(),
    )
    .await
    .unwrap();
    olena.screenshot("broadcast-preview").await.unwrap();
    // "Send the broadcast?"
    olena.click_and_confirm("#bc-send").await.unwrap();
    // The broadcast's page: the figures reach "sent" for all three, live.
    let cell = "#bc-figures tr[data-status=sent] td[data-messenger=in_memory]";
    wait_text(&olena, cell, "3").await;
    wait_text(&olena, "#bc-figures [data-state]", "завершено").await;
    let journal = wait_text(&olena, "#bc-journal", "надіслано").await;
    assert_eq!(journal.matches("надіслано").count(), 3, "{journal}");
    olena.screenshot("broadcast-sent").await.unwrap();
    stop.send(true).unwrap();
    sender.await.unwrap();
    // Each user got the picture with the text as its caption and the button.
    for u in 1..=3 {
        let got = bot.m.last_sent(u).unwrap();
        assert_eq!(got.text(), "⭐ Подвійні бонуси до неділі: умови");
        assert!(
            matches!(&got.content.image, Some(Image::Bytes { data, .. }) if data.starts_with(b"\x89PNG")),
            "user {u}"
        );
        let kb = got.content.keyboard.unwrap();
        assert!(matches!(
            kb.buttons().next(),
            Some(Button::Url { label, url }) if label == "Каталог" && url == "https://shop.example/"
        ));
    }
}
