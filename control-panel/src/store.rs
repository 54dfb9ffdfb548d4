//! The panel's own data: accounts, roles, bot assignments, sessions, API tokens, the audit log and
//! login attempts (and, for hosts, saved text overrides), in `panel_*` tables next to the bot's (SQLite or PostgreSQL through sqlx `Any`,
//! portable SQL, migrations embedded in this file).

use std::fmt;

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use chrono::{DateTime, SecondsFormat, Utc};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{AnyPool, Row};

mod accounts;
mod records;

/// The shortest password the panel accepts.
pub const MIN_PASSWORD_LEN: usize = 10;

/// An error of the panel's storage.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The database failed or could not be reached.
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    /// The URL is neither `sqlite:` nor `postgres:`.
    #[error("unsupported database URL scheme {0:?}")]
    UnsupportedUrl(String),
    /// A login is taken.
    #[error("the login {0:?} exists already")]
    LoginTaken(String),
    /// No such account, token or session.
    #[error("not found: {0}")]
    NotFound(String),
    /// A value was refused (login format, password length, …).
    #[error("invalid {field}: {reason}")]
    Invalid {
        /// Which value.
        field: &'static str,
        /// Why.
        reason: String,
    },
    /// A stored value could not be read back.
    #[error("corrupt {what}: {reason}")]
    Corrupt {
        /// Which value.
        what: &'static str,
        /// Why.
        reason: String,
    },
    /// Hashing failed or a worker task died.
    #[error("internal: {0}")]
    Internal(String),
}

/// What an account may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Everything: every bot, accounts, API tokens, the audit log.
    Admin,
    /// Statistics, users and texts of the bots assigned to the account, nothing else.
    Operator,
}

impl Role {
    /// `admin` or `operator`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::Operator => "operator",
        }
    }

    /// Parses `admin` / `operator`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "admin" => Some(Self::Admin),
            "operator" => Some(Self::Operator),
            _ => None,
        }
    }
}

/// A panel account (never carries the password hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct Account {
    /// The login.
    pub login: String,
    /// The role.
    pub role: Role,
    /// Bots an operator may see (ignored for administrators).
    pub bots: Vec<String>,
    /// A disabled account cannot sign in and its sessions and tokens stop working.
    pub disabled: bool,
    /// When it was created.
    pub created_at: DateTime<Utc>,
}

impl Account {
    /// Whether this account may see and work with `bot`.
    pub fn can_access(&self, bot: &str) -> bool {
        !self.disabled && (self.role == Role::Admin || self.bots.iter().any(|b| b == bot))
    }

    /// Whether this is an administrator.
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin && !self.disabled
    }
}

/// An API token as listed (the secret itself is shown once, at creation).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct ApiTokenInfo {
    /// Public identifier (used to revoke it).
    pub id: String,
    /// The account whose permissions the token carries.
    pub login: String,
    /// What it is for.
    pub label: String,
    /// When it was issued.
    pub created_at: DateTime<Utc>,
    /// Who issued it.
    pub created_by: String,
    /// Revoked tokens stop working.
    pub revoked: bool,
}

/// One audit log entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct AuditEntry {
    /// When.
    pub at: DateTime<Utc>,
    /// The login who did it.
    pub actor: String,
    /// What (`account.create`, `text.set`, …).
    pub action: String,
    /// On what (a login, `bot/key/lang`, …).
    pub target: String,
    /// Details (never a secret).
    pub detail: String,
}

/// A signed-in session: the account and the CSRF token of its forms.
#[derive(Clone)]
pub struct SessionInfo {
    /// The account.
    pub account: Account,
    /// The CSRF token every form of this session carries.
    pub csrf: SecretString,
    /// When the session ends.
    pub expires_at: DateTime<Utc>,
}

impl fmt::Debug for SessionInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionInfo")
            .field("account", &self.account.login)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

/// The panel's database.
#[derive(Clone)]
pub struct PanelStore {
    pool: AnyPool,
}

impl fmt::Debug for PanelStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The URL may carry a password: never kept, never shown.
        f.debug_struct("PanelStore").finish_non_exhaustive()
    }
}

