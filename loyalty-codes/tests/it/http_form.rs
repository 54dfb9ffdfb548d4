//! The generic HTTP form channel against wiremock: field names, static and secret fields, the
//! secret header, GET and POST, success markers, error statuses, and `Debug` without secrets.
#![allow(clippy::unwrap_used)] // test helpers outside #[test] fns

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use loyalty_codes::channels::{FormMethod, HttpFormChannel, PhoneFormat};
use loyalty_codes::{
    Action, ChannelError, CodeChannel, Delivery, DeliveryReceipt, Language, ProviderErrorKind,
    Recipient,
};
use loyalty_core::{Phone, Region, SecretString};
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Match, Mock, MockServer, Request, ResponseTemplate};

const KEY: &str = "Bearer gw-KEY-0f9e8d7c";
const SECRET_FIELD: &str = "pw-5up3r-s3cret";
const TEXT: &str = "Код для входу: 556677.";
const CODE: &str = "556677";

struct Form(BTreeMap<String, String>);

impl Match for Form {
    fn matches(&self, request: &Request) -> bool {
        url::form_urlencoded::parse(&request.body)
            .into_owned()
            .collect::<BTreeMap<_, _>>()
            == self.0
    }
}

fn form(pairs: &[(&str, &str)]) -> Form {
    Form(
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
    )
}

async fn deliver(ch: &HttpFormChannel) -> Result<DeliveryReceipt, ChannelError> {
    let text = SecretString::from(TEXT);
    let code = SecretString::from(CODE);
    let r = Recipient::new().phone(Phone::parse("088 999 33 66", Region::UA).unwrap());
    let expires = DateTime::<Utc>::from_timestamp(1_760_000_300, 0).unwrap();
    ch.deliver(&Delivery::new(
        &Action::LogIn,
        Language::Uk,
        &r,
        expires,
        &text,
        &code,
    ))
    .await
}

#[tokio::test]
async fn posts_the_configured_form_with_the_secret_header() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v2/send"))
        .and(header("authorization", KEY))
        .and(header("content-type", "application/x-www-form-urlencoded"))
        .and(form(&[
            ("recipient", "+380889993366"),
            ("message", TEXT),
            ("sender", "Coffee"),
            ("password", SECRET_FIELD),
        ]))
        .respond_with(ResponseTemplate::new(200).set_body_string("OK 12345"))
        .expect(1)
        .mount(&server)
        .await;
    let ch = HttpFormChannel::builder(format!("{}/api/v2/send", server.uri()))
        .phone_field("recipient")
        .text_field("message")
        .phone_format(PhoneFormat::E164)
        .param("sender", "Coffee")
        .secret_param("password", SecretString::from(SECRET_FIELD))
        .secret_header("Authorization", SecretString::from(KEY))
        .success_body_contains("OK")
        .build()
        .unwrap();
    deliver(&ch).await.unwrap();
    let dbg = format!("{ch:?}");
    assert!(!dbg.contains(KEY) && !dbg.contains(SECRET_FIELD), "{dbg}");
    assert!(dbg.contains("Coffee") && dbg.contains("password"), "{dbg}");
}

#[tokio::test]
async fn get_puts_the_fields_in_the_query() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/send"))
        .and(query_param("to", "380889993366"))
        .and(query_param("text", TEXT))
        .and(query_param("from", "Shop"))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    let ch = HttpFormChannel::builder(format!("{}/send", server.uri()))
        .method(FormMethod::GetQuery)
        .phone_field("to")
        .param("from", "Shop")
        .build()
        .unwrap();
    deliver(&ch).await.unwrap();
}

#[tokio::test]
async fn error_statuses_and_missing_markers_fail_without_leaking() {
    let server = MockServer::start().await;
    let ch = HttpFormChannel::builder(format!("{}/send", server.uri()))
        .success_body_contains("\"ok\":true")
        .build()
        .unwrap();
    let cases: [(u16, &str); 4] = [
        (401, "bad key"),
        (429, "slow down"),
        (400, "invalid phone"),
        (503, "<html>down</html>"),
    ];
    for (status, body) in cases {
        server.reset().await;
        Mock::given(method("POST"))
            // A gateway that echoes the request must not put the code into the error.
            .respond_with(ResponseTemplate::new(status).set_body_string(format!("{body}: {TEXT}")))
            .mount(&server)
            .await;
        let e = deliver(&ch).await.unwrap_err();
        let s = format!("{e} {e:?}");
        assert!(!s.contains(CODE), "{s}");
        match status {
            401 => assert!(
                matches!(
                    e,
                    ChannelError::Provider {
                        kind: ProviderErrorKind::Configuration,
                        ..
                    }
                ),
                "{e:?}"
            ),
            429 => assert!(
                matches!(
                    e,
                    ChannelError::Provider {
                        kind: ProviderErrorKind::Unavailable,
                        ..
                    }
                ),
                "{e:?}"
            ),
            400 => assert!(
                matches!(
                    e,
                    ChannelError::Provider {
                        kind: ProviderErrorKind::Unknown,
                        ..
                    }
                ),
                "{e:?}"
            ),
            _ => assert!(matches!(e, ChannelError::OutcomeUnknown { .. }), "{e:?}"),
        }
    }
    server.reset().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_string("{\"ok\":false}"))
        .mount(&server)
        .await;
    let e = deliver(&ch).await.unwrap_err();
    assert!(matches!(e, ChannelError::Provider { .. }), "{e:?}");
}

#[test]
fn bad_configuration_is_refused() {
    assert!(
        HttpFormChannel::builder("ftp://gw.example/send")
            .build()
            .is_err()
    );
    assert!(
        HttpFormChannel::builder("https://gw.example/send?key=1")
            .build()
            .is_err()
    );
    assert!(
        HttpFormChannel::builder("https://gw.example/send")
            .secret_header("bad header", SecretString::from("x"))
            .build()
            .is_err()
    );
}
