//! Barcodes drawn in the test, saved as PNG/JPEG photos, and read back.
#![allow(clippy::unwrap_used)] // test helpers outside #[test] fns

use std::io::Cursor;

use image::{GrayImage, ImageFormat, Luma};
use loyalty_bot::barcode::{
    BarcodeError, BarcodeKind, MAX_PHOTO_BYTES, MAX_PIXELS, scan, scan_async,
};
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
}

/// CRC-32 (IEEE) of PNG chunks.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xffff_ffffu32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xedb8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// A real PNG whose IHDR claims `width` x `height`, with a valid CRC (so only the size is wrong).
fn png_claiming(width: u32, height: u32) -> Vec<u8> {
    let mut png = photo("1", BarcodeFormat::QR_CODE, ImageFormat::Png, false);
    assert_eq!(&png[12..16], b"IHDR");
    png[16..20].copy_from_slice(&width.to_be_bytes());
    png[20..24].copy_from_slice(&height.to_be_bytes());
    let crc = crc32(&png[12..29]);
    png[29..33].copy_from_slice(&crc.to_be_bytes());
    png
}

/// A real JPEG whose SOF0 header claims `width` x `height`.
fn jpeg_claiming(width: u16, height: u16) -> Vec<u8> {
    let mut jpeg = photo("1", BarcodeFormat::QR_CODE, ImageFormat::Jpeg, false);
    let sof = jpeg
        .windows(2)
        .position(|w| w == [0xff, 0xc0])
        .expect("a baseline JPEG");
    jpeg[sof + 5..sof + 7].copy_from_slice(&height.to_be_bytes());
    jpeg[sof + 7..sof + 9].copy_from_slice(&width.to_be_bytes());
    jpeg
}

#[test]
fn a_header_claiming_gigapixels_is_refused_before_decoding() {
    let started = std::time::Instant::now();
    assert_eq!(
        scan(&png_claiming(100_000, 100_000)),
        Err(BarcodeError::TooManyPixels {
            width: 100_000,
            height: 100_000
        })
    );
    assert_eq!(
        scan(&jpeg_claiming(65_000, 65_000)),
        Err(BarcodeError::TooManyPixels {
            width: 65_000,
            height: 65_000
        })
    );
    // Within the old per-side limit (8192) but 64 megapixels: refused too.
    assert_eq!(
        scan(&png_claiming(8_000, 8_000)),
        Err(BarcodeError::TooManyPixels {
            width: 8_000,
            height: 8_000
        })
    );
    // A long thin strip over the cap.
    assert!(matches!(
        scan(&png_claiming(1, 4_000_000_000)),
        Err(BarcodeError::TooManyPixels { .. })
    ));
    assert!(started.elapsed() < std::time::Duration::from_secs(2));
    let e = scan(&png_claiming(100_000, 100_000)).unwrap_err();
    assert!(e.to_string().contains("100000"), "{e}");
    assert!(u64::from(4096u32 * 4096) <= MAX_PIXELS);
}

#[tokio::test(flavor = "current_thread")]
async fn scan_async_keeps_the_runtime_free() {
    // A picture big enough that decoding and searching it takes a while.
    let mut img = GrayImage::from_pixel(500, 500, Luma([255]));
    for (i, p) in img.pixels_mut().enumerate() {
        if (i * 7919) % 13 < 5 {
            *p = Luma([0]);
        }
    }
    let mut bytes = Vec::new();
    image::DynamicImage::ImageLuma8(img)
        .write_to(&mut Cursor::new(&mut bytes), ImageFormat::Png)
        .unwrap();
    // On a single-threaded runtime a ticker only runs while the scan does not hold the thread.
    let ticks = std::sync::Arc::new(std::sync::atomic::AtomicU32::new(0));
    let t = ticks.clone();
    let ticker = tokio::spawn(async move {
        loop {
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
            t.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }
    });
    let started = std::time::Instant::now();
    let found = scan_async(bytes).await;
    let took = started.elapsed();
    ticker.abort();
    assert!(matches!(found, Ok(None)), "{found:?}");
    let ticks = ticks.load(std::sync::atomic::Ordering::SeqCst);
    assert!(
        took < std::time::Duration::from_millis(50) || ticks >= 3,
        "the runtime was blocked: {ticks} ticks in {took:?}"
    );
    // The cheap refusals come back the same way.
    assert_eq!(
        scan_async(png_claiming(100_000, 100_000)).await,
        Err(BarcodeError::TooManyPixels {
            width: 100_000,
            height: 100_000
        })
    );
}

mod hostile {
    use super::*;
    use proptest::prelude::*;

    /// Small real photos (small so that a mutated one that still decodes is searched quickly).
    fn samples() -> &'static [Vec<u8>] {
        static SAMPLES: std::sync::OnceLock<Vec<Vec<u8>>> = std::sync::OnceLock::new();
        SAMPLES.get_or_init(|| {
            let draw = |text: &str, format: BarcodeFormat, w: i32, h: i32, out: ImageFormat| {
                let matrix = rxing::MultiFormatWriter
                    .encode(text, &format, w, h)
                    .unwrap();
                let mut img = GrayImage::from_pixel(
                    matrix.getWidth() + 16,
                    matrix.getHeight() + 16,
                    Luma([255]),
                );
                for y in 0..matrix.getHeight() {
                    for x in 0..matrix.getWidth() {
                        if matrix.get(x, y) {
                            img.put_pixel(x + 8, y + 8, Luma([0]));
                        }
                    }
                }
                let mut bytes = Vec::new();
                image::DynamicImage::ImageLuma8(img)
                    .write_to(&mut Cursor::new(&mut bytes), out)
                    .unwrap();
                bytes
            };
            let samples = vec![
                draw(
                    "4006381333931",
                    BarcodeFormat::EAN_13,
                    120,
                    30,
                    ImageFormat::Png,
                ),
                draw("SN-1", BarcodeFormat::QR_CODE, 50, 50, ImageFormat::Jpeg),
            ];
            // They are real, readable photos.
            for s in &samples {
                assert!(scan(s).unwrap().is_some());
            }
            samples
        })
    }

    fn check(bytes: &[u8]) {
        match scan(bytes) {
            Ok(_) | Err(BarcodeError::TooManyPixels { .. } | BarcodeError::TooLarge(_)) => {}
            Err(BarcodeError::Unreadable(reason)) => assert!(!reason.is_empty()),
            Err(other) => panic!("{other:?}"),
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
            check(&bytes);
        }

        #[test]
        fn random_bytes_after_an_image_signature_never_panic(
            png in any::<bool>(),
            rest in prop::collection::vec(any::<u8>(), 0..2048),
        ) {
            let mut bytes = if png {
                b"\x89PNG\r\n\x1a\n".to_vec()
            } else {
                vec![0xff, 0xd8, 0xff, 0xe0]
            };
            bytes.extend(rest);
            check(&bytes);
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn mutated_photos_never_panic(
            which in 0usize..2,
            flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..12),
            cut in any::<prop::sample::Index>(),
            truncate in any::<bool>(),
        ) {
            let mut bytes = samples()[which].clone();
            for (at, b) in flips {
                let i = at.index(bytes.len());
                bytes[i] = b;
            }
            if truncate {
                bytes.truncate(cut.index(bytes.len() + 1));
            }
            check(&bytes);
        }
    }
}
