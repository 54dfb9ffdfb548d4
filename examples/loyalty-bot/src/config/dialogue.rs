//! The dialogues' settings: support's working hours (`SUPPORT_HOURS`, `SUPPORT_TZ`) and the
//! web cabinet button (`WEB_CABINET_URL`). The greeting and the button's label are texts
//! (`greeting`, `button_web_cabinet`), configured like every text: `BOT_TEXTS_FILE` or the panel.

use url::Url;

use super::{ConfigError, err, parse_url};
use crate::support_hours::SupportHours;

/// See the module docs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DialogueSettings {
    /// Support's working hours; `None`: always open.
    pub support_hours: Option<SupportHours>,
    /// The web cabinet shown as a URL button in the main menu.
    pub web_cabinet_url: Option<Url>,
}

impl DialogueSettings {
    /// Reads the variables through `get`.
    ///
    /// # Errors
    /// A [`ConfigError`] naming the variable: hours or an offset that do not read, one of
    /// `SUPPORT_HOURS`/`SUPPORT_TZ` without the other, a web cabinet URL that is not http(s).
    pub fn from_vars(get: &impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let support_hours = match (get("SUPPORT_HOURS"), get("SUPPORT_TZ")) {
            (None, None) => None,
            (Some(_), None) => {
                return Err(err(
                    "SUPPORT_TZ",
                    "required with SUPPORT_HOURS (the UTC offset the hours are in, e.g. +02:00)",
                ));
            }
            (None, Some(_)) => return Err(err("SUPPORT_HOURS", "required with SUPPORT_TZ")),
            (Some(h), Some(tz)) => {
                Some(SupportHours::from_vars(&h, &tz).map_err(|(var, e)| err(var, e))?)
            }
        };
        let web_cabinet_url = get("WEB_CABINET_URL")
            .map(|u| parse_url("WEB_CABINET_URL", &u))
            .transpose()?;
        Ok(Self {
            support_hours,
            web_cabinet_url,
        })
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::config::Config;

    fn cfg(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Config::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn support_hours_and_the_web_cabinet_are_read() {
        let c = cfg(&[]).unwrap();
        assert_eq!(c.dialogue, DialogueSettings::default());
        let c = cfg(&[
            ("SUPPORT_HOURS", "Mon-Fri 09:00-18:00"),
            ("SUPPORT_TZ", "+02:00"),
            ("WEB_CABINET_URL", "https://club.ergo-global.com/cabinet"),
        ])
        .unwrap();
        let hours = c.dialogue.support_hours.unwrap();
        assert_eq!(
            hours.describe(crate::texts::Lang::Uk),
            "Пн–Пт 09:00–18:00 (UTC+02:00)"
        );
        assert_eq!(
            c.dialogue.web_cabinet_url.unwrap().as_str(),
            "https://club.ergo-global.com/cabinet"
        );
    }

    #[test]
    fn wrong_values_name_the_variable() {
        let cases: &[(&[(&str, &str)], &str)] = &[
            (
                &[("SUPPORT_HOURS", "Mon-Fri 09:00-18:00")],
                "SUPPORT_TZ: required with SUPPORT_HOURS (the UTC offset the hours are in, e.g. +02:00)",
            ),
            (
                &[("SUPPORT_TZ", "+02:00")],
                "SUPPORT_HOURS: required with SUPPORT_TZ",
            ),
            (
                &[("SUPPORT_HOURS", "weekdays 9-6"), ("SUPPORT_TZ", "+02:00")],
                "SUPPORT_HOURS: \"weekdays\" is not a day (use Mon, Tue, Wed, Thu, Fri, Sat or Sun)",
            ),
            (
                &[
                    ("SUPPORT_HOURS", "Mon 18:00-09:00"),
                    ("SUPPORT_TZ", "+02:00"),
                ],
                "SUPPORT_HOURS: \"Mon 18:00-09:00\": the closing time is not after the opening",
            ),
            (
                &[
                    ("SUPPORT_HOURS", "Mon-Fri 09:00-18:00"),
                    ("SUPPORT_TZ", "Europe/Kyiv"),
                ],
                "SUPPORT_TZ: \"Europe/Kyiv\" is not a UTC offset like +02:00 or UTC+3",
            ),
            (
                &[("WEB_CABINET_URL", "cabinet.example.com")],
                "WEB_CABINET_URL: not a URL (relative URL without a base)",
            ),
        ];
        for (vars, expected) in cases {
            assert_eq!(cfg(vars).unwrap_err().to_string(), *expected, "{vars:?}");
        }
    }
}
