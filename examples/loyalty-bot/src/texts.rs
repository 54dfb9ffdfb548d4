//! Every user-facing text of the bot, in Ukrainian and Russian, overridable at run time.
//!
//! Texts are templates with `{name}` placeholders. Values are substituted as plain text; the
//! messenger layer escapes them for the platform's markup, so a user called `<b>&` arrives
//! literally. An override file (JSON: `{"uk": {"key": "text"}, "ru": {...}}`) may replace any
//! text; unknown keys, unknown languages and placeholders the built-in text does not have are
//! refused at start, so a typo cannot silently blank a message.

use std::collections::HashMap;
use std::fmt;

/// An interface language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Lang {
    /// Ukrainian (the language of the Ukrainian market: ERGO).
    Uk,
    /// Russian (the language of the Russian market: BonusMoney, Manzana, LoyalClient).
    Ru,
}

impl Lang {
    /// The language code (`uk`, `ru`).
    pub fn code(self) -> &'static str {
        match self {
            Self::Uk => "uk",
            Self::Ru => "ru",
        }
    }

    /// Reads a language code (`uk`, `ua`, `ru`, with any region suffix such as `uk-UA`).
    pub fn parse(code: &str) -> Option<Self> {
        let base = code.trim().to_ascii_lowercase();
        let base = base.split(['-', '_']).next().unwrap_or_default();
        match base {
            "uk" | "ua" => Some(Self::Uk),
            "ru" => Some(Self::Ru),
            _ => None,
        }
    }

    /// The language of a programme's market: Ukrainian for Ukraine (ERGO), Russian otherwise
    /// (BonusMoney, Manzana and LoyalClient programmes are on the Russian market).
    pub fn of_market(region: loyalty_core::Region) -> Self {
        if region == loyalty_core::Region::UA {
            Self::Uk
        } else {
            Self::Ru
        }
    }

    /// The language a new chat starts in, each rule overriding the one before it:
    /// 1. the programme's market (`market`, see [`Lang::of_market`]);
    /// 2. the user's own language as the messenger reports it (`user_language`, such as
    ///    Telegram's `language_code` `"ru"` or `"uk-UA"`), when it is Ukrainian or Russian (any
    ///    other language falls back to the market's);
    /// 3. `BOT_LANG` (`bot_lang`), when set, for every new chat.
    ///
    /// The choice is stored with the chat; the language button changes it afterwards.
    pub fn initial(market: Self, user_language: Option<&str>, bot_lang: Option<Self>) -> Self {
        bot_lang
            .or_else(|| user_language.and_then(Self::parse))
            .unwrap_or(market)
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// The built-in catalogue: key, Ukrainian, Russian.
const BUILT_IN: &[(&str, &str, &str)] = &[
    // Authorization
    (
        "greeting",
        "Вітаємо, {name}! Це бот програми лояльності {programme}.\nЩоб увійти, надішліть свій номер телефону кнопкою нижче або введіть його.",
        "Здравствуйте, {name}! Это бот программы лояльности {programme}.\nЧтобы войти, отправьте свой номер телефона кнопкой ниже или введите его.",
    ),
    (
        "button_share_phone",
        "📱 Надіслати номер",
        "📱 Отправить номер",
    ),
    (
        "phone_invalid",
        "Не вдалося розпізнати номер: {reason}. Введіть номер у форматі +380 XX XXX XX XX.",
        "Не удалось распознать номер: {reason}. Введите номер в формате +380 XX XXX XX XX.",
    ),
    (
        "phone_not_own",
        "Будь ласка, надішліть власний номер телефону, а не чужий контакт.",
        "Пожалуйста, отправьте собственный номер телефона, а не чужой контакт.",
    ),
    (
        "contact_login_unavailable",
        "Ця програма впізнає вас лише за вашим власним номером, а цей месенджер не підтверджує, що надісланий номер належить саме вам. Увійдіть через Telegram або MAX.",
        "Эта программа узнаёт вас только по вашему собственному номеру, а этот мессенджер не подтверждает, что отправленный номер принадлежит именно вам. Войдите через Telegram или MAX.",
    ),
    (
        "no_code_needs_contact",
        "Для цього номера програма не надсилає код підтвердження, тому увійти можна лише з власним номером: натисніть кнопку «Надіслати номер».",
        "Для этого номера программа не отправляет код подтверждения, поэтому войти можно только со своим номером: нажмите кнопку «Отправить номер».",
    ),
    (
        "code_budget_spent",
        "Забагато запитів коду підтвердження. Спробуйте ще раз через {minutes} хв.",
        "Слишком много запросов кода подтверждения. Попробуйте ещё раз через {minutes} мин.",
    ),
    (
        "reason_phone_length",
        "неправильна кількість цифр",
        "неверное количество цифр",
    ),
    (
        "reason_phone_country",
        "невідомий код країни",
        "неизвестный код страны",
    ),
    (
        "reason_phone_format",
        "номер містить зайві символи",
        "номер содержит лишние символы",
    ),
    (
        "code_sent",
        "Ми надіслали SMS з кодом на {phone}. Введіть код:",
        "Мы отправили SMS с кодом на {phone}. Введите код:",
    ),
    (
        "code_sent_call",
        "Щоб підтвердити номер, зателефонуйте на {call_to} зі свого телефону, потім натисніть «Готово».",
        "Чтобы подтвердить номер, позвоните на {call_to} со своего телефона, затем нажмите «Готово».",
    ),
    (
        "code_wrong",
        "Код невірний. Спробуйте ще раз:",
        "Код неверный. Попробуйте ещё раз:",
    ),
    (
        "code_sent_chat",
        "Ми надіслали код у ваш інший чат із ботом, де ви вже увійшли з цим номером. Введіть код:",
        "Мы отправили код в ваш другой чат с ботом, где вы уже вошли с этим номером. Введите код:",
    ),
    (
        "code_sent_email",
        "Ми надіслали код на вашу електронну пошту. Введіть код:",
        "Мы отправили код на вашу электронную почту. Введите код:",
    ),
    (
        "code_not_delivered",
        "Не вдалося надіслати код підтвердження жодним способом. Спробуйте пізніше або зверніться до підтримки програми.",
        "Не удалось отправить код подтверждения ни одним способом. Попробуйте позже или обратитесь в поддержку программы.",
    ),
    (
        "code_wrong_left",
        "Код невірний. Залишилось спроб: {attempts}. Спробуйте ще раз:",
        "Код неверный. Осталось попыток: {attempts}. Попробуйте ещё раз:",
    ),
    (
        "code_expired_new",
        "Термін дії коду минув. Надсилаємо новий.",
        "Срок действия кода истёк. Отправляем новый.",
    ),
    (
        "code_attempts_spent",
        "Забагато невдалих спроб. Надішліть номер ще раз, щоб отримати новий код.",
        "Слишком много неудачных попыток. Отправьте номер ещё раз, чтобы получить новый код.",
    ),
    (
        "code_chat_login",
        "🔐 Код для входу в програму лояльності з іншого чату: {code}. Якщо це не ви, нікому його не повідомляйте.",
        "🔐 Код для входа в программу лояльности из другого чата: {code}. Если это не вы, никому его не сообщайте.",
    ),
    (
        "code_chat_spend",
        "🔐 Код для списання бонусів: {code}. Назвіть його лише касиру.",
        "🔐 Код для списания бонусов: {code}. Назовите его только кассиру.",
    ),
    (
        "code_chat_other",
        "🔐 Код підтвердження: {code}. Нікому його не повідомляйте.",
        "🔐 Код подтверждения: {code}. Никому его не сообщайте.",
    ),
    (
        "code_already_sent",
        "Код уже надіслано. Новий можна запросити через {seconds} с. Введіть отриманий код:",
        "Код уже отправлен. Новый можно запросить через {seconds} с. Введите полученный код:",
    ),
    (
        "phone_unknown",
        "Номер {phone} не зареєстровано в програмі. Введіть інший номер:",
        "Номер {phone} не зарегистрирован в программе. Введите другой номер:",
    ),
    (
        "user_blocked",
        "Ваш обліковий запис заблоковано. Зверніться на сайт програми: {link}",
        "Ваша учётная запись заблокирована. Обратитесь на сайт программы: {link}",
    ),
    ("auth_ok", "Готово, ви увійшли.", "Готово, вы вошли."),
    (
        "session_expired",
        "Сесія закінчилася, потрібно увійти знову.",
        "Сессия закончилась, нужно войти снова.",
    ),
    (
        "captcha",
        "Введіть символи з картинки:",
        "Введите символы с картинки:",
    ),
    // Menu
    ("menu", "Головне меню:", "Главное меню:"),
    (
        "button_quick_registration",
        "⚡ Швидка реєстрація",
        "⚡ Быстрая регистрация",
    ),
    (
        "button_full_registration",
        "📋 Повна реєстрація",
        "📋 Полная регистрация",
    ),
    ("button_balance", "💰 Баланс", "💰 Баланс"),
    ("button_news", "📰 Новини", "📰 Новости"),
    ("button_about", "ℹ️ Про програму", "ℹ️ О программе"),
    ("button_support", "💬 Підтримка", "💬 Поддержка"),
    ("button_history", "📜 Історія бонусів", "📜 История бонусов"),
    ("button_purchases", "🧾 Покупки", "🧾 Покупки"),
    ("button_promotions", "🎁 Акції", "🎁 Акции"),
    ("button_profile", "👤 Профіль", "👤 Профиль"),
    ("button_back", "⬅️ Назад", "⬅️ Назад"),
    ("button_more", "Ще ➡️", "Ещё ➡️"),
    ("button_cancel", "✖️ Скасувати", "✖️ Отменить"),
    ("button_done", "✅ Готово", "✅ Готово"),
    ("button_skip", "Пропустити", "Пропустить"),
    (
        "unknown_input",
        "Не зрозумів. Оберіть дію в меню.",
        "Не понял. Выберите действие в меню.",
    ),
    // Balance and history
    (
        "balance",
        "Ваш баланс: {available}.",
        "Ваш баланс: {available}.",
    ),
    (
        "balance_pending",
        "Очікують підтвердження: {pending}.",
        "Ожидают подтверждения: {pending}.",
    ),
    ("balance_level", "Рівень: {level}.", "Уровень: {level}."),
    (
        "balance_burn",
        "🔥 {amount} згорять {date}",
        "🔥 {amount} сгорят {date}",
    ),
    ("balance_extra", "{label}: {value}", "{label}: {value}"),
    (
        "history_empty",
        "Історія поки порожня.",
        "История пока пуста.",
    ),
    (
        "history_line",
        "{date}: +{earned} / −{spent} {reason}",
        "{date}: +{earned} / −{spent} {reason}",
    ),
    (
        "purchases_empty",
        "Покупок поки немає.",
        "Покупок пока нет.",
    ),
    (
        "purchase_line",
        "{date} · {store} · {sum}",
        "{date} · {store} · {sum}",
    ),
    (
        "purchase_detail",
        "Покупка {date}\n{store}\nСума: {sum}, знижка: {discount}\nБонусів списано: {spent}, нараховано: {earned}",
        "Покупка {date}\n{store}\nСумма: {sum}, скидка: {discount}\nБонусов списано: {spent}, начислено: {earned}",
    ),
    (
        "purchase_item",
        "• {name}: {quantity} × {price} = {total}",
        "• {name}: {quantity} × {price} = {total}",
    ),
    (
        "purchase_notification",
        "🛍 Нова покупка: {sum} у {store}. Нараховано бонусів: {earned}.",
        "🛍 Новая покупка: {sum} в {store}. Начислено бонусов: {earned}.",
    ),
    (
        "promotions_empty",
        "Зараз акцій немає.",
        "Сейчас акций нет.",
    ),
    ("news_empty", "Новин поки немає.", "Новостей пока нет."),
    (
        "profile",
        "Ім'я: {name}\nТелефон: {phone}\nE-mail: {email}\nДата народження: {birth_date}",
        "Имя: {name}\nТелефон: {phone}\nE-mail: {email}\nДата рождения: {birth_date}",
    ),
    (
        "profile_ask_email",
        "Введіть новий e-mail:",
        "Введите новый e-mail:",
    ),
    ("profile_saved", "Профіль збережено.", "Профиль сохранён."),
    (
        "email_refused",
        "Цей e-mail не прийнято. Перевірте адресу та введіть її ще раз.",
        "Этот e-mail не принят. Проверьте адрес и введите его ещё раз.",
    ),
    (
        "phone_contact_only",
        "Ця програма впізнає вас лише за вашим власним номером: натисніть кнопку «Надіслати номер».",
        "Эта программа узнаёт вас только по вашему собственному номеру: нажмите кнопку «Отправить номер».",
    ),
    ("button_review", "⭐ Залишити відгук", "⭐ Оставить отзыв"),
    (
        "review_ask",
        "Оцініть покупку від 1 до 5 і за бажанням напишіть відгук:",
        "Оцените покупку от 1 до 5 и при желании напишите отзыв:",
    ),
    ("review_saved", "Дякуємо за відгук!", "Спасибо за отзыв!"),
    (
        "review_refused",
        "Відгук не прийнято. Перевірте оцінку (від 1 до 5) і спробуйте ще раз.",
        "Отзыв не принят. Проверьте оценку (от 1 до 5) и попробуйте ещё раз.",
    ),
    (
        "review_exists",
        "Ви вже залишили відгук на цю покупку.",
        "Вы уже оставили отзыв на эту покупку.",
    ),
    // ERGO registrations
    (
        "ask_serial",
        "Введіть серійний номер товару або надішліть фото штрих-коду:",
        "Введите серийный номер товара или отправьте фото штрих-кода:",
    ),
    (
        "barcode_not_found",
        "На фото не знайдено штрих-коду. Спробуйте ще раз або введіть номер вручну.",
        "На фото не найден штрих-код. Попробуйте ещё раз или введите номер вручную.",
    ),
    (
        "photo_unreadable",
        "Не вдалося прочитати фото: {reason}",
        "Не удалось прочитать фото: {reason}",
    ),
    (
        "reason_photo_download",
        "файл не вдалося отримати",
        "файл не удалось получить",
    ),
    (
        "reason_photo_format",
        "це не фото у форматі JPEG або PNG, або воно завелике",
        "это не фото в формате JPEG или PNG, или оно слишком большое",
    ),
    (
        "reason_photo_too_large",
        "файл завеликий",
        "файл слишком большой",
    ),
    (
        "photo_not_expected",
        "Зараз фото не потрібне. Оберіть дію в меню.",
        "Сейчас фото не нужно. Выберите действие в меню.",
    ),
    (
        "reason_unknown",
        "сервіс не пояснив причину, спробуйте пізніше",
        "сервис не объяснил причину, попробуйте позже",
    ),
    (
        "serial_read",
        "Розпізнано: {serial}",
        "Распознано: {serial}",
    ),
    (
        "registration_ok",
        "✅ Зареєстровано: {model}, +{points}.",
        "✅ Зарегистрировано: {model}, +{points}.",
    ),
    (
        "registration_error",
        "❌ Реєстрацію не виконано: {reason}",
        "❌ Регистрация не выполнена: {reason}",
    ),
    (
        "registration_unknown",
        "Не вдалося дізнатися, чи пройшла реєстрація. Перевірте історію реєстрацій перед повтором.",
        "Не удалось узнать, прошла ли регистрация. Проверьте историю регистраций перед повтором.",
    ),
    (
        "registration_clarify",
        "Серійний номер коректний, але потрібне уточнення. Пройдіть повну реєстрацію для моделі {model}.",
        "Серийный номер корректный, но нужно уточнение. Пройдите полную регистрацию для модели {model}.",
    ),
    ("button_another", "➕ Ще одна", "➕ Ещё одна"),
    ("choose_action", "Оберіть акцію:", "Выберите акцию:"),
    ("choose_model", "Оберіть модель:", "Выберите модель:"),
    (
        "ask_product_photo",
        "Надішліть фото товару:",
        "Отправьте фото товара:",
    ),
    (
        "choose_trade_point",
        "Оберіть торгову точку:",
        "Выберите торговую точку:",
    ),
    (
        "about",
        "ERGO CLUB — програма мотивації продавців техніки ERGO. Умови програми: {terms_link}",
        "ERGO CLUB — программа мотивации продавцов техники ERGO. Условия программы: {terms_link}",
    ),
    (
        "support_ask",
        "Напишіть питання (можна додати фото):",
        "Напишите вопрос (можно добавить фото):",
    ),
    (
        "support_sent",
        "Питання надіслано, відповімо найближчим робочим часом.",
        "Вопрос отправлен, ответим в ближайшее рабочее время.",
    ),
    // Errors
    (
        "try_later",
        "Сервіс тимчасово недоступний. Спробуйте пізніше.",
        "Сервис временно недоступен. Попробуйте позже.",
    ),
    (
        "not_supported",
        "Ця функція недоступна в цій програмі.",
        "Эта функция недоступна в этой программе.",
    ),
];

/// A problem with an override file.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TextsError {
    /// Not JSON of the expected shape.
    #[error("the texts file is not a JSON object of languages to texts: {0}")]
    Malformed(String),
    /// A language other than `uk`/`ru`.
    #[error("the texts file names an unknown language {0:?} (use \"uk\" or \"ru\")")]
    UnknownLanguage(String),
    /// A key the bot does not use.
    #[error("the texts file overrides an unknown text {0:?}")]
    UnknownKey(String),
    /// A placeholder the built-in text does not have.
    #[error("the text {key:?} uses the placeholder {{{placeholder}}}, which it does not have")]
    UnknownPlaceholder {
        /// The text's key.
        key: String,
        /// The placeholder.
        placeholder: String,
    },
}

