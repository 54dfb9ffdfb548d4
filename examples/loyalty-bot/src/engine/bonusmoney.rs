//! BonusMoney's own screens: levels with the progress to the next, about the company, the
//! customer's reviews, and promotions with their pictures and coupons.

use loyalty_bonusmoney::BonusMoneyClient;
use loyalty_core::{PageRequest, Session};
use messenger_core::{Image, RichText};

use super::ctx::{Ctx, Flow, fmt_time};
use super::{PAGE_SIZE, Programme, Reply};
use crate::format;
use crate::texts::TextKey;

impl Ctx<'_> {
    /// The BonusMoney client, or "not supported" said and `None`.
    fn bonusmoney(&mut self) -> Option<BonusMoneyClient> {
        match &self.engine.programme {
            Programme::BonusMoney { client } => Some(client.clone()),
            _ => {
                let back = self.engine.back_to_menu(self.lang);
                self.say_with(TextKey::NotSupported, &[], back);
                None
            }
        }
    }

    /// The levels, the current one marked, and how much is left to buy for the next.
    pub(super) async fn levels(&mut self, s: &Session) -> Flow {
        let Some(client) = self.bonusmoney() else {
            return Ok(());
        };
        let lang = self.lang;
        let levels = client.get_levels(s.token()).await?;
        let mut list = levels.levels.clone();
        list.sort_by_key(|l| l.required_sum);
        let mut text = RichText::new();
        for (i, l) in list.iter().enumerate() {
            if i > 0 {
                text = text.line();
            }
            let mark = if l.number == levels.lvl_number {
                "✅"
            } else {
                "▫️"
            };
            text = text.append(self.engine.text(
                lang,
                TextKey::LevelLine,
                &[
                    ("mark", mark),
                    ("name", &l.name),
                    ("required", &self.engine.money(lang, l.required_sum)),
                    ("percent", &format::number(lang, l.cash_to_mark)),
                ],
            ));
        }
        let sum = self.engine.money(lang, levels.sum);
        let next = list.iter().find(|l| l.required_sum > levels.sum);
        let progress = match next {
            Some(n) => self.engine.text(
                lang,
                TextKey::LevelProgress,
                &[
                    ("sum", &sum),
                    ("next", &n.name),
                    (
                        "left",
                        &self.engine.money(lang, n.required_sum - levels.sum),
                    ),
                ],
            ),
            None => self.engine.text(lang, TextKey::LevelTop, &[("sum", &sum)]),
        };
        text = text.line().line().append(progress);
        let back = self.engine.back_to_menu(lang);
        self.replies.push(Reply::new(text).with(back));
        Ok(())
    }

    /// About the company: name, description, phones and links.
    pub(super) async fn company(&mut self, s: &Session) -> Flow {
        let Some(client) = self.bonusmoney() else {
            return Ok(());
        };
        let about = client.get_about(s.token()).await?;
        let mut text = RichText::new().bold(about.name.clone());
        if let Some(t) = about.company_type.as_deref().filter(|t| !t.is_empty()) {
            text = text.line().text(t.to_owned());
        }
        if let Some(d) = about.description.as_deref().filter(|d| !d.is_empty()) {
            text = text.line().line().text(d.to_owned());
        }
        let contacts = about.phones.iter().chain(about.url_links.iter());
        for (i, (label, value)) in contacts.filter(|(_, v)| !v.is_empty()).enumerate() {
            text = text.line();
            if i == 0 {
                text = text.line();
            }
            text = text.append(self.engine.text(
                self.lang,
                TextKey::CompanyContact,
                &[("label", label), ("value", value)],
            ));
        }
        let back = self.engine.back_to_menu(self.lang);
        self.replies.push(Reply::new(text).with(back));
        Ok(())
    }

    /// The customer's reviews, newest first, with the company's answers.
    pub(super) async fn reviews(&mut self, s: &Session) -> Flow {
        let Some(client) = self.bonusmoney() else {
            return Ok(());
        };
        let lang = self.lang;
        let page = client
            .get_comments(s.token(), PageRequest::first(PAGE_SIZE))
            .await?;
        let back = self.engine.back_to_menu(lang);
        let reviewed: Vec<_> = page.items.iter().filter(|t| t.comment.is_some()).collect();
        if reviewed.is_empty() {
            self.say_with(TextKey::ReviewsEmpty, &[], back);
            return Ok(());
        }
        let mut text = RichText::new();
        for (i, t) in reviewed.iter().enumerate() {
            if i > 0 {
                text = text.line().line();
            }
            let review = t.comment.as_ref();
            let stars = review
                .and_then(|r| r.star)
                .and_then(|n| usize::try_from(n.clamp(0, 5)).ok())
                .map(|n| "⭐".repeat(n))
                .unwrap_or_default();
            text = text.append(self.engine.text(
                lang,
                TextKey::ReviewItem,
                &[
                    ("date", &fmt_time(Some(t.transaction.time))),
                    ("sum", &self.engine.money(lang, t.transaction.final_cash)),
                    ("stars", &stars),
                    ("text", review.and_then(|r| r.text.as_deref()).unwrap_or("")),
                ],
            ));
            let answer = t
                .response
                .as_ref()
                .and_then(|r| r.text.clone())
                .or_else(|| review.and_then(|r| r.response.clone()))
                .filter(|a| !a.trim().is_empty());
            if let Some(a) = answer {
                text = text.line().append(self.engine.text(
                    lang,
                    TextKey::ReviewResponse,
                    &[("text", &a)],
                ));
            }
        }
        self.replies.push(Reply::new(text).with(back));
        Ok(())
    }

    /// BonusMoney promotions: each with its picture (sent by URL) and its coupon; `false` when
    /// the programme is not BonusMoney.
    pub(super) async fn bonusmoney_promotions(
        &mut self,
        s: &Session,
    ) -> Result<bool, super::ctx::FlowError> {
        let Programme::BonusMoney { client } = &self.engine.programme else {
            return Ok(false);
        };
        let lang = self.lang;
        let stocks = client.get_stocks(s.token()).await?;
        let back = self.engine.back_to_menu(lang);
        if stocks.is_empty() {
            self.say_with(TextKey::PromotionsEmpty, &[], back);
            return Ok(true);
        }
        let mut texts_only = RichText::new();
        for (i, st) in stocks.iter().enumerate() {
            let mut text = RichText::new().bold(st.header.clone());
            if !st.message.is_empty() {
                text = text.line().text(st.message.clone());
            }
            if let Some(c) = st.coupon.as_ref().filter(|c| !c.is_blocked) {
                text = text.line().append(self.engine.text(
                    lang,
                    TextKey::PromotionCoupon,
                    &[("number", &c.number)],
                ));
            }
            if let Some(end) = st.end {
                text = text.line().append(self.engine.text(
                    lang,
                    TextKey::PromotionUntil,
                    &[("date", &fmt_time(Some(end)))],
                ));
            }
            let picture = st
                .image_url
                .clone()
                .or_else(|| st.images_url.first().cloned());
            let sent = match picture {
                Some(url) => self.send_picture(Image::url(url), text.clone(), None),
                None => false,
            };
            if !sent {
                if i > 0 && !texts_only.is_empty() {
                    texts_only = texts_only.line().line();
                }
                texts_only = texts_only.append(text);
            }
        }
        if texts_only.is_empty() {
            texts_only = self.engine.text(lang, TextKey::ButtonPromotions, &[]);
        }
        self.replies.push(Reply::new(texts_only).with(back));
        Ok(true)
    }
}
