//! How the bot writes money, points and other numbers: one formatter for every text.
//!
//! Both interface languages use the Ukrainian and Russian locale rules (CLDR `uk` and `ru`):
//! digits grouped by three with a no-break space (U+00A0), a decimal comma, and the currency
//! symbol after the amount, separated by a no-break space (so a line never breaks inside a sum).
//!
//! * **Money** always has two decimals (kopecks): `1175` → `1 175,00 ₴`, `120.5` → `120,50 ₽`.
//!   More precise amounts are rounded to two decimals (half to even).
//! * **Points** (bonuses) are numbers, not money: no currency and no forced decimals; a fraction is
//!   shown only when the programme has one (`1250` → `1 250`, `12.5` → `12,5`, at most two
//!   decimals). [`points`] adds the word with the language's plural form (`1 бал`, `2 бали`,
//!   `5 балів`; `1 балл`, `2 балла`, `5 баллов`).
//! * **Other numbers** (quantities) follow the points' rule without the word: [`number`].
//!
//! The currency is the programme's (ERGO: hryvnia `₴`; BonusMoney, Manzana, LoyalClient: rouble
//! `₽`) unless `BOT_CURRENCY` names another one.

use std::fmt;

use loyalty_core::{Decimal, Region};

use crate::texts::Lang;

/// The no-break space between digit groups and before the currency symbol.
const NBSP: char = '\u{a0}';

/// The currency money is shown in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Currency {
    symbol: String,
}

impl Currency {
    /// The Ukrainian hryvnia, `₴`.
    pub fn uah() -> Self {
        Self {
            symbol: "₴".to_owned(),
        }
    }

    /// The Russian rouble, `₽`.
    pub fn rub() -> Self {
        Self {
            symbol: "₽".to_owned(),
        }
    }

    /// The currency of a programme's market: the hryvnia for Ukraine, the rouble otherwise (every
    /// other programme the bot supports is on the Russian market).
    pub fn of_market(region: Region) -> Self {
        if region == Region::UA {
            Self::uah()
        } else {
            Self::rub()
        }
    }

    /// Reads `BOT_CURRENCY`: `UAH` or `₴` (also `грн`), `RUB` or `₽` (also `руб`), case-insensitive;
    /// any other value of one to four visible characters (`₸`, `Br`, `$`) is used as the symbol
    /// verbatim. `None` for an empty, longer or invisible value.
    pub fn parse(value: &str) -> Option<Self> {
        let v = value.trim();
        match v.to_lowercase().as_str() {
            "uah" | "₴" | "грн" => return Some(Self::uah()),
            "rub" | "rur" | "₽" | "руб" => return Some(Self::rub()),
            _ => {}
        }
        let len = v.chars().count();
        let visible = v.chars().all(|c| !c.is_whitespace() && !c.is_control());
        ((1..=4).contains(&len) && visible).then(|| Self {
            symbol: v.to_owned(),
        })
    }

    /// The symbol written after amounts.
    pub fn symbol(&self) -> &str {
        &self.symbol
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.symbol)
    }
}

/// `digits` (ASCII, no sign) grouped by three from the right with no-break spaces.
fn group(digits: &str) -> String {
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 * 2);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(NBSP);
        }
        out.push(c);
    }
    out
}

/// `value` in the locale's format with exactly `decimals` decimals when `fixed`, otherwise with
/// at most `decimals` and trailing zeros dropped.
fn locale_number(value: Decimal, decimals: u32, fixed: bool) -> String {
    let v = value.round_dp(decimals).normalize();
    let text = v.abs().to_string();
    let (int, frac) = text.split_once('.').unwrap_or((&text, ""));
    let mut frac = frac.to_owned();
    if fixed {
        while frac.len() < decimals as usize {
            frac.push('0');
        }
    }
    let mut out = String::new();
    if v.is_sign_negative() && !v.is_zero() {
        out.push('-');
    }
    out.push_str(&group(int));
    if !frac.is_empty() {
        out.push(',');
        out.push_str(&frac);
    }
    out
}

/// A sum of money: two decimals, grouped, decimal comma, the currency symbol after a no-break
/// space (`1 175,00 ₴`). Ukrainian and Russian write it the same way.
pub fn money(_lang: Lang, amount: Decimal, currency: &Currency) -> String {
    format!(
        "{}{NBSP}{}",
        locale_number(amount, 2, true),
        currency.symbol()
    )
}

/// A number that is not money (points, quantities): grouped, decimal comma, a fraction only
/// when there is one, at most two decimals (`1 250`, `12,5`).
pub fn number(_lang: Lang, value: Decimal) -> String {
    locale_number(value, 2, false)
}

/// Points with their word in the language's plural form: `1 бал`, `3 бали`, `1 250 балів`,
/// `2,5 бала`; `1 балл`, `3 балла`, `1 250 баллов`, `2,5 балла`.
pub fn points(lang: Lang, value: Decimal) -> String {
    format!("{}{NBSP}{}", number(lang, value), points_word(lang, value))
}

/// The CLDR plural category of `value` for Ukrainian and Russian (the two share the rule).
enum Plural {
    One,
    Few,
    Many,
    Other,
}

