//! Viber takes pictures by public HTTPS URL only (there is no upload call). A [`MediaHost`]
//! publishes picture bytes somewhere Viber can fetch them and returns the URL.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

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

/// A [`MediaHost`] that keeps files in memory under random 128-bit names (from the operating
/// system's generator) and hands out `<public_base>/<name>`: the bot serves
/// [`InMemoryMediaHost::get`] from its own HTTP listener (the one that receives the webhook).
/// Anyone with a URL can fetch its file while it is held: Viber needs a public URL, so keep
/// the lifetime short.
///
/// The same picture published again (a broadcast's picture, sent to each recipient) gets the
/// URL it already has while it is held, so memory grows with distinct pictures only. A file
/// goes after its lifetime ([`InMemoryMediaHost::with_ttl`], default
/// [`InMemoryMediaHost::DEFAULT_TTL`]: Viber fetches a picture when the message is sent), on
/// [`InMemoryMediaHost::remove`], or when the held bytes pass the limit
/// ([`InMemoryMediaHost::with_limit`], default [`InMemoryMediaHost::DEFAULT_LIMIT`]), the
/// oldest first.
#[derive(Debug, Clone)]
pub struct InMemoryMediaHost {
    public_base: String,
    limit: usize,
    ttl: Duration,
    files: Arc<Mutex<Files>>,
}

/// The held files and their order of publication (with its time).
#[derive(Debug, Default)]
struct Files {
    by_name: HashMap<String, HostedFile>,
    order: VecDeque<(String, Instant)>,
    bytes: usize,
}

impl Files {
    /// Drops the files published before `oldest`, then the oldest ones while the held bytes
    /// pass `limit` (the newest always stays).
    fn evict(&mut self, oldest: Option<Instant>, limit: usize) {
        while let Some((name, at)) = self.order.front() {
            let expired = oldest.is_some_and(|o| *at < o);
            if !expired && (self.bytes <= limit || self.order.len() <= 1) {
                break;
            }
            let name = name.clone();
            self.order.pop_front();
            if let Some(f) = self.by_name.remove(&name) {
                self.bytes -= f.data.len();
            }
        }
    }
}

impl InMemoryMediaHost {
    /// The bytes held at most by default: 64 MiB.
    pub const DEFAULT_LIMIT: usize = 64 * 1024 * 1024;

    /// How long a file is held by default: one hour.
    pub const DEFAULT_TTL: Duration = Duration::from_secs(3_600);

    /// A host whose URLs start with `public_base` (e.g. `https://bot.example.com/media`).
    pub fn new(public_base: impl Into<String>) -> Self {
        Self {
            public_base: public_base.into().trim_end_matches('/').to_owned(),
            limit: Self::DEFAULT_LIMIT,
            ttl: Self::DEFAULT_TTL,
            files: Arc::default(),
        }
    }

    /// Holds each file for `ttl` after it was first published.
    pub fn with_ttl(mut self, ttl: Duration) -> Self {
        self.ttl = ttl;
        self
    }

    /// Holds at most `bytes` of files (the newest one always, whatever its size).
    pub fn with_limit(mut self, bytes: usize) -> Self {
        self.limit = bytes;
        self
    }

    /// The file published under `name` (the last URL segment), while it is held.
    pub fn get(&self, name: &str) -> Option<HostedFile> {
        let mut files = self.files.lock().ok()?;
        files.evict(Instant::now().checked_sub(self.ttl), usize::MAX);
        files.by_name.get(name).cloned()
    }

    /// Forgets a file.
    pub fn remove(&self, name: &str) -> Option<HostedFile> {
        let mut files = self.files.lock().ok()?;
        let file = files.by_name.remove(name)?;
        files.order.retain(|(n, _)| n != name);
        files.bytes -= file.data.len();
        Some(file)
    }

    /// How many files are held.
    pub fn len(&self) -> usize {
        self.files.lock().map_or(0, |f| f.by_name.len())
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
        let mut random = [0u8; 16];
        getrandom::fill(&mut random)
            .map_err(|e| MessengerError::Config(format!("no random name for a file: {e}")))?;
        let mut files = self
            .files
            .lock()
            .map_err(|_| MessengerError::Config("the media store is poisoned".to_owned()))?;
        let now = Instant::now();
        files.evict(now.checked_sub(self.ttl), usize::MAX);
        // The same bytes (most often the very same buffer: one broadcast's picture) keep their
        // name and URL while held.
        let suffix = format!(".{ext}");
        let same = files.by_name.iter().find(|(name, f)| {
            f.mime_type == mime_type
                && name.ends_with(&suffix)
                && messenger_core::same_bytes(&f.data, &data)
        });
        if let Some((name, _)) = same {
            return Ok(format!("{}/{name}", self.public_base));
        }
        let hex: String = random.iter().map(|b| format!("{b:02x}")).collect();
        let name = format!("{hex}{suffix}");
        files.bytes += data.len();
        files.order.push_back((name.clone(), now));
        files.by_name.insert(
            name.clone(),
            HostedFile {
                data,
                mime_type: mime_type.to_owned(),
            },
        );
        files.evict(None, self.limit);
        Ok(format!("{}/{name}", self.public_base))
    }
}
