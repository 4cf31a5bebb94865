//! Atomic WAV writing.

use crate::{Error, ErrorKind, SAMPLE_RATE, WavInfo};
use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// How samples are stored in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum SampleFormat {
    /// 32-bit IEEE float, samples stored exactly (the default).
    #[default]
    Float32,
    /// 16-bit signed PCM: samples are clamped to [-1, 1], scaled by 32768,
    /// rounded and clamped to the `i16` range.
    Pcm16,
}

impl SampleFormat {
    /// Bits per stored sample (32 or 16).
    #[must_use]
    pub fn bits_per_sample(self) -> u16 {
        match self {
            Self::Float32 => 32,
            Self::Pcm16 => 16,
        }
    }
}

/// Options for [`write_wav`]. The default is 24 kHz ([`SAMPLE_RATE`]),
/// 32-bit float.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WavOptions {
    /// Samples per second; must not be 0.
    pub sample_rate: u32,
    /// Storage format.
    pub format: SampleFormat,
}

impl Default for WavOptions {
    fn default() -> Self {
        Self {
            sample_rate: SAMPLE_RATE,
            format: SampleFormat::Float32,
        }
    }
}

/// Converts a sample to 16-bit PCM: clamp to [-1, 1], scale by 32768, round,
/// clamp to the `i16` range (so 1.0 becomes 32767 and -1.0 becomes -32768).
pub(crate) fn to_pcm16(x: f32) -> i16 {
    (x.clamp(-1.0, 1.0) * 32768.0)
        .round()
        .clamp(f32::from(i16::MIN), f32::from(i16::MAX)) as i16
}

/// Writes `samples` as a mono WAV file at `path`, atomically.
///
/// Parent directories are created. The audio goes to a uniquely named
/// temporary file in the same directory (`.{file_name}.{pid}.{n}.tmp`), which
/// is flushed, fsynced and then renamed over `path`; readers therefore see
/// either the previous file or the complete new one, never a partial file. On
/// any failure the temporary file is removed and an existing file at `path`
/// is left untouched.
///
/// # Errors
///
/// - [`ErrorKind::InvalidSampleRate`] if `options.sample_rate` is 0;
/// - [`ErrorKind::Empty`] if `samples` is empty;
/// - [`ErrorKind::NonFinite`] naming the first NaN or infinite sample;
/// - [`ErrorKind::IsDirectory`] if `path` is an existing directory;
/// - [`ErrorKind::InvalidPath`] if `path` has no file name;
/// - [`ErrorKind::Io`] if creating, writing, syncing or renaming fails.
pub fn write_wav(path: &Path, samples: &[f32], options: &WavOptions) -> Result<WavInfo, Error> {
    check_sample_rate(path, options)?;
    if samples.is_empty() {
        return Err(no_samples(path));
    }
    if let Some(index) = samples.iter().position(|x| !x.is_finite()) {
        return Err(not_finite(path, index));
    }
    let (dir, guard, file) = create_temp_for(path)?;
    let tmp = guard.path();

    write_samples(file, samples, options)
        .map_err(|e| io_error(format!("cannot write audio to {}", tmp.display()), e))?;
    rename_into_place(tmp, path)?;
    guard.disarm();
    sync_dir(&dir);

    let info = WavInfo::new(options.sample_rate, 1, samples.len() as u64, options.format);
    tracing::debug!(path = %path.display(), frames = info.frames, format = ?info.format, "wrote wav");
    Ok(info)
}

/// Writes `text` to `path` atomically, as [`write_wav`] writes audio: a temporary file in the same
/// directory, fsynced, then renamed over `path` (for files that go with a WAV, such as its
/// captions: `projects/{p}/audio/{s}.vtt`). `validate` checks the text read back from the
/// temporary file before the rename; its error message names what is wrong. On any failure an
/// existing file at `path` is left untouched.
///
/// # Errors
///
/// [`ErrorKind::Corrupt`] when `validate` refuses the text read back; otherwise as
/// [`write_wav`] (`IsDirectory`, `InvalidPath`, `Io`).
pub fn write_text(
    path: &Path,
    text: &str,
    validate: impl FnOnce(&str) -> Result<(), String>,
) -> Result<(), Error> {
    let (dir, guard, mut file) = create_temp_for(path)?;
    let tmp = guard.path();
    let write = |file: &mut File| -> io::Result<()> {
        io::Write::write_all(file, text.as_bytes())?;
        file.sync_all()
    };
    write(&mut file).map_err(|e| io_error(format!("cannot write {}", tmp.display()), e))?;
    drop(file);
    let back = fs::read_to_string(tmp)
        .map_err(|e| io_error(format!("cannot read back {}", tmp.display()), e))?;
    validate(&back).map_err(|why| {
        Error::bad_file(
            ErrorKind::Corrupt,
            format!("{} would not be valid: {why}", path.display()),
        )
    })?;
    rename_into_place(tmp, path)?;
    guard.disarm();
    sync_dir(&dir);
    tracing::debug!(path = %path.display(), bytes = text.len(), "wrote text file");
    Ok(())
}

