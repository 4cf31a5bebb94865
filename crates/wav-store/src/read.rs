//! Full-decode validation and reading.

use crate::{Error, ErrorKind, SampleFormat};
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
/// - [`ErrorKind::NotFound`] (see [`Error::is_not_found`]) if there is
///   no file at `path`;
/// - [`ErrorKind::Empty`] for a zero-length file or one with zero frames;
/// - [`ErrorKind::Corrupt`] for garbage, a bad header or truncated data;
/// - [`ErrorKind::NonFinite`] for a NaN or infinite float sample;
/// - [`ErrorKind::Unsupported`] for formats other than 32-bit float and
///   16-bit PCM;
/// - [`ErrorKind::IsDirectory`] or [`ErrorKind::Io`] when the file
///   cannot be read.
///
/// [`Error::is_corrupt`] is `true` for the `Empty`, `Corrupt` and
/// `NonFinite` cases: the file exists but should be regenerated.
pub fn validate_wav(path: &Path) -> Result<WavInfo, Error> {
    decode(path, |_| {})
}

/// The duration in seconds of the WAV file at `path`, after a full
/// [`validate_wav`].
///
/// # Errors
///
/// The same as [`validate_wav`].
pub fn wav_duration(path: &Path) -> Result<f64, Error> {
    validate_wav(path).map(|info| info.duration_seconds)
}

/// Reads and validates the WAV file at `path`, returning its description and
/// its samples as `f32` (interleaved when there are several channels; 16-bit
/// PCM is divided by 32768, so values lie in [-1, 1)).
///
/// # Errors
///
/// The same as [`validate_wav`].
pub fn read_wav(path: &Path) -> Result<(WavInfo, Vec<f32>), Error> {
    let mut samples = Vec::new();
    let info = decode(path, |x| samples.push(x))?;
    Ok((info, samples))
}

type Reader = hound::WavReader<BufReader<File>>;

fn decode(path: &Path, sink: impl FnMut(f32)) -> Result<WavInfo, Error> {
    let reader = open(path)?;
    let (spec, format, expected) = check_header(path, &reader)?;
    let decoded = decode_samples(path, reader, format, expected, sink)?;
    if decoded != expected {
        return Err(Error::bad_file(
            ErrorKind::Corrupt,
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

/// Opens the file at `path` and reads its header: not a directory, not empty.
fn open(path: &Path) -> Result<Reader, Error> {
    let shown = path.display();
    let meta = fs::metadata(path).map_err(|e| open_error(path, e))?;
    if meta.is_dir() {
        return Err(Error::new(
            ErrorKind::IsDirectory,
            format!("{shown} is a directory, not a WAV file"),
        ));
    }
    if meta.len() == 0 {
        return Err(Error::bad_file(
            ErrorKind::Empty,
            format!("{shown} is empty (0 bytes): regenerate the audio"),
        ));
    }
    let file = File::open(path).map_err(|e| open_error(path, e))?;
    hound::WavReader::new(BufReader::new(file))
        .map_err(|e| hound_error(path, "cannot read the WAV header", e))
}

/// The header's spec, sample format and sample count, once they are known to be usable.
fn check_header(
    path: &Path,
    reader: &Reader,
) -> Result<(hound::WavSpec, SampleFormat, u64), Error> {
    let shown = path.display();
    let spec = reader.spec();
    let format = match (spec.sample_format, spec.bits_per_sample) {
        (hound::SampleFormat::Float, 32) => SampleFormat::Float32,
        (hound::SampleFormat::Int, 16) => SampleFormat::Pcm16,
        (fmt, bits) => {
            return Err(Error::new(
                ErrorKind::Unsupported,
                format!(
                    "{shown} holds {bits}-bit {fmt:?} samples; only 32-bit float and 16-bit PCM \
                     are supported: convert or regenerate it"
                ),
            ));
        }
    };
    if spec.sample_rate == 0 || spec.channels == 0 {
        return Err(Error::bad_file(
            ErrorKind::Corrupt,
            format!(
                "{shown} has an invalid header ({} Hz, {} channels): regenerate the audio",
                spec.sample_rate, spec.channels
            ),
        ));
    }
    let expected = u64::from(reader.len());
    if expected == 0 {
        return Err(Error::bad_file(
            ErrorKind::Empty,
            format!("{shown} has no audio frames: regenerate the audio"),
        ));
    }
    Ok((spec, format, expected))
}

/// Decodes every sample into `sink` (16-bit PCM divided by 32768); returns how many there were.
fn decode_samples(
    path: &Path,
    mut reader: Reader,
    format: SampleFormat,
    expected: u64,
    mut sink: impl FnMut(f32),
) -> Result<u64, Error> {
    let mut decoded: u64 = 0;
    match format {
        SampleFormat::Float32 => {
            for sample in reader.samples::<f32>() {
                let x = sample.map_err(|e| sample_error(path, decoded, expected, e))?;
                if !x.is_finite() {
                    let index = usize::try_from(decoded).unwrap_or(usize::MAX);
                    return Err(Error::bad_file(
                        ErrorKind::NonFinite { index },
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

fn open_error(path: &Path, e: io::Error) -> Error {
    if e.kind() == io::ErrorKind::NotFound {
        Error::new(
            ErrorKind::NotFound,
            format!(
                "{} does not exist: synthesize the segment first",
                path.display()
            ),
        )
        .with_source(e)
    } else {
        Error::new(
            ErrorKind::Io,
            format!("cannot read {}: check its permissions", path.display()),
        )
        .with_source(e)
    }
}

fn hound_error(path: &Path, context: &str, e: hound::Error) -> Error {
    let shown = path.display();
    match e {
        hound::Error::IoError(io) if !is_short_read(&io) => {
            Error::new(ErrorKind::Io, format!("{context} of {shown}")).with_source(io)
        }
        hound::Error::Unsupported => Error::new(
            ErrorKind::Unsupported,
            format!("{shown} uses a WAV variant that is not supported: regenerate it"),
        )
        .with_source(e),
        e => Error::bad_file(
            ErrorKind::Corrupt,
            format!("{shown} is not a valid WAV file ({context}): regenerate the audio"),
        )
        .with_source(e),
    }
}

fn sample_error(path: &Path, decoded: u64, expected: u64, e: hound::Error) -> Error {
    match e {
        hound::Error::IoError(io) if is_short_read(&io) => Error::bad_file(
            ErrorKind::Corrupt,
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
