//! The loyalty card: its number and a QR code of it, drawn by the bot (BonusMoney's `QRCode`
//! of the customer, the app's `MY_CARD` module; Manzana's active card).

use image::{GrayImage, ImageFormat, Luma};
use loyalty_core::Session;
use messenger_core::Image;
use qrcode::{Color, QrCode};

use super::Programme;
use super::ctx::{Ctx, Flow};
use crate::texts::TextKey;

/// Pixels per QR module.
const SCALE: usize = 8;
/// The quiet zone around the code, in modules (the standard asks for 4).
const QUIET: usize = 4;

/// A PNG of a QR code that carries `data`; `None` when the data does not fit a QR code.
pub fn qr_png(data: &str) -> Option<Vec<u8>> {
    let code = QrCode::new(data.as_bytes()).ok()?;
    let width = code.width();
    let side = u32::try_from((width + 2 * QUIET) * SCALE).ok()?;
    let mut img = GrayImage::from_pixel(side, side, Luma([255]));
    for (i, color) in code.to_colors().iter().enumerate() {
        if *color != Color::Dark {
            continue;
        }
        let (x0, y0) = ((i % width + QUIET) * SCALE, (i / width + QUIET) * SCALE);
        for y in y0..y0 + SCALE {
            for x in x0..x0 + SCALE {
                img.put_pixel(u32::try_from(x).ok()?, u32::try_from(y).ok()?, Luma([0]));
            }
        }
    }
    let mut png = Vec::new();
    img.write_to(&mut std::io::Cursor::new(&mut png), ImageFormat::Png)
        .ok()?;
    Some(png)
}

impl Ctx<'_> {
    /// The card's number as text and as a QR code picture with the back button.
    pub(super) async fn card(&mut self, s: &Session) -> Flow {
        let number = match (&self.engine.programme, &self.engine.manzana) {
            (Programme::BonusMoney { client }, _) => client.get_customer(s.token()).await?.qr_code,
            (_, Some(manzana)) => {
                let session = loyalty_manzana::provider::from_session(s)?;
                let cards = manzana.cards(&session).await?;
                let active = cards.iter().find(|c| {
                    c.status()
                        .is_some_and(|st| st == loyalty_manzana::models::CardStatus::Active)
                });
                active.or(cards.first()).and_then(|c| c.number.clone())
            }
            _ => {
                self.engine
                    .programme
                    .provider()
                    .profile(s)
                    .await?
                    .card_number
            }
        };
        let back = self.engine.back_to_menu(self.lang);
        let Some(number) = number.filter(|n| !n.trim().is_empty()) else {
            self.say_with(TextKey::CardNone, &[], back);
            return Ok(());
        };
        let caption = self
            .engine
            .text(self.lang, TextKey::CardCaption, &[("number", &number)]);
        let sent = match qr_png(&number) {
            Some(png) => {
                let image = Image::bytes(png, "card.png", "image/png");
                self.send_picture(image, caption, Some(back.clone()))
            }
            None => false,
        };
        if !sent {
            // No picture (a platform without uploads): the number as text.
            self.say_with(TextKey::CardCaption, &[("number", &number)], back);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_qr_code_reads_back_as_the_card_number() {
        let png = qr_png("21_000000000000001").unwrap();
        let scanned = crate::barcode::scan(&png).unwrap().unwrap();
        assert_eq!(scanned.text, "21_000000000000001");
    }
}
