use super::*;
use std::collections::HashMap;

fn cfg(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
    let map: HashMap<String, String> = vars
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    Config::from_lookup(|k| map.get(k).cloned())
}

#[test]
fn sandbox_latency_is_read_in_milliseconds() {
    assert_eq!(cfg(&[]).unwrap().sandbox_latency, std::time::Duration::ZERO);
    let c = cfg(&[("SANDBOX_LATENCY_MS", "200")]).unwrap();
    assert_eq!(c.sandbox_latency, std::time::Duration::from_millis(200));
    let e = cfg(&[("SANDBOX_LATENCY_MS", "fast")]).unwrap_err();
    assert_eq!(e.var, "SANDBOX_LATENCY_MS");
}

#[test]
fn the_code_budget_is_per_phone_then_per_chat() {
    let d = cfg(&[]).unwrap().code_budget;
    assert_eq!((d.per_phone, d.per_chat), (5, 10));
    let c = cfg(&[("CODE_BUDGET", " 3 / 20 ")]).unwrap().code_budget;
    assert_eq!((c.per_phone, c.per_chat), (3, 20));
    assert_eq!(c.window, chrono::Duration::hours(1));
    for bad in ["5", "0/10", "5/x", "-1/2", "/"] {
        let e = cfg(&[("CODE_BUDGET", bad)]).unwrap_err();
        assert_eq!(e.var, "CODE_BUDGET", "{bad}");
    }
}

#[test]
fn nothing_set_means_offline() {
    let c = cfg(&[]).unwrap();
    assert_eq!(c.provider, ProviderKind::Ergo);
    assert!(matches!(c.loyalty, LoyaltyTarget::Sandbox));
    assert!(c.telegram.is_none());
    assert_eq!(c.database_url, "sqlite:loyalty-bot.db");
    assert_eq!(c.lang, None);
    assert_eq!(c.currency, None);
    assert_eq!(c.listen_addr.to_string(), "127.0.0.1:8080");
}

#[test]
fn full_configuration() {
    let c = cfg(&[
        ("LOYALTY_PROVIDER", "BonusMoney"),
        ("BONUSMONEY_BASE_URL", "https://bm-app.com"),
        ("BONUSMONEY_API_KEY", "key-SECRET"),
        ("TELEGRAM_BOT_TOKEN", "123:tok-SECRET"),
        ("TELEGRAM_WEBHOOK_URL", "https://bot.example.com/tg"),
        (
            "TELEGRAM_WEBHOOK_SECRET",
            "hook_SECRET-1-0123456789abcdefghijkl",
        ),
        ("BOT_LISTEN_ADDR", "0.0.0.0:9000"),
        ("DATABASE_URL", "postgres://u:p@db/bot"),
        ("BOT_LANG", "ru"),
        ("BOT_CURRENCY", "KZT"),
    ])
    .unwrap();
    assert_eq!(c.provider, ProviderKind::BonusMoney);
    assert!(
        matches!(&c.loyalty, LoyaltyTarget::Remote { base_url, api_key: Some(_) } if base_url.as_str() == "https://bm-app.com/")
    );
    let tg = c.telegram.as_ref().unwrap();
    assert_eq!(tg.api_url.as_str(), "https://api.telegram.org/");
    assert!(tg.webhook.is_some());
    assert_eq!(c.lang, Some(Lang::Ru));
    assert_eq!(c.currency.as_ref().map(Currency::symbol), Some("KZT"));
    let dbg = format!("{c:?}");
    for secret in ["key-SECRET", "tok-SECRET", "hook_SECRET"] {
        assert!(!dbg.contains(secret), "{dbg}");
    }
}

