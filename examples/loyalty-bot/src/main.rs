//! The example loyalty bot binary. Work in progress (issue 7): the storage layer exists and is
//! tested; the flows and the wiring of the loyalty and messenger crates come next.
#![allow(clippy::print_stderr)]

use std::process::ExitCode;

fn main() -> ExitCode {
    eprintln!(
        "loyalty-bot: only the storage layer is built so far (issue 7 in progress); \
         there is no bot to run yet."
    );
    ExitCode::from(2)
}
