//! Peak normalization.

use crate::{Error, ErrorKind, RunningPeak};

/// Default peak target for narration: -1 dBFS leaves a little headroom for
/// lossy encoders and inter-sample peaks.
pub const DEFAULT_TARGET_DBFS: f32 = -1.0;

/// Converts a level in dBFS to a linear amplitude: `10^(dbfs / 20)`.
///
/// `0.0` gives `1.0`, `-1.0` gives about `0.891251`, `-6.0` about `0.501187`.
/// The power is computed in `f64` and rounded once to `f32`.
#[must_use]
pub fn dbfs_to_amplitude(dbfs: f32) -> f32 {
    amplitude_f64(dbfs) as f32
}

fn amplitude_f64(dbfs: f32) -> f64 {
    10f64.powf(f64::from(dbfs) / 20.0)
}

/// The linear amplitude a peak normalized to `target_dbfs` reaches, in `f64` (the target of
/// [`normalize_peak`] and of [`scale_to_peak`]); checks the level first.
///
/// # Errors
///
/// [`ErrorKind::InvalidTarget`] if `target_dbfs` is NaN, infinite or above 0 dBFS.
///
/// ```
/// assert_eq!(audio_dsp::peak_target(0.0)?, 1.0);
/// assert!(audio_dsp::peak_target(0.5).unwrap_err().is_invalid_target());
/// # Ok::<(), audio_dsp::Error>(())
/// ```
pub fn peak_target(target_dbfs: f32) -> Result<f64, Error> {
    if !target_dbfs.is_finite() || target_dbfs > 0.0 {
        return Err(Error::new(
            ErrorKind::InvalidTarget,
            format!(
                "peak target {target_dbfs} dBFS is invalid: use a finite level at or below 0 dBFS \
                 (the default is {DEFAULT_TARGET_DBFS})"
            ),
        ));
    }
    Ok(amplitude_f64(target_dbfs))
}

/// The peak of a buffer: the largest absolute sample value (`0.0` when empty).
///
/// NaN samples are ignored; an infinite sample gives `f32::INFINITY`.
#[must_use]
pub fn peak(samples: &[f32]) -> f32 {
    samples.iter().fold(0.0f32, |acc, &x| acc.max(x.abs()))
}

/// Scales `samples` in place so that audio whose peak is `peak` gets its peak at the amplitude
/// `target` (see [`peak_target`]): each sample becomes `x / peak * target`, computed in `f64`,
/// exactly as [`normalize_peak`] computes it. Scaling a track block by block with the peak of the
/// whole track (a [`RunningPeak`](crate::RunningPeak)) gives the samples `normalize_peak` gives
/// for the whole track. A peak that is not above 0 (silence) leaves the samples unchanged.
///
/// ```
/// let mut block = [0.25f32, -0.5];
/// audio_dsp::scale_to_peak(&mut block, 1.0, 0.5);
/// assert_eq!(block, [0.125, -0.25]);
/// ```
pub fn scale_to_peak(samples: &mut [f32], peak: f64, target: f64) {
    if peak > 0.0 {
        for x in samples {
            *x = scaled(f64::from(*x), peak, target);
        }
    }
}

/// `x / peak * target`: `x / peak` lies in [-1, 1] even for subnormal peaks, where
/// `target / peak` could overflow.
fn scaled(x: f64, peak: f64, target: f64) -> f32 {
    (x / peak * target) as f32
}

/// Scales `samples` so that their peak equals `target_dbfs` (see
/// [`dbfs_to_amplitude`]), returning a new buffer of the same length.
///
/// - The input is never modified.
/// - Quiet audio is scaled up and audio whose peak exceeds 1.0 is scaled
///   down; after the call the output peak equals the target amplitude
///   within 1e-6 (the gain is computed in `f64`).
/// - All-zero input (silence, or an empty buffer) is returned unchanged:
///   there is nothing to scale and no division by zero happens.
///
/// # Errors
///
/// - [`ErrorKind::InvalidTarget`] if `target_dbfs` is NaN, infinite or
///   above 0 dBFS.
/// - [`ErrorKind::NonFiniteSample`] naming the index of the first NaN or
///   infinite sample.
///
/// # Example
///
/// ```
/// let out = audio_dsp::normalize_peak(&[0.1, -0.25, 0.05], -6.0)?;
/// assert!((audio_dsp::peak(&out) - audio_dsp::dbfs_to_amplitude(-6.0)).abs() < 1e-6);
/// # Ok::<(), audio_dsp::Error>(())
/// ```
pub fn normalize_peak(samples: &[f32], target_dbfs: f32) -> Result<Vec<f32>, Error> {
    let target = peak_target(target_dbfs)?;
    let peak = finite_peak(samples.iter().map(|&x| f64::from(x)), target)?;
    let mut out = samples.to_vec();
    scale_to_peak(&mut out, peak, target);
    Ok(out)
}

