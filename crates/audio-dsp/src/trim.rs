//! Trimming leading and trailing silence.

use std::ops::Range;

/// A silence threshold of 0.001 (about -60 dBFS), suitable for
/// [`trim_silence`] on normalized speech.
pub const DEFAULT_SILENCE_THRESHOLD: f32 = 0.001;

/// The range of `samples` that [`trim_silence`] keeps.
///
/// A sample is *silent* when `|x| < threshold`. The range starts at the first
/// non-silent sample and ends after the last one, extended by up to
/// `margin_samples` silent samples on each side. All-silent (or empty) input
/// gives an empty range at 0. NaN samples count as non-silent, and a NaN
/// threshold trims nothing.
#[must_use]
pub fn trim_silence_range(samples: &[f32], threshold: f32, margin_samples: usize) -> Range<usize> {
    let is_silent = |x: f32| x.abs() < threshold;
    let loud = |x: &f32| !is_silent(*x);
    let (Some(first), Some(last)) = (
        samples.iter().position(loud),
        samples.iter().rposition(loud),
    ) else {
        return 0..0;
    };
    let start = first.saturating_sub(margin_samples);
    let end = last
        .saturating_add(1)
        .saturating_add(margin_samples)
        .min(samples.len());
    start..end
}

/// Drops leading and trailing samples with `|x| < threshold`, keeping up to
/// `margin_samples` of them on each side. All-silent input gives an empty
/// slice. See [`trim_silence_range`] for the details.
///
/// # Example
///
/// ```
/// let audio = [0.0, 0.0, 0.0, 0.5, -0.4, 0.0, 0.0];
/// assert_eq!(audio_dsp::trim_silence(&audio, 0.01, 1), &[0.0, 0.5, -0.4, 0.0]);
/// ```
#[must_use]
pub fn trim_silence(samples: &[f32], threshold: f32, margin_samples: usize) -> &[f32] {
    samples
        .get(trim_silence_range(samples, threshold, margin_samples))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_both_ends() {
        let s = [0.0, 0.001, 0.2, 0.0, -0.3, 0.002, 0.0];
        assert_eq!(trim_silence(&s, 0.01, 0), &[0.2, 0.0, -0.3]);
        assert_eq!(trim_silence_range(&s, 0.01, 0), 2..5);
    }

    #[test]
    fn margin_is_capped_at_the_edges() {
        let s = [0.0, 0.0, 0.5, 0.0];
        assert_eq!(trim_silence_range(&s, 0.1, 1), 1..4);
        assert_eq!(trim_silence_range(&s, 0.1, 100), 0..4);
        assert_eq!(trim_silence_range(&s, 0.1, usize::MAX), 0..4);
    }

    #[test]
    fn all_silent_and_empty_give_empty() {
        assert!(trim_silence(&[0.0, 0.001, -0.001], 0.01, 5).is_empty());
        assert!(trim_silence(&[], 0.01, 5).is_empty());
    }

    #[test]
    fn threshold_is_inclusive_for_loud_samples() {
        let s = [0.0, 0.25, 0.0];
        assert_eq!(trim_silence(&s, 0.25, 0), &[0.25]);
    }

    #[test]
    fn nan_threshold_trims_nothing() {
        let s = [0.0, 0.5, 0.0];
        assert_eq!(trim_silence(&s, f32::NAN, 0), &s);
    }
}