#[test]
fn several_messengers_and_other_providers() {
    let c = cfg(&[
        ("LOYALTY_PROVIDER", "manzana"),
        (
            "MANZANA_CUSTOMER_URL",
            "https://m.example/CustomerOfficeService",
        ),
        (
            "MANZANA_MANAGER_URL",
            "https://m.example/ManagerOfficeService",
        ),
        ("MANZANA_PARTNER_ID", "p-1"),
        ("MANZANA_MANAGER_LOGIN", "bot"),
        ("MANZANA_MANAGER_PASSWORD", "pw-SECRET"),
        ("TELEGRAM_BOT_TOKEN", "1:tg-SECRET"),
        ("MAX_BOT_TOKEN", "max-SECRET"),
        ("MAX_WEBHOOK_URL", "https://bot.example/max"),
        ("MAX_WEBHOOK_SECRET", "mx-SECRET-0123456789abcdefghijklmnop"),
        ("VIBER_AUTH_TOKEN", "vb-SECRET"),
        ("VIBER_WEBHOOK_URL", "https://bot.example/viber"),
    ])
    .unwrap();
    assert_eq!(c.provider, ProviderKind::Manzana);
    assert!(matches!(&c.loyalty, LoyaltyTarget::Manzana { partner_id, .. } if partner_id == "p-1"));
    assert!(c.has_messenger());
    assert!(c.telegram.is_some());
    assert_eq!(
        c.max.as_ref().unwrap().webhook.as_ref().unwrap().0.path(),
        "/max"
    );
    assert_eq!(c.viber.as_ref().unwrap().sender_name, "Manzana");
    assert!(!c.viber.as_ref().unwrap().broadcast_api, "off unless asked");
    let dbg = format!("{c:?}");
    for secret in [
        "pw-SECRET",
        "tg-SECRET",
        "max-SECRET",
        "mx-SECRET",
        "vb-SECRET",
    ] {
        assert!(!dbg.contains(secret), "{dbg}");
    }
    let c = cfg(&[
        ("VIBER_AUTH_TOKEN", "vb"),
        ("VIBER_WEBHOOK_URL", "https://bot.example/viber"),
        ("VIBER_BROADCAST_API", "ON"),
    ])
    .unwrap();
    assert!(c.viber.as_ref().unwrap().broadcast_api);
    let c = cfg(&[("LOYALTY_PROVIDER", "loyalclient")]).unwrap();
    assert!(matches!(c.loyalty, LoyaltyTarget::Sandbox));
    assert!(!c.has_messenger());
}