fn write_samples(file: File, samples: &[f32], options: &WavOptions) -> Result<(), HoundOrIo> {
    let spec = hound_spec(options);
    let mut out = BufWriter::new(file);
    let mut writer = hound::WavWriter::new(&mut out, spec)?;
    match options.format {
        SampleFormat::Float32 => {
            for &x in samples {
                writer.write_sample(x)?;
            }
        }
        SampleFormat::Pcm16 => {
            for &x in samples {
                writer.write_sample(to_pcm16(x))?;
            }
        }
    }
    writer.finalize()?;
    let file = out.into_inner().map_err(io::IntoInnerError::into_error)?;
    file.sync_all()?;
    Ok(())
}

/// Either kind of failure while writing; both become [`ErrorKind::Io`].
#[derive(Debug, thiserror::Error)]
pub(crate) enum HoundOrIo {
    #[error(transparent)]
    Hound(#[from] hound::Error),
    #[error(transparent)]
    Io(#[from] io::Error),
}

static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// Creates a new, uniquely named temporary file in `dir`.
pub(crate) fn create_temp(dir: &Path, file_name: &str) -> io::Result<(PathBuf, File)> {
    let pid = std::process::id();
    let mut attempts = 0;
    loop {
        let n = TEMP_COUNTER.fetch_add(1, Ordering::Relaxed);
        let tmp = dir.join(format!(".{file_name}.{pid}.{n}.tmp"));
        match OpenOptions::new().write(true).create_new(true).open(&tmp) {
            Ok(file) => {
                crate::stale::hold_lock(&file, &tmp);
                return Ok((tmp, file));
            }
            // A stale file left by a crashed process that had the same pid.
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists && attempts < 16 => attempts += 1,
            Err(e) => return Err(e),
        }
    }
}

/// Removes the temporary file on drop unless disarmed.
pub(crate) struct TempGuard(pub(crate) Option<PathBuf>);

impl TempGuard {
    pub(crate) fn path(&self) -> &Path {
        self.0.as_deref().unwrap_or(Path::new(""))
    }

    pub(crate) fn disarm(mut self) {
        self.0 = None;
    }
}

impl Drop for TempGuard {
    fn drop(&mut self) {
        if let Some(path) = self.0.take()
            && let Err(e) = fs::remove_file(&path)
            && e.kind() != io::ErrorKind::NotFound
        {
            tracing::warn!(path = %path.display(), error = %e, "could not remove temporary wav file");
        }
    }
}

/// Best effort: persist the rename itself (a directory fsync; Unix only).
pub(crate) fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    {
        let dir = if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        };
        if let Err(e) = File::open(dir).and_then(|d| d.sync_all()) {
            tracing::debug!(dir = %dir.display(), error = %e, "directory fsync failed");
        }
    }
    #[cfg(not(unix))]
    let _ = dir;
}

pub(crate) fn is_directory(path: &Path) -> Error {
    Error::new(
        ErrorKind::IsDirectory,
        format!(
            "cannot write {}: it is a directory; pass the path of a `.wav` file",
            path.display()
        ),
    )
}

/// A write of `path` with no samples at all.
pub(crate) fn no_samples(path: &Path) -> Error {
    Error::new(
        ErrorKind::Empty,
        format!(
            "cannot write {}: no samples; synthesis produced no audio for this segment",
            path.display()
        ),
    )
}

/// A write of `path` whose sample `index` (from the start of the file) is NaN or infinite.
pub(crate) fn not_finite(path: &Path, index: usize) -> Error {
    Error::new(
        ErrorKind::NonFinite { index },
        format!(
            "cannot write {}: sample {index} is not finite; the synthesized audio is broken",
            path.display()
        ),
    )
}

pub(crate) fn io_error(context: String, source: impl Into<HoundOrIo>) -> Error {
    match source.into() {
        HoundOrIo::Io(e) => Error::new(
            ErrorKind::Io,
            format!("{context}: check that the directory exists, is writable and has free space"),
        )
        .with_source(e),
        HoundOrIo::Hound(e) => {
            Error::new(ErrorKind::Io, format!("{context}: wav encoder failed")).with_source(e)
        }
    }
}

/// Rejects a sample rate of 0 for a write to `path`.
pub(crate) fn check_sample_rate(path: &Path, options: &WavOptions) -> Result<(), Error> {
    if options.sample_rate == 0 {
        return Err(Error::new(
            ErrorKind::InvalidSampleRate,
            format!(
                "cannot write {}: sample rate is 0; use {SAMPLE_RATE} for Kokoro audio",
                path.display()
            ),
        ));
    }
    Ok(())
}

