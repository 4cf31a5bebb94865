//! Full-decode validation and reading.

use crate::{SampleFormat, WavError, WavErrorKind};
use std::fs::{self, File};
use std::io::{self, BufReader};
use std::path::Path;

/// What a WAV file holds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WavInfo {
    /// Samples per second per channel.
    pub sample_rate: u32,
    /// Number of interleaved channels (1 for files written by this crate).
    pub channels: u16,
    /// Number of frames (samples per channel).
    pub frames: u64,
    /// `frames / sample_rate`, in seconds.
    pub duration_seconds: f64,
    /// Storage format.
    pub format: SampleFormat,
}

impl WavInfo {
    pub(crate) fn new(sample_rate: u32, channels: u16, frames: u64, format: SampleFormat) -> Self {
        let duration_seconds = if sample_rate == 0 {
            0.0
        } else {
            frames as f64 / f64::from(sample_rate)
        };
        Self {
            sample_rate,
            channels,
            frames,
            duration_seconds,
            format,
        }
    }
}

/// Checks that `path` is a complete, usable WAV file by decoding every
/// sample, and describes it.
///
/// Decoding everything (rather than trusting the header) catches truncated
/// files: the header of a cut-off file still announces the full length.
///
/// # Errors
///
/// - [`WavErrorKind::NotFound`] (see [`WavError::is_not_found`]) if there is
///   no file at `path`;
/// - [`WavErrorKind::Empty`] for a zero-length file or one with zero frames;
/// - [`WavErrorKind::Corrupt`] for garbage, a bad header or truncated data;
/// - [`WavErrorKind::NonFinite`] for a NaN or infinite float sample;
/// - [`WavErrorKind::Unsupported`] for formats other than 32-bit float and
///   16-bit PCM;
/// - [`WavErrorKind::IsDirectory`] or [`WavErrorKind::Io`] when the file
///   cannot be read.
///
/// [`WavError::is_corrupt`] is `true` for the `Empty`, `Corrupt` and
/// `NonFinite` cases: the file exists but should be regenerated.
pub fn validate_wav(path: &Path) -> Result<WavInfo, WavError> {
    decode(path, |_| {})
}

/// The duration in seconds of the WAV file at `path`, after a full
/// [`validate_wav`].
///
/// # Errors
///
/// The same as [`validate_wav`].
pub fn wav_duration(path: &Path) -> Result<f64, WavError> {
    validate_wav(path).map(|info| info.duration_seconds)
}

/// Reads and validates the WAV file at `path`, returning its description and
/// its samples as `f32` (interleaved when there are several channels; 16-bit
/// PCM is divided by 32768, so values lie in [-1, 1)).
///
/// # Errors
///
/// The same as [`validate_wav`].
pub fn read_wav(path: &Path) -> Result<(WavInfo, Vec<f32>), WavError> {
    let mut samples = Vec::new();
    let info = decode(path, |x| samples.push(x))?;
    Ok((info, samples))
}

fn decode(path: &Path, sink: impl FnMut(f32)) -> Result<WavInfo, WavError> {
    let (reader, format) = open_reader(path)?;
    let spec = reader.spec();
    let expected = u64::from(reader.len());
    if expected == 0 {
        return Err(WavError::bad_file(
            WavErrorKind::Empty,
            format!(
                "{} has no audio frames: regenerate the audio",
                path.display()
            ),
        ));
    }
    let decoded = decode_samples(path, reader, format, expected, sink)?;
    if decoded != expected {
        return Err(WavError::bad_file(
            WavErrorKind::Corrupt,
            format!(
                "{} is truncated: decoded {decoded} of the {expected} samples its header \
                 announces; regenerate the audio",
                path.display()
            ),
        ));
    }
    let info = WavInfo::new(
        spec.sample_rate,
        spec.channels,
        expected / u64::from(spec.channels),
        format,
    );
    tracing::debug!(path = %path.display(), frames = info.frames, "validated wav");
    Ok(info)
}

type Reader = hound::WavReader<BufReader<File>>;

