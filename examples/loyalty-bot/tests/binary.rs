//! The compiled binary with no configuration: the offline demo over the console.
#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// Reads stdout lines until one matches `pred`; returns everything read.
fn read_until(
    rx: &mpsc::Receiver<String>,
    seen: &mut Vec<String>,
    pred: impl Fn(&str) -> bool,
) -> String {
    loop {
        match rx.recv_timeout(Duration::from_secs(30)) {
            Ok(line) => {
                let hit = pred(&line);
                seen.push(line.clone());
                if hit {
                    return line;
                }
            }
            Err(_) => panic!("timed out; output so far:\n{}", seen.join("\n")),
        }
    }
}

#[test]
fn offline_demo_logs_in_and_shows_the_balance() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_loyalty-bot"))
        .current_dir(dir.path())
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut seen = Vec::new();

    writeln!(stdin, "/start").unwrap();
    read_until(&rx, &mut seen, |l| l.contains("Надіслати номер"));
    writeln!(stdin, "+380 88 999 33 66").unwrap();
    let sms = read_until(&rx, &mut seen, |l| {
        l.starts_with("[sandbox SMS to +380889993366: ")
    });
    let code = sms
        .trim_end_matches(']')
        .rsplit(' ')
        .next()
        .unwrap()
        .to_owned();
    assert_eq!(code.len(), 4, "{sms}");
    writeln!(stdin, "{code}").unwrap();
    let balance_button = read_until(&rx, &mut seen, |l| l.contains("Баланс"));
    let number = balance_button
        .trim()
        .trim_start_matches('[')
        .split(']')
        .next()
        .unwrap()
        .to_owned();
    writeln!(stdin, "{number}").unwrap();
    read_until(&rx, &mut seen, |l| {
        l.starts_with("Ваш баланс: 1\u{a0}250\u{a0}балів.")
    });
    drop(stdin); // end of input ends the bot
    let status = child.wait().unwrap();
    assert!(status.success(), "{status:?}\n{}", seen.join("\n"));
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
    let mut child = Command::new(env!("CARGO_BIN_EXE_loyalty-bot"))
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut seen = Vec::new();
    for (line, until) in lines {
        writeln!(stdin, "{line}").unwrap();
        read_until(&rx, &mut seen, |l| l.contains(until));
    }
    drop(stdin);
    let status = child.wait().unwrap();
    assert!(status.success(), "{status:?}\n{}", seen.join("\n"));
    seen
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
