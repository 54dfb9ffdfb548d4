//! The example loyalty bot. `cargo run -p loyalty-bot` runs it offline: the ERGO sandbox in
//! process, the console as the messenger, an SQLite file. `--help` lists the configuration.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::process::ExitCode;

use loyalty_bot::app;
use loyalty_bot::config::{Config, VARIABLES};

fn help() -> String {
    let mut s = String::from(
        "loyalty-bot: the example bot of the loyalty-bot SDK.\n\n\
         With no configuration it runs offline: the loyalty provider's sandbox in process, the\n\
         console as the messenger, and an SQLite file (loyalty-bot.db).\n\n\
         Environment variables:\n",
    );
    for (name, what) in VARIABLES.iter().chain(loyalty_bot::panel::PANEL_VARIABLES) {
        s.push_str(&format!("  {name:<24} {what}\n"));
    }
    s.push_str(
        "\nCommands:\n  admin create --login L    create a control panel administrator (asks for the password)\n",
    );
    s
}

/// `loyalty-bot admin create --login L`: a control panel administrator, password asked twice.
async fn admin(args: &[String]) -> ExitCode {
    let login = match loyalty_bot::admin::parse_args(args) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("loyalty-bot: {e}");
            return ExitCode::from(2);
        }
    };
    let database_url =
        std::env::var("DATABASE_URL").unwrap_or_else(|_| "sqlite:loyalty-bot.db".to_owned());
    let password = match loyalty_bot::admin::read_password(
        &mut std::io::stdin().lock(),
        &mut std::io::stderr(),
    ) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("loyalty-bot: {e}");
            return ExitCode::from(2);
        }
    };
    match loyalty_bot::admin::create_admin(&database_url, &login, &password).await {
        Ok(()) => {
            eprintln!("loyalty-bot: administrator {login:?} created; sign in to the control panel");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("loyalty-bot: {e}");
            ExitCode::FAILURE
        }
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().is_some_and(|a| a == "admin") {
        return admin(&args[1..]).await;
    }
    if std::env::args().skip(1).any(|a| a == "--help" || a == "-h") {
        print!("{}", help());
        return ExitCode::SUCCESS;
    }
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_max_level(tracing::Level::WARN)
        .init();
    let config = match Config::from_env() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("loyalty-bot: {e}");
            return ExitCode::from(2);
        }
    };
    if config.telegram.is_none() {
        eprintln!(
            "loyalty-bot: offline demo ({:?} sandbox, console). Type /start; Ctrl-D to quit.",
            config.provider
        );
    }
    match app::run(config).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("loyalty-bot: {e}");
            ExitCode::FAILURE
        }
    }
}
