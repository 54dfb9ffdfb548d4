//! Serial numbers from photos: decodes EAN-13/EAN-8/UPC, Code-128/Code-39 and QR codes in process
//! with `rxing` (a Rust port of ZXing). Photos are decoded with the `image` crate under memory
//! limits, converted to grey, and tried as they are and turned by 90° (phones often send
//! barcodes sideways).

use std::io::Cursor;

use image::{DynamicImage, ImageReader, Limits};
use rxing::{BarcodeFormat, DecodeHintValue, DecodeHints};

/// The largest photo (bytes) the bot accepts.
pub const MAX_PHOTO_BYTES: usize = 10 * 1024 * 1024;
/// The largest width or height (pixels) the bot decodes.
pub const MAX_DIMENSION: u32 = 8192;

/// Why a photo could not be read at all (a photo without a barcode is not an error).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum BarcodeError {
    /// The file is larger than [`MAX_PHOTO_BYTES`].
    #[error("the photo is {0} bytes; at most {MAX_PHOTO_BYTES} are accepted")]
    TooLarge(usize),
    /// Not a PNG or JPEG image, or a broken one, or larger than [`MAX_DIMENSION`].
    #[error("the file is not a readable PNG or JPEG photo: {0}")]
    Unreadable(String),
}

/// The kind of barcode found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum BarcodeKind {
    /// EAN-13.
    Ean13,
    /// EAN-8.
    Ean8,
    /// UPC-A or UPC-E.
    Upc,
    /// Code 128.
    Code128,
    /// Code 39.
    Code39,
    /// QR code.
    Qr,
    /// Another symbology rxing recognised.
    Other,
}

/// A barcode read from a photo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scanned {
    /// The text it carries.
    pub text: String,
    /// Its kind.
    pub kind: BarcodeKind,
}

fn kind(format: &BarcodeFormat) -> BarcodeKind {
    match format {
        BarcodeFormat::EAN_13 => BarcodeKind::Ean13,
        BarcodeFormat::EAN_8 => BarcodeKind::Ean8,
        BarcodeFormat::UPC_A | BarcodeFormat::UPC_E => BarcodeKind::Upc,
        BarcodeFormat::CODE_128 => BarcodeKind::Code128,
        BarcodeFormat::CODE_39 => BarcodeKind::Code39,
        BarcodeFormat::QR_CODE => BarcodeKind::Qr,
        _ => BarcodeKind::Other,
    }
}

/// Reads the first barcode in a photo; `Ok(None)` when there is none.
///
/// # Errors
/// [`BarcodeError`] when the file is too large or not a readable image.
pub fn scan(photo: &[u8]) -> Result<Option<Scanned>, BarcodeError> {
    if photo.len() > MAX_PHOTO_BYTES {
        return Err(BarcodeError::TooLarge(photo.len()));
    }
    let mut reader = ImageReader::new(Cursor::new(photo))
        .with_guessed_format()
        .map_err(|e| BarcodeError::Unreadable(e.to_string()))?;
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_DIMENSION);
    limits.max_image_height = Some(MAX_DIMENSION);
    limits.max_alloc = Some(512 * 1024 * 1024);
    reader.limits(limits);
    let img = reader
        .decode()
        .map_err(|e| BarcodeError::Unreadable(e.to_string()))?;
    Ok(scan_image(&img))
}

fn scan_image(img: &DynamicImage) -> Option<Scanned> {
    let candidates = [img.to_luma8(), img.rotate90().to_luma8()];
    for luma in candidates {
        let (w, h) = luma.dimensions();
        let mut hints = DecodeHints::default().with(DecodeHintValue::TryHarder(true));
        if let Ok(found) =
            rxing::helpers::detect_in_luma_with_hints(luma.into_raw(), w, h, None, &mut hints)
        {
            return Some(Scanned {
                text: found.getText().to_owned(),
                kind: kind(found.getBarcodeFormat()),
            });
        }
    }
    None
}
