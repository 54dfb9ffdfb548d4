//! The bot's login paths at its trust boundary: a number only becomes someone's login when it is
//! proven (a code the provider sent to it, or a contact the messenger vouches is the sender's
//! own), code requests are budgeted, and users never see raw errors.
#![allow(clippy::unwrap_used)]

use crate::common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use common::*;
use http::HeaderMap;
use loyalty_bot::engine::{CodeBudget, Engine, Programme};
use loyalty_core::{
    Balance, Capabilities, Capability, CodeOutcome, CodeRequest, Decimal, LoyaltyError,
    LoyaltyProvider, Region, SecretString, Session, Verification,
};
use messenger_core::{
    ButtonAnswer, CallbackRef, ChatRef, FileRef, InMemoryMessenger, Limits, MessageRef, Messenger,
    MessengerError, MessengerKind, OutgoingMessage, Update, UpdateKind,
};

/// A programme that asks for no code at all (BonusMoney's auth type "No"): every number it is
/// given logs straight in.
struct NoVerification {
    requests: AtomicUsize,
}

#[async_trait]
impl LoyaltyProvider for NoVerification {
    fn name(&self) -> &'static str {
        "noverify"
    }
    fn capabilities(&self) -> Capabilities {
        Capabilities::of(&[Capability::VerifyPhone, Capability::Balance])
    }
    async fn request_code(&self, req: &CodeRequest) -> Result<CodeOutcome, LoyaltyError> {
        self.requests.fetch_add(1, Ordering::SeqCst);
        let session = Session::new("noverify", SecretString::from("victim-session"))
            .with_customer_id(req.phone.e164());
        Ok(CodeOutcome::NoCodeNeeded(Box::new(Verification::LoggedIn(
            session,
        ))))
    }
    async fn balance(&self, _: &Session) -> Result<Balance, LoyaltyError> {
        Ok(Balance::new(Decimal::new(4200, 0)))
    }
}

async fn no_verification_bot() -> Bot {
    let provider = Arc::new(NoVerification {
        requests: AtomicUsize::new(0),
    });
    let programme = Programme::Generic {
        provider,
        display: "NoVerify",
        region: Region::RU,
        contact_login: None,
    };
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite:{}", dir.path().join("bot.db").display());
    bot_with(programme, Arc::new(|_| None), &db, dir, "+79201234567").await
}

async fn session_of(bot: &Bot) -> bool {
    let key = loyalty_bot::storage::ChatKey::new("in_memory", USER.to_string());
    bot.storage
        .user(&key)
        .await
        .unwrap()
        .is_some_and(|u| u.session.is_some())
}

#[tokio::test]
async fn a_typed_number_never_logs_in_where_the_programme_sends_no_code() {
    let bot = no_verification_bot().await;
    bot.say("/start").await;
    // Someone types a victim's number: the programme would log anyone in without a code.
    bot.say("+7 920 123 45 67").await;
    assert_eq!(
        bot.last(),
        "Для цього номера програма не надсилає код підтвердження, тому увійти можна лише з власним номером: натисніть кнопку «Надіслати номер»."
    );
    assert!(!session_of(&bot).await, "no session is stored");

    // The sender's own contact (vouched for by the messenger) logs in.
    bot.press("📱 Надіслати номер").await;
    let n = bot.texts().len();
    assert_eq!(bot.texts()[n - 2], "Готово, ви увійшли.");
    assert!(session_of(&bot).await);
}

#[tokio::test]
async fn someone_elses_contact_card_is_refused_where_the_messenger_can_tell() {
    let bot = no_verification_bot().await;
    bot.say("/start").await;
    let mut u = bot.m.share_contact(USER, "+79201234567");
    if let UpdateKind::Contact(c) = &mut u.kind {
        c.is_own = false;
    }
    bot.feed(u).await;
    assert_eq!(
        bot.last(),
        "Будь ласка, надішліть власний номер телефону, а не чужий контакт."
    );
    assert!(!session_of(&bot).await);
}

/// The in-memory messenger playing another platform (Viber cannot tell whose number a contact
/// card is), counting downloads.
struct Playing {
    inner: Arc<InMemoryMessenger>,
    kind: MessengerKind,
    downloads: Arc<AtomicUsize>,
}

impl Playing {
    fn viber(inner: Arc<InMemoryMessenger>) -> Arc<dyn Messenger> {
        Arc::new(Self {
            inner,
            kind: MessengerKind::Viber,
            downloads: Arc::default(),
        })
    }
}

