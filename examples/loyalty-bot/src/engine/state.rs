//! The stored conversation of one chat: where its dialogue is, versioned.
//!
//! The runtime stores the state as JSON per chat. The document carries its format's version
//! ([`CONVERSATION_VERSION`]); a document without one is the format written before versions,
//! which is the same shape. A state that no longer decodes (a step renamed by a newer release,
//! a version this build does not know) is logged with the chat and the error
//! ([`Conversation::restore`]) and the chat starts afresh, instead of every user silently losing
//! their place. An action to resume that this build does not know is dropped (and logged) and
//! the rest of the state kept.

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

use super::Action;

/// The version of the stored conversation format this build writes and reads.
pub const CONVERSATION_VERSION: u32 = 1;

/// Where a chat is in its dialogue.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum Step {
    /// Waiting for a phone number (contact or typed).
    #[default]
    AwaitPhone,
    /// Waiting for the confirmation code sent to `phone` (E.164).
    AwaitCode {
        /// The phone being verified.
        phone: String,
    },
    /// Authorized, at the main menu.
    Menu,
    /// ERGO quick registration: waiting for a serial (typed or a barcode photo).
    AwaitSerial,
    /// ERGO full registration: waiting for the serial of a chosen model.
    AwaitModelSerial {
        /// The action.
        action_id: u64,
        /// The model.
        model_id: u64,
    },
    /// ERGO full registration: waiting for a photo of the product.
    AwaitProductPhoto {
        /// The action.
        action_id: u64,
        /// The model.
        model_id: u64,
        /// The serial.
        serial: String,
        /// When the serial was captured.
        captured_at: NaiveDateTime,
        /// The trade point chosen before, when the model needs one.
        #[serde(default)]
        trade_point: Option<u64>,
    },
    /// ERGO full registration: waiting for the seller to choose the trade point of the sale.
    ChooseTradePoint {
        /// The action.
        action_id: u64,
        /// The model.
        model_id: u64,
        /// The serial.
        serial: String,
        /// When the serial was captured.
        captured_at: NaiveDateTime,
    },
    /// Waiting for a support question.
    AwaitQuestion,
    /// Waiting for a new e-mail for the profile.
    AwaitEmail,
    /// BonusMoney: waiting for a rating (1-5) and an optional text for a purchase.
    AwaitReview {
        /// The purchase (order id).
        order_id: String,
    },
    /// ERGO: waiting for a new value of one field of the seller's profile.
    AwaitSellerField {
        /// The field.
        field: super::action::SellerField,
    },
    // Customers
    /// Sign-up of a verified phone: collecting the new member's data, one field at a time.
    SignUp {
        /// What is collected so far and the field asked now.
        form: super::signup::SignUpForm,
    },
    /// Waiting for a new value of one profile field (typed, or a gender button).
    AwaitProfileField {
        /// The field.
        field: super::fields::ProfileField,
    },
    /// BonusMoney call-pass: the user calls `call_to` from `phone`, then presses "Done".
    AwaitCall {
        /// The phone being verified (E.164).
        phone: String,
        /// The number to call, as the programme gave it.
        call_to: String,
    },
    /// BonusMoney: waiting for the characters of the captcha picture sent before.
    AwaitCaptcha {
        /// The phone a code is asked for (E.164).
        phone: String,
        /// The captcha's token, sent back with the answer.
        token: String,
    },
    // Surveys
    /// A survey in progress: the user's next answer is for `question` of `survey`.
    Survey {
        /// The survey.
        survey: i64,
        /// The question asked now (position from 0).
        question: u32,
    },
}

/// The stored state of one chat.
///
/// Stored as `{"version": 1, "step": {"step": "menu"}, "resume": "m:balance"}`, the version
/// being [`CONVERSATION_VERSION`]; a document without a version is the format written before
/// versions (the same shape) and reads as version 1. The action to resume is stored as its
/// callback data ([`Action::encode`]). [`Conversation::restore`] reads a stored state and logs
/// one that does not decode.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(try_from = "Stored", into = "Stored")]
pub struct Conversation {
    /// Where the dialogue is.
    pub step: Step,
    /// A menu action to run again after a re-authorization (the session had expired).
    pub resume: Option<Action>,
}

/// The stored form of a [`Conversation`].
#[derive(Serialize, Deserialize)]
struct Stored {
    /// Absent in the documents written before versions (the same format as version 1).
    #[serde(default = "first_version")]
    version: u32,
    step: Step,
    /// The action's callback data ([`Action::encode`]).
    #[serde(default)]
    resume: Option<String>,
}

fn first_version() -> u32 {
    1
}

impl TryFrom<Stored> for Conversation {
    type Error = String;

    fn try_from(s: Stored) -> Result<Self, Self::Error> {
        if s.version != CONVERSATION_VERSION {
            return Err(format!(
                "conversation format version {} (this build reads {CONVERSATION_VERSION})",
                s.version
            ));
        }
        // An action this build does not know loses only the resumption, not the dialogue.
        let resume = s.resume.and_then(|data| {
            let action = Action::parse(&data);
            if action.is_none() {
                tracing::warn!(resume = %data, "a stored action to resume is unknown; dropped");
            }
            action
        });
        Ok(Self {
            step: s.step,
            resume,
        })
    }
}

impl From<Conversation> for Stored {
    fn from(c: Conversation) -> Self {
        Self {
            version: CONVERSATION_VERSION,
            step: c.step,
            resume: c.resume.as_ref().map(Action::encode),
        }
    }
}