fn plural(value: Decimal) -> Plural {
    let v = value.round_dp(2).normalize().abs();
    if !v.fract().is_zero() {
        return Plural::Other;
    }
    let last_two = (v % Decimal::ONE_HUNDRED).to_string();
    let n: u32 = last_two.parse().unwrap_or(0);
    match (n % 10, n) {
        (1, _) if n != 11 => Plural::One,
        (2..=4, _) if !(12..=14).contains(&n) => Plural::Few,
        _ => Plural::Many,
    }
}

fn points_word(lang: Lang, value: Decimal) -> &'static str {
    match (lang, plural(value)) {
        (Lang::Uk, Plural::One) => "бал",
        (Lang::Uk, Plural::Few) => "бали",
        (Lang::Uk, Plural::Many) => "балів",
        (Lang::Uk, Plural::Other) => "бала",
        (Lang::Ru, Plural::One) => "балл",
        (Lang::Ru, Plural::Few) => "балла",
        (Lang::Ru, Plural::Many) => "баллов",
        (Lang::Ru, Plural::Other) => "балла",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn money_per_locale() {
        for lang in [Lang::Uk, Lang::Ru] {
            assert_eq!(
                money(lang, d("1175"), &Currency::uah()),
                "1\u{a0}175,00\u{a0}₴"
            );
            assert_eq!(
                money(lang, d("1175"), &Currency::rub()),
                "1\u{a0}175,00\u{a0}₽"
            );
        }
        let uah = Currency::uah();
        assert_eq!(money(Lang::Uk, d("0"), &uah), "0,00\u{a0}₴");
        assert_eq!(money(Lang::Uk, d("120.5"), &uah), "120,50\u{a0}₴");
        assert_eq!(money(Lang::Uk, d("999.99"), &uah), "999,99\u{a0}₴");
        assert_eq!(money(Lang::Uk, d("1000"), &uah), "1\u{a0}000,00\u{a0}₴");
        assert_eq!(
            money(Lang::Ru, d("1234567.891"), &Currency::rub()),
            "1\u{a0}234\u{a0}567,89\u{a0}₽"
        );
        assert_eq!(money(Lang::Uk, d("0.125"), &uah), "0,12\u{a0}₴"); // half to even
        assert_eq!(money(Lang::Uk, d("-45.5"), &uah), "-45,50\u{a0}₴");
        assert_eq!(money(Lang::Uk, d("-0.001"), &uah), "0,00\u{a0}₴");
        assert_eq!(
            money(Lang::Uk, Decimal::MAX, &uah),
            "79\u{a0}228\u{a0}162\u{a0}514\u{a0}264\u{a0}337\u{a0}593\u{a0}543\u{a0}950\u{a0}335,00\u{a0}₴"
        );
    }

    #[test]
    fn numbers_and_points_per_locale() {
        assert_eq!(number(Lang::Uk, d("1250")), "1\u{a0}250");
        assert_eq!(number(Lang::Ru, d("1250.00")), "1\u{a0}250");
        assert_eq!(number(Lang::Uk, d("12.5")), "12,5");
        assert_eq!(number(Lang::Ru, d("0.333")), "0,33");
        assert_eq!(number(Lang::Uk, d("100")), "100");
        assert_eq!(points(Lang::Uk, d("1")), "1\u{a0}бал");
        assert_eq!(points(Lang::Uk, d("3")), "3\u{a0}бали");
        assert_eq!(points(Lang::Uk, d("11")), "11\u{a0}балів");
        assert_eq!(points(Lang::Uk, d("22")), "22\u{a0}бали");
        assert_eq!(points(Lang::Uk, d("1250")), "1\u{a0}250\u{a0}балів");
        assert_eq!(points(Lang::Uk, d("2.5")), "2,5\u{a0}бала");
        assert_eq!(points(Lang::Ru, d("1")), "1\u{a0}балл");
        assert_eq!(points(Lang::Ru, d("21")), "21\u{a0}балл");
        assert_eq!(points(Lang::Ru, d("14")), "14\u{a0}баллов");
        assert_eq!(points(Lang::Ru, d("104")), "104\u{a0}балла");
        assert_eq!(points(Lang::Ru, d("1250")), "1\u{a0}250\u{a0}баллов");
        assert_eq!(points(Lang::Ru, d("0.5")), "0,5\u{a0}балла");
        assert_eq!(points(Lang::Ru, d("0")), "0\u{a0}баллов");
    }

    #[test]
    fn currency_from_configuration_and_market() {
        assert_eq!(Currency::parse("UAH"), Some(Currency::uah()));
        assert_eq!(Currency::parse(" грн "), Some(Currency::uah()));
        assert_eq!(Currency::parse("rub"), Some(Currency::rub()));
        assert_eq!(Currency::parse("₽"), Some(Currency::rub()));
        assert_eq!(
            Currency::parse("₸").map(|c| c.to_string()),
            Some("₸".into())
        );
        assert_eq!(
            Currency::parse("Br").map(|c| c.to_string()),
            Some("Br".into())
        );
        assert_eq!(Currency::parse(""), None);
        assert_eq!(Currency::parse("dollars"), None);
        assert_eq!(Currency::parse("a b"), None);
        assert_eq!(Currency::of_market(Region::UA), Currency::uah());
        assert_eq!(Currency::of_market(Region::RU), Currency::rub());
    }
}
