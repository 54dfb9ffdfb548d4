//! No verification code of the bot's own (issue 21) appears in any log line, at every level.
//!
//! A test binary of its own: the capture is process-wide (the runtime may log on other threads),
//! and a global TRACE subscriber would slow down and log every other test of `tests/it`.
#![allow(clippy::unwrap_used)]

#[path = "it/common/mod.rs"]
mod common;

use common::USER;
use common::codes::*;
use loyalty_bot::texts::Lang;

#[tokio::test]
async fn no_code_appears_in_any_log_line() {
    // Process-wide: the runtime may handle updates on other threads.
    let logs = test_support::logs::capture_global(tracing::Level::TRACE);

    let lc = lc_bot(&[], Lang::Uk, |m| m).await;
    // SMS: sent, a wrong code, the right one.
    lc.bot.say("/start").await;
    lc.bot.say("+7 920 123 45 67").await;
    let sms_code = lc.sms_code();
    lc.bot.say("999999").await;
    lc.bot.say(&sms_code).await;
    assert!(lc.logged_in(USER).await);
    // The chat channel after a failed SMS.
    lc.sms().fail_next(220);
    lc.as_user(OTHER, "/start").await;
    lc.as_user(OTHER, "+7 920 123 45 67").await;
    let chat_code = digits(lc.bot.m.sent_texts(USER).last().unwrap());
    assert_eq!(chat_code.len(), 6);
    lc.as_user(OTHER, &chat_code).await;
    assert!(lc.logged_in(OTHER).await);
    // Every channel failing.
    lc.sms().fail_next(220);
    lc.as_user(9, "/start").await;
    lc.as_user(9, "+7 920 765 43 21").await;

    let text = logs.text();
    assert!(text.contains("code delivered"), "the capture works: {text}");
    assert!(text.contains("code channel failed"), "{text}");
    for code in [&sms_code, &chat_code] {
        assert!(!text.contains(code.as_str()), "a code in the logs:\n{text}");
    }
}
