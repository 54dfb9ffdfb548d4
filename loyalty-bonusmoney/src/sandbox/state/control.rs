//! What the sandbox's owner does: the pending codes, points added, purchases, customers deleted.

use super::*;

impl State {
    pub(crate) fn pending_codes(&self, phone: &str) -> Res<PendingCodes> {
        let (key, p) = key_of(phone)?;
        let a = self
            .auth
            .get(&key)
            .ok_or_else(|| ApiError::new(404, "no verification for this phone"))?;
        Ok(PendingCodes {
            phone: p.bracketed(),
            code: a.sms.as_ref().map(|(c, _)| c.clone()),
            call_to: a.call.as_ref().map(|(t, _)| t.clone()),
            captcha_answer: a.captcha.as_ref().map(|(_, ans)| ans.clone()),
        })
    }

    pub(crate) fn add_marks(&mut self, phone: &str, amount: Decimal, reason: &str) -> Res<Decimal> {
        let (key, _) = key_of(phone)?;
        if amount.abs() > dec("1000000000") {
            return Err(ApiError::field(400, "amount", "too large"));
        }
        let now = self.now();
        let id = self.next_event_id();
        let acc = self
            .accounts
            .get_mut(&key)
            .ok_or_else(|| ApiError::new(404, "no such customer"))?;
        if acc.marks + amount < Decimal::ZERO {
            return Err(ApiError::field(
                400,
                "amount",
                "the balance would go negative",
            ));
        }
        push_marks(acc, id, now, amount, reason, None);
        Ok(acc.marks)
    }

    pub(crate) fn add_purchase(&mut self, phone: &str, p: &SandboxPurchase) -> Res<Transaction> {
        let (key, _) = key_of(phone)?;
        if p.positions.is_empty() {
            return Err(ApiError::field(400, "positions", "no positions"));
        }
        let limit = dec("1000000000");
        let mut cash = Decimal::ZERO;
        let mut positions = Vec::new();
        for (i, l) in p.positions.iter().enumerate() {
            if l.price < Decimal::ZERO
                || l.price > limit
                || l.quantity <= Decimal::ZERO
                || l.quantity > dec("1000000")
            {
                return Err(ApiError::field(
                    400,
                    "positions",
                    &format!("position {i}: price or quantity out of range"),
                ));
            }
            let total = l
                .price
                .checked_mul(l.quantity)
                .ok_or_else(|| ApiError::field(400, "positions", "too large"))?;
            cash = cash
                .checked_add(total)
                .ok_or_else(|| ApiError::field(400, "positions", "too large"))?;
            positions.push(Position::new(
                (1_808_985 + i).to_string(),
                l.name.clone(),
                l.price,
                l.quantity,
            ));
        }
        let now = self.now();
        self.next_order += 1;
        let order_id = self.next_order.to_string();
        let event_id = self.next_event_id();
        let levels = {
            let acc = self
                .accounts
                .get(&key)
                .ok_or_else(|| ApiError::new(404, "no such customer"))?;
            self.levels_of(acc)
        };
        let acc = self
            .accounts
            .get_mut(&key)
            .ok_or_else(|| ApiError::new(404, "no such customer"))?;
        let max_spend = (cash * levels.mark_to_cash / Decimal::from(100)).round_dp(2);
        let spend = p.spend.max(Decimal::ZERO).min(acc.marks).min(max_spend);
        let final_cash = cash - spend;
        let earn = (final_cash * levels.cash_to_mark / Decimal::from(100)).round_dp(2);
        let before = acc.marks;
        let after = before - spend + earn;
        let tx = Transaction {
            order_id: order_id.clone(),
            time: now,
            receipt_number: Some((acc.txs.len() + 1).to_string()),
            transaction_type: Some(TransactionType::Sell),
            positions,
            cash,
            external_cash_discount: Some(Decimal::ZERO),
            cash_stock_discount: Some(Decimal::ZERO),
            cash_discount: Some(spend),
            final_cash,
            mark_before: before,
            mark_increase: earn,
            mark_decrease: spend,
            mark_current: after,
            store: Some(Store::new(
                p.store
                    .clone()
                    .unwrap_or_else(|| "a9670af4-eb8e-11ec-a428-b06ebf2fab22".into()),
                "Розничный магазин",
                StoreType::OneC,
            )),
        };
        acc.marks = after;
        acc.purchases_sum += final_cash;
        acc.txs.push(TxRec {
            tx: tx.clone(),
            review: None,
            reply: None,
        });
        acc.events.push(MarkEvent {
            id: event_id,
            name: Some("Покупка".into()),
            time: now,
            mark_before: before,
            mark_increase: earn,
            mark_decrease: spend,
            mark_current: after,
            event_type: MarkEventType::Transaction,
            content: Some(MarkEventContent::Transaction(Box::new(
                TransactionWithReview::new(tx.clone()),
            ))),
        });
        Ok(tx)
    }

    pub(crate) fn delete_customer(&mut self, phone: &str) -> Res<bool> {
        let (key, _) = key_of(phone)?;
        match self.accounts.remove(&key) {
            Some(acc) => {
                self.tokens.remove(&acc.token);
                self.auth.remove(&key);
                Ok(true)
            }
            None => Ok(false),
        }
    }
}
