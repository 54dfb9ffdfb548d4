//! The table of the variables the bot reads.

/// The variables the bot reads, with what each is for (printed by `--help`).
pub const VARIABLES: &[(&str, &str)] = &[
    (
        "LOYALTY_PROVIDER",
        "ergo (default), bonusmoney, loyalclient or manzana",
    ),
    (
        "ERGO_BASE_URL",
        "ERGO API base URL; unset: start the ERGO sandbox in process",
    ),
    (
        "BONUSMONEY_BASE_URL",
        "BonusMoney API base URL; unset: start its sandbox in process",
    ),
    (
        "BONUSMONEY_API_KEY",
        "BonusMoney API key (required with BONUSMONEY_BASE_URL)",
    ),
    (
        "LOYALCLIENT_BASE_URL",
        "LoyalClient API base URL; unset: start its sandbox in process",
    ),
    (
        "LOYALCLIENT_API_KEY",
        "LoyalClient API key (required with LOYALCLIENT_BASE_URL)",
    ),
    (
        "LOYALCLIENT_POINT",
        "LoyalClient sales point id (required with LOYALCLIENT_BASE_URL)",
    ),
    (
        "MANZANA_CUSTOMER_URL",
        "Manzana Customer office URL; unset: start its sandbox in process",
    ),
    (
        "MANZANA_MANAGER_URL",
        "Manzana Manager office URL (required with MANZANA_CUSTOMER_URL)",
    ),
    (
        "MANZANA_ADMIN_URL",
        "Manzana Administrator office URL (optional)",
    ),
    (
        "MANZANA_PARTNER_ID",
        "Manzana partner id (required with MANZANA_CUSTOMER_URL)",
    ),
    (
        "MANZANA_MANAGER_LOGIN",
        "Manzana manager login (with MANZANA_CUSTOMER_URL: this and the password, or MANZANA_MANAGER_SESSION)",
    ),
    (
        "MANZANA_MANAGER_PASSWORD",
        "Manzana manager password (required with MANZANA_MANAGER_LOGIN)",
    ),
    (
        "MANZANA_MANAGER_SESSION",
        "a fixed Manzana manager session issued by the vendor (instead of a login and password)",
    ),
    (
        "MANZANA_ADMIN_SESSION",
        "Manzana administrator session (with MANZANA_ADMIN_URL: cheque lines read as administrator)",
    ),
    (
        "MANZANA_DELETE_ENDPOINT",
        "the tenant's contact-deletion endpoint, manager:<path> or admin:<path> (Manzana publishes none; unset: the bot tells customers whom to ask)",
    ),
    (
        "TELEGRAM_BOT_TOKEN",
        "serve Telegram (with any messenger set, the console is off)",
    ),
    (
        "TELEGRAM_API_URL",
        "Bot API base URL (default https://api.telegram.org)",
    ),
    (
        "TELEGRAM_WEBHOOK_URL",
        "Telegram webhook mode: the public URL (long polling when unset)",
    ),
    (
        "TELEGRAM_WEBHOOK_SECRET",
        "Telegram webhook mode: the secret it sends back (required with the URL; 32+ characters)",
    ),
    ("MAX_BOT_TOKEN", "serve MAX with this token"),
    (
        "MAX_API_URL",
        "MAX API base URL (default https://platform-api2.max.ru)",
    ),
    (
        "MAX_WEBHOOK_URL",
        "MAX webhook mode: the public URL (long polling when unset)",
    ),
    (
        "MAX_WEBHOOK_SECRET",
        "MAX webhook mode: the secret it sends back (required with the URL; 32+ characters)",
    ),
    (
        "VIBER_AUTH_TOKEN",
        "serve Viber with this token (webhook only: Viber has no polling)",
    ),
    (
        "VIBER_API_URL",
        "Viber API base URL (default https://chatapi.viber.com/pa)",
    ),
    (
        "VIBER_WEBHOOK_URL",
        "the public URL Viber posts to (required with VIBER_AUTH_TOKEN)",
    ),
    (
        "VIBER_SENDER_NAME",
        "sender name of Viber messages (default: the programme's name)",
    ),
    (
        "VIBER_BROADCAST_API",
        "on: broadcasts go by Viber's broadcast_message, 300 users a call (the bot must be approved by Viber for it); default off: one send_message per user",
    ),
    (
        "BOT_LISTEN_ADDR",
        "HTTP listener for webhooks and notifications (default 127.0.0.1:8080)",
    ),
    (
        "TELEGRAM_RATE_LIMIT",
        "Telegram messages per second over all chats, or off (default 30, the platform's limit)",
    ),
    (
        "MAX_RATE_LIMIT",
        "MAX messages per second over all chats, or off (default: the platform's limit)",
    ),
    (
        "VIBER_RATE_LIMIT",
        "Viber messages per second over all chats, or off (default: the platform's limit)",
    ),
    (
        "DATABASE_URL",
        "sqlite:loyalty-bot.db (default) or postgres://user:pass@host/db",
    ),
    (
        "SANDBOX_LATENCY_MS",
        "the in-process ERGO sandbox answers each call after this many milliseconds (load tests; default 0)",
    ),
    (
        "CODE_BUDGET",
        "confirmation codes allowed per phone / per chat in an hour, against SMS pumping (default 5/10)",
    ),
    (
        "BOT_LANG",
        "uk or ru: every new chat's language; unset: the user's own (uk/ru) where the messenger says, else the programme's market's (ERGO uk; BonusMoney, Manzana, LoyalClient ru)",
    ),
    (
        "BOT_CURRENCY",
        "currency of sums: UAH, RUB or a symbol such as \u{20b8} (default: the programme's, \u{20b4} for ERGO, \u{20bd} for the others)",
    ),
    (
        "BOT_TEXTS_FILE",
        "JSON file overriding texts: {\"uk\": {\"key\": \"text\"}, \"ru\": {...}}",
    ),
    (
        "SUPPORT_HOURS",
        "support's working hours, e.g. Mon-Fri 09:00-18:00, Sat 10:00-14:00 (unset: always open; out of them support says when it answers)",
    ),
    (
        "SUPPORT_TZ",
        "the UTC offset of SUPPORT_HOURS: +02:00, UTC+3 or UTC (required with SUPPORT_HOURS; fixed, no daylight saving)",
    ),
    (
        "WEB_CABINET_URL",
        "a web cabinet link: a URL button in the main menu, labelled by the text button_web_cabinet (unset: no button)",
    ),
    (
        "NOTIFY_SECRET",
        "shared secret of the purchase-notification endpoint (off when unset; 32+ characters)",
    ),
    (
        "CODES_CHANNELS",
        "LoyalClient log-in codes: channels in the order tried, of sms, chat (a chat already logged in with that phone) and email (default sms,chat)",
    ),
    (
        "CODES_PEPPER",
        "secret the codes are hashed with (32+ characters; required with a real LoyalClient server to send codes; the offline demo uses a public one and says so)",
    ),
    (
        "SMSRU_API_ID",
        "SMS.ru api_id for the sms channel (required with CODES_PEPPER and sms; unset offline: an SMS.ru sandbox in process)",
    ),
    ("SMSRU_SENDER", "SMS.ru approved sender name (optional)"),
    ("SMSRU_BASE_URL", "SMS.ru base URL (default https://sms.ru)"),
    (
        "SMTP_HOST",
        "SMTP server of the email channel (required when CODES_CHANNELS has email)",
    ),
    (
        "SMTP_PORT",
        "SMTP port (default 465 with tls, 587 with starttls, 25 with plain)",
    ),
    (
        "SMTP_SECURITY",
        "tls, starttls (default) or plain (a relay on loopback only)",
    ),
    (
        "SMTP_FROM",
        "sender address of code e-mails, e.g. Coffee <codes@coffee.example> (required with SMTP_HOST)",
    ),
    ("SMTP_USER", "SMTP login (optional; with SMTP_PASSWORD)"),
    ("SMTP_PASSWORD", "SMTP password (with SMTP_USER)"),
];
