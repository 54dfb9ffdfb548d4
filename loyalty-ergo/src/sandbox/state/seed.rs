//! The sandbox's seeded world: sellers, models, promotions, serials, news and notices.

use super::*;

impl World {
    /// The demo world, with dates around `now`.
    pub fn seeded(settings: Settings, now: DateTime<Utc>) -> Self {
        let today = now.date_naive();
        let days_ago = |n: u64| today.checked_sub_days(Days::new(n)).unwrap_or(today);
        let days_ahead = |n: u64| today.checked_add_days(Days::new(n)).unwrap_or(today);
        let at = |d: NaiveDate, h: u32| d.and_hms_opt(h, 0, 0).unwrap_or_default();

        let mut sellers = BTreeMap::new();
        let seller = |phone: &str,
                      name: &str,
                      lastname: &str,
                      surname: &str,
                      email: &str,
                      active: bool,
                      tts: Vec<u64>| Seller {
            phone: phone.to_owned(),
            name: name.to_owned(),
            lastname: lastname.to_owned(),
            surname: surname.to_owned(),
            email: email.to_owned(),
            active,
            trade_points: tts,
            bonus: Decimal::ZERO,
            points: Decimal::ZERO,
            earned_before: Decimal::ZERO,
            payoffs: Vec::new(),
            pending_changes: BTreeSet::new(),
        };
        let mut test = seller(
            "380889993366",
            "Test",
            "Testuvalniy",
            "Testovich",
            "test@email.net",
            true,
            vec![1771, 45765],
        );
        test.bonus = dec(1250);
        test.earned_before = dec(4000);
        test.payoffs = vec![(
            days_ahead(20),
            dec(2019),
            "Тест Тестов Тестович, поповнення картки Приватбанк 2222 3333 4444 5555".into(),
        )];
        sellers.insert(test.phone.clone(), test);
        let olena = seller(
            "380501112233",
            "Олена",
            "Коваль",
            "Петрівна",
            "olena@example.com",
            true,
            vec![2001],
        );
        sellers.insert(olena.phone.clone(), olena);
        let blocked = seller(
            "380671234567",
            "Іван",
            "Заблокований",
            "Іванович",
            "blocked@example.com",
            false,
            vec![2001],
        );
        sellers.insert(blocked.phone.clone(), blocked);

        let trade_points = BTreeMap::from([
            (1771, "Фокстрот, Київ, вул. Хрещатик 1".to_owned()),
            (45765, "Епіцентр, Львів, вул. Городоцька 10".to_owned()),
            (2001, "Comfy, Одеса, вул. Дерибасівська 5".to_owned()),
        ]);

        let model = |id, name: &str, points, brand_id, brand: &str, imei, photo, tt| ModelRec {
            id,
            name: name.to_owned(),
            points: dec(points),
            brand_id,
            brand: brand.to_owned(),
            imei,
            photo,
            tt,
        };
        let actions = vec![
            ActionRec {
                id: 17,
                name: "Телевізори ERGO: фото серійного номера".into(),
                type_id: 0,
                date_from: days_ago(30),
                date_to: days_ahead(60),
                description: Some("За кожен проданий телевізор ERGO — бали. Потрібне фото наклейки з серійним номером.".into()),
                hot_notice: Some("Важливо додати фото".into()),
                models: vec![model(17, "ERGO 43DUS6000", 25, 6, "ERGO", true, true, false)],
            },
            ActionRec {
                id: 147,
                name: "Тестова акція для мобільного застосунку".into(),
                type_id: 1,
                date_from: days_ago(30),
                date_to: days_ahead(90),
                description: None,
                hot_notice: None,
                models: vec![
                    model(1511, "LED лампа Ergo", 100, 6, "ERGO", false, false, false),
                    model(1512, "LED лампа Ergo Standard", 150, 6, "ERGO", true, false, true),
                ],
            },
            ActionRec {
                id: 160,
                name: "Ergo ТВ серпень (завершена)".into(),
                type_id: 1,
                date_from: days_ago(120),
                date_to: days_ago(60),
                description: Some("Акція завершилась".into()),
                hot_notice: None,
                models: vec![model(1600, "65CU6565MC", 25, 6, "ERGO", true, false, false)],
            },
        ];

        let mut serials: HashMap<String, Vec<(u64, u64)>> = HashMap::new();
        for (sn, a, m) in [
            // PostSN registers these (LED lamp, no photo or trade point needed).
            ("123123", 147, 1511),
            ("LED0001", 147, 1511),
            ("LED0002", 147, 1511),
            ("LED0003", 147, 1511),
            // PostSN answers result 2: the model needs a trade point / a photo.
            ("STD0001", 147, 1512),
            ("TV0001", 17, 17),
            ("TV0002", 17, 17),
            // Several actions: PostSN error 17.
            ("MULTI001", 147, 1511),
            ("MULTI001", 17, 17),
            // Only in a finished action: PostSN error 13.
            ("OLD0001", 160, 1600),
        ] {
            serials.entry(sn.to_owned()).or_default().push((a, m));
        }

        let registrations = vec![
            RegRec {
                id: 127,
                phone: "380889993366".into(),
                sn: "1234123534".into(),
                action_name: "Ergo ТВ серпень 2018".into(),
                model_name: "65CU6565MC".into(),
                points: dec(25),
                date: at(days_ago(70), 15),
                state: RegState::Rejected,
                comment: "Вы не являетесь участником партнерской программы".into(),
                to_balance_date: None,
            },
            RegRec {
                id: 128,
                phone: "380889993366".into(),
                sn: "LED0000".into(),
                action_name: "Тестова акція для мобільного застосунку".into(),
                model_name: "LED лампа Ergo".into(),
                points: dec(100),
                date: at(days_ago(20), 11),
                state: RegState::Paid,
                comment: String::new(),
                to_balance_date: Some(at(days_ago(10), 9)),
            },
        ];

        let notices = vec![
            NoticeRec {
                id: 17,
                name: "Нова акція на телевізори".into(),
                text: "Реєструйте продажі телевізорів ERGO з фото серійного номера.".into(),
                from: at(days_ago(2), 12),
                to: at(days_ahead(10), 0),
            },
            NoticeRec {
                id: 29,
                name: "Технічні роботи".into(),
                text: "Сайт клубу буде недоступний у неділю з 02:00 до 04:00.".into(),
                from: at(days_ago(1), 0),
                to: at(days_ahead(3), 17),
            },
        ];
        let news = vec![
            ArticleRec {
                id: 67657,
                name: "Старт осіннього сезону ERGO CLUB".into(),
                date: days_ago(3),
                notice: "Нові акції на телевізори та лампи".into(),
                photo: String::new(),
                text: "<p>Нові акції на <b>телевізори</b> та лампи ERGO. Деталі на <a href=\"https://club.ergo-global.com/\">сайті</a>.</p>".into(),
            },
            ArticleRec {
                id: 45342,
                name: "Переможці літнього конкурсу".into(),
                date: days_ago(9),
                notice: "Вітаємо кращих продавців літа".into(),
                photo: "https://club.ergo-global.com/img/news/45342.jpg".into(),
                text: "<p>Вітаємо переможців!</p>".into(),
            },
        ];

        Self {
            settings,
            sellers,
            trade_points,
            actions,
            serials,
            registrations,
            codes: HashMap::new(),
            last_codes: HashMap::new(),
            sessions: HashMap::new(),
            notices,
            news,
            questions: Vec::new(),
            next_id: 1000,
        }
    }
}