impl Conversation {
    /// The conversation of `chat` from its stored JSON (`None`: a new chat). A state that does
    /// not decode is logged (`tracing::warn!` with the chat and the error) and replaced by a
    /// fresh conversation, so the user is asked to start over rather than stuck.
    pub fn restore(chat: &str, stored: Option<&serde_json::Value>) -> Self {
        let Some(stored) = stored else {
            return Self::default();
        };
        let _chat = tracing::warn_span!("conversation", chat).entered();
        match Self::deserialize(stored) {
            Ok(c) => c,
            Err(error) => {
                tracing::warn!(
                    chat,
                    %error,
                    "a stored conversation does not decode; the chat starts afresh"
                );
                Self::default()
            }
        }
    }

    /// The JSON to store.
    pub fn to_stored(&self) -> serde_json::Value {
        // A struct of strings, numbers and enums: serializing it cannot fail.
        serde_json::to_value(self).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use serde_json::json;

    use super::*;

    #[test]
    fn a_state_stored_before_versions_still_decodes() {
        // Written by the bot before conversations had a version.
        let old = json!({
            "step": {
                "step": "await_product_photo",
                "action_id": 3,
                "model_id": 14,
                "serial": "SN123",
                "captured_at": "2026-03-01T10:20:30"
            },
            "resume": "rv:ORD-1"
        });
        let c = Conversation::restore("42", Some(&old));
        assert_eq!(
            c,
            Conversation {
                step: Step::AwaitProductPhoto {
                    action_id: 3,
                    model_id: 14,
                    serial: "SN123".into(),
                    captured_at: chrono::NaiveDate::from_ymd_opt(2026, 3, 1)
                        .unwrap()
                        .and_hms_opt(10, 20, 30)
                        .unwrap(),
                    trade_point: None,
                },
                resume: Some(Action::Review {
                    order_id: "ORD-1".into()
                }),
            }
        );
        let plain = json!({"step": {"step": "menu"}, "resume": null});
        assert_eq!(Conversation::restore("42", Some(&plain)).step, Step::Menu);
        let bare = json!({"step": {"step": "await_code", "phone": "+380501234567"}});
        assert_eq!(
            Conversation::restore("42", Some(&bare)).step,
            Step::AwaitCode {
                phone: "+380501234567".into()
            }
        );
    }

    #[test]
    fn the_stored_form_carries_the_version_and_reads_back() {
        let c = Conversation {
            step: Step::AwaitModelSerial {
                action_id: 1,
                model_id: 2,
            },
            resume: Some(Action::FullRegistration),
        };
        let stored = c.to_stored();
        assert_eq!(
            stored,
            json!({
                "version": 1,
                "step": {"step": "await_model_serial", "action_id": 1, "model_id": 2},
                "resume": "m:full"
            })
        );
        assert_eq!(Conversation::restore("1", Some(&stored)), c);
        assert_eq!(Conversation::restore("1", None), Conversation::default());
    }

    #[test]
    fn a_survey_in_progress_is_stored_and_read_back() {
        let c = Conversation {
            step: Step::Survey {
                survey: 12,
                question: 2,
            },
            resume: None,
        };
        let stored = c.to_stored();
        assert_eq!(
            stored,
            json!({
                "version": 1,
                "step": {"step": "survey", "survey": 12, "question": 2},
                "resume": null
            })
        );
        assert_eq!(Conversation::restore("1", Some(&stored)), c);
    }

    /// Collects what `tracing` writes while `f` runs.
    fn logged(f: impl FnOnce()) -> String {
        #[derive(Clone, Default)]
        struct Sink(Arc<Mutex<Vec<u8>>>);
        impl std::io::Write for Sink {
            fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
                self.0
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .extend_from_slice(buf);
                Ok(buf.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let sink = Sink::default();
        let writer = sink.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .finish();
        tracing::subscriber::with_default(subscriber, f);
        let bytes = sink.0.lock().unwrap().clone();
        String::from_utf8(bytes).unwrap()
    }

    #[test]
    fn a_garbage_state_is_logged_and_starts_afresh() {
        for garbage in [
            json!({"step": {"step": "renamed_step"}}),
            json!({"version": 99, "step": {"step": "menu"}}),
            json!([1, 2, 3]),
            json!("menu"),
        ] {
            let mut restored = None;
            let log = logged(|| restored = Some(Conversation::restore("777", Some(&garbage))));
            assert_eq!(restored, Some(Conversation::default()), "{garbage}");
            assert!(log.contains("WARN"), "{log}");
            assert!(log.contains("chat=\"777\""), "{log}");
            assert!(log.contains("does not decode"), "{log}");
        }
        let log = logged(|| {
            Conversation::restore(
                "777",
                Some(&json!({"version": 99, "step": {"step": "menu"}})),
            );
        });
        assert!(log.contains("version 99"), "{log}");
        let unknown_step = logged(|| {
            Conversation::restore("777", Some(&json!({"step": {"step": "renamed_step"}})));
        });
        assert!(unknown_step.contains("renamed_step"), "{unknown_step}");
    }

    #[test]
    fn an_unknown_action_to_resume_is_dropped_and_the_step_kept() {
        let stored = json!({"step": {"step": "await_email"}, "resume": "m:no_such_button"});
        let mut restored = None;
        let log = logged(|| restored = Some(Conversation::restore("778", Some(&stored))));
        assert_eq!(
            restored,
            Some(Conversation {
                step: Step::AwaitEmail,
                resume: None,
            })
        );
        assert!(log.contains("WARN"), "{log}");
        assert!(log.contains("778"), "{log}");
        assert!(log.contains("m:no_such_button"), "{log}");
    }
}