/// The catalogue in use: the built-in texts with any overrides.
///
/// Two layers of overrides: the override file read at start, and live edits made while the bot
/// runs (the control panel's text editor, [`Texts::set_live`]), which win over the file and take
/// effect on the next message. [`Texts::reset_live`] goes back to the file's (or built-in) text.
#[derive(Debug)]
pub struct Texts {
    overrides: HashMap<(Lang, String), String>,
    /// Live edits. Each edited text is leaked once (`Box::leak`) so [`Texts::get`] can keep
    /// returning a plain `&str` without holding the lock: edits are rare operator actions, so the
    /// memory kept is a few bytes per edit for the life of the process.
    live: std::sync::RwLock<HashMap<(Lang, String), &'static str>>,
}

impl Clone for Texts {
    fn clone(&self) -> Self {
        Self {
            overrides: self.overrides.clone(),
            live: std::sync::RwLock::new(self.live_map().clone()),
        }
    }
}

impl Default for Texts {
    fn default() -> Self {
        Self::built_in()
    }
}

fn placeholders(template: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        let after = &rest[start + 1..];
        let Some(end) = after.find('}') else { break };
        out.push(&after[..end]);
        rest = &after[end + 1..];
    }
    out
}

fn built_in(lang: Lang, key: &str) -> Option<&'static str> {
    BUILT_IN
        .iter()
        .find(|(k, _, _)| *k == key)
        .map(|(_, uk, ru)| match lang {
            Lang::Uk => *uk,
            Lang::Ru => *ru,
        })
}