#[test]
fn wrong_values_name_the_variable() {
    let cases: &[(&[(&str, &str)], &str)] = &[
        (
            &[("LOYALTY_PROVIDER", "acme")],
            "LOYALTY_PROVIDER: unknown provider \"acme\" (use ergo, bonusmoney, loyalclient or manzana)",
        ),
        (
            &[("ERGO_BASE_URL", "not a url")],
            "ERGO_BASE_URL: not a URL (relative URL without a base)",
        ),
        (
            &[
                ("LOYALTY_PROVIDER", "bonusmoney"),
                ("BONUSMONEY_BASE_URL", "https://x"),
            ],
            "BONUSMONEY_API_KEY: required when BONUSMONEY_BASE_URL is set",
        ),
        (
            &[("TELEGRAM_BOT_TOKEN", "nocolon")],
            "TELEGRAM_BOT_TOKEN: does not look like a bot token (<id>:<secret>)",
        ),
        (
            &[
                ("TELEGRAM_BOT_TOKEN", "1:a"),
                ("TELEGRAM_WEBHOOK_URL", "https://x/"),
            ],
            "TELEGRAM_WEBHOOK_SECRET: required with TELEGRAM_WEBHOOK_URL",
        ),
        (
            &[
                ("TELEGRAM_BOT_TOKEN", "1:a"),
                ("TELEGRAM_WEBHOOK_URL", "http://x/"),
                ("TELEGRAM_WEBHOOK_SECRET", LONG_SECRET),
            ],
            "TELEGRAM_WEBHOOK_URL: Telegram only calls https webhooks",
        ),
        (
            &[("TELEGRAM_WEBHOOK_URL", "https://x/")],
            "TELEGRAM_WEBHOOK_URL: set, but TELEGRAM_BOT_TOKEN is not",
        ),
        (
            &[("BOT_LISTEN_ADDR", "localhost")],
            "BOT_LISTEN_ADDR: not a socket address such as 127.0.0.1:8080",
        ),
        (
            &[("DATABASE_URL", "mysql://x")],
            "DATABASE_URL: must start with sqlite: or postgres:",
        ),
        (
            &[("BOT_LANG", "en")],
            "BOT_LANG: unknown language \"en\" (use uk or ru)",
        ),
        (
            &[("BOT_CURRENCY", "dollars")],
            "BOT_CURRENCY: unknown currency \"dollars\" (use UAH, RUB or a symbol of up to 4 characters)",
        ),
        (
            &[("MAX_WEBHOOK_URL", "https://x/")],
            "MAX_WEBHOOK_URL: set, but MAX_BOT_TOKEN is not",
        ),
        (
            &[("MAX_BOT_TOKEN", "t"), ("MAX_WEBHOOK_URL", "https://x/")],
            "MAX_WEBHOOK_SECRET: required with MAX_WEBHOOK_URL",
        ),
        (
            &[("VIBER_AUTH_TOKEN", "t")],
            "VIBER_WEBHOOK_URL: required when VIBER_AUTH_TOKEN is set",
        ),
        (
            &[
                ("VIBER_AUTH_TOKEN", "t"),
                ("VIBER_WEBHOOK_URL", "https://bot.example/viber"),
                ("VIBER_BROADCAST_API", "yes"),
            ],
            "VIBER_BROADCAST_API: on or off",
        ),
        (
            &[("VIBER_BROADCAST_API", "on")],
            "VIBER_BROADCAST_API: set, but VIBER_AUTH_TOKEN is not",
        ),
        (
            &[
                ("LOYALTY_PROVIDER", "loyalclient"),
                ("LOYALCLIENT_BASE_URL", "https://x/"),
            ],
            "LOYALCLIENT_API_KEY: required when LOYALCLIENT_BASE_URL is set",
        ),
    ];
    for (vars, want) in cases {
        assert_eq!(cfg(vars).unwrap_err().to_string(), *want);
    }
}

const LONG_SECRET: &str = "0123456789abcdefghijklmnopqrstuv";

#[test]
fn short_secrets_are_refused() {
    let short = &LONG_SECRET[..31];
    let cases: &[(&[(&str, &str)], &str)] = &[
        (
            &[
                ("TELEGRAM_BOT_TOKEN", "1:a"),
                ("TELEGRAM_WEBHOOK_URL", "https://x/tg"),
                ("TELEGRAM_WEBHOOK_SECRET", short),
            ],
            "TELEGRAM_WEBHOOK_SECRET: too short: use at least 32 random characters",
        ),
        (
            &[
                ("MAX_BOT_TOKEN", "t"),
                ("MAX_WEBHOOK_URL", "https://x/max"),
                ("MAX_WEBHOOK_SECRET", short),
            ],
            "MAX_WEBHOOK_SECRET: too short: use at least 32 random characters",
        ),
        (
            &[("NOTIFY_SECRET", short)],
            "NOTIFY_SECRET: too short: use at least 32 random characters",
        ),
    ];
    for (vars, want) in cases {
        assert_eq!(cfg(vars).unwrap_err().to_string(), *want);
    }
    // 32 characters are enough.
    let c = cfg(&[("NOTIFY_SECRET", LONG_SECRET)]).unwrap();
    assert!(c.notify_secret.is_some());
}

