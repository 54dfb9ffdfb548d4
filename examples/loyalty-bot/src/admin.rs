//! `loyalty-bot admin create --login L`: creates a control panel administrator in the bot's
//! database (`DATABASE_URL`, default `sqlite:loyalty-bot.db`), asking for the password on the
//! terminal (read from standard input, asked twice).

use std::io::{BufRead, Write};

use chrono::Utc;
use control_panel::{PanelStore, Role};
use loyalty_core::{ExposeSecret, SecretString};

use crate::storage::Storage;

/// What went wrong.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    /// The command line is not `admin create --login L`.
    #[error("usage: loyalty-bot admin create --login LOGIN")]
    Usage,
    /// The two passwords differ, or input ended.
    #[error("{0}")]
    Password(&'static str),
    /// The database.
    #[error("{0}")]
    Storage(String),
}

/// Parses `create --login L` (the arguments after `admin`) into the login.
///
/// # Errors
/// [`AdminError::Usage`] for anything else.
pub fn parse_args(args: &[String]) -> Result<String, AdminError> {
    match args {
        [cmd, flag, login] if cmd == "create" && flag == "--login" => Ok(login.clone()),
        [cmd, flag] if cmd == "create" && flag.starts_with("--login=") => {
            Ok(flag["--login=".len()..].to_owned())
        }
        _ => Err(AdminError::Usage),
    }
}

/// Reads the new password twice from `input`, prompting on `prompt`.
///
/// # Errors
/// [`AdminError::Password`] when input ends or the two entries differ.
pub fn read_password(
    input: &mut impl BufRead,
    prompt: &mut impl Write,
) -> Result<SecretString, AdminError> {
    let mut ask = |label: &str| -> Result<String, AdminError> {
        let _ = write!(prompt, "{label}: ");
        let _ = prompt.flush();
        let mut line = String::new();
        match input.read_line(&mut line) {
            Ok(0) | Err(_) => Err(AdminError::Password("no password given")),
            Ok(_) => Ok(line.trim_end_matches(['\r', '\n']).to_owned()),
        }
    };
    let first = SecretString::from(ask("Password")?);
    let second = SecretString::from(ask("Password again")?);
    if first.expose_secret() != second.expose_secret() {
        return Err(AdminError::Password("the two passwords differ"));
    }
    Ok(first)
}

/// Creates the administrator `login` with `password` in the database at `database_url`.
///
/// # Errors
/// [`AdminError::Storage`] when the database cannot be opened, the login is taken or the
/// password is too short.
pub async fn create_admin(
    database_url: &str,
    login: &str,
    password: &SecretString,
) -> Result<(), AdminError> {
    let storage = Storage::connect(database_url)
        .await
        .map_err(|e| AdminError::Storage(e.to_string()))?;
    let store = PanelStore::from_pool(storage.pool().clone())
        .await
        .map_err(|e| AdminError::Storage(e.to_string()))?;
    store
        .create_account(login, password, Role::Admin, &[], Utc::now())
        .await
        .map_err(|e| AdminError::Storage(e.to_string()))?;
    store
        .audit(
            login,
            "account.create",
            login,
            "administrator created with the CLI",
            Utc::now(),
        )
        .await
        .map_err(|e| AdminError::Storage(e.to_string()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments() {
        let a = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert_eq!(
            parse_args(&a(&["create", "--login", "olena"])).unwrap(),
            "olena"
        );
        assert_eq!(
            parse_args(&a(&["create", "--login=olena"])).unwrap(),
            "olena"
        );
        assert!(parse_args(&a(&["create"])).is_err());
        assert!(parse_args(&a(&["delete", "--login", "x"])).is_err());
    }

    #[test]
    fn password_is_asked_twice() {
        let mut out = Vec::new();
        let pw = read_password(
            &mut "long password 1\nlong password 1\n".as_bytes(),
            &mut out,
        )
        .unwrap();
        assert_eq!(pw.expose_secret(), "long password 1");
        assert!(String::from_utf8(out).unwrap().contains("Password again"));
        assert!(read_password(&mut "a\nb\n".as_bytes(), &mut Vec::new()).is_err());
        assert!(read_password(&mut "".as_bytes(), &mut Vec::new()).is_err());
    }

    #[tokio::test]
    async fn creates_an_administrator_who_can_sign_in() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite:{}", dir.path().join("bot.db").display());
        let pw = SecretString::from("admin-password-1".to_owned());
        create_admin(&url, "olena", &pw).await.unwrap();
        assert!(
            create_admin(&url, "olena", &pw).await.is_err(),
            "a login is taken once"
        );
        let storage = Storage::connect(&url).await.unwrap();
        let store = PanelStore::from_pool(storage.pool().clone()).await.unwrap();
        let a = store.check_password("olena", &pw).await.unwrap().unwrap();
        assert!(a.is_admin());
    }
}