impl Texts {
    /// The built-in texts.
    pub fn built_in() -> Self {
        Self {
            overrides: HashMap::new(),
            live: std::sync::RwLock::default(),
        }
    }

    fn live_map(&self) -> std::sync::RwLockReadGuard<'_, HashMap<(Lang, String), &'static str>> {
        // The map is never left half-written: a panic elsewhere cannot poison its contents.
        self.live
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Replaces `key` in `lang` while the bot runs (the next message uses it). The text may use
    /// only placeholders the built-in text has, as in the override file.
    ///
    /// # Errors
    /// [`TextsError::UnknownKey`] or [`TextsError::UnknownPlaceholder`].
    pub fn set_live(&self, lang: Lang, key: &str, text: &str) -> Result<(), TextsError> {
        let original = built_in(lang, key).ok_or_else(|| TextsError::UnknownKey(key.to_owned()))?;
        let allowed = placeholders(original);
        if let Some(p) = placeholders(text)
            .into_iter()
            .find(|p| !allowed.contains(p))
        {
            return Err(TextsError::UnknownPlaceholder {
                key: key.to_owned(),
                placeholder: p.to_owned(),
            });
        }
        let leaked: &'static str = Box::leak(text.to_owned().into_boxed_str());
        self.live
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert((lang, key.to_owned()), leaked);
        Ok(())
    }

    /// Drops the live edit of `key` in `lang` (back to the override file's or built-in text).
    pub fn reset_live(&self, lang: Lang, key: &str) {
        self.live
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .remove(&(lang, key.to_owned()));
    }

    /// The live edit of `key` in `lang`, if any.
    pub fn live(&self, lang: Lang, key: &str) -> Option<&'static str> {
        self.live_map().get(&(lang, key.to_owned())).copied()
    }

