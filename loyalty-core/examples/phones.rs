//! Parse phone numbers the way people type them and print every provider format.
//!
//! `cargo run -p loyalty-core --example phones -- "8 920 000 00 00" RU`
#![allow(clippy::print_stdout)]

use loyalty_core::{Phone, Region};

fn main() {
    let mut args = std::env::args().skip(1);
    let input = args
        .next()
        .unwrap_or_else(|| "+380 88 999 33 66".to_owned());
    let region: Region = args
        .next()
        .and_then(|r| r.parse().ok())
        .unwrap_or(Region::UA);
    match Phone::parse(&input, region) {
        Ok(p) => {
            println!("input:      {input}");
            println!("E.164:      {}", p.e164());
            println!("digits:     {}  (ERGO)", p.digits());
            println!("bracketed:  {}  (BonusMoney)", p.bracketed());
            println!("masked:     {}  (logs)", p.masked());
            println!("known range: {}", p.is_known_range());
        }
        Err(e) => println!("{input:?} is not a phone number: {e}"),
    }
}
