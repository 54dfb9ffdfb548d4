//! ERGO: every error code of `PostSN`/`PostSNModel` explained in the user's language with the
//! next step seed 004 names (write to support, or a new registration; the full registration
//! where the quick one cannot do; the site for a blocked seller, code 3; codes 1 and 2, an
//! expired session, log in again before this is reached). ERGO's own comment (Russian or English) is never shown: it
//! only tells apart the meanings of the shared codes 14 and 16 ([`ErgoError::kind`]) and goes
//! to the log.

use loyalty_core::LoyaltyError;
use loyalty_ergo::{ErgoError, ErgoErrorKind, ErgoMethod};

use crate::texts::TextKey;

/// What to offer after a failed registration, besides "support" and "menu".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum NextStep {
    /// A new registration (of the same kind, for the same model).
    NewRegistration,
    /// The full registration (choose the action and the model).
    FullRegistration,
    /// Nothing in the bot: the seller is blocked and is sent to the programme's site (seed 004,
    /// authorization 3.2).
    Site,
}

/// The text and next step for a registration error `e` returned by `method`.
pub(super) fn explain(method: ErgoMethod, e: &LoyaltyError) -> (TextKey, NextStep) {
    use ErgoErrorKind as K;
    use NextStep::{FullRegistration as Full, NewRegistration as New};
    let Some(ergo) = ErgoError::from_error(e) else {
        // The client's own refusals (an empty serial) come without an ERGO code.
        return match e {
            LoyaltyError::InvalidInput { .. } => (TextKey::ErrSerialInvalid, New),
            _ => (TextKey::ErrRegistrationOther, New),
        };
    };
    match ergo.kind(method) {
        K::ActionUnknown => (TextKey::ErrActionUnknown, Full),
        K::ActionEnded => (TextKey::ErrActionEnded, Full),
        K::SerialNotInAction => (TextKey::ErrSerialNotInAction, New),
        K::TradePointInvalid => (TextKey::ErrTradePoint, New),
        K::PhotoInvalid => (TextKey::ErrPhotoInvalid, New),
        K::ActionDataInvalid => (TextKey::ErrActionData, New),
        K::PhotoRequired => (TextKey::ErrPhotoRequired, New),
        K::SerialAlreadyRegistered => (TextKey::ErrAlreadyRegistered, New),
        K::SerialInvalid => (TextKey::ErrSerialInvalid, New),
        K::SeveralActions => (TextKey::ErrSeveralActions, Full),
        K::UserNotActive => (TextKey::UserBlocked, NextStep::Site),
        _ => (TextKey::ErrRegistrationOther, New),
    }
}

