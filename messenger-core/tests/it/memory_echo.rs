//! The in-memory messenger drives a tiny echo bot with buttons, written only against the
//! `Messenger` trait and the polling stream, as a real bot would be.
// Test helpers may unwrap too: a panic is a failed assertion with a line number.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use messenger_core::{
    Button, ButtonAnswer, InMemoryMessenger, Keyboard, Messenger, MessengerError, OutgoingMessage,
    PollOptions, RichText, Update, UpdateKind, polling,
};

/// Echoes text in bold with two buttons; "Again" edits the message, "Shout" answers with a toast;
/// a shared contact is thanked; `/start` greets.
async fn handle(m: &dyn Messenger, u: Update) -> Result<(), MessengerError> {
    let Some(chat) = u.chat.clone() else {
        return Ok(());
    };
    let name = u.from.as_ref().map(|f| f.name()).unwrap_or_default();
    match u.kind {
        UpdateKind::Started { payload } => {
            let text = RichText::template(
                "Hi, *{name}*! (from {from})",
                &[
                    ("name", &name),
                    ("from", payload.as_deref().unwrap_or("nowhere")),
                ],
            )
            .map_err(|e| MessengerError::Config(e.to_string()))?;
            m.send(
                &chat,
                &OutgoingMessage::new(text).keyboard(Keyboard::request_contact("Share phone")),
            )
            .await?;
        }
        UpdateKind::Text { text, .. } => {
            let kb = Keyboard::inline(vec![vec![
                Button::callback("Again", format!("again:{text}")),
                Button::callback("Shout", format!("shout:{text}")),
            ]]);
            m.send(
                &chat,
                &OutgoingMessage::new(RichText::new().bold(text)).keyboard(kb),
            )
            .await?;
        }
        UpdateKind::ButtonPress(press) => {
            if let Some(text) = press.data.strip_prefix("again:") {
                if let Some(msg) = &press.message {
                    m.edit(
                        msg,
                        &OutgoingMessage::new(format!("{text} {text}").as_str()),
                    )
                    .await?;
                }
                if let Some(cb) = &press.callback {
                    m.answer_button(cb, &ButtonAnswer::ack()).await?;
                }
            } else if let (Some(text), Some(cb)) =
                (press.data.strip_prefix("shout:"), &press.callback)
            {
                m.answer_button(cb, &ButtonAnswer::toast(text.to_uppercase()))
                    .await?;
            }
        }
        UpdateKind::Contact(c) if c.is_own => {
            m.send(
                &chat,
                &OutgoingMessage::new(format!("Thanks, {}", c.phone).as_str())
                    .keyboard(Keyboard::Remove),
            )
            .await?;
        }
        _ => {}
    }
    Ok(())
}

type Updates =
    std::pin::Pin<Box<dyn futures_util::Stream<Item = Result<Update, MessengerError>> + Send>>;

fn stream_of(m: &Arc<InMemoryMessenger>) -> Updates {
    Box::pin(polling::updates(
        m.clone(),
        PollOptions::default().with_timeout(Duration::from_millis(10)),
    ))
}

/// Handles updates until none arrives for 50 ms.
async fn run_until_idle(m: &Arc<InMemoryMessenger>, stream: &mut Updates) {
    while let Ok(Some(u)) = tokio::time::timeout(Duration::from_millis(50), stream.next()).await {
        handle(m.as_ref(), u.unwrap()).await.unwrap();
    }
}

#[tokio::test]
async fn echo_flow_with_buttons() {
    let m = Arc::new(InMemoryMessenger::new());
    let mut updates = stream_of(&m);
    m.user_says(7, "/start promo");
    run_until_idle(&m, &mut updates).await;
    let greeting = m.last_sent(7).unwrap();
    assert_eq!(greeting.text(), "Hi, User 7! (from promo)");
    assert_eq!(
        greeting.content.text.to_html(),
        "Hi, <b>User 7</b>! (from promo)"
    );

    m.set_phone(7, "+380501234567");
    m.press(7, "Share phone").unwrap();
    run_until_idle(&m, &mut updates).await;
    assert_eq!(m.last_sent(7).unwrap().text(), "Thanks, +380501234567");
    assert_eq!(
        m.last_sent(7).unwrap().content.keyboard,
        Some(Keyboard::Remove)
    );

    m.user_says(7, "<b>hello</b>");
    run_until_idle(&m, &mut updates).await;
    let echo = m.last_sent(7).unwrap();
    assert_eq!(echo.text(), "<b>hello</b>");
    assert_eq!(
        echo.content.text.to_html(),
        "<b>&lt;b&gt;hello&lt;/b&gt;</b>"
    );

    m.press(7, "Again").unwrap();
    m.press(7, "Shout").unwrap();
    run_until_idle(&m, &mut updates).await;
    let edited = m
        .sent(7)
        .into_iter()
        .find(|r| r.message == echo.message)
        .unwrap();
    assert_eq!(edited.text(), "<b>hello</b> <b>hello</b>");
    assert_eq!(edited.history.len(), 1);
    let answers = m.answers();
    assert_eq!(answers.len(), 2);
    assert_eq!(answers[0].1, ButtonAnswer::ack());
    assert_eq!(answers[1].1, ButtonAnswer::toast("<B>HELLO</B>"));

    // Another user's chat is separate, and a button that is not shown cannot be pressed.
    assert!(m.sent(8).is_empty());
    assert!(m.press(8, "Again").is_err());
    assert_eq!(m.sent_texts(7).len(), 3);
}

#[tokio::test]
async fn photos_download_and_the_stream_ends_when_closed() {
    let m = Arc::new(InMemoryMessenger::new());
    let u = m.send_photo(3, &b"jpeg"[..], Some("receipt"));
    let UpdateKind::Photo(photo) = &u.kind else {
        panic!("{u:?}")
    };
    assert_eq!(&m.download(&photo.file).await.unwrap()[..], b"jpeg");
    m.close();
    let all: Vec<_> = polling::updates(m.clone(), PollOptions::default())
        .collect()
        .await;
    assert_eq!(all.len(), 1, "the queued photo, then the end");
}
