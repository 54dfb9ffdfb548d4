//! Barcodes drawn in the test, saved as PNG/JPEG photos, and read back.
#![allow(clippy::unwrap_used)] // test helpers outside #[test] fns

use std::io::Cursor;

use image::{GrayImage, ImageFormat, Luma};
use loyalty_bot::barcode::{BarcodeError, BarcodeKind, MAX_PHOTO_BYTES, scan};
use rxing::{BarcodeFormat, Writer};

/// Draws `text` as `format`, with a white margin, scaled like a phone photo, and encodes it.
fn photo(text: &str, format: BarcodeFormat, out: ImageFormat, rotate: bool) -> Vec<u8> {
    let (w, h) = if format == BarcodeFormat::QR_CODE {
        (300, 300)
    } else {
        (600, 200)
    };
    let matrix = rxing::MultiFormatWriter
        .encode(text, &format, w, h)
        .unwrap();
    let margin = 40;
    let mut img = GrayImage::from_pixel(
        matrix.getWidth() + 2 * margin,
        matrix.getHeight() + 2 * margin,
        Luma([255]),
    );
    for y in 0..matrix.getHeight() {
        for x in 0..matrix.getWidth() {
            if matrix.get(x, y) {
                img.put_pixel(x + margin, y + margin, Luma([0]));
            }
        }
    }
    let img = if rotate {
        image::imageops::rotate90(&img)
    } else {
        img
    };
    let mut bytes = Vec::new();
    image::DynamicImage::ImageLuma8(img)
        .write_to(&mut Cursor::new(&mut bytes), out)
        .unwrap();
    bytes
}

#[test]
fn reads_ean13_code128_and_qr() {
    let cases = [
        ("4006381333931", BarcodeFormat::EAN_13, BarcodeKind::Ean13),
        (
            "SN-ERGO-0001",
            BarcodeFormat::CODE_128,
            BarcodeKind::Code128,
        ),
        ("ERGO:SN123456789", BarcodeFormat::QR_CODE, BarcodeKind::Qr),
    ];
    for (text, format, kind) in cases {
        for out in [ImageFormat::Png, ImageFormat::Jpeg] {
            let found = scan(&photo(text, format, out, false))
                .unwrap()
                .unwrap_or_else(|| panic!("{text} in {out:?}"));
            assert_eq!(found.text, text);
            assert_eq!(found.kind, kind);
        }
    }
}

#[test]
fn reads_a_sideways_barcode() {
    let found = scan(&photo(
        "SN-ERGO-0002",
        BarcodeFormat::CODE_128,
        ImageFormat::Png,
        true,
    ))
    .unwrap()
    .unwrap();
    assert_eq!(found.text, "SN-ERGO-0002");
}

#[test]
fn a_photo_without_a_barcode_is_none() {
    let mut img = GrayImage::from_pixel(640, 480, Luma([200]));
    for x in 0..640 {
        img.put_pixel(x, (x * 3 / 4) % 480, Luma([20]));
    }
    let mut bytes = Vec::new();
    image::DynamicImage::ImageLuma8(img)
        .write_to(&mut Cursor::new(&mut bytes), ImageFormat::Png)
        .unwrap();
    assert_eq!(scan(&bytes).unwrap(), None);
}

#[test]
fn bad_files_are_clear_errors() {
    assert!(matches!(
        scan(b"not an image at all"),
        Err(BarcodeError::Unreadable(_))
    ));
    let big = vec![0u8; MAX_PHOTO_BYTES + 1];
    assert_eq!(scan(&big), Err(BarcodeError::TooLarge(MAX_PHOTO_BYTES + 1)));
    // A PNG header that claims a 100000 x 100000 picture is refused before allocating it.
    let mut png = photo("1", BarcodeFormat::QR_CODE, ImageFormat::Png, false);
    png[16..20].copy_from_slice(&100_000u32.to_be_bytes());
    png[20..24].copy_from_slice(&100_000u32.to_be_bytes());
    assert!(matches!(scan(&png), Err(BarcodeError::Unreadable(_))));
}
