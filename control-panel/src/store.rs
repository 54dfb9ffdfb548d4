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

/// Hashes a password with argon2id (default parameters: 19 MiB, 2 passes), off the async threads.
async fn hash_password(password: &SecretString) -> Result<String, StoreError> {
    let pw = SecretString::from(password.expose_secret().to_owned());
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(pw.expose_secret().as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| StoreError::Internal(format!("argon2: {e}")))
    })
    .await
    .map_err(|e| StoreError::Internal(format!("hash task: {e}")))?
}

/// A hash of a password nobody has, verified when the login is unknown so that unknown and known
/// logins take the same time.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$3hmdxSCQiE1fNZxqdi5KQbW3uuS41/1E3EuVbRB+IHo";

async fn verify_password(password: &SecretString, hash: String) -> bool {
    let pw = SecretString::from(password.expose_secret().to_owned());
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&hash)
            .map(|parsed| {
                Argon2::default()
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

    // ----- accounts -----

    /// Creates an account.
    ///
    /// # Errors
    /// [`StoreError::LoginTaken`], [`StoreError::Invalid`] for a bad login or a password shorter
    /// than [`MIN_PASSWORD_LEN`], [`StoreError::Database`].
    pub async fn create_account(
        &self,
        login: &str,
        password: &SecretString,
        role: Role,
        bots: &[String],
        now: DateTime<Utc>,
    ) -> Result<Account, StoreError> {
        validate_login(login)?;
        validate_password(password)?;
        if self.account(login).await?.is_some() {
            return Err(StoreError::LoginTaken(login.to_owned()));
        }
        let hash = hash_password(password).await?;
        let mut tx = self.pool.begin().await?;
        let inserted = sqlx::query(
            "INSERT INTO panel_accounts (login, password_hash, role, disabled, created_at) VALUES ($1, $2, $3, 0, $4)",
        )
        .bind(login)
        .bind(&hash)
        .bind(role.as_str())
        .bind(ts(now))
        .execute(&mut *tx)
        .await;
        if let Err(e) = inserted {
            // A concurrent creation of the same login loses on the primary key. The transaction
            // is given back first: an SQLite pool has one connection.
            drop(tx);
            return Err(if self.account(login).await?.is_some() {
                StoreError::LoginTaken(login.to_owned())
            } else {
                e.into()
            });
        }
        for bot in bots {
            sqlx::query("INSERT INTO panel_account_bots (login, bot) VALUES ($1, $2)")
                .bind(login)
                .bind(bot)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        self.account(login)
            .await?
            .ok_or_else(|| StoreError::NotFound(login.to_owned()))
    }

    /// Creates the first administrator when no administrator exists yet (the host calls this on
    /// start with `PANEL_ADMIN_LOGIN`/`PANEL_ADMIN_PASSWORD`). Returns whether it created one.
    ///
    /// # Errors
    /// As [`PanelStore::create_account`].
    pub async fn bootstrap_admin(
        &self,
        login: &str,
        password: &SecretString,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let admins: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM panel_accounts WHERE role = 'admin' AND disabled = 0",
        )
        .fetch_one(&self.pool)
        .await?;
        if admins > 0 {
            return Ok(false);
        }
        self.create_account(login, password, Role::Admin, &[], now)
            .await?;
        self.audit(
            login,
            "account.bootstrap",
            login,
            "first administrator",
            now,
        )
        .await?;
        Ok(true)
    }

    /// One account by login.
    ///
    /// # Errors
    /// [`StoreError::Database`].
    pub async fn account(&self, login: &str) -> Result<Option<Account>, StoreError> {
        let row = sqlx::query(
            "SELECT login, role, disabled, created_at FROM panel_accounts WHERE login = $1",
        )
        .bind(login)
        .fetch_optional(&self.pool)
        .await?;
        match row {
            Some(row) => Ok(Some(self.account_from_row(&row).await?)),
            None => Ok(None),
        }
    }

    async fn account_from_row(&self, row: &AnyRow) -> Result<Account, StoreError> {
        let login: String = row.try_get("login")?;
        let role: String = row.try_get("role")?;
        let disabled: i64 = row.try_get("disabled")?;
        let created_at: String = row.try_get("created_at")?;
        let bots: Vec<String> =
            sqlx::query_scalar("SELECT bot FROM panel_account_bots WHERE login = $1 ORDER BY bot")
                .bind(&login)
                .fetch_all(&self.pool)
                .await?;
        Ok(Account {
            role: Role::parse(&role).ok_or_else(|| StoreError::Corrupt {
                what: "role",
                reason: role.clone(),
            })?,
            login,
            bots,
            disabled: disabled != 0,
            created_at: parse_ts(&created_at)?,
        })
    }

    /// Every account, by login.
    ///
    /// # Errors
    /// [`StoreError::Database`].
    pub async fn accounts(&self) -> Result<Vec<Account>, StoreError> {
        let rows = sqlx::query(
            "SELECT login, role, disabled, created_at FROM panel_accounts ORDER BY login",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in &rows {
            out.push(self.account_from_row(row).await?);
        }
        Ok(out)
    }

    /// Changes an account's role, bots and disabled flag. Disabling ends its sessions.
    ///
    /// # Errors
    /// [`StoreError::NotFound`], [`StoreError::Database`].
    pub async fn update_account(
        &self,
        login: &str,
        role: Role,
        bots: &[String],
        disabled: bool,
    ) -> Result<Account, StoreError> {
        let mut tx = self.pool.begin().await?;
        let n = sqlx::query("UPDATE panel_accounts SET role = $2, disabled = $3 WHERE login = $1")
            .bind(login)
            .bind(role.as_str())
            .bind(i64::from(disabled))
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if n == 0 {
            return Err(StoreError::NotFound(login.to_owned()));
        }
        sqlx::query("DELETE FROM panel_account_bots WHERE login = $1")
            .bind(login)
            .execute(&mut *tx)
            .await?;
        for bot in bots {
            sqlx::query("INSERT INTO panel_account_bots (login, bot) VALUES ($1, $2)")
                .bind(login)
                .bind(bot)
                .execute(&mut *tx)
                .await?;
        }
        if disabled {
            sqlx::query("DELETE FROM panel_sessions WHERE login = $1")
                .bind(login)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        self.account(login)
            .await?
            .ok_or_else(|| StoreError::NotFound(login.to_owned()))
    }

    /// Sets a new password and ends the account's sessions.
    ///
    /// # Errors
    /// [`StoreError::Invalid`] for a short password, [`StoreError::NotFound`], [`StoreError::Database`].
    pub async fn set_password(
        &self,
        login: &str,
        password: &SecretString,
    ) -> Result<(), StoreError> {
        validate_password(password)?;
        let hash = hash_password(password).await?;
        let n = sqlx::query("UPDATE panel_accounts SET password_hash = $2 WHERE login = $1")
            .bind(login)
            .bind(&hash)
            .execute(&self.pool)
            .await?
            .rows_affected();
        if n == 0 {
            return Err(StoreError::NotFound(login.to_owned()));
        }
        sqlx::query("DELETE FROM panel_sessions WHERE login = $1")
            .bind(login)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Deletes an account with its sessions, assignments and tokens.
    ///
    /// # Errors
    /// [`StoreError::NotFound`], [`StoreError::Database`].
    pub async fn delete_account(&self, login: &str) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        let n = sqlx::query("DELETE FROM panel_accounts WHERE login = $1")
            .bind(login)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if n == 0 {
            return Err(StoreError::NotFound(login.to_owned()));
        }
        for sql in [
            "DELETE FROM panel_account_bots WHERE login = $1",
            "DELETE FROM panel_sessions WHERE login = $1",
            "UPDATE panel_api_tokens SET revoked = 1 WHERE login = $1",
            "DELETE FROM panel_test_chats WHERE login = $1",
        ] {
            sqlx::query(sql).bind(login).execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Checks a login and password; `None` when either is wrong or the account is disabled.
    ///
    /// # Errors
    /// [`StoreError::Database`].
    pub async fn check_password(
        &self,
        login: &str,
        password: &SecretString,
    ) -> Result<Option<Account>, StoreError> {
        let hash: Option<String> =
            sqlx::query_scalar("SELECT password_hash FROM panel_accounts WHERE login = $1")
                .bind(login)
                .fetch_optional(&self.pool)
                .await?;
        let ok = verify_password(
            password,
            hash.clone().unwrap_or_else(|| DUMMY_HASH.to_owned()),
        )
        .await;
        if !ok || hash.is_none() {
            return Ok(None);
        }
        Ok(self.account(login).await?.filter(|a| !a.disabled))
    }

    // ----- sessions -----

    /// Starts a session; returns the cookie value (shown to nobody else, stored hashed).
    ///
    /// # Errors
    /// [`StoreError::Database`], [`StoreError::Internal`] without OS randomness.
    pub async fn create_session(
        &self,
        login: &str,
        now: DateTime<Utc>,
        ttl: chrono::Duration,
    ) -> Result<SecretString, StoreError> {
        let token = random_hex(32)?;
        let csrf = random_hex(32)?;
        sqlx::query(
            "INSERT INTO panel_sessions (token_hash, login, csrf, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(token_hash(&token))
        .bind(login)
        .bind(&csrf)
        .bind(ts(now))
        .bind(ts(now + ttl))
        .execute(&self.pool)
        .await?;
        // Expired sessions of anybody are swept on each login.
        sqlx::query("DELETE FROM panel_sessions WHERE expires_at < $1")
            .bind(ts(now))
            .execute(&self.pool)
            .await?;
        Ok(SecretString::from(token))
    }

    /// The live session of a cookie value, if any (expired sessions and disabled accounts: none).
    ///
    /// # Errors
    /// [`StoreError::Database`].
    pub async fn session(
        &self,
        token: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<SessionInfo>, StoreError> {
        let row =
            sqlx::query("SELECT login, csrf, expires_at FROM panel_sessions WHERE token_hash = $1")
                .bind(token_hash(token))
                .fetch_optional(&self.pool)
                .await?;
        let Some(row) = row else { return Ok(None) };
        let expires_at = parse_ts(&row.try_get::<String, _>("expires_at")?)?;
        if expires_at <= now {
            return Ok(None);
        }
        let login: String = row.try_get("login")?;
        let csrf: String = row.try_get("csrf")?;
        Ok(self
            .account(&login)
            .await?
            .filter(|a| !a.disabled)
            .map(|account| SessionInfo {
                account,
                csrf: SecretString::from(csrf),
                expires_at,
            }))
    }

    /// Ends a session (logout).
    ///
    /// # Errors
    /// [`StoreError::Database`].
    pub async fn delete_session(&self, token: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM panel_sessions WHERE token_hash = $1")
            .bind(token_hash(token))
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    // ----- API tokens -----

    /// Issues an API token that acts with `login`'s permissions; returns its info and the secret
    /// (`cp_…`), which is shown once and stored only hashed.
    ///
    /// # Errors
    /// [`StoreError::NotFound`] for an unknown login, [`StoreError::Database`].
    pub async fn create_token(
        &self,
        login: &str,
        label: &str,
        created_by: &str,
        now: DateTime<Utc>,
    ) -> Result<(ApiTokenInfo, SecretString), StoreError> {
        if self.account(login).await?.is_none() {
            return Err(StoreError::NotFound(login.to_owned()));
        }
        let id = random_hex(8)?;
        let secret = format!("cp_{}", random_hex(32)?);
        sqlx::query(
            "INSERT INTO panel_api_tokens (id, token_hash, login, label, created_at, created_by, revoked) VALUES ($1, $2, $3, $4, $5, $6, 0)",
        )
        .bind(&id)
        .bind(token_hash(&secret))
        .bind(login)
        .bind(label)
        .bind(ts(now))
        .bind(created_by)
        .execute(&self.pool)
        .await?;
        Ok((
            ApiTokenInfo {
                id,
                login: login.to_owned(),
                label: label.to_owned(),
                created_at: now,
                created_by: created_by.to_owned(),
                revoked: false,
            },
            SecretString::from(secret),
        ))
    }

    /// Every API token, newest first.
    ///
    /// # Errors
    /// [`StoreError::Database`].
    pub async fn tokens(&self) -> Result<Vec<ApiTokenInfo>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, login, label, created_at, created_by, revoked FROM panel_api_tokens ORDER BY created_at DESC, id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(ApiTokenInfo {
                    id: r.try_get("id")?,
                    login: r.try_get("login")?,
                    label: r.try_get("label")?,
                    created_at: parse_ts(&r.try_get::<String, _>("created_at")?)?,
                    created_by: r.try_get("created_by")?,
                    revoked: r.try_get::<i64, _>("revoked")? != 0,
                })
            })
            .collect()
    }

    /// Revokes a token.
    ///
    /// # Errors
    /// [`StoreError::NotFound`], [`StoreError::Database`].
    pub async fn revoke_token(&self, id: &str) -> Result<(), StoreError> {
        let n = sqlx::query("UPDATE panel_api_tokens SET revoked = 1 WHERE id = $1")
            .bind(id)
            .execute(&self.pool)
            .await?
            .rows_affected();
        if n == 0 {
            return Err(StoreError::NotFound(id.to_owned()));
        }
        Ok(())
    }

    /// The account an API token acts for (revoked tokens and disabled accounts: none).
    ///
    /// # Errors
    /// [`StoreError::Database`].
    pub async fn token_account(&self, secret: &str) -> Result<Option<Account>, StoreError> {
        let login: Option<String> = sqlx::query_scalar(
            "SELECT login FROM panel_api_tokens WHERE token_hash = $1 AND revoked = 0",
        )
        .bind(token_hash(secret))
        .fetch_optional(&self.pool)
        .await?;
        match login {
            Some(login) => Ok(self.account(&login).await?.filter(|a| !a.disabled)),
            None => Ok(None),
        }
    }

    // ----- audit -----

    /// Appends to the audit log.
    ///
    /// # Errors
    /// [`StoreError::Database`].
    pub async fn audit(
        &self,
        actor: &str,
        action: &str,
        target: &str,
        detail: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO panel_audit (id, seq, at, actor, action, target, detail)
             SELECT $1, COALESCE(MAX(seq), 0) + 1, $2, $3, $4, $5, $6 FROM panel_audit",
        )
        .bind(random_hex(12)?)
        .bind(ts(now))
        .bind(actor)
        .bind(action)
        .bind(target)
        .bind(detail)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Audit entries, newest first (in the order they were written).
    ///
    /// # Errors
    /// [`StoreError::Database`].
    pub async fn audit_log(&self, limit: u32, offset: u64) -> Result<Vec<AuditEntry>, StoreError> {
        let rows = sqlx::query(
            "SELECT at, actor, action, target, detail FROM panel_audit ORDER BY seq DESC LIMIT $1 OFFSET $2",
        )
        .bind(i64::from(limit))
        .bind(i64::try_from(offset).unwrap_or(i64::MAX))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(AuditEntry {
                    at: parse_ts(&r.try_get::<String, _>("at")?)?,
                    actor: r.try_get("actor")?,
                    action: r.try_get("action")?,
                    target: r.try_get("target")?,
                    detail: r.try_get("detail")?,
                })
            })
            .collect()
    }

    // ----- text overrides (a persistence helper for hosts) -----

    /// Text overrides a host saved for `bot` with [`PanelStore::save_text_override`]:
    /// `(language, key, text)`, by language then key. A host loads them at start so edits made in
    /// the panel survive a restart.
    ///
    /// # Errors
    /// [`StoreError::Database`].
    pub async fn text_overrides(
        &self,
        bot: &str,
    ) -> Result<Vec<(String, String, String)>, StoreError> {
        let rows = sqlx::query(
            "SELECT lang, text_key, body FROM panel_text_overrides WHERE bot = $1 ORDER BY lang, text_key",
        )
        .bind(bot)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get("lang")?,
                    r.try_get("text_key")?,
                    r.try_get("body")?,
                ))
            })
            .collect()
    }

    /// Saves (or replaces) one text override of `bot`.
    ///
    /// # Errors
    /// [`StoreError::Database`].
    pub async fn save_text_override(
        &self,
        bot: &str,
        lang: &str,
        key: &str,
        body: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "DELETE FROM panel_text_overrides WHERE bot = $1 AND lang = $2 AND text_key = $3",
        )
        .bind(bot)
        .bind(lang)
        .bind(key)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO panel_text_overrides (bot, lang, text_key, body, updated_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(bot)
        .bind(lang)
        .bind(key)
        .bind(body)
        .bind(ts(now))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Drops one text override of `bot` (back to the default).
    ///
    /// # Errors
    /// [`StoreError::Database`].
    pub async fn delete_text_override(
        &self,
        bot: &str,
        lang: &str,
        key: &str,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "DELETE FROM panel_text_overrides WHERE bot = $1 AND lang = $2 AND text_key = $3",
        )
        .bind(bot)
        .bind(lang)
        .bind(key)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    // ----- test chats -----

    /// The chat `login` picked as their own for test messages of `bot`, if any.
    ///
    /// # Errors
    /// [`StoreError::Database`].
    pub async fn test_chat(
        &self,
        login: &str,
        bot: &str,
    ) -> Result<Option<crate::backend::UserKey>, StoreError> {
        let row = sqlx::query(
            "SELECT messenger, user_id FROM panel_test_chats WHERE login = $1 AND bot = $2",
        )
        .bind(login)
        .bind(bot)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            Ok(crate::backend::UserKey {
                messenger: r.try_get("messenger")?,
                user_id: r.try_get("user_id")?,
            })
        })
        .transpose()
    }

    /// Saves (or replaces) the test chat of `login` for `bot`.
    ///
    /// # Errors
    /// [`StoreError::Database`].
    pub async fn set_test_chat(
        &self,
        login: &str,
        bot: &str,
        chat: &crate::backend::UserKey,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("DELETE FROM panel_test_chats WHERE login = $1 AND bot = $2")
            .bind(login)
            .bind(bot)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO panel_test_chats (login, bot, messenger, user_id, updated_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(login)
        .bind(bot)
        .bind(&chat.messenger)
        .bind(&chat.user_id)
        .bind(ts(now))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    // ----- login attempts -----

    /// Records a failed login for each scope (e.g. `login:alice` and `ip:10.0.0.1`).
    ///
    /// # Errors
    /// [`StoreError::Database`].
    pub async fn record_login_failure(
        &self,
        scopes: &[String],
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        for scope in scopes {
            sqlx::query("INSERT INTO panel_login_failures (scope, at) VALUES ($1, $2)")
                .bind(scope)
                .bind(ts(now))
                .execute(&self.pool)
                .await?;
        }
        Ok(())
    }

    /// Failed logins of a scope since `since`.
    ///
    /// # Errors
    /// [`StoreError::Database`].
    pub async fn login_failures(
        &self,
        scope: &str,
        since: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM panel_login_failures WHERE scope = $1 AND at >= $2",
        )
        .bind(scope)
        .bind(ts(since))
        .fetch_one(&self.pool)
        .await?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// Forgets a scope's failures (after a successful login) and everybody's older than `before`.
    ///
    /// # Errors
    /// [`StoreError::Database`].
    pub async fn clear_login_failures(
        &self,
        scope: &str,
        before: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM panel_login_failures WHERE scope = $1 OR at < $2")
            .bind(scope)
            .bind(ts(before))
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
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
