//! Audio utilities for callers that hold samples or files rather than a request: peak
//! normalization, a WAV file's duration and validity, and [`save_samples`](crate::save_samples)'s
//! errors. The Python module's `normalize_audio`, `get_audio_duration`, `validate_audio_file` and
//! `save_audio_wav` are these, so that it needs no crate but this one (audio-dsp and wav-store stay
//! behind it). File errors have precise kinds: [`ErrorKind::NotFound`], [`ErrorKind::IsDirectory`],
//! [`ErrorKind::InvalidAudio`] (samples, sample rate or path unusable), [`ErrorKind::InvalidId`],
//! [`ErrorKind::CorruptAudio`] (a file that is no readable WAV), else [`ErrorKind::Storage`] (I/O).

use std::path::Path;

pub use kokoro_model::SAMPLE_RATE;
pub use wav_store::WavInfo;

use crate::error::{Error, ErrorKind, Result};

/// `samples` scaled so that their peak is `target_db` dBFS (at most 0); silence stays silence.
///
/// # Errors
/// [`ErrorKind::InvalidAudio`] for a NaN or infinite sample or a target above 0 dBFS.
pub fn normalize_peak(samples: &[f32], target_db: f32) -> Result<Vec<f32>> {
    audio_dsp::normalize_peak(samples, target_db)
        .map_err(|e| Error::wrap(ErrorKind::InvalidAudio, e))
}

/// [`normalize_peak`] of `f64` samples, returned as `f32`.
///
/// # Errors
/// As [`normalize_peak`].
pub fn normalize_peak_f64(samples: &[f64], target_db: f32) -> Result<Vec<f32>> {
    audio_dsp::normalize_peak_f64(samples, target_db)
        .map_err(|e| Error::wrap(ErrorKind::InvalidAudio, e))
}

/// The duration in seconds of the WAV file at `path` (every sample is decoded, so a truncated
/// file is an error).
///
/// # Errors
/// [`ErrorKind::NotFound`] when there is no file, [`ErrorKind::IsDirectory`],
/// [`ErrorKind::CorruptAudio`] or [`ErrorKind::InvalidAudio`] for a file that cannot be decoded,
/// [`ErrorKind::Storage`] for one that cannot be read.
pub fn wav_duration(path: &Path) -> Result<f64> {
    wav_store::wav_duration(path).map_err(file_error)
}

/// Reads the WAV file at `path` completely and says what it holds.
///
/// # Errors
/// As [`wav_duration`].
pub fn validate_wav(path: &Path) -> Result<WavInfo> {
    wav_store::validate_wav(path).map_err(file_error)
}

/// wav-store's error with the kind a caller can act on.
pub(crate) fn file_error(e: wav_store::Error) -> Error {
    use wav_store::ErrorKind as W;
    let kind = match e.kind() {
        W::NotFound => ErrorKind::NotFound,
        W::IsDirectory => ErrorKind::IsDirectory,
        W::InvalidId => ErrorKind::InvalidId,
        W::InvalidPath | W::Empty | W::NonFinite { .. } | W::InvalidSampleRate => {
            ErrorKind::InvalidAudio
        }
        W::Corrupt | W::Unsupported => ErrorKind::CorruptAudio,
        _ => ErrorKind::Storage,
    };
    Error::wrap(kind, e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_errors_have_the_kind_a_caller_acts_on() {
        let dir = tempfile::tempdir().unwrap();
        let gone = dir.path().join("gone.wav");
        assert_eq!(wav_duration(&gone).unwrap_err().kind(), ErrorKind::NotFound);
        assert_eq!(validate_wav(&gone).unwrap_err().kind(), ErrorKind::NotFound);
        let format = crate::SampleFormat::Float32;
        let err = crate::save_samples(dir.path(), &[0.1; 8], SAMPLE_RATE, format).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::IsDirectory, "{err}");
        let err = crate::save_samples(&gone, &[], SAMPLE_RATE, format).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidAudio, "{err}");
        let err = crate::save_samples(&gone, &[f32::NAN], SAMPLE_RATE, format).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidAudio, "{err}");
        std::fs::write(&gone, b"not a wav").unwrap();
        assert_eq!(
            wav_duration(&gone).unwrap_err().kind(),
            ErrorKind::CorruptAudio
        );
    }

    #[test]
    fn normalization_refuses_what_it_cannot_scale() {
        assert_eq!(normalize_peak(&[0.5, -0.25], 0.0).unwrap(), [1.0, -0.5]);
        assert_eq!(
            normalize_peak(&[0.5, f32::NAN], -1.0).unwrap_err().kind(),
            ErrorKind::InvalidAudio
        );
        assert_eq!(
            normalize_peak_f64(&[0.5], 3.0).unwrap_err().kind(),
            ErrorKind::InvalidAudio
        );
    }
}