#[test]
fn two_webhooks_on_one_path_are_refused() {
    let err = cfg(&[
        ("TELEGRAM_BOT_TOKEN", "1:a"),
        ("TELEGRAM_WEBHOOK_URL", "https://bot.example/hook"),
        ("TELEGRAM_WEBHOOK_SECRET", LONG_SECRET),
        ("VIBER_AUTH_TOKEN", "vb"),
        ("VIBER_WEBHOOK_URL", "https://bot.example/hook"),
    ])
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "VIBER_WEBHOOK_URL: its path /hook is already used by TELEGRAM_WEBHOOK_URL: give each webhook its own path"
    );
    // Two bare hosts get distinct default paths.
    let c = cfg(&[
        ("MAX_BOT_TOKEN", "t"),
        ("MAX_WEBHOOK_URL", "https://bot.example/"),
        ("MAX_WEBHOOK_SECRET", LONG_SECRET),
        ("VIBER_AUTH_TOKEN", "vb"),
        ("VIBER_WEBHOOK_URL", "https://bot.example"),
    ])
    .unwrap();
    assert_eq!(
        c.webhook_paths(),
        vec![
            ("MAX_WEBHOOK_URL", "/webhook/max".to_owned()),
            ("VIBER_WEBHOOK_URL", "/webhook/viber".to_owned()),
        ]
    );
    // The notification endpoint's path is taken too.
    let err = cfg(&[
        ("NOTIFY_SECRET", LONG_SECRET),
        ("VIBER_AUTH_TOKEN", "vb"),
        ("VIBER_WEBHOOK_URL", "https://bot.example/notify/purchase"),
    ])
    .unwrap_err();
    assert!(
        err.to_string().contains("already used by NOTIFY_SECRET"),
        "{err}"
    );
}

#[test]
fn rate_limits_per_messenger() {
    let c = cfg(&[("TELEGRAM_RATE_LIMIT", "off"), ("MAX_RATE_LIMIT", "5")]).unwrap();
    assert_eq!(c.telegram_rate, SendLimit::Off);
    assert_eq!(
        c.max_rate,
        SendLimit::PerSecond(std::num::NonZeroU32::new(5).unwrap())
    );
    assert_eq!(c.viber_rate, SendLimit::Platform);
    let e = cfg(&[("VIBER_RATE_LIMIT", "fast")]).unwrap_err();
    assert_eq!(e.var, "VIBER_RATE_LIMIT");
    assert!(cfg(&[("TELEGRAM_RATE_LIMIT", "0")]).is_err());
}

#[test]
fn the_manzana_delete_endpoint_names_its_service_and_path() {
    let base = [
        ("LOYALTY_PROVIDER", "manzana"),
        (
            "MANZANA_CUSTOMER_URL",
            "https://m.example/CustomerOfficeService",
        ),
        (
            "MANZANA_MANAGER_URL",
            "https://m.example/ManagerOfficeService",
        ),
        ("MANZANA_PARTNER_ID", "p-1"),
        ("MANZANA_MANAGER_SESSION", "s-1"),
    ];
    let with = |v: &'static str| {
        let mut vars = base.to_vec();
        vars.push(("MANZANA_DELETE_ENDPOINT", v));
        cfg(&vars)
    };
    let endpoint = |c: Config| match c.loyalty {
        LoyaltyTarget::Manzana {
            delete_endpoint, ..
        } => delete_endpoint,
        _ => None,
    };
    assert_eq!(endpoint(cfg(&base).unwrap()), None);
    assert_eq!(
        endpoint(with("manager:/Contact/Delete").unwrap()),
        Some(loyalty_manzana::CustomEndpoint::new(
            loyalty_manzana::Service::Manager,
            "Contact/Delete"
        ))
    );
    assert_eq!(
        endpoint(with("admin:Contact/Remove").unwrap()),
        Some(loyalty_manzana::CustomEndpoint::new(
            loyalty_manzana::Service::Admin,
            "Contact/Remove"
        ))
    );
    for bad in [
        "Contact/Delete",
        "customer:Contact/Delete",
        "manager:",
        "admin:a b",
    ] {
        assert_eq!(
            with(bad).unwrap_err().var,
            "MANZANA_DELETE_ENDPOINT",
            "{bad}"
        );
    }
}