    /// The text without live edits: the override file's, else the built-in one.
    pub fn default_text(&self, lang: Lang, key: &str) -> Option<&str> {
        self.overrides
            .get(&(lang, key.to_owned()))
            .map(String::as_str)
            .or_else(|| built_in(lang, key))
    }

    /// The built-in texts with overrides from a JSON document.
    ///
    /// # Errors
    /// [`TextsError`] for malformed JSON, unknown languages or keys, or foreign placeholders.
    pub fn with_overrides(json: &str) -> Result<Self, TextsError> {
        let doc: HashMap<String, HashMap<String, String>> =
            serde_json::from_str(json).map_err(|e| TextsError::Malformed(e.to_string()))?;
        let mut overrides = HashMap::new();
        for (code, texts) in doc {
            let lang = match code.as_str() {
                "uk" => Lang::Uk,
                "ru" => Lang::Ru,
                other => return Err(TextsError::UnknownLanguage(other.to_owned())),
            };
            for (key, text) in texts {
                let original =
                    built_in(lang, &key).ok_or_else(|| TextsError::UnknownKey(key.clone()))?;
                let allowed = placeholders(original);
                if let Some(p) = placeholders(&text)
                    .into_iter()
                    .find(|p| !allowed.contains(p))
                {
                    return Err(TextsError::UnknownPlaceholder {
                        key,
                        placeholder: p.to_owned(),
                    });
                }
                overrides.insert((lang, key), text);
            }
        }
        Ok(Self {
            overrides,
            live: std::sync::RwLock::default(),
        })
    }

