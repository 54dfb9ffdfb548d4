//! The built-in catalogue: every text the bot says, by [`TextKey`], in Ukrainian and Russian.
//!
//! One list makes the enum, its names and the texts, so a key the code uses and a text the
//! catalogue has cannot drift apart: a misspelled or missing key fails to compile.

/// Declares [`TextKey`] (one variant per text, with its name) and the built-in texts.
macro_rules! catalogue {
    ($($variant:ident = $key:literal => ($uk:literal, $ru:literal $(,)?),)*) => {
        /// The name of one text of the catalogue. The override file (`BOT_TEXTS_FILE`) and the
        /// control panel name texts by [`TextKey::as_str`]; [`TextKey::parse`] reads a name back.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum TextKey {
            $(
                #[doc = concat!("`", $key, "`")]
                $variant,
            )*
        }

        impl TextKey {
            /// Every key, in catalogue order.
            pub const ALL: &'static [TextKey] = &[$(TextKey::$variant),*];

            /// The key's name, as the override file and the control panel spell it.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $key,)*
                }
            }

            /// The built-in texts: (Ukrainian, Russian).
            pub(super) const fn built_in(self) -> (&'static str, &'static str) {
                match self {
                    $(Self::$variant => ($uk, $ru),)*
                }
            }
        }
    };
}

