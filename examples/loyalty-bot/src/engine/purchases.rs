//! Purchases: the list, one purchase in detail, and (BonusMoney) a review of a purchase.

use loyalty_core::{LoyaltyError, PageRequest, Session};
use messenger_core::{Button, Keyboard};

use super::ctx::{Ctx, Flow, fmt_time};
use super::{Action, Conversation, PAGE_SIZE, Programme, Reply, Step};
use crate::format;
use crate::texts::TextKey;

/// Where a purchase was: the store's name and address (either may be missing; an address
/// the same as the name is not repeated).
fn store_of(pu: &loyalty_core::Purchase) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in [pu.store_name.as_deref(), pu.store_address.as_deref()]
        .into_iter()
        .flatten()
        .filter(|p| !p.trim().is_empty())
    {
        if !parts.contains(&part) {
            parts.push(part);
        }
    }
    parts.join(", ")
}

impl Ctx<'_> {
    /// A page of purchases from `offset`, one button per purchase.
    pub(super) async fn purchases(&mut self, s: &Session, offset: u32) -> Flow {
        let lang = self.lang;
        let page = self
            .engine
            .programme
            .provider()
            .purchases(s, PageRequest::new(offset, PAGE_SIZE))
            .await?;
        if page.items.is_empty() {
            let back = self.engine.back_to_menu(lang);
            self.say_with(TextKey::PurchasesEmpty, &[], back);
            return Ok(());
        }
        let mut rows: Vec<Vec<Button>> = page
            .items
            .iter()
            .map(|pu| {
                let label = self.engine.texts.format(
                    lang,
                    TextKey::PurchaseLine,
                    &[
                        ("date", &fmt_time(pu.at)),
                        ("store", pu.store_name.as_deref().unwrap_or("")),
                        ("sum", &self.engine.money(lang, pu.sum)),
                    ],
                );
                let open = Action::Purchase { id: pu.id.clone() };
                vec![Button::callback(label, open.encode())]
            })
            .collect();
        let mut nav = vec![self.button(TextKey::ButtonBack, &Action::Menu)];
        if let Some(next) = page.next {
            nav.push(self.button(
                TextKey::ButtonMore,
                &Action::Purchases {
                    offset: next.offset,
                },
            ));
        }
        rows.push(nav);
        // Each purchase with where it was and the bonuses it spent and earned.
        let mut text = self.engine.text(lang, TextKey::ButtonPurchases, &[]);
        for pu in &page.items {
            text = text.line().line().append(self.engine.text(
                lang,
                TextKey::PurchaseSummary,
                &[
                    ("date", &fmt_time(pu.at)),
                    ("store", &store_of(pu)),
                    ("sum", &self.engine.money(lang, pu.sum)),
                    ("spent", &format::number(lang, pu.bonuses_spent)),
                    ("earned", &format::number(lang, pu.bonuses_earned)),
                ],
            ));
        }
        self.replies
            .push(Reply::new(text).with(Keyboard::inline(rows)));
        Ok(())
    }

    /// One purchase with its lines; on BonusMoney with a button to review it.
    pub(super) async fn purchase(&mut self, s: &Session, id: &str) -> Flow {
        let lang = self.lang;
        let detail = self.engine.programme.provider().purchase(s, id).await?;
        let pu = &detail.purchase;
        let store = store_of(pu);
        let mut text = self.engine.text(
            lang,
            TextKey::PurchaseDetail,
            &[
                ("date", &fmt_time(pu.at)),
                ("store", &store),
                ("sum", &self.engine.money(lang, pu.sum)),
                (
                    "discount",
                    &self.engine.money(lang, detail.discount.unwrap_or_default()),
                ),
                ("spent", &format::number(lang, pu.bonuses_spent)),
                ("earned", &format::number(lang, pu.bonuses_earned)),
            ],
        );
        for l in &detail.lines {
            text = text.line().append(
                self.engine.text(
                    lang,
                    TextKey::PurchaseItem,
                    &[
                        ("name", &l.name),
                        ("quantity", &format::number(lang, l.quantity)),
                        (
                            "price",
                            &l.unit_price
                                .map(|p| self.engine.money(lang, p))
                                .unwrap_or_default(),
                        ),
                        ("total", &self.engine.money(lang, l.total)),
                    ],
                ),
            );
        }
        if let Some(cashier) = detail.cashier.as_deref().filter(|c| !c.trim().is_empty()) {
            text = text.line().append(self.engine.text(
                lang,
                TextKey::PurchaseCashier,
                &[("cashier", cashier)],
            ));
        }
        let kb = match &self.engine.programme {
            Programme::BonusMoney { .. } => Keyboard::inline(vec![
                vec![self.button(
                    TextKey::ButtonReview,
                    &Action::Review {
                        order_id: pu.id.clone(),
                    },
                )],
                vec![self.button(TextKey::ButtonBack, &Action::Menu)],
            ]),
            Programme::Ergo { .. } | Programme::Generic { .. } => self.engine.back_to_menu(lang),
        };
        self.replies.push(Reply::new(text).with(kb));
        Ok(())
    }

    /// Asks for the rating of purchase `order_id`.
    pub(super) fn review_ask(&mut self, conv: &mut Conversation, order_id: &str) {
        conv.step = Step::AwaitReview {
            order_id: order_id.to_owned(),
        };
        self.say(TextKey::ReviewAsk, &[]);
    }

    /// A typed review (`5 Great coffee`) of purchase `order_id`.
    pub(super) async fn review(
        &mut self,
        conv: &mut Conversation,
        order_id: &str,
        text: &str,
    ) -> Flow {
        let Programme::BonusMoney { client } = &self.engine.programme else {
            self.say(TextKey::NotSupported, &[]);
            conv.step = Step::Menu;
            return Ok(());
        };
        let client = client.clone();
        let Some(session) = self.session.clone() else {
            // Logged out meanwhile: back to the purchases after the login.
            self.need_login(conv, Some(Action::Purchases { offset: 0 }));
            return Ok(());
        };
        let mut chars = text.trim().chars();
        let star = chars
            .next()
            .and_then(|c| c.to_digit(10))
            .filter(|d| (1..=5).contains(d));
        let Some(star) = star.and_then(|d| u8::try_from(d).ok()) else {
            self.say(TextKey::ReviewAsk, &[]);
            return Ok(());
        };
        let comment = chars.as_str().trim();
        let mut req =
            loyalty_bonusmoney::requests::SetCommentRequest::new(order_id.to_owned(), star);
        if !comment.is_empty() {
            req = req.text(comment);
        }
        match client.set_comment(session.token(), &req).await {
            Ok(()) => {
                self.say(TextKey::ReviewSaved, &[]);
                self.menu(conv);
            }
            Err(e @ LoyaltyError::InvalidInput { .. }) => {
                // BonusMoney documents no error codes: whether the purchase already has a
                // review is read from the purchase itself.
                let reviewed = client
                    .get_transaction(
                        session.token(),
                        &loyalty_bonusmoney::requests::GetTransactionRequest::new(order_id),
                    )
                    .await
                    .is_ok_and(|t| t.comment.is_some());
                if reviewed {
                    self.say(TextKey::ReviewExists, &[]);
                } else {
                    tracing::info!(error = %e, "a review was refused");
                    self.say(TextKey::ReviewRefused, &[]);
                }
                self.menu(conv);
            }
            Err(e) => return Err(e.into()),
        }
        Ok(())
    }
}