/// The hound header of a mono file in `options`' rate and format.
pub(crate) fn hound_spec(options: &WavOptions) -> hound::WavSpec {
    hound::WavSpec {
        channels: 1,
        sample_rate: options.sample_rate,
        bits_per_sample: options.format.bits_per_sample(),
        sample_format: match options.format {
            SampleFormat::Float32 => hound::SampleFormat::Float,
            SampleFormat::Pcm16 => hound::SampleFormat::Int,
        },
    }
}

/// Checks `path` as an output path ([`prepare`]) and opens a uniquely named temporary file next
/// to it, guarded so that it is removed unless the caller disarms the guard after the rename.
pub(crate) fn create_temp_for(path: &Path) -> Result<(PathBuf, TempGuard, File), Error> {
    let (dir, file_name) = prepare(path)?;
    let (tmp_path, file) = create_temp(&dir, &file_name).map_err(|e| {
        io_error(
            format!("cannot create a temporary file next to {}", path.display()),
            e,
        )
    })?;
    Ok((dir, TempGuard(Some(tmp_path)), file))
}

/// Checks `path` as an output path and creates its parent directory; returns that directory and
/// the file name. Stale temporary files in that directory are removed first
/// ([`remove_stale_temp_files`](crate::remove_stale_temp_files)).
pub(crate) fn prepare(path: &Path) -> Result<(PathBuf, String), Error> {
    if path.is_dir() {
        return Err(is_directory(path));
    }
    let Some(file_name) = path.file_name() else {
        return Err(Error::new(
            ErrorKind::InvalidPath,
            format!(
                "cannot write {}: the path has no file name; pass a path ending in `name.wav`",
                path.display()
            ),
        ));
    };
    let dir = path.parent().unwrap_or(Path::new("")).to_path_buf();
    if !dir.as_os_str().is_empty() {
        fs::create_dir_all(&dir).map_err(|e| {
            io_error(
                format!(
                    "cannot create directory {} for {}",
                    dir.display(),
                    path.display()
                ),
                e,
            )
        })?;
    }
    crate::stale::clean_before_write(&dir);
    Ok((dir, file_name.to_string_lossy().into_owned()))
}

/// Renames the finished temporary file `tmp` over `path` (same directory, so atomic).
pub(crate) fn rename_into_place(tmp: &Path, path: &Path) -> Result<(), Error> {
    fs::rename(tmp, path).map_err(|e| {
        if e.kind() == io::ErrorKind::IsADirectory || path.is_dir() {
            is_directory(path).with_source(e)
        } else {
            io_error(
                format!(
                    "cannot move {} into place at {}",
                    tmp.display(),
                    path.display()
                ),
                e,
            )
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_written_atomically_and_validated_before_the_rename() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a/s1.vtt");
        write_text(&path, "WEBVTT\n", |t| {
            t.starts_with("WEBVTT")
                .then_some(())
                .ok_or("no header".into())
        })
        .unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "WEBVTT\n");
        let err = write_text(&path, "garbage", |_| Err("no header".into())).unwrap_err();
        assert!(err.to_string().contains("no header"), "{err}");
        assert_eq!(
            fs::read_to_string(&path).unwrap(),
            "WEBVTT\n",
            "the good file stays"
        );
        let left: Vec<_> = fs::read_dir(path.parent().unwrap()).unwrap().collect();
        assert_eq!(left.len(), 1, "no temporary file left");
    }

    #[test]
    fn pcm16_conversion() {
        assert_eq!(to_pcm16(0.0), 0);
        assert_eq!(to_pcm16(1.0), i16::MAX);
        assert_eq!(to_pcm16(-1.0), i16::MIN);
        assert_eq!(to_pcm16(7.5), i16::MAX);
        assert_eq!(to_pcm16(-7.5), i16::MIN);
        assert_eq!(to_pcm16(0.5), 16_384);
        // 0.1 * 32768 = 3276.8 rounds up.
        assert_eq!(to_pcm16(0.1), 3_277);
    }

    #[test]
    fn temp_guard_removes_file_unless_disarmed() {
        let dir = tempfile::tempdir().unwrap();
        let (a, _) = create_temp(dir.path(), "x.wav").unwrap();
        let (b, _) = create_temp(dir.path(), "x.wav").unwrap();
        assert_ne!(a, b);
        assert!(
            a.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with(".x.wav.")
        );
        drop(TempGuard(Some(a.clone())));
        assert!(!a.exists());
        TempGuard(Some(b.clone())).disarm();
        assert!(b.exists());
    }

    #[test]
    fn defaults() {
        let o = WavOptions::default();
        assert_eq!(o.sample_rate, 24_000);
        assert_eq!(o.format, SampleFormat::Float32);
        assert_eq!(SampleFormat::default(), SampleFormat::Float32);
    }
}
