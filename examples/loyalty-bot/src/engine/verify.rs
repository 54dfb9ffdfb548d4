//! The other ways a programme proves a phone (BonusMoney): a call the user makes to a given
//! number ("call-pass": the number is shown with a "Done" button, and the user's typing it is
//! taken as "done", not as a new login), and a captcha before a code is sent (the picture is
//! sent, the typed answer goes back with the next code request). Also the pictures the bot
//! sends (captchas, card QR codes, promotion images), queued in order with its other replies.

use loyalty_core::{Captcha, CodeRequest, Phone};
use messenger_core::{Image, Keyboard, RichText};
use messenger_runtime::ReplyImage;

use super::ctx::Ctx;
use super::{Action, Conversation, EngineError, Step};
use crate::texts::TextKey;

impl Ctx<'_> {
    /// Queues a picture with a caption (and a keyboard) in the chat's order, like every reply:
    /// it is delivered after the replies before it and survives a restart. `false` when the
    /// platform takes no uploads (Viber) and the picture is bytes, so the caller answers with
    /// text instead.
    pub(super) fn send_picture(
        &mut self,
        image: Image,
        caption: RichText,
        keyboard: Option<Keyboard>,
    ) -> bool {
        let image = match image {
            Image::Url(url) => ReplyImage::Url { url },
            Image::Bytes {
                data,
                file_name,
                mime_type,
            } if self.messenger.limits().image_upload => ReplyImage::Bytes {
                data: data.to_vec(),
                file_name,
                mime_type,
            },
            _ => return false,
        };
        let mut reply = super::Reply::new(caption);
        reply.keyboard = keyboard;
        reply.image = Some(image);
        self.replies.push(reply);
        true
    }

    /// The programme verifies the phone by a call to `call_to`: shows the number and "Done".
    pub(super) fn call_pass(&mut self, conv: &mut Conversation, phone: &Phone, call_to: &str) {
        conv.step = Step::AwaitCall {
            phone: phone.e164().to_owned(),
            call_to: call_to.to_owned(),
        };
        let kb = Keyboard::inline(vec![vec![
            self.button(TextKey::ButtonDone, &Action::CallDone),
        ]]);
        self.say_with(TextKey::CodeSentCall, &[("call_to", call_to)], kb);
    }

    /// "Done" pressed (or anything typed) while a call is awaited: asks the programme whether
    /// the call came. `None` when no call is awaited.
    pub(super) async fn call_done(
        &mut self,
        conv: &mut Conversation,
    ) -> Option<Result<(), EngineError>> {
        let Step::AwaitCall { phone, call_to } = conv.step.clone() else {
            return None;
        };
        let Ok(phone) = Phone::parse_international(&phone) else {
            conv.step = Step::AwaitPhone;
            self.say(TextKey::TryLater, &[]);
            return Some(Ok(()));
        };
        let provider = self.engine.programme.provider();
        Some(match provider.confirm_code(&phone, &call_to).await {
            Ok(v) => Box::pin(self.verified(conv, &phone, v)).await,
            Err(e) => {
                tracing::info!(error = %e, "a call-pass is not confirmed");
                let kb = Keyboard::inline(vec![vec![
                    self.button(TextKey::ButtonDone, &Action::CallDone),
                ]]);
                self.say_with(TextKey::CallNotYet, &[("call_to", &call_to)], kb);
                Ok(())
            }
        })
    }

    /// The programme wants a captcha solved before it sends a code: sends the picture and
    /// waits for the answer.
    pub(super) async fn captcha(
        &mut self,
        conv: &mut Conversation,
        phone: &Phone,
        captcha: Captcha,
        again: bool,
    ) {
        let key = if again {
            TextKey::CaptchaWrong
        } else {
            TextKey::CaptchaAsk
        };
        let caption = self.engine.text(self.lang, key, &[]);
        let image = Image::bytes(captcha.image, "captcha.png", "image/png");
        if self.send_picture(image, caption, None) {
            conv.step = Step::AwaitCaptcha {
                phone: phone.e164().to_owned(),
                token: captcha.token,
            };
        } else {
            conv.step = Step::AwaitPhone;
            self.say(TextKey::TryLater, &[]);
        }
    }

    /// The typed answer to a captcha: the code is asked for again with it.
    pub(super) async fn captcha_answer(
        &mut self,
        conv: &mut Conversation,
        phone: &str,
        token: &str,
        answer: &str,
    ) -> Result<(), EngineError> {
        let Ok(phone) = Phone::parse_international(phone) else {
            conv.step = Step::AwaitPhone;
            self.say(TextKey::TryLater, &[]);
            return Ok(());
        };
        if !self.code_budget_allows(&phone).await? {
            return Ok(());
        }
        let req = CodeRequest::new(phone.clone()).with_captcha(token, answer.trim());
        let outcome = self.engine.programme.provider().request_code(&req).await;
        // A captcha answer is typed: it proves nothing about whose number this is.
        self.code_requested(conv, &phone, false, outcome, true)
            .await
    }
}
