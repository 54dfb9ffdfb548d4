//! The POS SOAP `BalanceRequest` (spec §5), only for the balance detail the offices lack.

use std::fmt;

use chrono::NaiveDateTime;
use loyalty_core::http::{HttpClient, Idempotency, Response};
use loyalty_core::{LoyaltyError, Phone, ProviderDetail};
use reqwest::Method;
use rust_decimal::Decimal;
use secrecy::{ExposeSecret, SecretString};

/// The `SOAPAction` of `ProcessRequest`.
pub const SOAP_ACTION: &str = "http://loyalty.manzanagroup.ru/loyalty.xsd/ProcessRequest";

/// The POS processing endpoint and identifiers.
#[derive(Clone)]
#[non_exhaustive]
pub struct PosConfig {
    /// `…/POSProcessing.asmx`.
    pub url: String,
    /// Basic-auth login of the POS service account.
    pub login: String,
    /// Basic-auth password (a secret).
    pub password: SecretString,
    /// `Organization`.
    pub organization: String,
    /// `BusinessUnit`.
    pub business_unit: String,
    /// `POS`.
    pub pos: String,
    /// `orgName`.
    pub org_name: String,
}

impl PosConfig {
    /// A POS configuration.
    pub fn new(
        url: impl Into<String>,
        login: impl Into<String>,
        password: impl Into<SecretString>,
        organization: impl Into<String>,
        business_unit: impl Into<String>,
        pos: impl Into<String>,
    ) -> Self {
        let organization = organization.into();
        Self {
            url: url.into(),
            login: login.into(),
            password: password.into(),
            org_name: organization.clone(),
            organization,
            business_unit: business_unit.into(),
            pos: pos.into(),
        }
    }

    /// Sets `orgName` (default: the organization).
    pub fn org_name(mut self, name: impl Into<String>) -> Self {
        self.org_name = name.into();
        self
    }
}

impl fmt::Debug for PosConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PosConfig")
            .field("url", &self.url)
            .field("login", &self.login)
            .field("password", &"[REDACTED]")
            .field("organization", &self.organization)
            .field("business_unit", &self.business_unit)
            .field("pos", &self.pos)
            .finish()
    }
}

/// The `BalanceResponse` fields a bot shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct PosBalance {
    /// `ContactID`.
    pub contact_id: Option<String>,
    /// `Card/CardNumber`.
    pub card_number: Option<String>,
    /// `CardBalance`.
    pub balance: Option<Decimal>,
    /// `CardActiveBalance`.
    pub active_balance: Option<Decimal>,
    /// `CardNormalBalance`.
    pub normal_balance: Option<Decimal>,
    /// `CardStatusBalance`.
    pub status_balance: Option<Decimal>,
    /// `CardSumm`.
    pub summ: Option<Decimal>,
    /// `CardDiscount`.
    pub discount: Option<Decimal>,
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The text of the first `<name>…</name>` (namespace prefixes ignored).
pub(crate) fn tag(xml: &str, name: &str) -> Option<String> {
    let mut rest = xml;
    loop {
        let start = rest.find('<')?;
        rest = &rest[start + 1..];
        let end = rest.find('>')?;
        let head = &rest[..end];
        let local = head
            .split_whitespace()
            .next()
            .unwrap_or("")
            .rsplit(':')
            .next()
            .unwrap_or("");
        if local == name && !head.starts_with('/') && !head.ends_with('/') {
            let body = &rest[end + 1..];
            let close = body.find("</")?;
            return Some(
                body[..close]
                    .replace("&lt;", "<")
                    .replace("&gt;", ">")
                    .replace("&quot;", "\"")
                    .replace("&amp;", "&"),
            );
        }
        rest = &rest[end..];
    }
}

fn dec(xml: &str, name: &str) -> Option<Decimal> {
    tag(xml, name).and_then(|t| loyalty_core::de::parse_decimal(&t))
}

/// `(directory with a trailing '/', file name)` of an endpoint URL.
pub(crate) fn split_endpoint(url: &str) -> (&str, &str) {
    let t = url.trim();
    let scheme_end = t.find("://").map_or(0, |i| i + 3);
    match t[scheme_end..].rfind('/') {
        Some(i) => t.split_at(scheme_end + i + 1),
        None => (t, ""),
    }
}

pub(crate) async fn balance(
    http: &HttpClient,
    file: &str,
    cfg: &PosConfig,
    card: Option<&str>,
    phone: Option<&Phone>,
    now: NaiveDateTime,
) -> Result<PosBalance, LoyaltyError> {
    let who = match (card, phone) {
        (Some(c), _) => format!("<Card><CardNumber>{}</CardNumber></Card>", esc(c)),
        (None, Some(p)) => format!(
            "<MobilePhone><Number>{}</Number></MobilePhone>",
            esc(p.e164())
        ),
        (None, None) => return Err(LoyaltyError::invalid("card", "a card or a phone is needed")),
    };
    let request_id = format!("{:016x}", fastrand::u64(..));
    let body = format!(
        r#"<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><ProcessRequest xmlns="http://loyalty.manzanagroup.ru/loyalty.xsd"><request><BalanceRequest><RequestID>{rid}</RequestID><DateTime>{dt}</DateTime><Organization>{org}</Organization><BusinessUnit>{bu}</BusinessUnit><POS>{pos}</POS>{who}</BalanceRequest></request><orgName>{on}</orgName></ProcessRequest></soap:Body></soap:Envelope>"#,
        rid = request_id,
        dt = now.format("%Y-%m-%dT%H:%M:%S"),
        org = esc(&cfg.organization),
        bu = esc(&cfg.business_unit),
        pos = esc(&cfg.pos),
        on = esc(&cfg.org_name),
    );
    let login = cfg.login.clone();
    let password = cfg.password.clone();
    let resp = http
        .send(
            "POS BalanceRequest",
            Idempotency::Idempotent,
            Method::POST,
            file,
            |b| {
                b.basic_auth(&login, Some(password.expose_secret()))
                    .header("Content-Type", "text/xml; charset=utf-8")
                    .header("SOAPAction", SOAP_ACTION)
                    .body(body.clone())
            },
        )
        .await?;
    decode_balance(&resp)
}

/// Reads a `BalanceRequest` answer: a non-2xx status is the generic status error, a non-zero
/// `ReturnCode` a provider error.
pub(crate) fn decode_balance(resp: &Response) -> Result<PosBalance, LoyaltyError> {
    if !resp.status.is_success() {
        return Err(resp.status_error());
    }
    let xml = String::from_utf8_lossy(&resp.body);
    let code = tag(&xml, "ReturnCode").ok_or_else(|| resp.decode_error("no ReturnCode"))?;
    if code.trim() != "0" {
        let mut detail = ProviderDetail::message(tag(&xml, "Message").unwrap_or_default())
            .with_status(resp.status.as_u16());
        detail.code = Some(code.trim().to_owned());
        return Err(LoyaltyError::Provider { detail });
    }
    let card_block = tag(&xml, "Card");
    Ok(PosBalance {
        contact_id: tag(&xml, "ContactID").filter(|s| !s.is_empty()),
        card_number: card_block
            .as_deref()
            .and_then(|c| tag(c, "CardNumber"))
            .or_else(|| tag(&xml, "CardNumber")),
        balance: dec(&xml, "CardBalance"),
        active_balance: dec(&xml, "CardActiveBalance"),
        normal_balance: dec(&xml, "CardNormalBalance"),
        status_balance: dec(&xml, "CardStatusBalance"),
        summ: dec(&xml, "CardSumm"),
        discount: dec(&xml, "CardDiscount"),
    })
}