const MIGRATIONS: &[(i64, &str)] = &[
    (
        1,
        "CREATE TABLE IF NOT EXISTS panel_accounts (
        login TEXT NOT NULL PRIMARY KEY,
        password_hash TEXT NOT NULL,
        role TEXT NOT NULL,
        disabled BIGINT NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL
    );
    CREATE TABLE IF NOT EXISTS panel_account_bots (
        login TEXT NOT NULL,
        bot TEXT NOT NULL,
        PRIMARY KEY (login, bot)
    );
    CREATE TABLE IF NOT EXISTS panel_sessions (
        token_hash TEXT NOT NULL PRIMARY KEY,
        login TEXT NOT NULL,
        csrf TEXT NOT NULL,
        created_at TEXT NOT NULL,
        expires_at TEXT NOT NULL
    );
    CREATE INDEX IF NOT EXISTS panel_sessions_login ON panel_sessions (login);
    CREATE TABLE IF NOT EXISTS panel_api_tokens (
        id TEXT NOT NULL PRIMARY KEY,
        token_hash TEXT NOT NULL UNIQUE,
        login TEXT NOT NULL,
        label TEXT NOT NULL,
        created_at TEXT NOT NULL,
        created_by TEXT NOT NULL,
        revoked BIGINT NOT NULL DEFAULT 0
    );
    CREATE TABLE IF NOT EXISTS panel_audit (
        id TEXT NOT NULL PRIMARY KEY,
        seq BIGINT NOT NULL,
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        target TEXT NOT NULL,
        detail TEXT NOT NULL
    );
    CREATE INDEX IF NOT EXISTS panel_audit_seq ON panel_audit (seq);
    CREATE TABLE IF NOT EXISTS panel_login_failures (
        scope TEXT NOT NULL,
        at TEXT NOT NULL
    );
    CREATE INDEX IF NOT EXISTS panel_login_failures_scope ON panel_login_failures (scope, at)",
    ),
    (
        2,
        "CREATE TABLE IF NOT EXISTS panel_text_overrides (
        bot TEXT NOT NULL,
        lang TEXT NOT NULL,
        text_key TEXT NOT NULL,
        body TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (bot, lang, text_key)
    )",
    ),
    (
        3,
        // Each account's own chat for "send a test to me" (broadcasts), per bot.
        "CREATE TABLE IF NOT EXISTS panel_test_chats (
        login TEXT NOT NULL,
        bot TEXT NOT NULL,
        messenger TEXT NOT NULL,
        user_id TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (login, bot)
    )",
    ),
];

/// Formats a time the way every `panel_*` table stores it (fixed width, so text order is time order).
fn ts(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, true)
}

fn parse_ts(s: &str) -> Result<DateTime<Utc>, StoreError> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| StoreError::Corrupt {
            what: "time",
            reason: format!("{s:?}: {e}"),
        })
}

/// `n` random bytes from the operating system, hex-encoded.
///
/// # Errors
/// [`StoreError::Internal`] when the OS has no randomness to give.
pub fn random_hex(n: usize) -> Result<String, StoreError> {
    let mut buf = vec![0u8; n];
    getrandom::fill(&mut buf).map_err(|e| StoreError::Internal(format!("getrandom: {e}")))?;
    Ok(hex(&buf))
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// SHA-256 of a bearer secret (sessions and API tokens are stored hashed: a leaked table does
/// not sign anybody in).
fn token_hash(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

/// Checks a login: 1–64 characters of `a-z A-Z 0-9 . _ - @`.
///
/// # Errors
/// [`StoreError::Invalid`] otherwise.
pub fn validate_login(login: &str) -> Result<(), StoreError> {
    let ok = !login.is_empty()
        && login.len() <= 64
        && login
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'));
    if ok {
        Ok(())
    } else {
        Err(StoreError::Invalid {
            field: "login",
            reason: "1-64 characters: letters, digits, . _ - @".into(),
        })
    }
}

fn validate_password(password: &SecretString) -> Result<(), StoreError> {
    let n = password.expose_secret().chars().count();
    if (MIN_PASSWORD_LEN..=256).contains(&n) {
        Ok(())
    } else {
        Err(StoreError::Invalid {
            field: "password",
            reason: format!("{MIN_PASSWORD_LEN}-256 characters"),
        })
    }
}

/// argon2id with 7 MiB and 5 passes: one of the configurations OWASP's Password Storage Cheat
/// Sheet lists as equal in strength (19 MiB × 2, 12 MiB × 3, 9 MiB × 4, 7 MiB × 5). The bot and
/// the panel share a process: a sign-in (or the demo account made at the first start) then
/// costs it 7 MiB of memory, not 19. Hashes made with other parameters still verify (a hash
/// carries its parameters).
fn hasher() -> Argon2<'static> {
    let params = argon2::Params::new(7 * 1024, 5, 1, None).unwrap_or(argon2::Params::DEFAULT);
    Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params)
}

/// Hashes a password with argon2id ([`hasher`]), off the async threads.
async fn hash_password(password: &SecretString) -> Result<String, StoreError> {
    let pw = SecretString::from(password.expose_secret().to_owned());
    tokio::task::spawn_blocking(move || {
        hasher()
            .hash_password(pw.expose_secret().as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| StoreError::Internal(format!("argon2: {e}")))
    })
    .await
    .map_err(|e| StoreError::Internal(format!("hash task: {e}")))?
}

/// A hash of a password nobody has, verified when the login is unknown so that unknown and known
/// logins take the same time.
const DUMMY_HASH: &str = "$argon2id$v=19$m=7168,t=5,p=1$3B91IjmmzTq5swOewPlbog$NqOnCaXGT9JMS+/jFXVdSYjJP6aM7WZCCqnutRi3Vd4";

async fn verify_password(password: &SecretString, hash: String) -> bool {
    let pw = SecretString::from(password.expose_secret().to_owned());
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&hash)
            .map(|parsed| {
                hasher()
                    .verify_password(pw.expose_secret().as_bytes(), &parsed)
                    .is_ok()
            })
            .unwrap_or(false)
    })
    .await
    .unwrap_or(false)
}

