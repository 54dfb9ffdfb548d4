//! The channels this crate ships. The messenger-chat channel is written in the bot, where the
//! messenger crates are (implement [`crate::CodeChannel`]).

mod http_form;
mod memory;
mod sms_ru;
#[cfg(feature = "smtp")]
mod smtp;

pub use http_form::{FormMethod, HttpFormChannel, HttpFormChannelBuilder, PhoneFormat};
pub use memory::{ConsoleChannel, MemoryChannel, SentMessage};
pub use sms_ru::{SMS_RU_BASE_URL, SmsRuChannel, SmsRuChannelBuilder, SmsRuStatus, sms_ru_status};
#[cfg(feature = "smtp")]
pub use smtp::{SmtpChannel, SmtpChannelBuilder, SmtpSecurity};

use crate::channel::Delivery;

/// `message` with the delivery's text and code cut out: a provider that echoes the request must
/// not put the code into an error or a log line.
pub(crate) fn scrub(message: &str, delivery: &Delivery<'_>) -> String {
    let mut m = message.to_owned();
    for secret in [delivery.expose_text(), delivery.expose_code()] {
        if !secret.is_empty() {
            m = m.replace(secret, "[redacted]");
        }
    }
    m
}