#[async_trait]
impl Messenger for Playing {
    fn kind(&self) -> MessengerKind {
        self.kind
    }
    fn capabilities(&self) -> messenger_core::Capabilities {
        if self.kind == MessengerKind::Viber {
            // What the Viber adapter reports: no contact is tied to its sender.
            messenger_core::Capabilities::new().with_welcome_only_before_subscribe(true)
        } else {
            self.inner.capabilities()
        }
    }
    fn limits(&self) -> &Limits {
        self.inner.limits()
    }
    async fn send(
        &self,
        chat: &ChatRef,
        message: &OutgoingMessage,
    ) -> Result<MessageRef, MessengerError> {
        self.inner.send(chat, message).await
    }
    async fn edit(
        &self,
        message: &MessageRef,
        new: &OutgoingMessage,
    ) -> Result<(), MessengerError> {
        self.inner.edit(message, new).await
    }
    async fn answer_button(
        &self,
        callback: &CallbackRef,
        answer: &ButtonAnswer,
    ) -> Result<(), MessengerError> {
        self.inner.answer_button(callback, answer).await
    }
    async fn download(&self, file: &FileRef) -> Result<Bytes, MessengerError> {
        self.downloads.fetch_add(1, Ordering::SeqCst);
        self.inner.download(file).await
    }
    fn parse_webhook(
        &self,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<Vec<Update>, MessengerError> {
        self.inner.parse_webhook(headers, body)
    }
}

/// A Viber contact as the Viber adapter reports it: never the sender's own.
fn viber_contact(bot: &Bot, phone: &str) -> Update {
    let mut u = bot.m.share_contact(USER, phone);
    if let UpdateKind::Contact(c) = &mut u.kind {
        c.is_own = false;
    }
    u.messenger = MessengerKind::Viber;
    u
}

/// The user types `text` on "Viber".
async fn viber_says(bot: &Bot, text: &str) {
    let mut u = bot.m.user_says(USER, text);
    u.messenger = MessengerKind::Viber;
    bot.feed(u).await;
}

#[tokio::test]
async fn on_viber_a_contact_only_programme_refuses_every_login_clearly() {
    let config = loyalty_bot::config::Config::from_lookup(|k| {
        (k == "LOYALTY_PROVIDER").then(|| "loyalclient".to_owned())
    })
    .unwrap();
    let built = loyalty_bot::app::programme(&config).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite:{}", dir.path().join("bot.db").display());
    let bot = bot_custom(
        built.programme,
        Arc::new(|_| None),
        &db,
        dir,
        "+79201234567",
        |e| e,
        Playing::viber,
    )
    .await;
    let refusal = "Ця програма впізнає вас лише за вашим власним номером, а цей месенджер не підтверджує, що надісланий номер належить саме вам. Увійдіть через Telegram або MAX.";
    viber_says(&bot, "/start").await;
    // A contact card with a customer's number (anyone can share one on Viber).
    bot.feed(viber_contact(&bot, "+79201234567")).await;
    assert_eq!(bot.last(), refusal);
    viber_says(&bot, "+7 920 123 45 67").await;
    assert_eq!(bot.last(), refusal);
    let key = loyalty_bot::storage::ChatKey::new("viber", USER.to_string());
    let user = bot.storage.user(&key).await.unwrap().unwrap();
    assert!(user.session.is_none(), "nobody is logged in");
    drop(built.sandbox);
}

#[tokio::test]
async fn on_viber_a_contact_card_counts_as_a_typed_number_and_gets_a_code() {
    let e = ergo_bot().await;
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite:{}", dir.path().join("viber.db").display());
    let client = e.sandbox.client().unwrap();
    let programme = Programme::Ergo {
        actions: Arc::new(loyalty_ergo::ActionsCache::new(
            client.clone(),
            Duration::from_secs(3600),
        )),
        client,
    };
    let sandbox = e.sandbox.clone();
    let bot = bot_custom(
        programme,
        Arc::new(move |p| sandbox.last_code(p.digits())),
        &db,
        dir,
        &format!("+{SELLER}"),
        |e| e,
        Playing::viber,
    )
    .await;
    viber_says(&bot, "/start").await;
    bot.feed(viber_contact(&bot, &format!("+{SELLER}"))).await;
    let code = code(&e.sandbox, SELLER);
    assert!(
        bot.last().contains(&code),
        "a code was sent: {}",
        bot.last()
    );
    viber_says(&bot, &code).await;
    assert_eq!(
        bot.last(),
        "Головне меню:",
        "the code proves the number: {:?}",
        bot.texts()
    );
}

#[tokio::test]
async fn code_requests_are_budgeted_per_phone_and_per_chat() {
    let e = ergo_bot().await;
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite:{}", dir.path().join("budget.db").display());
    let client = e.sandbox.client().unwrap();
    let programme = Programme::Ergo {
        actions: Arc::new(loyalty_ergo::ActionsCache::new(
            client.clone(),
            Duration::from_secs(3600),
        )),
        client,
    };
    let budget = CodeBudget {
        per_phone: 2,
        per_chat: 3,
        window: chrono::Duration::hours(1),
    };
    let bot = bot_custom(
        programme,
        Arc::new(|_| None),
        &db,
        dir,
        &format!("+{SELLER}"),
        move |e: Engine| e.with_code_budget(budget),
        |m| m,
    )
    .await;
    // "Try again in N minutes": N counts down from 60 as the oldest request ages.
    let spent = |text: String| {
        let Some(rest) =
            text.strip_prefix("Забагато запитів коду підтвердження. Спробуйте ще раз через ")
        else {
            return false;
        };
        let minutes: u32 = rest.trim_end_matches(" хв.").parse().unwrap();
        assert!((55..=60).contains(&minutes), "{text}");
        true
    };
    bot.say("/start").await;
    bot.say("+380 88 999 33 66").await;
    assert!(!spent(bot.last()), "{}", bot.last());
    bot.say("+380 88 999 33 66").await;
    assert!(!spent(bot.last()), "{}", bot.last());
    // The third request for the same phone within the hour is refused before the provider.
    bot.say("+380 88 999 33 66").await;
    assert!(spent(bot.last()), "{}", bot.last());
    // Another number from the same chat: the chat has one request left, then none.
    bot.say("+380 88 111 22 33").await;
    assert!(!spent(bot.last()), "{}", bot.last());
    bot.say("+380 88 444 55 66").await;
    assert!(spent(bot.last()), "{}", bot.last());
}

#[tokio::test]
async fn a_phone_error_is_explained_in_the_users_language_not_the_parsers() {
    let e = ergo_bot().await;
    e.bot.say("/start").await;
    e.bot.say("+380 88 999 33 66 77 88").await;
    assert_eq!(
        e.bot.last(),
        "Не вдалося розпізнати номер: неправильна кількість цифр. Введіть номер у форматі +380 XX XXX XX XX."
    );
}

#[tokio::test]
async fn a_photo_is_downloaded_only_in_a_step_that_waits_for_one_and_within_the_size_cap() {
    let e = ergo_bot().await;
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite:{}", dir.path().join("photo.db").display());
    let client = e.sandbox.client().unwrap();
    let programme = Programme::Ergo {
        actions: Arc::new(loyalty_ergo::ActionsCache::new(
            client.clone(),
            Duration::from_secs(3600),
        )),
        client,
    };
    let downloads = Arc::new(AtomicUsize::new(0));
    let counter = downloads.clone();
    let sandbox = e.sandbox.clone();
    let bot = bot_custom(
        programme,
        Arc::new(move |p| sandbox.last_code(p.digits())),
        &db,
        dir,
        &format!("+{SELLER}"),
        |e| e,
        move |inner| {
            Arc::new(Playing {
                inner,
                kind: MessengerKind::InMemory,
                downloads: counter,
            })
        },
    )
    .await;
    bot.say("/start").await;
    bot.press("📱 Надіслати номер").await;
    bot.say(&code(&e.sandbox, SELLER)).await;
    assert_eq!(bot.last(), "Головне меню:");

    // At the menu a photo is not expected: it is not even downloaded.
    bot.photo(vec![0x89, b'P', b'N', b'G'], None).await;
    assert_eq!(bot.last(), "Зараз фото не потрібне. Оберіть дію в меню.");
    assert_eq!(downloads.load(Ordering::SeqCst), 0);

    // Waiting for a serial: a photo the platform says is 50 MB is refused before downloading.
    bot.press("⚡ Швидка реєстрація").await;
    let mut u = bot.m.send_photo(USER, vec![1, 2, 3], None);
    if let UpdateKind::Photo(p) = &mut u.kind {
        p.file.size = Some(50 * 1024 * 1024);
    }
    bot.feed(u).await;
    assert_eq!(bot.last(), "Не вдалося прочитати фото: файл завеликий");
    assert_eq!(downloads.load(Ordering::SeqCst), 0);

    // A small one is downloaded; garbage is explained in words, not with the decoder's error.
    bot.photo(vec![1, 2, 3], None).await;
    assert_eq!(downloads.load(Ordering::SeqCst), 1);
    assert_eq!(
        bot.last(),
        "Не вдалося прочитати фото: це не фото у форматі JPEG або PNG, або воно завелике"
    );
}