catalogue! {
    // Authorization
    Greeting = "greeting" => (
        "Вітаємо, {name}! Це бот програми лояльності {programme}.\nЩоб увійти, надішліть свій номер телефону кнопкою нижче або введіть його.",
        "Здравствуйте, {name}! Это бот программы лояльности {programme}.\nЧтобы войти, отправьте свой номер телефона кнопкой ниже или введите его.",
    ),
    ButtonSharePhone = "button_share_phone" => ("📱 Надіслати номер", "📱 Отправить номер"),
    PhoneInvalid = "phone_invalid" => (
        "Не вдалося розпізнати номер: {reason}. Введіть номер у форматі +380 XX XXX XX XX.",
        "Не удалось распознать номер: {reason}. Введите номер в формате +380 XX XXX XX XX.",
    ),
    PhoneNotOwn = "phone_not_own" => (
        "Будь ласка, надішліть власний номер телефону, а не чужий контакт.",
        "Пожалуйста, отправьте собственный номер телефона, а не чужой контакт.",
    ),
    ContactLoginUnavailable = "contact_login_unavailable" => (
        "Ця програма впізнає вас лише за вашим власним номером, а цей месенджер не підтверджує, що надісланий номер належить саме вам. Увійдіть через Telegram або MAX.",
        "Эта программа узнаёт вас только по вашему собственному номеру, а этот мессенджер не подтверждает, что отправленный номер принадлежит именно вам. Войдите через Telegram или MAX.",
    ),
    NoCodeNeedsContact = "no_code_needs_contact" => (
        "Для цього номера програма не надсилає код підтвердження, тому увійти можна лише з власним номером: натисніть кнопку «Надіслати номер».",
        "Для этого номера программа не отправляет код подтверждения, поэтому войти можно только со своим номером: нажмите кнопку «Отправить номер».",
    ),
    CodeBudgetSpent = "code_budget_spent" => (
        "Забагато запитів коду підтвердження. Спробуйте ще раз через {minutes} хв.",
        "Слишком много запросов кода подтверждения. Попробуйте ещё раз через {minutes} мин.",
    ),
    ReasonPhoneLength = "reason_phone_length" => (
        "неправильна кількість цифр",
        "неверное количество цифр",
    ),
    ReasonPhoneCountry = "reason_phone_country" => (
        "невідомий код країни",
        "неизвестный код страны",
    ),
    ReasonPhoneFormat = "reason_phone_format" => (
        "номер містить зайві символи",
        "номер содержит лишние символы",
    ),
    CodeSent = "code_sent" => (
        "Ми надіслали SMS з кодом на {phone}. Введіть код:",
        "Мы отправили SMS с кодом на {phone}. Введите код:",
    ),
    CodeSentCall = "code_sent_call" => (
        "Щоб підтвердити номер, зателефонуйте на {call_to} зі свого телефону, потім натисніть «Готово».",
        "Чтобы подтвердить номер, позвоните на {call_to} со своего телефона, затем нажмите «Готово».",
    ),
    CodeWrong = "code_wrong" => (
        "Код невірний. Спробуйте ще раз:",
        "Код неверный. Попробуйте ещё раз:",
    ),
    CodeSentChat = "code_sent_chat" => (
        "Ми надіслали код у ваш інший чат із ботом, де ви вже увійшли з цим номером. Введіть код:",
        "Мы отправили код в ваш другой чат с ботом, где вы уже вошли с этим номером. Введите код:",
    ),
    CodeSentEmail = "code_sent_email" => (
        "Ми надіслали код на вашу електронну пошту. Введіть код:",
        "Мы отправили код на вашу электронную почту. Введите код:",
    ),
    CodeNotDelivered = "code_not_delivered" => (
        "Не вдалося надіслати код підтвердження жодним способом. Спробуйте пізніше або зверніться до підтримки програми.",
        "Не удалось отправить код подтверждения ни одним способом. Попробуйте позже или обратитесь в поддержку программы.",
    ),
    CodeWrongLeft = "code_wrong_left" => (
        "Код невірний. Залишилось спроб: {attempts}. Спробуйте ще раз:",
        "Код неверный. Осталось попыток: {attempts}. Попробуйте ещё раз:",
    ),
    CodeExpiredNew = "code_expired_new" => (
        "Термін дії коду минув. Надсилаємо новий.",
        "Срок действия кода истёк. Отправляем новый.",
    ),
    CodeAttemptsSpent = "code_attempts_spent" => (
        "Забагато невдалих спроб. Надішліть номер ще раз, щоб отримати новий код.",
        "Слишком много неудачных попыток. Отправьте номер ещё раз, чтобы получить новый код.",
    ),
    CodeChatLogin = "code_chat_login" => (
        "🔐 Код для входу в програму лояльності з іншого чату: {code}. Якщо це не ви, нікому його не повідомляйте.",
        "🔐 Код для входа в программу лояльности из другого чата: {code}. Если это не вы, никому его не сообщайте.",
    ),
    CodeChatSpend = "code_chat_spend" => (
        "🔐 Код для списання бонусів: {code}. Назвіть його лише касиру.",
        "🔐 Код для списания бонусов: {code}. Назовите его только кассиру.",
    ),
    CodeChatOther = "code_chat_other" => (
        "🔐 Код підтвердження: {code}. Нікому його не повідомляйте.",
        "🔐 Код подтверждения: {code}. Никому его не сообщайте.",
    ),
    CodeAlreadySent = "code_already_sent" => (
        "Код уже надіслано. Новий можна запросити через {seconds} с. Введіть отриманий код:",
        "Код уже отправлен. Новый можно запросить через {seconds} с. Введите полученный код:",
    ),
    PhoneUnknown = "phone_unknown" => (
        "Номер {phone} не зареєстровано в програмі. Введіть інший номер:",
        "Номер {phone} не зарегистрирован в программе. Введите другой номер:",
    ),
    UserBlocked = "user_blocked" => (
        "Ваш обліковий запис заблоковано. Зверніться на сайт програми: {link}",
        "Ваша учётная запись заблокирована. Обратитесь на сайт программы: {link}",
    ),
    AuthOk = "auth_ok" => ("Готово, ви увійшли.", "Готово, вы вошли."),
    SessionExpired = "session_expired" => (
        "Сесія закінчилася, потрібно увійти знову.",
        "Сессия закончилась, нужно войти снова.",
    ),
    Captcha = "captcha" => ("Введіть символи з картинки:", "Введите символы с картинки:"),
    // Menu
    Menu = "menu" => ("Головне меню:", "Главное меню:"),
    ButtonQuickRegistration = "button_quick_registration" => (
        "⚡ Швидка реєстрація",
        "⚡ Быстрая регистрация",
    ),
    ButtonFullRegistration = "button_full_registration" => (
        "📋 Повна реєстрація",
        "📋 Полная регистрация",
    ),
    ButtonBalance = "button_balance" => ("💰 Баланс", "💰 Баланс"),
    ButtonNews = "button_news" => ("📰 Новини", "📰 Новости"),
    ButtonAbout = "button_about" => ("ℹ️ Про програму", "ℹ️ О программе"),
    ButtonSupport = "button_support" => ("💬 Підтримка", "💬 Поддержка"),
    ButtonHistory = "button_history" => ("📜 Історія бонусів", "📜 История бонусов"),
    ButtonPurchases = "button_purchases" => ("🧾 Покупки", "🧾 Покупки"),
    ButtonPromotions = "button_promotions" => ("🎁 Акції", "🎁 Акции"),
    ButtonProfile = "button_profile" => ("👤 Профіль", "👤 Профиль"),
    ButtonBack = "button_back" => ("⬅️ Назад", "⬅️ Назад"),
    ButtonMore = "button_more" => ("Ще ➡️", "Ещё ➡️"),
    ButtonCancel = "button_cancel" => ("✖️ Скасувати", "✖️ Отменить"),
    ButtonDone = "button_done" => ("✅ Готово", "✅ Готово"),
    ButtonSkip = "button_skip" => ("Пропустити", "Пропустить"),
    UnknownInput = "unknown_input" => (
        "Не зрозумів. Оберіть дію в меню.",
        "Не понял. Выберите действие в меню.",
    ),
    // Balance and history
    Balance = "balance" => ("Ваш баланс: {available}.", "Ваш баланс: {available}."),
    BalancePending = "balance_pending" => (
        "Очікують підтвердження: {pending}.",
        "Ожидают подтверждения: {pending}.",
    ),
    BalanceLevel = "balance_level" => ("Рівень: {level}.", "Уровень: {level}."),
    BalanceBurn = "balance_burn" => ("🔥 {amount} згорять {date}", "🔥 {amount} сгорят {date}"),
    BalanceExtra = "balance_extra" => ("{label}: {value}", "{label}: {value}"),
    HistoryEmpty = "history_empty" => ("Історія поки порожня.", "История пока пуста."),
    HistoryLine = "history_line" => (
        "{date}: +{earned} / −{spent} {reason}",
        "{date}: +{earned} / −{spent} {reason}",
    ),
    PurchasesEmpty = "purchases_empty" => ("Покупок поки немає.", "Покупок пока нет."),
    PurchaseLine = "purchase_line" => ("{date} · {store} · {sum}", "{date} · {store} · {sum}"),
    PurchaseDetail = "purchase_detail" => (
        "Покупка {date}\n{store}\nСума: {sum}, знижка: {discount}\nБонусів списано: {spent}, нараховано: {earned}",
        "Покупка {date}\n{store}\nСумма: {sum}, скидка: {discount}\nБонусов списано: {spent}, начислено: {earned}",
    ),
    PurchaseItem = "purchase_item" => (
        "• {name}: {quantity} × {price} = {total}",
        "• {name}: {quantity} × {price} = {total}",
    ),
    PurchaseNotification = "purchase_notification" => (
        "🛍 Нова покупка: {sum} у {store}. Нараховано бонусів: {earned}.",
        "🛍 Новая покупка: {sum} в {store}. Начислено бонусов: {earned}.",
    ),
    PromotionsEmpty = "promotions_empty" => ("Зараз акцій немає.", "Сейчас акций нет."),
    NewsEmpty = "news_empty" => ("Новин поки немає.", "Новостей пока нет."),
    Profile = "profile" => (
        "Ім'я: {name}\nТелефон: {phone}\nE-mail: {email}\nДата народження: {birth_date}",
        "Имя: {name}\nТелефон: {phone}\nE-mail: {email}\nДата рождения: {birth_date}",
    ),
    ProfileAskEmail = "profile_ask_email" => ("Введіть новий e-mail:", "Введите новый e-mail:"),
    ProfileSaved = "profile_saved" => ("Профіль збережено.", "Профиль сохранён."),
    EmailRefused = "email_refused" => (
        "Цей e-mail не прийнято. Перевірте адресу та введіть її ще раз.",
        "Этот e-mail не принят. Проверьте адрес и введите его ещё раз.",
    ),
    PhoneContactOnly = "phone_contact_only" => (
        "Ця програма впізнає вас лише за вашим власним номером: натисніть кнопку «Надіслати номер».",
        "Эта программа узнаёт вас только по вашему собственному номеру: нажмите кнопку «Отправить номер».",
    ),
    ButtonReview = "button_review" => ("⭐ Залишити відгук", "⭐ Оставить отзыв"),
    ReviewAsk = "review_ask" => (
        "Оцініть покупку від 1 до 5 і за бажанням напишіть відгук:",
        "Оцените покупку от 1 до 5 и при желании напишите отзыв:",
    ),
    ReviewSaved = "review_saved" => ("Дякуємо за відгук!", "Спасибо за отзыв!"),
    ReviewRefused = "review_refused" => (
        "Відгук не прийнято. Перевірте оцінку (від 1 до 5) і спробуйте ще раз.",
        "Отзыв не принят. Проверьте оценку (от 1 до 5) и попробуйте ещё раз.",
    ),
    ReviewExists = "review_exists" => (
        "Ви вже залишили відгук на цю покупку.",
        "Вы уже оставили отзыв на эту покупку.",
    ),
    // ERGO registrations
    AskSerial = "ask_serial" => (
        "Введіть серійний номер товару або надішліть фото штрих-коду:",
        "Введите серийный номер товара или отправьте фото штрих-кода:",
    ),
    BarcodeNotFound = "barcode_not_found" => (
        "На фото не знайдено штрих-коду. Спробуйте ще раз або введіть номер вручну.",
        "На фото не найден штрих-код. Попробуйте ещё раз или введите номер вручную.",
    ),
    PhotoUnreadable = "photo_unreadable" => (
        "Не вдалося прочитати фото: {reason}",
        "Не удалось прочитать фото: {reason}",
    ),
    ReasonPhotoDownload = "reason_photo_download" => (
        "файл не вдалося отримати",
        "файл не удалось получить",
    ),
    ReasonPhotoFormat = "reason_photo_format" => (
        "це не фото у форматі JPEG або PNG, або воно завелике",
        "это не фото в формате JPEG или PNG, или оно слишком большое",
    ),
    ReasonPhotoTooLarge = "reason_photo_too_large" => ("файл завеликий", "файл слишком большой"),
    PhotoNotExpected = "photo_not_expected" => (
        "Зараз фото не потрібне. Оберіть дію в меню.",
        "Сейчас фото не нужно. Выберите действие в меню.",
    ),
    ReasonUnknown = "reason_unknown" => (
        "сервіс не пояснив причину, спробуйте пізніше",
        "сервис не объяснил причину, попробуйте позже",
    ),
    SerialRead = "serial_read" => ("Розпізнано: {serial}", "Распознано: {serial}"),
    RegistrationOk = "registration_ok" => (
        "✅ Зареєстровано: {model}, +{points}.",
        "✅ Зарегистрировано: {model}, +{points}.",
    ),
    RegistrationError = "registration_error" => (
        "❌ Реєстрацію не виконано: {reason}",
        "❌ Регистрация не выполнена: {reason}",
    ),
    RegistrationUnknown = "registration_unknown" => (
        "Не вдалося дізнатися, чи пройшла реєстрація. Перевірте історію реєстрацій перед повтором.",
        "Не удалось узнать, прошла ли регистрация. Проверьте историю регистраций перед повтором.",
    ),
    RegistrationClarify = "registration_clarify" => (
        "Серійний номер коректний, але потрібне уточнення. Пройдіть повну реєстрацію для моделі {model}.",
        "Серийный номер корректный, но нужно уточнение. Пройдите полную регистрацию для модели {model}.",
    ),
    ButtonAnother = "button_another" => ("➕ Ще одна", "➕ Ещё одна"),
    ChooseAction = "choose_action" => ("Оберіть акцію:", "Выберите акцию:"),
    ChooseModel = "choose_model" => ("Оберіть модель:", "Выберите модель:"),
    AskProductPhoto = "ask_product_photo" => ("Надішліть фото товару:", "Отправьте фото товара:"),
    ChooseTradePoint = "choose_trade_point" => (
        "Оберіть торгову точку:",
        "Выберите торговую точку:",
    ),
    About = "about" => (
        "ERGO CLUB — програма мотивації продавців техніки ERGO. Умови програми: {terms_link}",
        "ERGO CLUB — программа мотивации продавцов техники ERGO. Условия программы: {terms_link}",
    ),
    SupportAsk = "support_ask" => (
        "Напишіть питання (можна додати фото):",
        "Напишите вопрос (можно добавить фото):",
    ),
    SupportSent = "support_sent" => (
        "Питання надіслано, відповімо найближчим робочим часом.",
        "Вопрос отправлен, ответим в ближайшее рабочее время.",
    ),
    // Errors
    TryLater = "try_later" => (
        "Сервіс тимчасово недоступний. Спробуйте пізніше.",
        "Сервис временно недоступен. Попробуйте позже.",
    ),
    NotSupported = "not_supported" => (
        "Ця функція недоступна в цій програмі.",
        "Эта функция недоступна в этой программе.",
    ),
    // Sellers (ERGO)
    ButtonRegistrations = "button_registrations" => ("📜 Історія реєстрацій", "📜 История регистраций"),
    ButtonPrevious = "button_previous" => ("⬅️ Попередні", "⬅️ Предыдущие"),
    ButtonNewRegistration = "button_new_registration" => ("🔁 Нова реєстрація", "🔁 Новая регистрация"),
    ButtonWebCabinet = "button_web_cabinet" => ("🌐 Веб-кабінет", "🌐 Веб-кабинет"),
    RegistrationsEmpty = "registrations_empty" => ("Реєстрацій ще немає.", "Регистраций пока нет."),
    RegistrationsPage = "registrations_page" => (
        "📜 *Ваші реєстрації* ({from}–{to} з {total}):",
        "📜 *Ваши регистрации* ({from}–{to} из {total}):",
    ),
    RegistrationItem = "registration_item" => (
        "*{model}*, SN {serial}\n{date} · {points}\nСтатус: {status}",
        "*{model}*, SN {serial}\n{date} · {points}\nСтатус: {status}",
    ),
    RegistrationReason = "registration_reason" => ("Причина: {reason}", "Причина: {reason}"),
    StatusToBalance = "status_to_balance" => (
        "підтверджена, бали ще не на балансі",
        "подтверждена, баллы ещё не на балансе",
    ),
    StatusPaid = "status_paid" => ("бали зараховано на баланс {date}", "баллы зачислены на баланс {date}"),
    StatusForTest = "status_for_test" => (
        "підтверджена, для зарахування потрібно пройти тест",
        "подтверждена, для зачисления нужно пройти тест",
    ),
    StatusForConfirmation = "status_for_confirmation" => ("на перевірці", "на проверке"),
    StatusRejected = "status_rejected" => ("відхилена", "отклонена"),
    SellerProfile = "seller_profile" => (
        "👤 *Ваш профіль*\nІм'я: {name}\nПрізвище: {lastname}\nПо батькові: {surname}\nТелефон: {phone}\nE-mail: {email}\nТоргові точки: {trade_points}",
        "👤 *Ваш профиль*\nИмя: {name}\nФамилия: {lastname}\nОтчество: {surname}\nТелефон: {phone}\nE-mail: {email}\nТорговые точки: {trade_points}",
    ),
    NotSet = "not_set" => ("не вказано", "не указано"),
    ButtonEditName = "button_edit_name" => ("✏️ Ім'я", "✏️ Имя"),
    ButtonEditLastname = "button_edit_lastname" => ("✏️ Прізвище", "✏️ Фамилия"),
    ButtonEditSurname = "button_edit_surname" => ("✏️ По батькові", "✏️ Отчество"),
    ButtonEditSellerEmail = "button_edit_seller_email" => ("✏️ E-mail", "✏️ E-mail"),
    AskSellerName = "ask_seller_name" => ("Введіть ім'я:", "Введите имя:"),
    AskSellerLastname = "ask_seller_lastname" => ("Введіть прізвище:", "Введите фамилию:"),
    AskSellerSurname = "ask_seller_surname" => ("Введіть по батькові:", "Введите отчество:"),
    AskSellerEmail = "ask_seller_email" => (
        "Введіть e-mail (наприклад, name@example.com):",
        "Введите e-mail (например, name@example.com):",
    ),
    SellerNameInvalid = "seller_name_invalid" => (
        "Потрібно від 2 до 50 літер (можна дефіс, апостроф і пробіл), без цифр. Введіть ще раз:",
        "Нужно от 2 до 50 букв (можно дефис, апостроф и пробел), без цифр. Введите ещё раз:",
    ),
    SellerEmailInvalid = "seller_email_invalid" => (
        "Це не схоже на e-mail. Введіть адресу у вигляді name@example.com:",
        "Это не похоже на e-mail. Введите адрес в виде name@example.com:",
    ),
    SellerProfileSaved = "seller_profile_saved" => ("✅ Профіль оновлено.", "✅ Профиль обновлён."),
    NewsPage = "news_page" => (
        "📰 *Новини* ({from}–{to} з {total}). Оберіть новину, щоб прочитати її повністю:",
        "📰 *Новости* ({from}–{to} из {total}). Выберите новость, чтобы прочитать её полностью:",
    ),
    NoticesHeader = "notices_header" => ("📣 *Оповіщення*", "📣 *Оповещения*"),
    ArticleEmpty = "article_empty" => ("Текст цієї новини недоступний.", "Текст этой новости недоступен."),
    ButtonAllNews = "button_all_news" => ("📰 До новин", "📰 К новостям"),
    GroupKindBonus = "group_kind_bonus" => ("бонусна", "бонусная"),
    GroupKindAccumulative = "group_kind_accumulative" => ("накопичувальна", "накопительная"),
    GroupType = "group_type" => ("Тип акції: {kind}", "Тип акции: {kind}"),
    GroupPeriod = "group_period" => ("Період дії: {from} – {to}", "Период действия: {from} – {to}"),
    GroupConditions = "group_conditions" => ("Умови: {conditions}", "Условия: {conditions}"),
    ErrActionUnknown = "err_action_unknown" => (
        "❌ Такої акції немає. Оберіть акцію зі списку ще раз або напишіть у підтримку.",
        "❌ Такой акции нет. Выберите акцию из списка ещё раз или напишите в поддержку.",
    ),
    ErrActionEnded = "err_action_ended" => (
        "❌ Акція, за якою ви реєструєте модель, уже закінчилася. Оберіть іншу акцію або напишіть у підтримку.",
        "❌ Акция, по которой вы регистрируете модель, уже закончилась. Выберите другую акцию или напишите в поддержку.",
    ),
    ErrSerialNotInAction = "err_serial_not_in_action" => (
        "❌ Товар із серійним номером {serial} не бере участі в акції. Перевірте номер і зробіть нову реєстрацію або напишіть у підтримку.",
        "❌ Товар с серийным номером {serial} не участвует в акции. Проверьте номер и сделайте новую регистрацию или напишите в поддержку.",
    ),
    ErrTradePoint = "err_trade_point" => (
        "❌ Торгову точку не вказано або вона не належить вам. Зробіть нову реєстрацію й оберіть свою торгову точку; якщо її немає у списку, напишіть у підтримку.",
        "❌ Торговая точка не указана или не принадлежит вам. Сделайте новую регистрацию и выберите свою торговую точку; если её нет в списке, напишите в поддержку.",
    ),
    ErrPhotoInvalid = "err_photo_invalid" => (
        "❌ Фото серійного номера не прийнято. Зробіть нову реєстрацію з чітким фото або напишіть у підтримку.",
        "❌ Фото серийного номера не принято. Сделайте новую регистрацию с чётким фото или напишите в поддержку.",
    ),
    ErrActionData = "err_action_data" => (
        "❌ Даних для цієї акції та моделі недостатньо. Зробіть нову реєстрацію або напишіть у підтримку.",
        "❌ Данных для этой акции и модели недостаточно. Сделайте новую регистрацию или напишите в поддержку.",
    ),
    ErrPhotoRequired = "err_photo_required" => (
        "❌ Для цієї моделі потрібне фото серійного номера. Зробіть нову реєстрацію й надішліть фото або напишіть у підтримку.",
        "❌ Для этой модели нужно фото серийного номера. Сделайте новую регистрацию и отправьте фото или напишите в поддержку.",
    ),
    ErrAlreadyRegistered = "err_already_registered" => (
        "❌ Серійний номер {serial} уже зареєстровано. Якщо ви його не реєстрували, напишіть у підтримку; інший товар — нова реєстрація.",
        "❌ Серийный номер {serial} уже зарегистрирован. Если вы его не регистрировали, напишите в поддержку; другой товар — новая регистрация.",
    ),
    ErrSerialInvalid = "err_serial_invalid" => (
        "❌ Серійний номер {serial} некоректний. Перевірте його й зробіть нову реєстрацію або напишіть у підтримку.",
        "❌ Серийный номер {serial} некорректен. Проверьте его и сделайте новую регистрацию или напишите в поддержку.",
    ),
    ErrSeveralActions = "err_several_actions" => (
        "❌ Товар із серійним номером {serial} бере участь у кількох акціях. Пройдіть повну реєстрацію й оберіть акцію або напишіть у підтримку.",
        "❌ Товар с серийным номером {serial} участвует в нескольких акциях. Пройдите полную регистрацию и выберите акцию или напишите в поддержку.",
    ),
    ErrRegistrationOther = "err_registration_other" => (
        "❌ Реєстрацію не виконано (код помилки ERGO {code}). Напишіть у підтримку або спробуйте нову реєстрацію.",
        "❌ Регистрация не выполнена (код ошибки ERGO {code}). Напишите в поддержку или попробуйте новую регистрацию.",
    ),
    SupportClosedAsk = "support_closed_ask" => (
        "🌙 Зараз неробочий час підтримки (графік: {hours}). Ваше питання опрацюють найближчим робочим часом: {next}.\nНапишіть питання (можна додати фото):",
        "🌙 Сейчас нерабочее время поддержки (график: {hours}). Ваш вопрос обработают в ближайшее рабочее время: {next}.\nНапишите вопрос (можно добавить фото):",
    ),
    SupportSentClosed = "support_sent_closed" => (
        "Питання надіслано. Зараз неробочий час (графік: {hours}), його опрацюють найближчим робочим часом: {next}.",
        "Вопрос отправлен. Сейчас нерабочее время (график: {hours}), его обработают в ближайшее рабочее время: {next}.",
    ),
    // Live operator chat (issue 20)
    SupportLiveOpened = "support_live_opened" => (
        "💬 Ви на зв'язку з оператором. Напишіть питання (можна додати фото). Щоб повернутися до бота, натисніть «Завершити діалог».",
        "💬 Вы на связи с оператором. Напишите вопрос (можно добавить фото). Чтобы вернуться к боту, нажмите «Завершить диалог».",
    ),
    SupportLiveOutOfHours = "support_live_out_of_hours" => (
        "🌙 Зараз оператори не працюють. Графік: {hours}. Найближчий робочий час: {next}.",
        "🌙 Сейчас операторы не работают. График: {hours}. Ближайшее рабочее время: {next}.",
    ),
    SupportLiveEnded = "support_live_ended" => (
        "Діалог з оператором завершено. Дякуємо за звернення!",
        "Диалог с оператором завершён. Спасибо за обращение!",
    ),
    SupportLiveClosed = "support_live_closed" => (
        "Оператор завершив діалог. Дякуємо за звернення!",
        "Оператор завершил диалог. Спасибо за обращение!",
    ),
    SupportLiveHint = "support_live_hint" => (
        "Зараз ви спілкуєтеся з оператором: напишіть повідомлення або надішліть фото.",
        "Сейчас вы общаетесь с оператором: напишите сообщение или отправьте фото.",
    ),
    ButtonSupportEnd = "button_support_end" => ("✖️ Завершити діалог", "✖️ Завершить диалог"),
    // Customers
    SignUpStart = "sign_up_start" => (
        "Вас ще немає в програмі {programme}. Зареєструємося: кілька запитань про вас.",
        "Вас ещё нет в программе {programme}. Зарегистрируемся: несколько вопросов о вас.",
    ),
    AskFirstName = "ask_first_name" => ("Введіть ваше ім'я:", "Введите ваше имя:"),
    AskLastName = "ask_last_name" => ("Введіть ваше прізвище:", "Введите вашу фамилию:"),
    AskPatronymic = "ask_patronymic" => ("Введіть ваше по батькові:", "Введите ваше отчество:"),
    AskBirthDate = "ask_birth_date" => (
        "Введіть дату народження у форматі ДД.ММ.РРРР (наприклад, 30.05.1990):",
        "Введите дату рождения в формате ДД.ММ.ГГГГ (например, 30.05.1990):",
    ),
    AskGender = "ask_gender" => ("Оберіть стать кнопкою нижче:", "Выберите пол кнопкой ниже:"),
    AskEmail = "ask_email" => ("Введіть ваш e-mail:", "Введите ваш e-mail:"),
    InvalidName = "invalid_name" => (
        "Це не схоже на ім'я: лише літери, пробіл, дефіс або апостроф, до 50 символів. Введіть ще раз:",
        "Это не похоже на имя: только буквы, пробел, дефис или апостроф, до 50 символов. Введите ещё раз:",
    ),
    InvalidBirthDate = "invalid_birth_date" => (
        "Не вдалося прочитати дату. Введіть її у форматі ДД.ММ.РРРР, наприклад 30.05.1990:",
        "Не удалось прочитать дату. Введите её в формате ДД.ММ.ГГГГ, например 30.05.1990:",
    ),
    InvalidBirthDateAge = "invalid_birth_date_age" => (
        "Перевірте рік: учасникові програми має бути від 14 до 120 років. Введіть дату ще раз:",
        "Проверьте год: участнику программы должно быть от 14 до 120 лет. Введите дату ещё раз:",
    ),
    EmailInvalid = "email_invalid" => (
        "Це не схоже на адресу e-mail (приклад: name@example.com). Введіть ще раз:",
        "Это не похоже на адрес e-mail (пример: name@example.com). Введите ещё раз:",
    ),
    ButtonMale = "button_male" => ("👨 Чоловіча", "👨 Мужской"),
    ButtonFemale = "button_female" => ("👩 Жіноча", "👩 Женский"),
    ButtonSkipField = "button_skip_field" => ("⏭ Пропустити", "⏭ Пропустить"),
    GenderMale = "gender_male" => ("чоловіча", "мужской"),
    GenderFemale = "gender_female" => ("жіноча", "женский"),
    SignUpRefused = "sign_up_refused" => (
        "Програма не прийняла дані ({fields}). Почнімо анкету спочатку.",
        "Программа не приняла данные ({fields}). Начнём анкету сначала.",
    ),
    SignUpDone = "sign_up_done" => (
        "Вітаємо в програмі! Реєстрацію завершено.",
        "Добро пожаловать в программу! Регистрация завершена.",
    ),
    ProfileDetails = "profile_details" => (
        "Ім'я: {first_name}\nПрізвище: {last_name}\nПо батькові: {patronymic}\nДата народження: {birth_date}\nСтать: {gender}\nТелефон: {phone}\nE-mail: {email}",
        "Имя: {first_name}\nФамилия: {last_name}\nОтчество: {patronymic}\nДата рождения: {birth_date}\nПол: {gender}\nТелефон: {phone}\nE-mail: {email}",
    ),
    ProfileReadOnly = "profile_read_only" => (
        "Змінити ці дані в боті не можна: зверніться до адміністратора програми {programme} (на касі або в службі підтримки магазину).",
        "Изменить эти данные в боте нельзя: обратитесь к администратору программы {programme} (на кассе или в службе поддержки магазина).",
    ),
    ButtonEditFirstName = "button_edit_first_name" => ("✏️ Ім'я", "✏️ Имя"),
    ButtonEditLastName = "button_edit_last_name" => ("✏️ Прізвище", "✏️ Фамилия"),
    ButtonEditPatronymic = "button_edit_patronymic" => ("✏️ По батькові", "✏️ Отчество"),
    ButtonEditBirthDate = "button_edit_birth_date" => ("✏️ Дата народження", "✏️ Дата рождения"),
    ButtonEditGender = "button_edit_gender" => ("✏️ Стать", "✏️ Пол"),
    ButtonEditEmail = "button_edit_email" => ("✏️ E-mail", "✏️ E-mail"),
    ButtonDeleteAccount = "button_delete_account" => ("🗑 Видалити акаунт", "🗑 Удалить аккаунт"),
    DeleteAsk = "delete_ask" => (
        "Видалити ваш акаунт у програмі {programme}? Бонуси та історію покупок буде втрачено назавжди.",
        "Удалить ваш аккаунт в программе {programme}? Бонусы и история покупок будут потеряны навсегда.",
    ),
    ButtonDeleteYes = "button_delete_yes" => ("🗑 Так, видалити", "🗑 Да, удалить"),
    Deleted = "deleted" => (
        "Акаунт видалено. Щоб знову приєднатися до програми, надішліть номер телефону.",
        "Аккаунт удалён. Чтобы снова присоединиться к программе, отправьте номер телефона.",
    ),
    DeleteNotAvailable = "delete_not_available" => (
        "Програма {programme} не дозволяє видалити акаунт через бот. Щоб видалити його, зверніться до служби підтримки магазину або на касу: акаунт видалить оператор програми.",
        "Программа {programme} не позволяет удалить аккаунт через бот. Чтобы удалить его, обратитесь в службу поддержки магазина или на кассу: аккаунт удалит оператор программы.",
    ),
    CallNotYet = "call_not_yet" => (
        "Дзвінок з вашого номера ще не надійшов. Зателефонуйте на {call_to} і натисніть «Готово».",
        "Звонок с вашего номера ещё не поступил. Позвоните на {call_to} и нажмите «Готово».",
    ),
    CaptchaAsk = "captcha_ask" => (
        "Введіть символи з картинки, щоб отримати код:",
        "Введите символы с картинки, чтобы получить код:",
    ),
    CaptchaWrong = "captcha_wrong" => (
        "Символи не збіглися. Ось нова картинка:",
        "Символы не совпали. Вот новая картинка:",
    ),
    ButtonCard = "button_card" => ("💳 Моя картка", "💳 Моя карта"),
    CardCaption = "card_caption" => (
        "Ваша картка: {number}\nПокажіть QR-код на касі.",
        "Ваша карта: {number}\nПокажите QR-код на кассе.",
    ),
    CardNone = "card_none" => (
        "У вас ще немає картки програми.",
        "У вас ещё нет карты программы.",
    ),
    ButtonLevels = "button_levels" => ("🏆 Рівні", "🏆 Уровни"),
    LevelLine = "level_line" => (
        "{mark} {name}: від {required}, кешбек {percent}%",
        "{mark} {name}: от {required}, кешбэк {percent}%",
    ),
    LevelProgress = "level_progress" => (
        "Ваші покупки: {sum}. До рівня «{next}» залишилось {left}.",
        "Ваши покупки: {sum}. До уровня «{next}» осталось {left}.",
    ),
    LevelTop = "level_top" => (
        "Ваші покупки: {sum}. У вас найвищий рівень.",
        "Ваши покупки: {sum}. У вас высший уровень.",
    ),
    ButtonCompany = "button_company" => ("🏪 Про компанію", "🏪 О компании"),
    CompanyContact = "company_contact" => ("{label}: {value}", "{label}: {value}"),
    ButtonNotices = "button_notices" => ("🔔 Сповіщення", "🔔 Уведомления"),
    ButtonReviews = "button_reviews" => ("⭐ Мої відгуки", "⭐ Мои отзывы"),
    ReviewsEmpty = "reviews_empty" => ("Ви ще не залишали відгуків.", "Вы ещё не оставляли отзывов."),
    ReviewItem = "review_item" => ("{date} · {sum} · {stars} {text}", "{date} · {sum} · {stars} {text}"),
    ReviewResponse = "review_response" => ("↪️ Відповідь: {text}", "↪️ Ответ: {text}"),
    PromotionCoupon = "promotion_coupon" => ("🎟 Купон: {number}", "🎟 Купон: {number}"),
    PromotionUntil = "promotion_until" => ("Діє до {date}", "Действует до {date}"),
    PurchaseSummary = "purchase_summary" => (
        "{date} · {store}\n{sum} · списано {spent}, нараховано {earned}",
        "{date} · {store}\n{sum} · списано {spent}, начислено {earned}",
    ),
    PurchaseCashier = "purchase_cashier" => ("Касир: {cashier}", "Кассир: {cashier}"),
    // Surveys (issue 19)
    SurveyInvitation = "survey_invitation" => (
        "📋 {title}\nПоділіться, будь ласка, думкою: запитань — {count}. Це займе хвилину.",
        "📋 {title}\nПоделитесь, пожалуйста, мнением: вопросов — {count}. Это займёт минуту.",
    ),
    ButtonSurveyStart = "button_survey_start" => ("▶️ Почати", "▶️ Начать"),
    ButtonSurveySkip = "button_survey_skip" => ("⏭ Пропустити опитування", "⏭ Пропустить опрос"),
    SurveyQuestion = "survey_question" => (
        "Запитання {number} з {total}\n{text}",
        "Вопрос {number} из {total}\n{text}",
    ),
    SurveyQuestionOpen = "survey_question_open" => (
        "Запитання {number} з {total}\n{text}\n\n✍️ Напишіть відповідь одним повідомленням.",
        "Вопрос {number} из {total}\n{text}\n\n✍️ Напишите ответ одним сообщением.",
    ),
    SurveyChooseOption = "survey_choose_option" => (
        "Оберіть, будь ласка, один із варіантів кнопкою під запитанням.",
        "Выберите, пожалуйста, один из вариантов кнопкой под вопросом.",
    ),
    SurveyThanks = "survey_thanks" => (
        "🙏 Дякуємо за відповіді!",
        "🙏 Спасибо за ответы!",
    ),
    SurveySkipped = "survey_skipped" => (
        "Гаразд, опитування пропущено. Повернутися до нього можна кнопкою «Почати» в запрошенні.",
        "Хорошо, опрос пропущен. Вернуться к нему можно кнопкой «Начать» в приглашении.",
    ),
    SurveyAlreadyDone = "survey_already_done" => (
        "Ви вже відповіли на це опитування. Дякуємо!",
        "Вы уже ответили на этот опрос. Спасибо!",
    ),
    SurveyGone = "survey_gone" => (
        "Це опитування вже недоступне.",
        "Этот опрос уже недоступен.",
    ),
    SurveyStale = "survey_stale" => (
        "На це запитання ви вже відповіли або воно вже неактуальне.",
        "На этот вопрос вы уже ответили, или он уже неактуален.",
    ),
}
