//! The tests' PostgreSQL server (`LOYALTY_BOT_TEST_POSTGRES_URL`; `bash .ci/postgres.sh` starts
//! one, and `.ci/run` always does).
#![allow(clippy::unwrap_used, dead_code)]

/// The server's URL, or `None` with a note on stderr when it is not set, so the caller skips
/// `what`. In CI (`CI` set), where `.ci/run` starts a server, its absence fails the test.
pub fn server(what: &str) -> Option<String> {
    match std::env::var("LOYALTY_BOT_TEST_POSTGRES_URL") {
        Ok(url) => Some(url),
        Err(_) => {
            assert!(
                std::env::var_os("CI").is_none(),
                "CI must provide LOYALTY_BOT_TEST_POSTGRES_URL (.ci/run starts a PostgreSQL server)"
            );
            eprintln!("\n*** SKIPPED: {what}: set LOYALTY_BOT_TEST_POSTGRES_URL to run it ***\n");
            None
        }
    }
}

/// A database of its own for one run on the server: reruns against a long-lived server start
/// from nothing.
pub struct FreshDb {
    admin: sqlx::AnyPool,
    name: String,
    /// The new database's URL.
    pub url: String,
}

impl FreshDb {
    /// Creates `{prefix}_{process id}_{sequence}_{milliseconds}` on the server at `server`: the
    /// sequence tells apart two tests of this binary that start in the same millisecond.
    pub async fn create(server: &str, prefix: &str) -> Self {
        static SEQUENCE: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let name = format!(
            "{prefix}_{}_{}_{}",
            std::process::id(),
            SEQUENCE.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_millis()
        );
        sqlx::any::install_default_drivers();
        let admin = sqlx::AnyPool::connect(server).await.unwrap();
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&admin)
            .await
            .unwrap();
        let base = server.rsplit_once('/').map_or(server, |(b, _)| b);
        let url = format!("{base}/{name}");
        Self { admin, name, url }
    }

    /// Drops the database (its connections forced closed); a failure is left to the server.
    pub async fn drop_now(self) {
        let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
            "DROP DATABASE {} WITH (FORCE)",
            self.name
        )))
        .execute(&self.admin)
        .await;
    }
}