    /// The template for `key` in `lang`. Unknown keys give the key itself (and a warning), so a
    /// programming slip shows up in the chat instead of crashing the bot.
    pub fn get<'a>(&'a self, lang: Lang, key: &'a str) -> &'a str {
        if let Some(t) = self.live(lang, key) {
            return t;
        }
        if let Some(t) = self.overrides.get(&(lang, key.to_owned())) {
            return t;
        }
        match built_in(lang, key) {
            Some(t) => t,
            None => {
                tracing::warn!(key, "no such text in the catalogue");
                key
            }
        }
    }

    /// The text for `key` with `{name}` placeholders replaced by `args` (as plain text).
    pub fn format(&self, lang: Lang, key: &str, args: &[(&str, &str)]) -> String {
        let template = self.get(lang, key);
        let mut out = String::with_capacity(template.len() + 32);
        let mut rest = template;
        while let Some(start) = rest.find('{') {
            out.push_str(&rest[..start]);
            let after = &rest[start + 1..];
            match after.find('}') {
                Some(end) => {
                    let name = &after[..end];
                    match args.iter().find(|(n, _)| *n == name) {
                        Some((_, v)) => out.push_str(v),
                        None => {
                            out.push('{');
                            out.push_str(name);
                            out.push('}');
                        }
                    }
                    rest = &after[end + 1..];
                }
                None => {
                    out.push_str(&rest[start..]);
                    rest = "";
                }
            }
        }
        out.push_str(rest);
        out
    }

