//! The compiled binary with no configuration: the offline demo over the console.
#![allow(clippy::unwrap_used)]

use crate::common;

use std::process::Command;

use common::console::ConsoleBot;

#[test]
fn offline_demo_logs_in_and_shows_the_balance() {
    let dir = tempfile::tempdir().unwrap();
    let mut bot = ConsoleBot::start(dir.path(), &[]);
    bot.send("/start");
    bot.wait_out(|l| l.contains("Надіслати номер"));
    bot.send("+380 88 999 33 66");
    let sms = bot.wait_out(|l| l.starts_with("[sandbox SMS to +380889993366: "));
    let code = sms
        .trim_end_matches(']')
        .rsplit(' ')
        .next()
        .unwrap()
        .to_owned();
    assert_eq!(code.len(), 4, "{sms}");
    bot.send(&code);
    let balance_button = bot.wait_out(|l| l.contains("Баланс"));
    let number = balance_button
        .trim()
        .trim_start_matches('[')
        .split(']')
        .next()
        .unwrap()
        .to_owned();
    bot.send(&number);
    bot.wait_out(|l| l.starts_with("Ваш баланс: 1\u{a0}250\u{a0}балів."));
    let seen = bot.finish();
    assert!(
        seen.iter().any(|l| l.contains("Вітаємо")),
        "{}",
        seen.join("\n")
    );
    assert!(
        dir.path().join("loyalty-bot.db").exists(),
        "the SQLite file is created in the working directory"
    );
}

#[test]
fn wrong_configuration_fails_with_one_line_naming_the_variable() {
    let out = Command::new(env!("CARGO_BIN_EXE_loyalty-bot"))
        .env_clear()
        .env("LOYALTY_PROVIDER", "acme")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(
        err.trim(),
        "loyalty-bot: LOYALTY_PROVIDER: unknown provider \"acme\" (use ergo, bonusmoney, loyalclient or manzana)"
    );
}

#[test]
fn help_lists_the_variables() {
    let out = Command::new(env!("CARGO_BIN_EXE_loyalty-bot"))
        .arg("--help")
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    for var in [
        "LOYALTY_PROVIDER",
        "ERGO_BASE_URL",
        "BONUSMONEY_API_KEY",
        "TELEGRAM_BOT_TOKEN",
        "DATABASE_URL",
        "BOT_LANG",
    ] {
        assert!(text.contains(var), "{var} missing from --help");
    }
}

/// Runs the binary in `dir` with the console, types `lines` one by one, each after the previous
/// one's answer (`until` matches a line of it), then ends the input; returns the output.
fn console_run(dir: &std::path::Path, lines: &[(&str, &str)]) -> Vec<String> {
    let mut bot = ConsoleBot::start(dir, &[]);
    for (line, until) in lines {
        bot.send(line);
        bot.wait_out(|l| l.contains(until));
    }
    bot.finish()
}

#[test]
fn the_console_answers_the_first_line_after_a_restart() {
    // Two runs on one database: the second run's first line must not be taken for a repeat of
    // the first run's (the console's update ids are unique per run).
    let dir = tempfile::tempdir().unwrap();
    let first = console_run(dir.path(), &[("/start", "Надіслати номер")]);
    assert!(first.iter().any(|l| l.contains("Вітаємо")), "{first:?}");
    let second = console_run(dir.path(), &[("/start", "Надіслати номер")]);
    assert!(second.iter().any(|l| l.contains("Вітаємо")), "{second:?}");
}
