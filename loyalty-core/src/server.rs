//! A local HTTP server for sandboxes (feature `server`): an axum router on a random loopback
//! port, with connection info (`ConnectInfo<SocketAddr>`) for loopback-only admin routes, stopped on drop or on
//! [`LocalServer::shutdown`]. Every vendor crate's sandbox runs on it.

use std::fmt;
use std::net::SocketAddr;

use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// A running local server.
pub struct LocalServer {
    addr: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl fmt::Debug for LocalServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalServer")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl LocalServer {
    /// Serves `router` on `127.0.0.1` at a free port. Handlers may extract
    /// `axum::extract::ConnectInfo<SocketAddr>` to answer loopback peers only. `name` is used
    /// in logs.
    ///
    /// # Errors
    /// The I/O error when no port can be bound.
    pub async fn start(router: axum::Router, name: &'static str) -> std::io::Result<Self> {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let (tx, rx) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let serve = axum::serve(
                listener,
                router.into_make_service_with_connect_info::<SocketAddr>(),
            )
            .with_graceful_shutdown(async move {
                let _ = rx.await;
            });
            if let Err(e) = serve.await {
                tracing::warn!(error = %e, server = name, "a local server stopped with an error");
            }
        });
        Ok(Self {
            addr,
            shutdown: Some(tx),
            task: Some(task),
        })
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:<port>/`.
    pub fn base_url(&self) -> String {
        format!("http://{}/", self.addr)
    }

    /// Stops the server and waits until it has stopped.
    pub async fn shutdown(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for LocalServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn serves_on_loopback_and_stops() {
        let app = axum::Router::new().route("/", axum::routing::get(|| async { "ok" }));
        let server = LocalServer::start(app, "test").await.unwrap();
        assert!(server.addr().ip().is_loopback());
        let mut s = tokio::net::TcpStream::connect(server.addr()).await.unwrap();
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        s.write_all(b"GET / HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n")
            .await
            .unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).await.unwrap();
        assert!(out.ends_with("ok"), "{out}");
        let addr = server.addr();
        server.shutdown().await;
        assert!(tokio::net::TcpStream::connect(addr).await.is_err());
    }
}

/// Whether the API key a sandbox received (`given`, surrounding spaces ignored) is `expected`,
/// compared in constant time; `false` when none was sent. Every sandbox checks its key with it.
pub fn key_matches(given: Option<&str>, expected: &str) -> bool {
    let Some(given) = given else { return false };
    let (a, b) = (given.trim().as_bytes(), expected.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod key_tests {
    use super::key_matches;

    #[test]
    fn keys_match_exactly_after_trimming() {
        assert!(key_matches(Some(" k-1 "), "k-1"));
        assert!(!key_matches(Some("k-2"), "k-1"));
        assert!(!key_matches(Some("k-1x"), "k-1"));
        assert!(!key_matches(None, "k-1"));
    }
}
