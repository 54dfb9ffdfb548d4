//! Codes: drawn from the OS CSPRNG, stored as an HMAC under a server-side pepper, compared in
//! constant time.

use std::fmt;
use std::time::Duration;

use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretString};
use sha2::Sha256;
use subtle::ConstantTimeEq;

use crate::action::Action;
use crate::error::CodeError;
use crate::recipient::Subject;

/// The characters a code is made of: 2 to 62 distinct ASCII letters and digits. Serializes as
/// the string of its characters.
#[derive(Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Alphabet {
    chars: Vec<u8>,
}

impl Alphabet {
    /// `0123456789`: what people expect in an SMS.
    pub fn digits() -> Self {
        Self {
            chars: b"0123456789".to_vec(),
        }
    }

    /// Upper-case letters and digits without the look-alikes `0 O 1 I L` (for codes read off a
    /// screen and typed elsewhere).
    pub fn unambiguous() -> Self {
        Self {
            chars: b"23456789ABCDEFGHJKMNPQRSTUVWXYZ".to_vec(),
        }
    }

    /// An alphabet of the given characters.
    ///
    /// # Errors
    /// [`CodeError::Config`] unless `chars` holds 2 to 62 distinct ASCII letters and digits.
    pub fn new(chars: &str) -> Result<Self, CodeError> {
        let bytes = chars.as_bytes().to_vec();
        if !bytes.iter().all(u8::is_ascii_alphanumeric) {
            return Err(CodeError::Config(
                "a code alphabet holds only ASCII letters and digits".into(),
            ));
        }
        let mut sorted = bytes.clone();
        sorted.sort_unstable();
        sorted.dedup();
        if sorted.len() != bytes.len() || !(2..=62).contains(&bytes.len()) {
            return Err(CodeError::Config(
                "a code alphabet holds 2 to 62 distinct characters".into(),
            ));
        }
        Ok(Self { chars: bytes })
    }

    /// The characters, in order.
    pub fn as_str(&self) -> &str {
        // Only ASCII is ever stored.
        std::str::from_utf8(&self.chars).unwrap_or_default()
    }

    /// How many characters there are.
    pub fn len(&self) -> usize {
        self.chars.len()
    }

    /// Always `false`: an alphabet has at least two characters.
    pub fn is_empty(&self) -> bool {
        self.chars.is_empty()
    }

    fn has_lowercase(&self) -> bool {
        self.chars.iter().any(u8::is_ascii_lowercase)
    }
}

impl TryFrom<String> for Alphabet {
    type Error = CodeError;
    fn try_from(s: String) -> Result<Self, CodeError> {
        Self::new(&s)
    }
}

impl From<Alphabet> for String {
    fn from(a: Alphabet) -> Self {
        a.as_str().to_owned()
    }
}

impl fmt::Debug for Alphabet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Alphabet({:?})", self.as_str())
    }
}

/// How codes are made and how long they live. Serializes with the lifetime in seconds
/// (`{"length": 6, "alphabet": "0123456789", "ttl_secs": 300, "max_attempts": 5}`); missing
/// fields take the defaults.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "snake_case")]
#[non_exhaustive]
pub struct CodePolicy {
    /// Characters per code (4 to 12).
    pub length: usize,
    /// The characters codes are drawn from.
    pub alphabet: Alphabet,
    /// How long a code stays valid after it is sent.
    #[serde(rename = "ttl_secs", with = "crate::secs")]
    pub ttl: Duration,
    /// How many times a code may be checked in all, the right answer included (1 to 20).
    pub max_attempts: u32,
}

impl Default for CodePolicy {
    /// 6 digits, valid 5 minutes, 5 attempts.
    fn default() -> Self {
        Self {
            length: 6,
            alphabet: Alphabet::digits(),
            ttl: Duration::from_secs(300),
            max_attempts: 5,
        }
    }
}

impl CodePolicy {
    /// Sets the length.
    pub fn length(mut self, n: usize) -> Self {
        self.length = n;
        self
    }

    /// Sets the alphabet.
    pub fn alphabet(mut self, a: Alphabet) -> Self {
        self.alphabet = a;
        self
    }

    /// Sets the lifetime.
    pub fn ttl(mut self, d: Duration) -> Self {
        self.ttl = d;
        self
    }

    /// Sets the number of checks allowed.
    pub fn max_attempts(mut self, n: u32) -> Self {
        self.max_attempts = n;
        self
    }

