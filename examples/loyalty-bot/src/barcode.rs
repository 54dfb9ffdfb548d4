//! Serial numbers from photos: decodes EAN-13/EAN-8/UPC, Code-128/Code-39 and QR codes in process
//! with `rxing` (a Rust port of ZXing). Photos are decoded with the `image` crate under memory
//! limits, converted to grey, and tried as they are and turned by 90° (phones often send
//! barcodes sideways).
//!
//! A small file can claim an enormous picture (a 0.5 MB PNG can decode to gigabytes), so the
//! header is read first and a picture over [`MAX_PIXELS`] (or wider or taller than
//! [`MAX_DIMENSION`]) is refused with [`BarcodeError::TooManyPixels`] before anything is
//! allocated; the decoder then runs under [`image::Limits`](https://docs.rs/image/0.25/image/struct.Limits.html) as a second guard. Decoding and the
//! barcode search are CPU-bound: async code calls [`scan_async`], which runs them on a blocking
//! thread, never on the async runtime.

use std::io::Cursor;

use image::{ImageReader, Limits};
use rxing::{BarcodeFormat, DecodeHintValue, DecodeHints};

/// The largest photo (bytes) the bot accepts.
pub const MAX_PHOTO_BYTES: usize = 10 * 1024 * 1024;
/// The largest width or height (pixels) the bot decodes.
pub const MAX_DIMENSION: u32 = 8192;
/// The most pixels (width × height) the bot decodes: 16 Mpx (4096 × 4096), more than a 12 Mpx
/// phone camera and far more than a barcode needs. At most 8 bytes a pixel (16-bit RGBA) are
/// allocated for the decoded picture, plus one byte a pixel for each grey copy.
pub const MAX_PIXELS: u64 = 4096 * 4096;
/// The most bytes the image decoder may allocate (a 16-bit RGBA picture of [`MAX_PIXELS`]).
const MAX_DECODER_ALLOC: u64 = MAX_PIXELS * 8;

/// Why a photo could not be read at all (a photo without a barcode is not an error).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum BarcodeError {
    /// The file is larger than [`MAX_PHOTO_BYTES`].
    #[error("the photo is {0} bytes; at most {MAX_PHOTO_BYTES} are accepted")]
    TooLarge(usize),
    /// The picture's header claims more than [`MAX_PIXELS`] pixels, or a side longer than
    /// [`MAX_DIMENSION`]; refused before decoding.
    #[error(
        "the picture is {width} x {height} pixels; at most {MAX_PIXELS} pixels and {MAX_DIMENSION} a side are accepted"
    )]
    TooManyPixels {
        /// Width claimed by the header.
        width: u32,
        /// Height claimed by the header.
        height: u32,
    },
    /// Not a PNG or JPEG image, or a broken one.
    #[error("the file is not a readable PNG or JPEG photo: {0}")]
    Unreadable(String),
    /// The decoding thread did not finish (it panicked or the runtime is shutting down).
    #[error("the photo could not be processed: {0}")]
    Interrupted(String),
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

fn reader(photo: &[u8]) -> Result<ImageReader<Cursor<&[u8]>>, BarcodeError> {
    ImageReader::new(Cursor::new(photo))
        .with_guessed_format()
        .map_err(|e| BarcodeError::Unreadable(e.to_string()))
}

/// Refuses a picture whose header claims too many pixels.
fn check_dimensions(width: u32, height: u32) -> Result<(), BarcodeError> {
    if width > MAX_DIMENSION
        || height > MAX_DIMENSION
        || u64::from(width) * u64::from(height) > MAX_PIXELS
    {
        return Err(BarcodeError::TooManyPixels { width, height });
    }
    Ok(())
}

/// Reads the first barcode in a photo; `Ok(None)` when there is none. CPU-bound and blocking:
/// from async code call [`scan_async`].
///
/// # Errors
/// [`BarcodeError::TooLarge`] for a file over [`MAX_PHOTO_BYTES`],
/// [`BarcodeError::TooManyPixels`] for a picture over [`MAX_PIXELS`] (read from the header,
/// before decoding), [`BarcodeError::Unreadable`] for anything that is not a readable image.
pub fn scan(photo: &[u8]) -> Result<Option<Scanned>, BarcodeError> {
    if photo.len() > MAX_PHOTO_BYTES {
        return Err(BarcodeError::TooLarge(photo.len()));
    }
    // The header only: nothing the size of the picture is allocated.
    let (width, height) = reader(photo)?
        .into_dimensions()
        .map_err(|e| BarcodeError::Unreadable(e.to_string()))?;
    check_dimensions(width, height)?;
    let mut reader = reader(photo)?;
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_DIMENSION);
    limits.max_image_height = Some(MAX_DIMENSION);
    limits.max_alloc = Some(MAX_DECODER_ALLOC);
    reader.limits(limits);
    let img = reader.decode().map_err(|e| match e {
        image::ImageError::Limits(_) => BarcodeError::TooManyPixels { width, height },
        other => BarcodeError::Unreadable(other.to_string()),
    })?;
    // Grey once, then drop the decoded picture before searching.
    let luma = img.to_luma8();
    drop(img);
    Ok(scan_luma(luma))
}

/// [`scan`] on a blocking thread (`tokio::task::spawn_blocking`), so the async runtime is never
/// held by decoding or by the barcode search. Takes the bytes by value (a `Vec<u8>` or
/// `bytes::Bytes`, which is cheap to clone).
///
/// # Errors
/// As [`scan`], and [`BarcodeError::Interrupted`] when the blocking thread did not finish.
pub async fn scan_async(
    photo: impl AsRef<[u8]> + Send + 'static,
) -> Result<Option<Scanned>, BarcodeError> {
    tokio::task::spawn_blocking(move || scan(photo.as_ref()))
        .await
        .map_err(|e| BarcodeError::Interrupted(e.to_string()))?
}

fn scan_luma(luma: image::GrayImage) -> Option<Scanned> {
    let rotated = image::imageops::rotate90(&luma);
    for candidate in [luma, rotated] {
        let (w, h) = candidate.dimensions();
        let mut hints = DecodeHints::default().with(DecodeHintValue::TryHarder(true));
        if let Ok(found) =
            rxing::helpers::detect_in_luma_with_hints(candidate.into_raw(), w, h, None, &mut hints)
        {
            return Some(Scanned {
                text: found.getText().to_owned(),
                kind: kind(found.getBarcodeFormat()),
            });
        }
    }
    None
}