/// Like [`normalize_peak`] for `f64` input (e.g. audio accumulated in double
/// precision); the output is `f32`.
///
/// # Errors
///
/// The same as [`normalize_peak`].
pub fn normalize_peak_f64(samples: &[f64], target_dbfs: f32) -> Result<Vec<f32>, Error> {
    let target = peak_target(target_dbfs)?;
    let peak = finite_peak(samples.iter().copied(), target)?;
    Ok(if peak > 0.0 {
        samples.iter().map(|&x| scaled(x, peak, target)).collect()
    } else {
        samples.iter().map(|&x| x as f32).collect()
    })
}

/// The peak of `samples` for [`normalize_peak`], refusing the first NaN or infinite sample; logs
/// the gain that brings it to `target`.
fn finite_peak<I>(samples: I, target: f64) -> Result<f64, Error>
where
    I: ExactSizeIterator<Item = f64>,
{
    let len = samples.len();
    let mut peak = RunningPeak::new();
    for (index, x) in samples.enumerate() {
        if !x.is_finite() {
            return Err(Error::new(
                ErrorKind::NonFiniteSample { index },
                format!(
                    "cannot normalize audio: sample {index} is {x}; the synthesized audio is \
                     broken, check the model output"
                ),
            ));
        }
        peak.observe(x);
    }
    let peak = peak.get();
    if peak == 0.0 {
        tracing::debug!(len, "normalize_peak: silent input left unchanged");
    } else {
        tracing::debug!(peak, target, gain = target / peak, "normalize_peak");
    }
    Ok(peak)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amplitude_of_known_levels() {
        assert_eq!(dbfs_to_amplitude(0.0), 1.0);
        assert!((dbfs_to_amplitude(-1.0) - 0.891_251).abs() < 1e-6);
        assert!((dbfs_to_amplitude(-20.0) - 0.1).abs() < 1e-7);
    }

    #[test]
    fn peak_is_max_abs() {
        assert_eq!(peak(&[]), 0.0);
        assert_eq!(peak(&[0.1, -0.7, 0.3]), 0.7);
    }

    #[test]
    fn quiet_audio_is_scaled_up() {
        let input = [0.01f32, -0.02, 0.005];
        let out = normalize_peak(&input, DEFAULT_TARGET_DBFS).unwrap();
        let target = dbfs_to_amplitude(DEFAULT_TARGET_DBFS);
        assert_eq!(out.len(), 3);
        assert!((out[1] + target).abs() < 1e-6, "{out:?}");
        assert!((out[0] - target / 2.0).abs() < 1e-6, "{out:?}");
    }

    #[test]
    fn loud_audio_is_scaled_down() {
        let out = normalize_peak(&[2.0, -4.0], 0.0).unwrap();
        assert_eq!(out, vec![0.5, -1.0]);
    }

    #[test]
    fn silence_and_empty_are_unchanged() {
        assert_eq!(normalize_peak(&[0.0; 4], -1.0).unwrap(), vec![0.0; 4]);
        assert!(normalize_peak(&[], -1.0).unwrap().is_empty());
    }

    #[test]
    fn subnormal_peak_does_not_overflow() {
        let tiny = f64::from_bits(1); // smallest positive subnormal f64
        let out = normalize_peak_f64(&[tiny, -tiny, 0.0], -1.0).unwrap();
        let target = dbfs_to_amplitude(-1.0);
        assert!((out[0] - target).abs() < 1e-6, "{out:?}");
        assert!(out.iter().all(|x| x.is_finite()));
    }

    #[test]
    fn non_finite_sample_names_its_index() {
        let err = normalize_peak(&[0.1, 0.2, f32::NAN], -1.0).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NonFiniteSample { index: 2 });
        assert!(err.to_string().contains("sample 2"), "{err}");
        let err = normalize_peak_f64(&[f64::INFINITY], -1.0).unwrap_err();
        assert!(err.is_non_finite());
    }

    #[test]
    fn invalid_targets_are_rejected() {
        for target in [0.5, f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
            let err = normalize_peak(&[0.5], target).unwrap_err();
            assert!(err.is_invalid_target(), "{target}: {err}");
        }
        assert!(normalize_peak(&[0.5], 0.0).is_ok());
    }
}
