//! Stale temporary files: what a writer killed mid-write (`kill -9`, a power cut) leaves behind.
//!
//! Every temporary file this crate creates is named `.{file_name}.{pid}.{n}.tmp` (the WAV being
//! written) or `.{file_name}.spool.{pid}.{n}.tmp` (a [`SampleSpool`](crate::SampleSpool)) and is
//! held under an exclusive advisory lock by the process writing it. A process that is killed
//! cannot remove its files, but the kernel drops its locks. [`remove_stale_temp_files`] removes a
//! temporary file only when both say its writer is gone:
//!
//! - the process id in its name is not running (read from `/proc` on Linux; where that cannot be
//!   known, this check is skipped and the lock decides), and
//! - its lock can be taken (a live writer, even one in another PID namespace sharing the
//!   directory, still holds it).
//!
//! Every write into a directory ([`write_wav`](crate::write_wav),
//! [`WavStreamWriter::create`](crate::WavStreamWriter::create),
//! [`SampleSpool::create_next_to`](crate::SampleSpool::create_next_to)) calls it first, so stale
//! files disappear at the next write into their directory.

use std::fs::{self, File, TryLockError};
use std::io;
use std::path::{Path, PathBuf};

/// The process id in a temporary file name of this crate, or `None` for any other name.
///
/// `.{file_name}.{pid}.{n}.tmp` and `.{file_name}.spool.{pid}.{n}.tmp` match; `pid` and `n` are
/// decimal numbers and `file_name` is not empty.
pub(crate) fn temp_file_pid(name: &str) -> Option<u32> {
    let rest = name.strip_prefix('.')?.strip_suffix(".tmp")?;
    let (rest, n) = rest.rsplit_once('.')?;
    let (base, pid) = rest.rsplit_once('.')?;
    if base.is_empty() || n.is_empty() || !n.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if pid.is_empty() || !pid.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    pid.parse().ok()
}

/// Whether process `pid` is running: `Some` where the system can tell (Linux, through `/proc`),
/// `None` elsewhere. The current process is always running.
pub(crate) fn process_running(pid: u32) -> Option<bool> {
    if pid == std::process::id() {
        return Some(true);
    }
    let proc = Path::new("/proc");
    if !proc.join("self").exists() {
        return None;
    }
    Some(proc.join(pid.to_string()).exists())
}

/// Whether no process holds the lock of `path`. `Some(true)`: the lock was free (and is released
/// again at once); `Some(false)`: a live writer holds it; `None`: the file system cannot say.
fn lock_is_free(path: &Path) -> Option<bool> {
    // Elsewhere than Unix the writer takes no lock (Windows locks are mandatory: they would bar
    // the read-back of the file), so a free lock says nothing there.
    if !cfg!(unix) {
        return None;
    }
    let file = File::open(path).ok()?;
    match file.try_lock() {
        Ok(()) => Some(true),
        Err(TryLockError::WouldBlock) => Some(false),
        Err(TryLockError::Error(_)) => None,
    }
}

/// Takes the exclusive advisory lock of a temporary file this process writes, so that
/// [`remove_stale_temp_files`] in any process leaves it alone. Best effort: a file system
/// without locks keeps only the process id check.
pub(crate) fn hold_lock(file: &File, path: &Path) {
    if !cfg!(unix) {
        return;
    }
    if let Err(e) = file.try_lock() {
        tracing::debug!(path = %path.display(), error = %e, "cannot lock temporary file");
    }
}

/// Removes the stale temporary files of this crate directly inside `dir`
/// (`.{file_name}.{pid}.{n}.tmp` and `.{file_name}.spool.{pid}.{n}.tmp`): those whose writer's
/// process is gone (per `/proc` on Linux) and whose advisory lock, held by every live writer,
/// nobody holds. Files of a live process, the current one included, and every other file are left
/// alone.
///
/// Returns the paths removed. A directory that cannot be listed is an error; a file that cannot
/// be removed is logged and skipped.
///
/// # Errors
///
/// The I/O error of listing `dir`.
pub fn remove_stale_temp_files(dir: &Path) -> io::Result<Vec<PathBuf>> {
    let listed = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    let mut removed = Vec::new();
    for entry in fs::read_dir(listed)? {
        let Ok(entry) = entry else { continue };
        let name = entry.file_name();
        let Some(pid) = name.to_str().and_then(temp_file_pid) else {
            continue;
        };
        if !entry.file_type().is_ok_and(|t| t.is_file()) {
            continue;
        }
        let path = entry.path();
        let running = process_running(pid);
        if running == Some(true) {
            continue;
        }
        let free = lock_is_free(&path);
        // Remove only when something positively says the writer is gone and nothing says it lives.
        let stale = match (running, free) {
            (_, Some(false)) => false,
            (Some(false), _) => true,
            (None, Some(true)) => true,
            _ => false,
        };
        if !stale {
            continue;
        }
        match fs::remove_file(&path) {
            Ok(()) => {
                tracing::info!(path = %path.display(), pid, "removed a stale temporary file left by a process that is gone");
                removed.push(path);
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => {
                tracing::warn!(path = %path.display(), error = %e, "cannot remove a stale temporary file");
            }
        }
    }
    Ok(removed)
}

/// [`remove_stale_temp_files`] before a write into `dir`: never fails the write.
pub(crate) fn clean_before_write(dir: &Path) {
    if let Err(e) = remove_stale_temp_files(dir) {
        tracing::debug!(dir = %dir.display(), error = %e, "cannot look for stale temporary files");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temp_names_are_recognized() {
        assert_eq!(temp_file_pid(".seg-1.wav.4242.0.tmp"), Some(4242));
        assert_eq!(temp_file_pid(".seg-1.wav.spool.4242.17.tmp"), Some(4242));
        assert_eq!(temp_file_pid(".a.b.c.wav.1.2.tmp"), Some(1));
        for other in [
            "seg-1.wav",
            ".seg-1.wav",
            "seg.wav.1.2.tmp",
            "..1.2.tmp",
            ".x.wav.pid.2.tmp",
            ".x.wav.1.n.tmp",
            ".x.wav.1.2.tmp.bak",
            ".x.wav.99999999999.2.tmp",
            ".x.wav..2.tmp",
        ] {
            assert_eq!(temp_file_pid(other), None, "{other}");
        }
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn liveness_of_processes() {
        assert_eq!(process_running(std::process::id()), Some(true));
        assert_eq!(process_running(1), Some(true));
        // Above the kernel's largest pid (4194304): certainly not running.
        assert_eq!(process_running(u32::MAX - 1), Some(false));
    }
}
