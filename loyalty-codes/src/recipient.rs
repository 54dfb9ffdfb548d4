//! Who a code is for (the subject) and where it can be sent (the recipient's addresses).

use std::fmt;

use loyalty_core::Phone;

/// The party a code is issued to, as a stable id: `phone:+380889993366`, `user:42`, a card
/// number. One active code exists per (subject, action). `Debug` masks all but the kind and
/// the last two characters (subjects are personal data).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Subject(String);

impl Subject {
    /// A subject of any stable id.
    pub fn new(id: impl Into<String>) -> Self {
        Self(id.into())
    }

    /// The subject of a phone number: `phone:+380889993366`.
    pub fn phone(phone: &Phone) -> Self {
        Self(format!("phone:{}", phone.e164()))
    }

    /// The id.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A form safe for logs: `phone:**********66`.
    pub fn masked(&self) -> String {
        let (kind, rest) = match self.0.split_once(':') {
            Some((k, r)) => (format!("{k}:"), r),
            None => (String::new(), self.0.as_str()),
        };
        let n = rest.chars().count();
        let keep = if n > 4 { 2 } else { 0 };
        let tail: String = rest.chars().skip(n - keep).collect();
        format!("{kind}{}{tail}", "*".repeat(n - keep))
    }
}

impl fmt::Debug for Subject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Subject({})", self.masked())
    }
}

/// A chat in a messenger, for a channel the bot implements.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct ChatAddress {
    /// The messenger (`telegram`, `viber`, `max`).
    pub messenger: String,
    /// The chat id in that messenger.
    pub chat_id: String,
}

impl ChatAddress {
    /// A chat address.
    pub fn new(messenger: impl Into<String>, chat_id: impl Into<String>) -> Self {
        Self {
            messenger: messenger.into(),
            chat_id: chat_id.into(),
        }
    }
}

/// Where a code can be delivered. Each channel uses the address it needs and is skipped when it
/// is missing. `Debug` masks the phone and the e-mail address.
#[derive(Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Recipient {
    /// A phone number (SMS channels).
    pub phone: Option<Phone>,
    /// An e-mail address (the SMTP channel).
    pub email: Option<String>,
    /// A messenger chat of an already linked account (the bot's chat channel).
    pub chat: Option<ChatAddress>,
}

impl Recipient {
    /// No address yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a phone number.
    pub fn phone(mut self, phone: Phone) -> Self {
        self.phone = Some(phone);
        self
    }

    /// Adds an e-mail address.
    pub fn email(mut self, email: impl Into<String>) -> Self {
        self.email = Some(email.into());
        self
    }

    /// Adds a messenger chat.
    pub fn chat(mut self, chat: ChatAddress) -> Self {
        self.chat = Some(chat);
        self
    }
}

impl fmt::Debug for Recipient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let email = self.email.as_deref().map(mask_email);
        f.debug_struct("Recipient")
            .field("phone", &self.phone)
            .field("email", &email)
            .field("chat", &self.chat)
            .finish()
    }
}

/// `j***@example.com`.
pub(crate) fn mask_email(e: &str) -> String {
    match e.split_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            format!("{first}***@{domain}")
        }
        None => "***".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use loyalty_core::Region;

    use super::*;

    #[test]
    fn debug_masks_personal_data() {
        let p = Phone::parse("088 999 33 66", Region::UA).unwrap();
        let s = Subject::phone(&p);
        assert_eq!(s.as_str(), "phone:+380889993366");
        assert_eq!(format!("{s:?}"), "Subject(phone:***********66)");
        let r = Recipient::new().phone(p).email("jane.doe@example.com");
        let d = format!("{r:?}");
        assert!(!d.contains("889993366") && !d.contains("jane.doe"), "{d}");
        assert!(d.contains("j***@example.com"), "{d}");
    }
}