    /// Every key of the catalogue.
    pub fn keys() -> impl Iterator<Item = &'static str> {
        BUILT_IN.iter().map(|(k, _, _)| *k)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn language_order_market_then_user_then_bot_lang() {
        use loyalty_core::Region;
        // 1. The market: ERGO (Ukraine) speaks Ukrainian, the Russian-market programmes Russian.
        assert_eq!(Lang::of_market(Region::UA), Lang::Uk);
        assert_eq!(Lang::of_market(Region::RU), Lang::Ru);
        assert_eq!(Lang::initial(Lang::Ru, None, None), Lang::Ru);
        assert_eq!(Lang::initial(Lang::Uk, None, None), Lang::Uk);
        // A language the bot has no texts in (the console says "en") keeps the market's.
        assert_eq!(Lang::initial(Lang::Ru, Some("en"), None), Lang::Ru);
        assert_eq!(Lang::initial(Lang::Uk, Some(""), None), Lang::Uk);
        // 2. The user's own language beats the market.
        assert_eq!(Lang::initial(Lang::Ru, Some("uk"), None), Lang::Uk);
        assert_eq!(Lang::initial(Lang::Uk, Some("ru-RU"), None), Lang::Ru);
        // 3. BOT_LANG beats both.
        assert_eq!(
            Lang::initial(Lang::Ru, Some("ru"), Some(Lang::Uk)),
            Lang::Uk
        );
        assert_eq!(
            Lang::initial(Lang::Uk, Some("uk"), Some(Lang::Ru)),
            Lang::Ru
        );
        assert_eq!(Lang::initial(Lang::Uk, None, Some(Lang::Ru)), Lang::Ru);
    }

