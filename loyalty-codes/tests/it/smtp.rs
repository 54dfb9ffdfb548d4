//! The SMTP channel against a real SMTP server on loopback, written here: a few lines of tokio
//! that speak EHLO, AUTH PLAIN, MAIL FROM, RCPT TO, DATA and QUIT and keep what they were told.
#![cfg(feature = "smtp")]
#![allow(clippy::unwrap_used)] // test helpers outside #[test] fns

use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine as _;
use chrono::{DateTime, Utc};
use loyalty_codes::channels::{MemoryChannel, SmtpChannel, SmtpSecurity};
use loyalty_codes::{
    Action, Budgets, ChannelError, CodeChannel, CodeService, Delivery, Language, MemoryStore,
    Programme, ProviderErrorKind, Recipient, SendRequest, Subject,
};
use loyalty_core::SecretString;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

const PASSWORD: &str = "smtp-Pa55word-secret";

/// What the server was told in one session.
#[derive(Debug, Default, Clone)]
struct Captured {
    ehlo: String,
    auth: Option<String>,
    mail_from: String,
    rcpt_to: Vec<String>,
    data: String,
    quit: bool,
}

/// How the server answers RCPT TO.
#[derive(Clone, Copy)]
enum Rcpt {
    Accept,
    Reply(&'static str),
}

/// Starts a one-connection-at-a-time SMTP server on 127.0.0.1; returns its port and the sessions.
async fn smtp_server(rcpt: Rcpt) -> (u16, Arc<Mutex<Vec<Captured>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let sessions = Arc::new(Mutex::new(Vec::new()));
    let out = sessions.clone();
    tokio::spawn(async move {
        // Bounded: a test needs a handful of sessions at most.
        for _ in 0..8 {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let (read, mut write) = stream.into_split();
            let mut lines = BufReader::new(read);
            let mut c = Captured::default();
            write
                .write_all(b"220 localhost ESMTP loyalty-codes test\r\n")
                .await
                .unwrap();
            let mut line = String::new();
            loop {
                line.clear();
                if lines.read_line(&mut line).await.unwrap_or(0) == 0 {
                    break;
                }
                let cmd = line.trim_end().to_owned();
                let upper = cmd.to_ascii_uppercase();
                let reply: &str = if upper.starts_with("EHLO") {
                    c.ehlo = cmd[4..].trim().to_owned();
                    "250-localhost\r\n250-8BITMIME\r\n250 AUTH PLAIN"
                } else if upper.starts_with("AUTH PLAIN") {
                    c.auth = Some(cmd[10..].trim().to_owned());
                    "235 2.7.0 Authentication successful"
                } else if upper.starts_with("MAIL FROM:") {
                    c.mail_from = cmd[10..].trim().to_owned();
                    "250 2.1.0 Ok"
                } else if upper.starts_with("RCPT TO:") {
                    c.rcpt_to.push(cmd[8..].trim().to_owned());
                    match rcpt {
                        Rcpt::Accept => "250 2.1.5 Ok",
                        Rcpt::Reply(r) => r,
                    }
                } else if upper == "DATA" {
                    write
                        .write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                        .await
                        .unwrap();
                    let mut data = String::new();
                    loop {
                        let mut l = String::new();
                        if lines.read_line(&mut l).await.unwrap_or(0) == 0 || l == ".\r\n" {
                            break;
                        }
                        data.push_str(&l);
                    }
                    c.data = data;
                    "250 2.0.0 Ok: queued as ABC123"
                } else if upper == "QUIT" {
                    c.quit = true;
                    write.write_all(b"221 2.0.0 Bye\r\n").await.unwrap();
                    break;
                } else if upper == "RSET" || upper == "NOOP" {
                    "250 2.0.0 Ok"
                } else {
                    "502 5.5.2 Command not recognized"
                };
                write
                    .write_all(format!("{reply}\r\n").as_bytes())
                    .await
                    .unwrap();
            }
            out.lock().unwrap().push(c);
        }
    });
    (port, sessions)
}

fn channel(port: u16) -> SmtpChannel {
    SmtpChannel::builder("127.0.0.1", "Coffee Club <codes@coffee.example>")
        .security(SmtpSecurity::PlainDangerous)
        .port(port)
        .hello_name("bot.coffee.example")
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap()
}

async fn deliver(
    ch: &SmtpChannel,
    language: Language,
    text: &str,
    code: &str,
) -> Result<loyalty_codes::DeliveryReceipt, ChannelError> {
    let text = SecretString::from(text.to_owned());
    let code = SecretString::from(code.to_owned());
    let r = Recipient::new().email("jane.doe@example.com");
    let expires = DateTime::<Utc>::from_timestamp(1_760_000_300, 0).unwrap();
    let d = Delivery::new(&Action::LogIn, language, &r, expires, &text, &code);
    ch.deliver(&d).await
}

/// Waits for the server to file the session (it does after QUIT).
async fn session(sessions: &Arc<Mutex<Vec<Captured>>>, n: usize) -> Captured {
    for _ in 0..200 {
        if let Some(c) = sessions.lock().unwrap().get(n) {
            return c.clone();
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("no SMTP session {n}");
}

/// The decoded body of a single-part message (7bit, 8bit, quoted-printable or base64).
fn body_of(data: &str) -> String {
    let (head, body) = data.split_once("\r\n\r\n").unwrap();
    let cte = head
        .lines()
        .find_map(|l| l.strip_prefix("Content-Transfer-Encoding: "))
        .unwrap_or("7bit")
        .trim()
        .to_ascii_lowercase();
    match cte.as_str() {
        "base64" => {
            let joined: String = body.split_whitespace().collect();
            String::from_utf8(
                base64::engine::general_purpose::STANDARD
                    .decode(joined)
                    .unwrap(),
            )
            .unwrap()
        }
        "quoted-printable" => {
            let soft = body.replace("=\r\n", "");
            let mut out = Vec::new();
            let b = soft.as_bytes();
            let mut i = 0;
            while i < b.len() {
                if b[i] == b'=' && i + 2 < b.len() {
                    out.push(
                        u8::from_str_radix(std::str::from_utf8(&b[i + 1..i + 3]).unwrap(), 16)
                            .unwrap(),
                    );
                    i += 3;
                } else {
                    out.push(b[i]);
                    i += 1;
                }
            }
            String::from_utf8(out).unwrap()
        }
        _ => body.to_owned(),
    }
}

#[tokio::test]
async fn delivers_the_code_to_the_right_recipient_over_real_smtp() {
    let (port, sessions) = smtp_server(Rcpt::Accept).await;
    let ch = channel(port);
    let text = "Your log-in code: 739154. Do not share it with anyone.";
    let receipt = deliver(&ch, Language::En, text, "739154").await.unwrap();
    assert!(
        receipt
            .provider_id
            .as_deref()
            .unwrap_or("")
            .contains("queued as ABC123"),
        "{receipt:?}"
    );
    let c = session(&sessions, 0).await;
    assert_eq!(c.ehlo, "bot.coffee.example");
    assert_eq!(c.mail_from, "<codes@coffee.example>");
    assert_eq!(c.rcpt_to, ["<jane.doe@example.com>"]);
    assert!(c.quit);
    assert!(
        c.data.contains("To: jane.doe@example.com\r\n"),
        "{}",
        c.data
    );
    assert!(
        c.data.contains("Subject: Your confirmation code\r\n"),
        "{}",
        c.data
    );
    assert!(c.data.contains("739154"), "{}", c.data);
    assert_eq!(body_of(&c.data).trim_end(), text);
    assert!(c.auth.is_none(), "no credentials configured");
}

#[tokio::test]
async fn a_ukrainian_message_arrives_whole_with_credentials_used() {
    let (port, sessions) = smtp_server(Rcpt::Accept).await;
    let ch = SmtpChannel::builder("127.0.0.1", "codes@coffee.example")
        .security(SmtpSecurity::PlainDangerous)
        .port(port)
        .credentials("bot", SecretString::from(PASSWORD))
        .subject(Language::Uk, "Ваш код")
        .build()
        .unwrap();
    let dbg = format!("{ch:?}");
    assert!(!dbg.contains(PASSWORD), "{dbg}");
    let text = "Код для входу: 204816. Нікому його не повідомляйте.";
    deliver(&ch, Language::Uk, text, "204816").await.unwrap();
    let c = session(&sessions, 0).await;
    assert_eq!(body_of(&c.data).trim_end(), text);
    assert!(c.data.contains("Subject: "), "{}", c.data);
    let auth = base64::engine::general_purpose::STANDARD
        .decode(c.auth.as_deref().unwrap())
        .unwrap();
    assert_eq!(auth, format!("\0bot\0{PASSWORD}").as_bytes());
}

#[tokio::test]
async fn smtp_refusals_are_typed() {
    let (port, _) = smtp_server(Rcpt::Reply("550 5.1.1 No such user")).await;
    let e = deliver(&channel(port), Language::En, "code 111222", "111222")
        .await
        .unwrap_err();
    assert!(
        matches!(&e, ChannelError::Provider { kind: ProviderErrorKind::Recipient, code: Some(c), .. } if c == "550"),
        "{e:?}"
    );
    assert!(!format!("{e} {e:?}").contains("111222"));
    let (port, _) = smtp_server(Rcpt::Reply("451 4.3.0 Try again later")).await;
    let e = deliver(&channel(port), Language::En, "code 111222", "111222")
        .await
        .unwrap_err();
    assert!(
        matches!(&e, ChannelError::Provider { kind: ProviderErrorKind::Unavailable, code: Some(c), .. } if c == "451"),
        "{e:?}"
    );
    // Nobody listening.
    let free = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let e = deliver(&channel(free), Language::En, "code 111222", "111222")
        .await
        .unwrap_err();
    assert!(matches!(e, ChannelError::NotSent { .. }), "{e:?}");
}

#[tokio::test]
async fn the_service_falls_back_from_sms_to_email() {
    let (port, sessions) = smtp_server(Rcpt::Accept).await;
    let sms = Arc::new(MemoryChannel::new("sms").failing(|| ChannelError::NotSent {
        message: "down".into(),
    }));
    let service = CodeService::builder(
        Programme::new()
            .budgets(Budgets::unlimited())
            .require(Action::DeleteAccount, ["sms", "email"]),
        Arc::new(MemoryStore::new()),
        SecretString::from("pepper-pepper-pepper-pepper"),
    )
    .channel(sms)
    .channel(Arc::new(channel(port)))
    .build()
    .unwrap();
    let subject = Subject::new("user:5");
    let req = SendRequest::new(
        subject.clone(),
        Action::DeleteAccount,
        Recipient::new().email("jane.doe@example.com"),
    )
    .language(Language::En);
    let r = service.send(&req).await.unwrap();
    assert_eq!(r.delivered_via.as_str(), "email");
    let c = session(&sessions, 0).await;
    let body = body_of(&c.data);
    let code: String = body.chars().filter(char::is_ascii_digit).collect();
    assert_eq!(code.len(), 6, "{body}");
    service
        .verify(&subject, &Action::DeleteAccount, &code)
        .await
        .unwrap();
}

#[tokio::test]
async fn tls_is_required_when_asked_for_and_nothing_leaks_in_clear() {
    // The loopback server offers no STARTTLS and speaks no TLS.
    for security in [SmtpSecurity::StartTls, SmtpSecurity::Tls] {
        let (port, sessions) = smtp_server(Rcpt::Accept).await;
        let ch = SmtpChannel::builder("127.0.0.1", "codes@coffee.example")
            .security(security)
            .port(port)
            .credentials("bot", SecretString::from(PASSWORD))
            .timeout(Duration::from_secs(3))
            .build()
            .unwrap();
        let e = deliver(&ch, Language::En, "code 314159", "314159")
            .await
            .unwrap_err();
        assert!(
            matches!(
                e,
                ChannelError::NotSent { .. } | ChannelError::OutcomeUnknown { .. }
            ),
            "{security:?}: {e:?}"
        );
        let s = format!("{e} {e:?}");
        assert!(!s.contains("314159") && !s.contains(PASSWORD), "{s}");
        // Whatever the server saw, it never got credentials, a sender or the message.
        tokio::time::sleep(Duration::from_millis(100)).await;
        for c in sessions.lock().unwrap().iter() {
            assert!(
                c.auth.is_none() && c.mail_from.is_empty() && c.data.is_empty(),
                "{c:?}"
            );
        }
    }
}