fn split_statements(sql: &str) -> impl Iterator<Item = &str> {
    sql.split(';').map(str::trim).filter(|s| !s.is_empty())
}

impl PanelStore {
    /// Connects (creating an SQLite file if needed) and applies the migrations.
    ///
    /// `sqlite:path/to/file.db`, `sqlite::memory:`, or `postgres://user:pass@host/db`. A host that
    /// already has a pool on the same database should use [`PanelStore::from_pool`] instead (one
    /// writer for SQLite).
    ///
    /// # Errors
    /// [`StoreError::UnsupportedUrl`] for another scheme, [`StoreError::Database`] when the
    /// database cannot be reached or migrated.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        sqlx::any::install_default_drivers();
        let (url, max) = if let Some(rest) = url.strip_prefix("sqlite:") {
            let mut u = format!("sqlite:{rest}");
            if !rest.contains(":memory:") && !rest.contains("mode=") {
                u.push_str(if rest.contains('?') {
                    "&mode=rwc"
                } else {
                    "?mode=rwc"
                });
            }
            (u, 1)
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            (url.to_owned(), 5)
        } else {
            return Err(StoreError::UnsupportedUrl(
                url.split(':').next().unwrap_or_default().to_owned(),
            ));
        };
        let pool = AnyPoolOptions::new()
            .max_connections(max)
            .connect(&url)
            .await?;
        Self::from_pool(pool).await
    }

    /// Uses an existing pool (the bot's) and applies the migrations.
    ///
    /// # Errors
    /// [`StoreError::Database`] when the migrations fail.
    pub async fn from_pool(pool: AnyPool) -> Result<Self, StoreError> {
        let store = Self { pool };
        store.migrate().await?;
        Ok(store)
    }

    async fn migrate(&self) -> Result<(), StoreError> {
        sqlx::query(
            "CREATE TABLE IF NOT EXISTS panel_schema_version (version BIGINT NOT NULL PRIMARY KEY, applied_at TEXT NOT NULL)",
        )
        .execute(&self.pool)
        .await?;
        for (version, sql) in MIGRATIONS {
            let done: Option<i64> =
                sqlx::query_scalar("SELECT version FROM panel_schema_version WHERE version = $1")
                    .bind(*version)
                    .fetch_optional(&self.pool)
                    .await?;
            if done.is_some() {
                continue;
            }
            let mut tx = self.pool.begin().await?;
            for stmt in split_statements(sql) {
                // Embedded migration text of our own, not user input.
                sqlx::query(sqlx::AssertSqlSafe(stmt))
                    .execute(&mut *tx)
                    .await?;
            }
            sqlx::query("INSERT INTO panel_schema_version (version, applied_at) VALUES ($1, $2)")
                .bind(*version)
                .bind(ts(Utc::now()))
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            tracing::info!(version, "applied a control-panel migration");
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    /// An unknown login verifies the dummy hash: with the same parameters as real hashes, it
    /// takes as long; and a hash of the old default parameters still verifies.
    #[tokio::test]
    async fn the_dummy_hash_costs_what_a_real_one_does_and_old_hashes_verify() {
        use argon2::password_hash::phc::PasswordHash;
        let pw = secrecy::SecretString::from("correct horse battery".to_owned());
        let new = super::hash_password(&pw).await.unwrap();
        let params = |h: &str| PasswordHash::new(h).unwrap().params.to_string();
        assert_eq!(params(super::DUMMY_HASH), params(&new));
        assert_eq!(params(&new), "m=7168,t=5,p=1");
        assert!(super::verify_password(&pw, new).await);
        use argon2::password_hash::PasswordHasher;
        let old = argon2::Argon2::default()
            .hash_password(b"correct horse battery")
            .unwrap()
            .to_string();
        assert!(old.contains("m=19456,t=2"));
        assert!(super::verify_password(&pw, old.clone()).await);
        let wrong = secrecy::SecretString::from("wrong horse battery".to_owned());
        assert!(!super::verify_password(&wrong, old).await);
    }
    use super::*;

    #[tokio::test]
    async fn dummy_hash_parses_so_unknown_logins_cost_a_real_verification() {
        assert!(PasswordHash::new(DUMMY_HASH).is_ok());
        assert!(!verify_password(&SecretString::from("x".to_owned()), DUMMY_HASH.into()).await);
    }

    #[test]
    fn logins_are_checked() {
        assert!(validate_login("alice.operator-1@x").is_ok());
        assert!(validate_login("").is_err());
        assert!(validate_login("a b").is_err());
        assert!(validate_login("<script>").is_err());
        assert!(validate_login(&"a".repeat(65)).is_err());
    }

    #[test]
    fn session_info_debug_hides_the_csrf_token() {
        let s = SessionInfo {
            account: Account {
                login: "a".into(),
                role: Role::Admin,
                bots: vec![],
                disabled: false,
                created_at: Utc::now(),
            },
            csrf: SecretString::from("topsecretcsrf".to_owned()),
            expires_at: Utc::now(),
        };
        assert!(!format!("{s:?}").contains("topsecretcsrf"));
    }
}