    #[test]
    fn both_languages_have_every_text_with_the_same_placeholders() {
        for (key, uk, ru) in BUILT_IN {
            assert!(!uk.is_empty() && !ru.is_empty(), "{key}");
            let mut a = placeholders(uk);
            let mut b = placeholders(ru);
            a.sort_unstable();
            b.sort_unstable();
            assert_eq!(a, b, "{key}");
        }
        let mut keys: Vec<_> = Texts::keys().collect();
        let n = keys.len();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), n, "duplicate keys");
    }

    #[test]
    fn format_substitutes_plain_values() {
        let t = Texts::built_in();
        assert_eq!(
            t.format(Lang::Uk, "balance", &[("available", "218,4 бала")]),
            "Ваш баланс: 218,4 бала."
        );
        assert_eq!(
            t.format(
                Lang::Ru,
                "registration_ok",
                &[("model", "<b>&"), ("points", "5 баллов")]
            ),
            "✅ Зарегистрировано: <b>&, +5 баллов."
        );
    }

    #[test]
    fn live_edits_win_over_the_file_and_reset_back_to_it() {
        let t = Texts::with_overrides(r#"{"uk": {"balance": "Файл: {available}"}}"#).unwrap();
        let shared = std::sync::Arc::new(t);
        let engine_view = shared.clone();
        shared
            .set_live(Lang::Uk, "balance", "Панель: {available}")
            .unwrap();
        assert_eq!(engine_view.get(Lang::Uk, "balance"), "Панель: {available}");
        assert_eq!(
            engine_view.default_text(Lang::Uk, "balance"),
            Some("Файл: {available}")
        );
        assert_eq!(
            shared.set_live(Lang::Uk, "balance", "{avail}").unwrap_err(),
            TextsError::UnknownPlaceholder {
                key: "balance".into(),
                placeholder: "avail".into()
            }
        );
        assert_eq!(
            shared.set_live(Lang::Uk, "balanse", "x").unwrap_err(),
            TextsError::UnknownKey("balanse".into())
        );
        shared.reset_live(Lang::Uk, "balance");
        assert_eq!(engine_view.get(Lang::Uk, "balance"), "Файл: {available}");
        assert_eq!(engine_view.live(Lang::Uk, "balance"), None);
    }

    #[test]
    fn overrides_replace_texts_and_refuse_typos() {
        let t = Texts::with_overrides(r#"{"uk": {"balance": "Бали: {available}"}}"#).unwrap();
        assert_eq!(
            t.format(Lang::Uk, "balance", &[("available", "7")]),
            "Бали: 7"
        );
        assert_eq!(
            t.format(Lang::Ru, "balance", &[("available", "7 баллов")]),
            "Ваш баланс: 7 баллов."
        );
        assert_eq!(
            Texts::with_overrides(r#"{"uk": {"balanse": "x"}}"#).unwrap_err(),
            TextsError::UnknownKey("balanse".into())
        );
        assert_eq!(
            Texts::with_overrides(r#"{"en": {}}"#).unwrap_err(),
            TextsError::UnknownLanguage("en".into())
        );
        assert_eq!(
            Texts::with_overrides(r#"{"uk": {"balance": "{avail}"}}"#).unwrap_err(),
            TextsError::UnknownPlaceholder {
                key: "balance".into(),
                placeholder: "avail".into()
            }
        );
        assert!(matches!(
            Texts::with_overrides("[1]"),
            Err(TextsError::Malformed(_))
        ));
    }

    #[test]
    fn every_key_the_engine_uses_exists() {
        let src = include_str!("engine.rs");
        let mut checked = 0;
        for pat in [
            "say(\"",
            "say_with(\"",
            "texts.get(lang, \"",
            "texts.get(self.lang, \"",
            "text(lang, \"",
            "text(\n                    lang,\n                    \"",
        ] {
            for (i, _) in src.match_indices(pat) {
                let rest = &src[i + pat.len()..];
                let key = &rest[..rest.find('"').unwrap()];
                assert!(
                    built_in(Lang::Uk, key).is_some(),
                    "the engine uses an unknown text {key:?}"
                );
                checked += 1;
            }
        }
        assert!(checked > 40, "the scan found only {checked} uses");
    }

    #[test]
    fn every_template_is_valid_markup() {
        for (key, uk, ru) in BUILT_IN {
            for t in [uk, ru] {
                let args: Vec<(&str, &str)> =
                    placeholders(t).into_iter().map(|p| (p, "x")).collect();
                assert!(
                    messenger_core::RichText::template(t, &args).is_ok(),
                    "{key}: {t}"
                );
            }
        }
    }

    #[test]
    fn unknown_keys_show_themselves() {
        assert_eq!(
            Texts::built_in().get(Lang::Uk, "no_such_text"),
            "no_such_text"
        );
    }

    #[test]
    fn languages_parse_from_messenger_codes() {
        assert_eq!(Lang::parse("uk-UA"), Some(Lang::Uk));
        assert_eq!(Lang::parse("ru"), Some(Lang::Ru));
        assert_eq!(Lang::parse("UA"), Some(Lang::Uk));
        assert_eq!(Lang::parse("en"), None);
    }
}