/// The ERGO code of `e`, as text (empty when it has none).
pub(super) fn code_of(e: &LoyaltyError) -> String {
    ErgoError::from_error(e)
        .map(|x| x.code.to_string())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::texts::{Lang, Texts};

    /// Every documented code of the two methods (and the seed's example comments), with the
    /// exact Ukrainian and Russian texts.
    #[test]
    fn every_registration_error_code_has_its_own_text() {
        use ErgoMethod::{PostSN, PostSNModel};
        use NextStep::{FullRegistration as Full, NewRegistration as New};
        let table: &[(ErgoMethod, i64, &str, NextStep, &str, &str)] = &[
            (
                PostSNModel,
                11,
                "incorrect action",
                Full,
                "❌ Такої акції немає. Оберіть акцію зі списку ще раз або напишіть у підтримку.",
                "❌ Такой акции нет. Выберите акцию из списка ещё раз или напишите в поддержку.",
            ),
            (
                PostSNModel,
                12,
                "incorrect action date",
                Full,
                "❌ Акція, за якою ви реєструєте модель, уже закінчилася. Оберіть іншу акцію або напишіть у підтримку.",
                "❌ Акция, по которой вы регистрируете модель, уже закончилась. Выберите другую акцию или напишите в поддержку.",
            ),
            (
                PostSN,
                13,
                "incorrect action model",
                New,
                "❌ Товар із серійним номером SN1 не бере участі в акції. Перевірте номер і зробіть нову реєстрацію або напишіть у підтримку.",
                "❌ Товар с серийным номером SN1 не участвует в акции. Проверьте номер и сделайте новую регистрацию или напишите в поддержку.",
            ),
            (
                PostSNModel,
                13,
                "incorrect action model",
                New,
                "❌ Товар із серійним номером SN1 не бере участі в акції. Перевірте номер і зробіть нову реєстрацію або напишіть у підтримку.",
                "❌ Товар с серийным номером SN1 не участвует в акции. Проверьте номер и сделайте новую регистрацию или напишите в поддержку.",
            ),
            (
                PostSNModel,
                14,
                "incorrect sn_tt data",
                New,
                "❌ Торгову точку не вказано або вона не належить вам. Зробіть нову реєстрацію й оберіть свою торгову точку; якщо її немає у списку, напишіть у підтримку.",
                "❌ Торговая точка не указана или не принадлежит вам. Сделайте новую регистрацию и выберите свою торговую точку; если её нет в списке, напишите в поддержку.",
            ),
            (
                PostSNModel,
                14,
                "incorrect sn_photo data",
                New,
                "❌ Фото серійного номера не прийнято. Зробіть нову реєстрацію з чітким фото або напишіть у підтримку.",
                "❌ Фото серийного номера не принято. Сделайте новую регистрацию с чётким фото или напишите в поддержку.",
            ),
            (
                PostSNModel,
                14,
                "incorrect data",
                New,
                "❌ Даних для цієї акції та моделі недостатньо. Зробіть нову реєстрацію або напишіть у підтримку.",
                "❌ Данных для этой акции и модели недостаточно. Сделайте новую регистрацию или напишите в поддержку.",
            ),
            (
                PostSNModel,
                15,
                "Необходимо приложить фото",
                New,
                "❌ Для цієї моделі потрібне фото серійного номера. Зробіть нову реєстрацію й надішліть фото або напишіть у підтримку.",
                "❌ Для этой модели нужно фото серийного номера. Сделайте новую регистрацию и отправьте фото или напишите в поддержку.",
            ),
            (
                PostSN,
                16,
                "Серийный номер SN1 уже зарегистрирован",
                New,
                "❌ Серійний номер SN1 уже зареєстровано. Якщо ви його не реєстрували, напишіть у підтримку; інший товар — нова реєстрація.",
                "❌ Серийный номер SN1 уже зарегистрирован. Если вы его не регистрировали, напишите в поддержку; другой товар — новая регистрация.",
            ),
            (
                PostSNModel,
                16,
                " Серийный номер SN1 не принимает участия в акции ",
                New,
                "❌ Товар із серійним номером SN1 не бере участі в акції. Перевірте номер і зробіть нову реєстрацію або напишіть у підтримку.",
                "❌ Товар с серийным номером SN1 не участвует в акции. Проверьте номер и сделайте новую регистрацию или напишите в поддержку.",
            ),
            (
                PostSN,
                16,
                "incorrect sn",
                New,
                "❌ Серійний номер SN1 некоректний. Перевірте його й зробіть нову реєстрацію або напишіть у підтримку.",
                "❌ Серийный номер SN1 некорректен. Проверьте его и сделайте новую регистрацию или напишите в поддержку.",
            ),
            (
                PostSN,
                17,
                "found several action models",
                Full,
                "❌ Товар із серійним номером SN1 бере участь у кількох акціях. Пройдіть повну реєстрацію й оберіть акцію або напишіть у підтримку.",
                "❌ Товар с серийным номером SN1 участвует в нескольких акциях. Пройдите полную регистрацию и выберите акцию или напишите в поддержку.",
            ),
            (
                PostSN,
                99,
                "something new",
                New,
                "❌ Реєстрацію не виконано (код помилки ERGO 99). Напишіть у підтримку або спробуйте нову реєстрацію.",
                "❌ Регистрация не выполнена (код ошибки ERGO 99). Напишите в поддержку или попробуйте новую регистрацию.",
            ),
        ];
        let texts = Texts::built_in();
        for (method, code, comment, next, uk, ru) in table {
            let e = ErgoError::new(*code, *comment).into_loyalty_error(*method, Some(200));
            let (key, step) = explain(*method, &e);
            assert_eq!(step, *next, "{method} {code} {comment}");
            let args = [
                ("serial", "SN1"),
                ("code", &code_of(&e) as &str),
                ("link", crate::engine::ERGO_SITE),
            ];
            assert_eq!(
                texts.format(Lang::Uk, key, &args),
                *uk,
                "{method} {code} {comment}"
            );
            assert_eq!(
                texts.format(Lang::Ru, key, &args),
                *ru,
                "{method} {code} {comment}"
            );
            // ERGO's comment is Russian or English; the Ukrainian text never repeats it (the
            // Russian one may coincide with a Russian comment in its own words).
            assert!(
                !uk.contains(comment.trim()),
                "the vendor's comment leaks: {uk}"
            );
        }
    }
}
