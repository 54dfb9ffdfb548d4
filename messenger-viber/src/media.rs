//! Viber takes pictures by public HTTPS URL only (there is no upload call). A [`MediaHost`]
//! publishes picture bytes somewhere Viber can fetch them and returns the URL.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use bytes::Bytes;
use messenger_core::MessengerError;

/// Publishes bytes at a public URL (an S3 bucket, a CDN, or the bot's own HTTP listener).
#[async_trait]
pub trait MediaHost: Send + Sync {
    /// Stores `data` and returns a public HTTPS URL that serves it with `mime_type`.
    ///
    /// # Errors
    /// Whatever the host fails with (as a [`MessengerError`]; `Transport` or `Server` for a
    /// remote store).
    async fn publish(
        &self,
        data: Bytes,
        file_name: &str,
        mime_type: &str,
    ) -> Result<String, MessengerError>;
}

/// A file kept by [`InMemoryMediaHost`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostedFile {
    /// The content.
    pub data: Bytes,
    /// The MIME type to serve it with.
    pub mime_type: String,
}

/// A [`MediaHost`] that keeps files in memory under random 128-bit names (hard to guess, but
/// from a fast non-cryptographic generator: don't host secrets this way) and hands out
/// `<public_base>/<name>`: the bot serves [`InMemoryMediaHost::get`] from its own HTTP listener
/// (the one that receives the webhook). Files stay until [`InMemoryMediaHost::remove`]; keep
/// the set small (barcodes, cards).
#[derive(Debug, Clone)]
pub struct InMemoryMediaHost {
    public_base: String,
    files: Arc<Mutex<HashMap<String, HostedFile>>>,
}

impl InMemoryMediaHost {
    /// A host whose URLs start with `public_base` (e.g. `https://bot.example.com/media`).
    pub fn new(public_base: impl Into<String>) -> Self {
        Self {
            public_base: public_base.into().trim_end_matches('/').to_owned(),
            files: Arc::default(),
        }
    }

    /// The file published under `name` (the last URL segment).
    pub fn get(&self, name: &str) -> Option<HostedFile> {
        self.files.lock().ok()?.get(name).cloned()
    }

    /// Forgets a file.
    pub fn remove(&self, name: &str) -> Option<HostedFile> {
        self.files.lock().ok()?.remove(name)
    }

    /// How many files are held.
    pub fn len(&self) -> usize {
        self.files.lock().map_or(0, |f| f.len())
    }

    /// Whether no file is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[async_trait]
impl MediaHost for InMemoryMediaHost {
    async fn publish(
        &self,
        data: Bytes,
        file_name: &str,
        mime_type: &str,
    ) -> Result<String, MessengerError> {
        let ext = file_name
            .rsplit_once('.')
            .map(|(_, e)| e)
            .filter(|e| {
                !e.is_empty() && e.len() <= 5 && e.chars().all(|c| c.is_ascii_alphanumeric())
            })
            .unwrap_or("bin")
            .to_ascii_lowercase();
        let name = format!("{:016x}{:016x}.{ext}", fastrand::u64(..), fastrand::u64(..));
        self.files
            .lock()
            .map_err(|_| MessengerError::Config("the media store is poisoned".to_owned()))?
            .insert(
                name.clone(),
                HostedFile {
                    data,
                    mime_type: mime_type.to_owned(),
                },
            );
        Ok(format!("{}/{name}", self.public_base))
    }
}
