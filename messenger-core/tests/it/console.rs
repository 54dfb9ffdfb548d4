//! The console messenger: numbered buttons chosen by number or label, the contact button asking
//! for a typed number, commands and plain text.
// Test helpers may unwrap too: a panic is a failed assertion with a line number.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use messenger_core::{
    Button, ButtonAnswer, ConsoleMessenger, Keyboard, Messenger, MessengerError, OutgoingMessage,
    PollCursor, RichText, UpdateKind,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt, BufReader, DuplexStream};

struct Harness {
    console: ConsoleMessenger,
    keyboard: DuplexStream,
    screen: DuplexStream,
}

fn harness() -> Harness {
    let (keyboard, console_in) = tokio::io::duplex(4096);
    let (console_out, screen) = tokio::io::duplex(65536);
    Harness {
        console: ConsoleMessenger::new(BufReader::new(console_in), console_out),
        keyboard,
        screen,
    }
}

impl Harness {
    async fn type_line(&mut self, line: &str) {
        self.keyboard
            .write_all(format!("{line}\n").as_bytes())
            .await
            .unwrap();
    }

    async fn next(&self) -> UpdateKind {
        let batch = self
            .console
            .poll(PollCursor::default(), Duration::from_secs(1))
            .await
            .unwrap();
        assert_eq!(batch.updates.len(), 1);
        batch.updates.into_iter().next().unwrap().kind
    }

    async fn screen_text(&mut self) -> String {
        let mut buf = vec![0u8; 65536];
        let n = tokio::time::timeout(Duration::from_millis(200), self.screen.read(&mut buf))
            .await
            .map_or(0, Result::unwrap);
        String::from_utf8(buf[..n].to_vec()).unwrap()
    }
}

#[tokio::test]
async fn buttons_are_numbered_and_chosen_by_number_or_label() {
    let mut h = harness();
    let chat = h.console.chat();
    let kb = Keyboard::inline(vec![
        vec![
            Button::callback("Balance", "bal"),
            Button::callback("History", "hist:1"),
        ],
        vec![Button::url("Site", "https://example.com")],
    ]);
    let text = RichText::template("Hi, *{name}*", &[("name", "<Ivan>")]).unwrap();
    h.console
        .send(&chat, &OutgoingMessage::new(text).keyboard(kb))
        .await
        .unwrap();
    let screen = h.screen_text().await;
    assert!(screen.contains("Hi, <Ivan>\n"), "{screen}");
    assert!(
        screen.contains("[1] Balance   [2] History\n  [3] Site → https://example.com"),
        "{screen}"
    );

    h.type_line("2").await;
    let UpdateKind::ButtonPress(p) = h.next().await else {
        panic!()
    };
    assert_eq!(p.data, "hist:1");
    let cb = p.callback.unwrap();

    h.type_line("  balance ").await;
    assert!(matches!(h.next().await, UpdateKind::ButtonPress(p) if p.data == "bal"));

    // A URL button sends nothing; the next line is read instead.
    h.type_line("3").await;
    h.type_line("hello there").await;
    assert!(matches!(h.next().await, UpdateKind::Text { text, .. } if text == "hello there"));
    assert!(h.screen_text().await.contains("opens https://example.com"));

    // A number with no such button is just text.
    h.type_line("9").await;
    assert!(matches!(h.next().await, UpdateKind::Text { text, .. } if text == "9"));

    h.console
        .answer_button(&cb, &ButtonAnswer::toast("Loading…"))
        .await
        .unwrap();
    assert!(h.screen_text().await.contains("» Loading…"));
}

#[tokio::test]
async fn the_contact_button_asks_for_a_typed_number() {
    let mut h = harness();
    let chat = h.console.chat();
    h.console
        .send(
            &chat,
            &OutgoingMessage::new("Log in").keyboard(Keyboard::reply(vec![
                vec![Button::request_contact("📱 Share phone")],
                vec![Button::text("Cancel")],
            ])),
        )
        .await
        .unwrap();
    assert!(
        h.screen_text()
            .await
            .contains("[1] 📱 Share phone (shares your phone)")
    );
    h.type_line("1").await;
    h.type_line("").await;
    h.type_line("+380 50 123 45 67").await;
    let UpdateKind::Contact(c) = h.next().await else {
        panic!()
    };
    assert_eq!(c.phone, "+380 50 123 45 67");
    assert!(c.is_own);
    let screen = h.screen_text().await;
    assert_eq!(
        screen.matches("Type your phone number:").count(),
        2,
        "{screen}"
    );

    h.type_line("cancel").await;
    assert!(matches!(h.next().await, UpdateKind::Text { text, .. } if text == "Cancel"));

    h.console
        .send(
            &chat,
            &OutgoingMessage::new("ok").keyboard(Keyboard::Remove),
        )
        .await
        .unwrap();
    h.type_line("1").await;
    assert!(matches!(h.next().await, UpdateKind::Text { text, .. } if text == "1"));
}

#[tokio::test]
async fn commands_start_and_end_of_input() {
    let mut h = harness();
    h.type_line("/start ref_42").await;
    assert_eq!(
        h.next().await,
        UpdateKind::Started {
            payload: Some("ref_42".into())
        }
    );
    h.type_line("/balance now").await;
    assert!(
        matches!(h.next().await, UpdateKind::Command { name, args, .. } if name == "balance" && args == "now")
    );
    drop(h.keyboard);
    let e = h
        .console
        .poll(PollCursor::default(), Duration::from_secs(1))
        .await
        .unwrap_err();
    assert!(matches!(e, MessengerError::Closed));
}