    /// Checks the bounds.
    ///
    /// # Errors
    /// [`CodeError::Config`] for a length outside 4..=12, attempts outside 1..=20, a lifetime
    /// under 10 seconds or over a day.
    pub fn validate(&self) -> Result<(), CodeError> {
        if !(4..=12).contains(&self.length) {
            return Err(CodeError::Config("a code has 4 to 12 characters".into()));
        }
        if !(1..=20).contains(&self.max_attempts) {
            return Err(CodeError::Config("a code allows 1 to 20 attempts".into()));
        }
        if self.ttl < Duration::from_secs(10) || self.ttl > Duration::from_secs(86_400) {
            return Err(CodeError::Config(
                "a code lives between 10 seconds and a day".into(),
            ));
        }
        Ok(())
    }

    /// A fresh code from the OS CSPRNG, uniform over the alphabet (rejection sampling: no modulo
    /// bias).
    ///
    /// # Errors
    /// [`CodeError::Random`] when the OS generator fails.
    pub fn generate(&self) -> Result<SecretString, CodeError> {
        let n = self.alphabet.len();
        // The largest multiple of n that fits in a byte: bytes at or above it are thrown away.
        let limit = 256 - (256 % n);
        let mut code = String::with_capacity(self.length);
        let mut buf = [0u8; 32];
        while code.len() < self.length {
            getrandom::fill(&mut buf).map_err(|e| CodeError::Random(e.to_string()))?;
            for &b in &buf {
                if usize::from(b) < limit && code.len() < self.length {
                    code.push(char::from(self.alphabet.chars[usize::from(b) % n]));
                }
            }
        }
        buf.fill(0);
        Ok(SecretString::from(code))
    }

    /// What the user typed, as it is compared: blanks and dashes removed, upper-cased when the
    /// alphabet has no lower-case letters.
    pub fn normalize(&self, input: &str) -> String {
        let mut s: String = input
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .collect();
        if !self.alphabet.has_lowercase() {
            s.make_ascii_uppercase();
        }
        s
    }
}

/// The identifier of one issued code: 128 random bits in hex. It also salts the code's hash.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CodeId(String);

impl CodeId {
    /// A fresh random id.
    ///
    /// # Errors
    /// [`CodeError::Random`] when the OS generator fails.
    pub fn random() -> Result<Self, CodeError> {
        let mut b = [0u8; 16];
        getrandom::fill(&mut b).map_err(|e| CodeError::Random(e.to_string()))?;
        Ok(Self(hex(&b)))
    }

    /// An id read back from storage.
    pub fn from_stored(s: impl Into<String>) -> Self {
        Self(s.into())
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// HMAC-SHA256 of a code, its id, subject and action under the server's pepper: what is stored
/// instead of the code. `Debug` does not print it.
#[derive(Clone, PartialEq, Eq)]
pub struct CodeHash([u8; 32]);

impl CodeHash {
    /// The 32 bytes, for storage.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// The hash as lower-case hex, for storage in a text column.
    pub fn to_hex(&self) -> String {
        hex(&self.0)
    }

    /// A hash read back from storage.
    ///
    /// # Errors
    /// [`CodeError::Config`] when `bytes` is not 32 bytes long.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, CodeError> {
        let arr: [u8; 32] = bytes
            .try_into()
            .map_err(|_| CodeError::Config("a stored code hash has 32 bytes".into()))?;
        Ok(Self(arr))
    }

    /// A hash read back from hex.
    ///
    /// # Errors
    /// [`CodeError::Config`] when `s` is not 64 hex digits.
    pub fn from_hex(s: &str) -> Result<Self, CodeError> {
        let bad = || CodeError::Config("a stored code hash is 64 hex digits".into());
        if s.len() != 64 || !s.is_ascii() {
            return Err(bad());
        }
        let mut out = [0u8; 32];
        for (i, byte) in out.iter_mut().enumerate() {
            *byte = u8::from_str_radix(&s[2 * i..2 * i + 2], 16).map_err(|_| bad())?;
        }
        Ok(Self(out))
    }
}

impl fmt::Debug for CodeHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CodeHash([redacted])")
    }
}

/// Hashes and checks codes with HMAC-SHA256 under a server-side pepper (a secret kept outside
/// the code store, so a leaked store cannot be brute-forced offline). `Debug` hides the pepper.
#[derive(Clone)]
pub struct CodeHasher {
    pepper: SecretString,
}

impl fmt::Debug for CodeHasher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CodeHasher { pepper: [redacted] }")
    }
}

