//! Webhook authentication helpers shared by the adapters: pure functions over the raw headers,
//! compared in constant time.

use hmac::{Hmac, Mac};
use http::HeaderMap;
use secrecy::{ExposeSecret, SecretString};
use sha2::Sha256;
use subtle::ConstantTimeEq;

use crate::error::MessengerError;

/// Compares two byte strings in constant time (for equal lengths; a length mismatch is answered
/// at once, which only reveals the length).
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.ct_eq(b).into()
}

/// Checks that header `name` equals `secret` (Telegram `X-Telegram-Bot-Api-Secret-Token`, MAX
/// `X-Max-Bot-Api-Secret`), in constant time.
///
/// # Errors
/// [`MessengerError::ForgedWebhook`] when the header is missing, repeated, or different.
pub fn verify_secret_header(
    headers: &HeaderMap,
    name: &str,
    secret: &SecretString,
) -> Result<(), MessengerError> {
    let mut values = headers.get_all(name).iter();
    let value = values.next().ok_or(MessengerError::ForgedWebhook {
        reason: "the secret header is missing",
    })?;
    if values.next().is_some() {
        return Err(MessengerError::ForgedWebhook {
            reason: "the secret header is repeated",
        });
    }
    if constant_time_eq(value.as_bytes(), secret.expose_secret().as_bytes()) {
        Ok(())
    } else {
        Err(MessengerError::ForgedWebhook {
            reason: "the secret header does not match",
        })
    }
}

/// Checks that header `name` holds the lowercase (or uppercase) hex HMAC-SHA256 of the **raw**
/// `body` keyed with `key` (Viber: `X-Viber-Content-Signature`, key = the auth token). Verify
/// before parsing; never re-serialize the body first. The comparison is constant-time
/// (`Mac::verify_slice`).
///
/// # Errors
/// [`MessengerError::ForgedWebhook`] when the header is missing, repeated, not hex, or wrong.
pub fn verify_hmac_sha256_hex(
    headers: &HeaderMap,
    name: &str,
    key: &SecretString,
    body: &[u8],
) -> Result<(), MessengerError> {
    let mut values = headers.get_all(name).iter();
    let value = values.next().ok_or(MessengerError::ForgedWebhook {
        reason: "the signature header is missing",
    })?;
    if values.next().is_some() {
        return Err(MessengerError::ForgedWebhook {
            reason: "the signature header is repeated",
        });
    }
    let signature = decode_hex(value.as_bytes()).ok_or(MessengerError::ForgedWebhook {
        reason: "the signature is not hex",
    })?;
    let mut mac = Hmac::<Sha256>::new_from_slice(key.expose_secret().as_bytes())
        .map_err(|_| MessengerError::Config("unusable HMAC key".to_owned()))?;
    mac.update(body);
    mac.verify_slice(&signature)
        .map_err(|_| MessengerError::ForgedWebhook {
            reason: "the signature does not match the body",
        })
}

/// The lowercase hex HMAC-SHA256 of `body` keyed with `key`: what a platform puts in its
/// signature header. For tests and fakes that sign requests.
pub fn sign_hmac_sha256_hex(key: &SecretString, body: &[u8]) -> String {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = match Hmac::<Sha256>::new_from_slice(key.expose_secret().as_bytes()) {
        Ok(m) => m,
        Err(_) => return String::new(),
    };
    mac.update(body);
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn decode_hex(s: &[u8]) -> Option<Vec<u8>> {
    if s.len() % 2 != 0 {
        return None;
    }
    s.chunks(2)
        .map(|pair| {
            let hi = (pair[0] as char).to_digit(16)?;
            let lo = (pair[1] as char).to_digit(16)?;
            u8::try_from(hi * 16 + lo).ok()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_signature_over_the_raw_body() {
        let key = SecretString::from("445da6az1s345z78-dazcczb2542zv51a-e0vc5fva17480im9");
        let body = br#"{"event":"webhook","timestamp":1457764197627,"message_token":241256543215}"#;
        let sig = sign_hmac_sha256_hex(&key, body);
        // Known answer, computed independently (Python's hmac module).
        assert_eq!(
            sig,
            "bd52434b46be1542d32bfa5e3332b757b927e183c5ef3b20a5f9877207dc55b9"
        );
        let mut h = HeaderMap::new();
        h.insert("x-viber-content-signature", sig.parse().unwrap());
        assert!(verify_hmac_sha256_hex(&h, "X-Viber-Content-Signature", &key, body).is_ok());
        h.insert(
            "x-viber-content-signature",
            sig.to_uppercase().parse().unwrap(),
        );
        assert!(verify_hmac_sha256_hex(&h, "X-Viber-Content-Signature", &key, body).is_ok());
        // One byte more in the body, a wrong key, a bad header: all rejected.
        let mut longer = body.to_vec();
        longer.push(b' ');
        assert!(verify_hmac_sha256_hex(&h, "x-viber-content-signature", &key, &longer).is_err());
        let other = SecretString::from("other");
        assert!(verify_hmac_sha256_hex(&h, "x-viber-content-signature", &other, body).is_err());
        h.insert("x-viber-content-signature", "zz".parse().unwrap());
        assert!(verify_hmac_sha256_hex(&h, "x-viber-content-signature", &key, body).is_err());
        assert!(
            verify_hmac_sha256_hex(&HeaderMap::new(), "x-viber-content-signature", &key, body)
                .is_err()
        );
    }

    #[test]
    fn secret_header_accepts_only_the_exact_value() {
        let secret = SecretString::from("s3cr3t_-");
        let mut h = HeaderMap::new();
        assert!(matches!(
            verify_secret_header(&h, "x-secret", &secret),
            Err(MessengerError::ForgedWebhook { reason }) if reason.contains("missing")
        ));
        h.insert("x-secret", "s3cr3t_".parse().unwrap());
        assert!(verify_secret_header(&h, "x-secret", &secret).is_err());
        h.insert("x-secret", "s3cr3t_-".parse().unwrap());
        assert!(verify_secret_header(&h, "X-Secret", &secret).is_ok());
        h.append("x-secret", "s3cr3t_-".parse().unwrap());
        assert!(verify_secret_header(&h, "x-secret", &secret).is_err());
    }
}
