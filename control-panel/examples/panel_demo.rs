//! The control panel on demo data: an in-memory backend with two bots and a few hundred users,
//! the panel's own tables in an SQLite file, a demo administrator.
//!
//! ```sh
//! cargo run -p control-panel --example panel_demo
//! ```
//! Then open the printed address and sign in with the printed login. `PANEL_LISTEN_ADDR`
//! changes the address (default `127.0.0.1:8090`), `PANEL_DATABASE_URL` the database.
#![allow(clippy::print_stdout)]

use std::sync::Arc;

use chrono::Utc;
use control_panel::demo::MemoryBackend;
use control_panel::{Panel, PanelConfig, PanelStore, Role};
use secrecy::SecretString;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let addr = std::env::var("PANEL_LISTEN_ADDR").unwrap_or_else(|_| "127.0.0.1:8090".into());
    let db = std::env::var("PANEL_DATABASE_URL").unwrap_or_else(|_| {
        let path = std::env::temp_dir().join("control-panel-demo.db");
        format!("sqlite:{}", path.display())
    });
    let store = PanelStore::connect(&db).await?;
    let password = "demo-admin-password";
    let now = Utc::now();
    let created = store
        .bootstrap_admin("admin", &SecretString::from(password.to_owned()), now)
        .await?;
    if store.account("operator").await?.is_none() {
        store
            .create_account(
                "operator",
                &SecretString::from("demo-operator-password".to_owned()),
                Role::Operator,
                &["ergo".to_owned()],
                now,
            )
            .await?;
    }
    let backend = Arc::new(MemoryBackend::demo(now.date_naive()));
    let panel = Panel::new(store, backend, PanelConfig::default());
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    println!("Control panel: http://{}/", listener.local_addr()?);
    if created {
        println!("Administrator: login `admin`, password `{password}`");
    } else {
        println!("Administrator: login `admin` (created earlier in {db})");
    }
    println!("Operator (ERGO CLUB only): login `operator`, password `demo-operator-password`");
    panel.serve(listener).await?;
    Ok(())
}
