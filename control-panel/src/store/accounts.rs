//! The panel's accounts, their passwords and sessions, and the API tokens.

use super::*;

impl PanelStore {
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
}