impl CodeHasher {
    /// A hasher with `pepper`.
    ///
    /// # Errors
    /// [`CodeError::Config`] when the pepper is shorter than 16 bytes.
    pub fn new(pepper: SecretString) -> Result<Self, CodeError> {
        if pepper.expose_secret().len() < 16 {
            return Err(CodeError::Config(
                "the code pepper must be at least 16 bytes long".into(),
            ));
        }
        Ok(Self { pepper })
    }

    /// The hash stored for `code` issued as `id` to `subject` for `action`.
    pub fn hash(&self, id: &CodeId, subject: &Subject, action: &Action, code: &str) -> CodeHash {
        // new_from_slice accepts keys of any length for HMAC.
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(self.pepper.expose_secret().as_bytes())
            .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
        for part in [id.as_str(), subject.as_str(), action.as_str(), code] {
            // Length-prefixed, so no two different tuples hash the same bytes.
            mac.update(&(part.len() as u64).to_be_bytes());
            mac.update(part.as_bytes());
        }
        CodeHash(mac.finalize().into_bytes().into())
    }

    /// Whether `code` matches `stored`, compared in constant time.
    pub fn matches(
        &self,
        stored: &CodeHash,
        id: &CodeId,
        subject: &Subject,
        action: &Action,
        code: &str,
    ) -> bool {
        let candidate = self.hash(id, subject, action, code);
        candidate.0.ct_eq(&stored.0).into()
    }
}

fn hex(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(char::from(HEX[usize::from(b >> 4)]));
        s.push(char::from(HEX[usize::from(b & 0xf)]));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_have_the_length_and_alphabet_asked_for() {
        let p = CodePolicy::default()
            .length(8)
            .alphabet(Alphabet::unambiguous());
        for _ in 0..200 {
            let c = p.generate().unwrap();
            let c = c.expose_secret();
            assert_eq!(c.len(), 8);
            assert!(
                c.bytes()
                    .all(|b| Alphabet::unambiguous().as_str().as_bytes().contains(&b))
            );
        }
    }

    #[test]
    fn every_digit_shows_up() {
        // 6000 digits from the CSPRNG: each of the 10 appears (the chance one is missing is ~1e-270).
        let p = CodePolicy::default();
        let mut seen = [0u32; 10];
        for _ in 0..1000 {
            for b in p.generate().unwrap().expose_secret().bytes() {
                seen[usize::from(b - b'0')] += 1;
            }
        }
        assert!(seen.iter().all(|&n| n > 400), "{seen:?}");
    }

    #[test]
    fn alphabets_are_checked() {
        assert!(Alphabet::new("0").is_err());
        assert!(Alphabet::new("aa").is_err());
        assert!(Alphabet::new("ab-").is_err());
        assert!(Alphabet::new("ab").is_ok());
        assert!(CodePolicy::default().length(3).validate().is_err());
        assert!(CodePolicy::default().max_attempts(0).validate().is_err());
        assert!(CodePolicy::default().validate().is_ok());
    }

    #[test]
    fn hashes_bind_id_subject_and_action() {
        let h = CodeHasher::new(SecretString::from("0123456789abcdef-pepper")).unwrap();
        let id = CodeId::from_stored("id1");
        let s = Subject::new("user:1");
        let hash = h.hash(&id, &s, &Action::LogIn, "123456");
        assert!(h.matches(&hash, &id, &s, &Action::LogIn, "123456"));
        assert!(!h.matches(&hash, &id, &s, &Action::LogIn, "123457"));
        assert!(!h.matches(
            &hash,
            &CodeId::from_stored("id2"),
            &s,
            &Action::LogIn,
            "123456"
        ));
        assert!(!h.matches(
            &hash,
            &id,
            &Subject::new("user:2"),
            &Action::LogIn,
            "123456"
        ));
        assert!(!h.matches(&hash, &id, &s, &Action::SpendBonuses, "123456"));
        let other = CodeHasher::new(SecretString::from("another-pepper-0123456")).unwrap();
        assert!(!other.matches(&hash, &id, &s, &Action::LogIn, "123456"));
        assert_eq!(CodeHash::from_hex(&hash.to_hex()).unwrap(), hash);
        assert!(CodeHasher::new(SecretString::from("short")).is_err());
    }

    #[test]
    fn input_is_normalized() {
        let p = CodePolicy::default().alphabet(Alphabet::unambiguous());
        assert_eq!(p.normalize(" ab-c d "), "ABCD");
        let p = CodePolicy::default().alphabet(Alphabet::new("abc").unwrap());
        assert_eq!(p.normalize("a b"), "ab");
    }
}
