use std::collections::HashMap;

use super::*;
use crate::config::ConfigError;

fn cfg(vars: &[(&str, &str)], offline: bool) -> Result<CodesConfig, ConfigError> {
    let map: HashMap<String, String> = vars
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    CodesConfig::from_lookup(&|k: &str| map.get(k).cloned(), offline)
}

const PEPPER: &str = "pepper-SECRET-0123456789abcdefghijk";

#[test]
fn offline_the_demo_sends_codes_by_the_sms_sandbox_then_chat() {
    let c = cfg(&[], true).unwrap();
    assert!(c.enabled);
    assert_eq!(c.channels, vec![ChannelKind::Sms, ChannelKind::Chat]);
    assert!(c.pepper.is_none());
    assert!(matches!(c.sms, Some(SmsTarget::Sandbox)));
    assert!(c.smtp.is_none());
}

#[test]
fn a_real_server_sends_codes_only_when_configured() {
    // Nothing set: no codes (contact-only log-in, as before).
    let c = cfg(&[], false).unwrap();
    assert!(!c.enabled);
    // A pepper turns them on, and the default sms channel then needs SMS.ru.
    let e = cfg(&[("CODES_PEPPER", PEPPER)], false).unwrap_err();
    assert_eq!(
        e.to_string(),
        "SMSRU_API_ID: required when CODES_CHANNELS has sms"
    );
    let c = cfg(
        &[
            ("CODES_PEPPER", PEPPER),
            ("SMSRU_API_ID", "api-SECRET"),
            ("SMSRU_SENDER", "Coffee"),
        ],
        false,
    )
    .unwrap();
    assert!(c.enabled);
    assert!(matches!(&c.sms, Some(SmsTarget::SmsRu { sender: Some(s), .. }) if s == "Coffee"));
    let dbg = format!("{c:?}");
    assert!(
        !dbg.contains("api-SECRET") && !dbg.contains("pepper-SECRET"),
        "{dbg}"
    );
    // Channels without a pepper: refused.
    let e = cfg(&[("CODES_CHANNELS", "chat")], false).unwrap_err();
    assert_eq!(e.var, "CODES_PEPPER");
    let c = cfg(
        &[("CODES_CHANNELS", "chat"), ("CODES_PEPPER", PEPPER)],
        false,
    )
    .unwrap();
    assert_eq!(c.channels, vec![ChannelKind::Chat]);
    assert!(c.sms.is_none());
}

#[test]
fn wrong_values_name_the_variable() {
    let cases: &[(&[(&str, &str)], &str)] = &[
        (
            &[("CODES_PEPPER", "short")],
            "CODES_PEPPER: too short: use at least 32 random characters",
        ),
        (
            &[("CODES_CHANNELS", "sms,fax")],
            "CODES_CHANNELS: unknown channel \"fax\" (use sms, email and chat)",
        ),
        (
            &[("CODES_CHANNELS", "sms,SMS")],
            "CODES_CHANNELS: SMS is listed twice",
        ),
        (
            &[("CODES_CHANNELS", " , ")],
            "CODES_CHANNELS: lists no channel",
        ),
        (
            &[("CODES_CHANNELS", "email")],
            "SMTP_HOST: required when CODES_CHANNELS has email",
        ),
        (
            &[("CODES_CHANNELS", "email"), ("SMTP_HOST", "smtp.example")],
            "SMTP_FROM: required when SMTP_HOST is set",
        ),
        (
            &[("SMTP_HOST", "smtp.example")],
            "SMTP_HOST: set, but CODES_CHANNELS has no email",
        ),
        (
            &[
                ("CODES_CHANNELS", "email"),
                ("SMTP_HOST", "smtp.example"),
                ("SMTP_FROM", "c@example.com"),
                ("SMTP_SECURITY", "ssl"),
            ],
            "SMTP_SECURITY: unknown value \"ssl\" (use tls, starttls or plain)",
        ),
    ];
    for (vars, want) in cases {
        assert_eq!(cfg(vars, true).unwrap_err().to_string(), *want);
    }
    let c = cfg(
        &[
            ("CODES_CHANNELS", "email,sms"),
            ("SMTP_HOST", "smtp.example"),
            ("SMTP_FROM", "Coffee <c@example.com>"),
            ("SMTP_USER", "codes"),
            ("SMTP_PASSWORD", "smtp-SECRET"),
            ("SMTP_PORT", "2525"),
        ],
        true,
    )
    .unwrap();
    assert_eq!(c.channels, vec![ChannelKind::Email, ChannelKind::Sms]);
    assert_eq!(c.smtp.as_ref().unwrap().port, Some(2525));
    assert!(!format!("{c:?}").contains("smtp-SECRET"));
}
