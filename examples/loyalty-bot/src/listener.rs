//! The bot's HTTP listener (webhooks, purchase notifications) with limits a public endpoint
//! needs: a connection that does not finish its request headers in time is closed (slowloris),
//! at most so many connections are served at once (the ones beyond are closed at once rather
//! than queued), and bodies have a size limit (413) on every route (see
//! [`WEBHOOK_BODY_LIMIT`] and [`crate::notify::MAX_BODY_BYTES`]).

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

/// The largest webhook body accepted (Telegram, MAX and Viber send a few kilobytes; a larger
/// body gets 413 before it is read).
pub const WEBHOOK_BODY_LIMIT: usize = 1024 * 1024;

/// The listener's limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// A connection whose request headers are not complete within this is closed (default 10 s).
    pub header_read_timeout: Duration,
    /// Connections served at once (default 256); the ones beyond are closed at once.
    pub max_connections: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            header_read_timeout: Duration::from_secs(10),
            max_connections: 256,
        }
    }
}

/// Serves `app` on `listener` within `limits` until the listener fails for good. A failed
/// accept (too many open files, a reset) is logged and retried after a short pause.
///
/// # Errors
/// Never in practice: accept errors are retried; the signature leaves room for a caller that
/// matches on it.
pub async fn serve(listener: TcpListener, app: Router, limits: Limits) -> std::io::Result<()> {
    let slots = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(x) => x,
            Err(e) => {
                tracing::warn!(error = %e, "cannot accept a connection; retrying");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let Ok(permit) = slots.clone().try_acquire_owned() else {
            tracing::warn!(%peer, "too many connections; one is refused");
            drop(stream);
            continue;
        };
        let service = TowerToHyperService::new(app.clone());
        tokio::spawn(async move {
            let mut http = hyper::server::conn::http1::Builder::new();
            http.timer(TokioTimer::new())
                .header_read_timeout(limits.header_read_timeout);
            if let Err(e) = http.serve_connection(TokioIo::new(stream), service).await {
                tracing::debug!(error = %e, "a connection ended with an error");
            }
            drop(permit);
        });
    }
}
