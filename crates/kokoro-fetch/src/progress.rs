//! Progress reports: the [`Progress`] trait a caller implements (a progress bar, a logger), and
//! two implementations, [`NoProgress`] and [`TracingProgress`].

/// Receives what a fetch or a verification is doing.
///
/// Every method has a default that does nothing, so an implementation picks what it shows. The
/// methods are called from the fetching thread, in order; the byte methods are called often
/// (every read of a transfer), so keep them cheap.
pub trait Progress: Send + Sync {
    /// One step done or begun, as one line (`"voices: 54 packs present and verified"`).
    fn step(&self, message: &str) {
        let _ = message;
    }

    /// A detail worth showing on request only (a cached download used, a command run).
    fn detail(&self, message: &str) {
        let _ = message;
    }

    /// Something the user should know: a corrupt file deleted, a route that failed and was
    /// passed over, files that are not pinned.
    fn warn(&self, message: &str) {
        self.step(message);
    }

    /// A transfer (a download or an extraction) of `total` bytes, where known, begins;
    /// `label` names it.
    fn start_bytes(&self, label: &str, total: Option<u64>) {
        let _ = (label, total);
    }

    /// `done` bytes of the current transfer have passed.
    fn bytes(&self, done: u64) {
        let _ = done;
    }

    /// The current transfer ended (finished or failed).
    fn finish_bytes(&self) {}
}

/// Reports nothing.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoProgress;

impl Progress for NoProgress {}

/// Reports through `tracing` (target `kokoro_fetch`): steps at info level, details at debug,
/// warnings at warn, transfers at debug when they begin and end (no per-read events).
///
/// The Python module forwards these records to its `kokoro_engine` logger.
#[derive(Debug, Clone, Copy, Default)]
pub struct TracingProgress;

impl Progress for TracingProgress {
    fn step(&self, message: &str) {
        tracing::info!(target: "kokoro_fetch", "{message}");
    }

    fn detail(&self, message: &str) {
        tracing::debug!(target: "kokoro_fetch", "{message}");
    }

    fn warn(&self, message: &str) {
        tracing::warn!(target: "kokoro_fetch", "{message}");
    }

    fn start_bytes(&self, label: &str, total: Option<u64>) {
        tracing::debug!(target: "kokoro_fetch", bytes = ?total, "transfer begins: {label}");
    }

    fn finish_bytes(&self) {
        tracing::debug!(target: "kokoro_fetch", "transfer ends");
    }
}

/// Wraps a writer and reports every write's running total to a [`Progress`].
pub(crate) struct ProgressWriter<'a, W> {
    pub(crate) inner: W,
    pub(crate) progress: &'a dyn Progress,
    pub(crate) done: u64,
}

impl<'a, W> ProgressWriter<'a, W> {
    pub(crate) fn new(inner: W, progress: &'a dyn Progress) -> Self {
        Self {
            inner,
            progress,
            done: 0,
        }
    }
}

impl<W: std::io::Write> std::io::Write for ProgressWriter<'_, W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.done += n as u64;
        self.progress.bytes(self.done);
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use std::io::Write as _;
    use std::sync::Mutex;

    use super::*;

    /// Records every report, for assertions.
    #[derive(Debug, Default)]
    pub(crate) struct Recorder {
        pub(crate) lines: Mutex<Vec<String>>,
        pub(crate) last_bytes: Mutex<u64>,
    }

    impl Recorder {
        pub(crate) fn lines(&self) -> Vec<String> {
            self.lines.lock().unwrap().clone()
        }

        pub(crate) fn joined(&self) -> String {
            self.lines().join("\n")
        }
    }

    impl Progress for Recorder {
        fn step(&self, message: &str) {
            self.lines.lock().unwrap().push(message.to_owned());
        }

        fn detail(&self, message: &str) {
            self.lines.lock().unwrap().push(format!("DETAIL {message}"));
        }

        fn warn(&self, message: &str) {
            self.lines.lock().unwrap().push(format!("WARN {message}"));
        }

        fn bytes(&self, done: u64) {
            *self.last_bytes.lock().unwrap() = done;
        }
    }

    #[test]
    fn the_writer_reports_running_totals() {
        let rec = Recorder::default();
        let mut out = Vec::new();
        let mut w = ProgressWriter::new(&mut out, &rec);
        w.write_all(b"abc").unwrap();
        w.write_all(b"de").unwrap();
        assert_eq!(*rec.last_bytes.lock().unwrap(), 5);
        assert_eq!(out, b"abcde");
        // The defaults do nothing and the warnings of a step-only reporter are steps.
        NoProgress.warn("x");
        TracingProgress.step("y");
        rec.warn("w");
        assert_eq!(rec.lines(), ["WARN w"]);
    }
}
