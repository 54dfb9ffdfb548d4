//! Helpers shared by the workspace's tests: log capture, secret checks and property-test
//! strategies for parsers. A dev-dependency only
//! (`publish = false`); see the README.
#![doc = include_str!("../README.md")]

pub mod fuzz;

pub mod logs {
    //! Capture of what `tracing` writes while a test runs.
    //!
    //! `tracing` caches callsite interest per process: a test that captures logs lives alone in
    //! its own test binary (one `tests/*.rs` file), or all its tests capture.

    use std::io::Write;
    use std::sync::{Arc, Mutex};

    use tracing::Level;
    use tracing::subscriber::DefaultGuard;

    /// A `tracing_subscriber` writer that keeps everything written to it. Cheap to clone (the
    /// clones share the buffer).
    #[derive(Clone, Default, Debug)]
    pub struct LogCapture(Arc<Mutex<Vec<u8>>>);

    impl LogCapture {
        /// Everything written so far, as text.
        pub fn text(&self) -> String {
            let bytes = self.0.lock().unwrap_or_else(|e| e.into_inner()).clone();
            String::from_utf8_lossy(&bytes).into_owned()
        }
    }

    impl Write for LogCapture {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for LogCapture {
        type Writer = LogCapture;
        fn make_writer(&'a self) -> Self::Writer {
            self.clone()
        }
    }

    /// Captures every event up to `level` on this thread (a `current_thread` runtime runs the
    /// whole test on it) until the guard is dropped; no colours.
    pub fn capture(level: Level) -> (LogCapture, DefaultGuard) {
        let capture = LogCapture::default();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(level)
            .with_writer(capture.clone())
            .with_ansi(false)
            .finish();
        let guard = tracing::subscriber::set_default(subscriber);
        (capture, guard)
    }

    /// Captures every event up to `level` from every thread, for the rest of the process (a
    /// test whose work runs on other threads); the binary's other tests log into it too.
    ///
    /// # Panics
    /// When a global subscriber is already set (call it once per test binary).
    pub fn capture_global(level: Level) -> LogCapture {
        let capture = LogCapture::default();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(level)
            .with_writer(capture.clone())
            .with_ansi(false)
            .finish();
        #[allow(clippy::expect_used)]
        tracing::subscriber::set_global_default(subscriber)
            .expect("one global log capture per test binary");
        capture
    }
}

pub mod secrets {
    //! Checks that secrets stay out of what a value shows.

    use std::fmt::{Debug, Display};

    /// `Debug` of `v`, compact and pretty, in one string.
    pub fn debug_text<T: Debug + ?Sized>(v: &T) -> String {
        format!("{v:?} {v:#?}")
    }

    /// `Display` and both `Debug` forms of an error, in one string.
    pub fn error_text<E: Display + Debug + ?Sized>(e: &E) -> String {
        format!("{e} {e:?} {e:#?}")
    }

    /// What an error shows, labelled for [`assert_clean`]: its `Display` and `Debug`, and the
    /// `Display` of every error in its `source()` chain (where a wrapped reqwest error would
    /// show a URL with a token in it).
    pub fn error_chain_texts(
        name: &str,
        e: &(dyn std::error::Error + 'static),
    ) -> Vec<(String, String)> {
        let mut texts = vec![
            (format!("Display of {name}"), e.to_string()),
            (format!("Debug of {name}"), format!("{e:?}")),
        ];
        let mut source = e.source();
        while let Some(s) = source {
            texts.push((format!("source of {name}"), s.to_string()));
            source = s.source();
        }
        texts
    }

    /// Panics naming `what` and the text when `text` contains any of `secrets`.
    pub fn assert_clean<S: AsRef<str>>(what: &str, text: &str, secrets: &[S]) {
        for s in secrets {
            let s = s.as_ref();
            assert!(
                s.is_empty() || !text.contains(s),
                "{what} leaks a secret: {text}"
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{logs, secrets};

    #[test]
    fn captured_logs_and_clean_checks() {
        let (capture, guard) = logs::capture(tracing::Level::INFO);
        tracing::info!(who = "anna", "logged in");
        tracing::debug!("not captured at INFO");
        drop(guard);
        let text = capture.text();
        assert!(
            text.contains("logged in") && text.contains("anna"),
            "{text}"
        );
        assert!(!text.contains("not captured"), "{text}");
        secrets::assert_clean("the logs", &text, &["tok-SECRET"]);
        let io = std::io::Error::other("outer");
        let texts = secrets::error_chain_texts("io", &io);
        assert_eq!(texts[0], ("Display of io".to_owned(), "outer".to_owned()));
        assert!(texts[1].1.contains("Custom"), "{texts:?}");
        let leaked = std::panic::catch_unwind(|| {
            secrets::assert_clean("the logs", "a tok-SECRET here", &["tok-SECRET"])
        });
        assert!(leaked.is_err());
        assert_eq!(secrets::debug_text(&Some(1)), "Some(1) Some(\n    1,\n)");
    }
}