/// Opens the WAV file at `path` and checks its header: a non-empty file (not a directory) in a
/// supported format, with a sample rate and channels.
fn open_reader(path: &Path) -> Result<(Reader, SampleFormat), WavError> {
    let shown = path.display();
    let meta = fs::metadata(path).map_err(|e| open_error(path, e))?;
    if meta.is_dir() {
        return Err(WavError::new(
            WavErrorKind::IsDirectory,
            format!("{shown} is a directory, not a WAV file"),
        ));
    }
    if meta.len() == 0 {
        return Err(WavError::bad_file(
            WavErrorKind::Empty,
            format!("{shown} is empty (0 bytes): regenerate the audio"),
        ));
    }
    let file = File::open(path).map_err(|e| open_error(path, e))?;
    let reader = hound::WavReader::new(BufReader::new(file))
        .map_err(|e| hound_error(path, "cannot read the WAV header", e))?;
    let spec = reader.spec();
    let format = match (spec.sample_format, spec.bits_per_sample) {
        (hound::SampleFormat::Float, 32) => SampleFormat::Float32,
        (hound::SampleFormat::Int, 16) => SampleFormat::Pcm16,
        (fmt, bits) => {
            return Err(WavError::new(
                WavErrorKind::Unsupported,
                format!(
                    "{shown} holds {bits}-bit {fmt:?} samples; only 32-bit float and 16-bit PCM \
                     are supported: convert or regenerate it"
                ),
            ));
        }
    };
    if spec.sample_rate == 0 || spec.channels == 0 {
        return Err(WavError::bad_file(
            WavErrorKind::Corrupt,
            format!(
                "{shown} has an invalid header ({} Hz, {} channels): regenerate the audio",
                spec.sample_rate, spec.channels
            ),
        ));
    }
    Ok((reader, format))
}

/// Decodes every sample of `reader` into `sink` (as f32 in [-1, 1] for PCM) and returns how many
/// there were; a float sample that is not finite is an error.
fn decode_samples(
    path: &Path,
    mut reader: Reader,
    format: SampleFormat,
    expected: u64,
    mut sink: impl FnMut(f32),
) -> Result<u64, WavError> {
    let mut decoded: u64 = 0;
    match format {
        SampleFormat::Float32 => {
            for sample in reader.samples::<f32>() {
                let x = sample.map_err(|e| sample_error(path, decoded, expected, e))?;
                if !x.is_finite() {
                    let index = usize::try_from(decoded).unwrap_or(usize::MAX);
                    return Err(WavError::bad_file(
                        WavErrorKind::NonFinite { index },
                        format!(
                            "{}: sample {decoded} is {x}: regenerate the audio",
                            path.display()
                        ),
                    ));
                }
                sink(x);
                decoded += 1;
            }
        }
        SampleFormat::Pcm16 => {
            for sample in reader.samples::<i16>() {
                let x = sample.map_err(|e| sample_error(path, decoded, expected, e))?;
                sink(f32::from(x) / 32768.0);
                decoded += 1;
            }
        }
    }
    Ok(decoded)
}

fn open_error(path: &Path, e: io::Error) -> WavError {
    if e.kind() == io::ErrorKind::NotFound {
        WavError::new(
            WavErrorKind::NotFound,
            format!(
                "{} does not exist: synthesize the segment first",
                path.display()
            ),
        )
        .with_source(e)
    } else {
        WavError::new(
            WavErrorKind::Io,
            format!("cannot read {}: check its permissions", path.display()),
        )
        .with_source(e)
    }
}

fn hound_error(path: &Path, context: &str, e: hound::Error) -> WavError {
    let shown = path.display();
    match e {
        hound::Error::IoError(io) if !is_short_read(&io) => {
            WavError::new(WavErrorKind::Io, format!("{context} of {shown}")).with_source(io)
        }
        hound::Error::Unsupported => WavError::new(
            WavErrorKind::Unsupported,
            format!("{shown} uses a WAV variant that is not supported: regenerate it"),
        )
        .with_source(e),
        e => WavError::bad_file(
            WavErrorKind::Corrupt,
            format!("{shown} is not a valid WAV file ({context}): regenerate the audio"),
        )
        .with_source(e),
    }
}

fn sample_error(path: &Path, decoded: u64, expected: u64, e: hound::Error) -> WavError {
    match e {
        hound::Error::IoError(io) if is_short_read(&io) => WavError::bad_file(
            WavErrorKind::Corrupt,
            format!(
                "{} is truncated: its data ends after {decoded} of the {expected} samples \
                     its header announces; regenerate the audio",
                path.display()
            ),
        )
        .with_source(io),
        e => hound_error(path, "cannot decode the samples", e),
    }
}

/// hound reports reading past the end of the file either as `UnexpectedEof`
/// or as an `Other` error ("Failed to read enough bytes."); errors from the
/// OS never have kind `Other`.
fn is_short_read(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::UnexpectedEof | io::ErrorKind::Other
    )
}
