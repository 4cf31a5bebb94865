//! Joining chunks with pauses and click-free fades.

use crate::{Error, ErrorKind, StreamJoiner};
use std::f64::consts::PI;

/// Default fade length at each join: 120 samples, i.e. 5 ms at 24 kHz.
pub const DEFAULT_FADE_SAMPLES: usize = 120;

/// Converts a pause in seconds to a number of samples at `sample_rate`
/// (rounded to the nearest sample). Negative, NaN or infinite durations give
/// `0`.
#[must_use]
pub fn pause_samples(seconds: f32, sample_rate: u32) -> usize {
    if !seconds.is_finite() || seconds <= 0.0 {
        return 0;
    }
    // `as` saturates for values beyond `usize::MAX`.
    (f64::from(seconds) * f64::from(sample_rate)).round() as usize
}

/// Concatenates `chunks` (a [`StreamJoiner`] writing into a `Vec`), inserting `pauses[i]` zero samples between
/// `chunks[i]` and `chunks[i + 1]`.
///
/// The output length is exactly the sum of the chunk lengths plus the sum of
/// the pauses. At every join the last `fade_samples` samples of the chunk
/// before are faded out and the first `fade_samples` samples of the chunk
/// after are faded in, with a raised-cosine ramp that reaches exactly 0 at
/// the join, so no click is heard (the fade is clamped to the chunk's
/// length). The very start of the first chunk and the very end of the last
/// one are left untouched. Zero chunks (and zero pauses) give an empty
/// buffer.
///
/// Samples are copied as they are: NaN is not detected here (use
/// [`normalize_peak`](crate::normalize_peak) afterwards, which rejects it).
///
/// # Errors
///
/// - [`ErrorKind::MismatchedPauses`] unless `pauses.len() == chunks.len() - 1`.
/// - [`ErrorKind::LengthOverflow`] if the total length overflows `usize`.
///
/// # Example
///
/// ```
/// let a = [0.5f32; 300];
/// let b = [0.5f32; 200];
/// let out = audio_dsp::join_with_pauses(&[&a, &b], &[100], 10)?;
/// assert_eq!(out.len(), 600);
/// assert_eq!(out[299], 0.0); // faded out at the join
/// # Ok::<(), audio_dsp::Error>(())
/// ```
pub fn join_with_pauses(
    chunks: &[&[f32]],
    pauses: &[usize],
    fade_samples: usize,
) -> Result<Vec<f32>, Error> {
    if pauses.len() + 1 != chunks.len() {
        if chunks.is_empty() && pauses.is_empty() {
            return Ok(Vec::new());
        }
        return Err(Error::new(
            ErrorKind::MismatchedPauses {
                chunks: chunks.len(),
                pauses: pauses.len(),
            },
            format!(
                "cannot join {} audio chunks with {} pauses: pass exactly one pause per gap \
                 between chunks ({} expected)",
                chunks.len(),
                pauses.len(),
                chunks.len().saturating_sub(1)
            ),
        ));
    }
    let total = chunks
        .iter()
        .map(|c| c.len())
        .chain(pauses.iter().copied())
        .try_fold(0usize, usize::checked_add)
        .ok_or_else(|| {
            Error::new(
                ErrorKind::LengthOverflow,
                "cannot join audio chunks: the total length overflows; check the pause lengths",
            )
        })?;

    let mut joiner = StreamJoiner::new(Vec::with_capacity(total), fade_samples);
    for (chunk, &pause) in chunks.iter().zip(std::iter::once(&0).chain(pauses)) {
        joiner.pause(pause);
        let Ok(()) = joiner.push(chunk);
    }
    let Ok((out, _peak)) = joiner.finish();
    tracing::debug!(
        chunks = chunks.len(),
        samples = out.len(),
        "joined chunks with pauses"
    );
    Ok(out)
}

/// Gain of the `k`-th of `n` fade-in samples: 0 at `k = 0`, rising towards 1.
fn ramp(k: usize, n: usize) -> f64 {
    0.5 - 0.5 * (PI * k as f64 / n as f64).cos()
}

/// Fades the start of `samples` in: the first `fade` samples (at most all of them) are scaled by a
/// raised-cosine ramp that starts at exactly 0 and rises towards 1 (gains computed in `f64`).
///
/// ```
/// let mut s = [1.0f32; 4];
/// audio_dsp::fade_in(&mut s, 2);
/// assert_eq!(s, [0.0, 0.5, 1.0, 1.0]);
/// ```
pub fn fade_in(samples: &mut [f32], fade: usize) {
    let n = fade.min(samples.len());
    for (k, x) in samples.iter_mut().take(n).enumerate() {
        *x = (f64::from(*x) * ramp(k, n)) as f32;
    }
}

/// Fades the end of `samples` out: the mirror image of [`fade_in`], ending at exactly 0.
///
/// ```
/// let mut s = [1.0f32; 4];
/// audio_dsp::fade_out(&mut s, 2);
/// assert_eq!(s, [1.0, 1.0, 0.5, 0.0]);
/// ```
pub fn fade_out(samples: &mut [f32], fade: usize) {
    let n = fade.min(samples.len());
    for (k, x) in samples.iter_mut().rev().take(n).enumerate() {
        *x = (f64::from(*x) * ramp(k, n)) as f32;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pause_samples_rounds_and_rejects_bad_input() {
        assert_eq!(pause_samples(0.5, 24_000), 12_000);
        assert_eq!(pause_samples(0.25, 44_100), 11_025);
        assert_eq!(pause_samples(-1.0, 24_000), 0);
        assert_eq!(pause_samples(f32::NAN, 24_000), 0);
        assert_eq!(pause_samples(f32::INFINITY, 24_000), 0);
    }

    #[test]
    fn no_chunks_gives_empty() {
        assert!(join_with_pauses(&[], &[], 10).unwrap().is_empty());
        assert!(
            join_with_pauses(&[], &[5], 10)
                .unwrap_err()
                .is_mismatched_pauses()
        );
    }

    #[test]
    fn single_chunk_is_copied_unfaded() {
        let a = [0.3f32; 50];
        assert_eq!(join_with_pauses(&[&a], &[], 10).unwrap(), a.to_vec());
    }

    #[test]
    fn mismatched_pauses_are_rejected() {
        let a = [0.1f32; 4];
        let err = join_with_pauses(&[&a, &a], &[], 2).unwrap_err();
        assert_eq!(
            err.kind(),
            ErrorKind::MismatchedPauses {
                chunks: 2,
                pauses: 0
            }
        );
        assert!(join_with_pauses(&[&a, &a], &[1, 2], 2).is_err());
    }

    #[test]
    fn overflowing_pauses_are_rejected() {
        let a = [0.1f32; 4];
        let err = join_with_pauses(&[&a, &a, &a], &[usize::MAX, 1], 0).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::LengthOverflow);
    }

    #[test]
    fn join_layout_and_fades() {
        let a = [1.0f32; 10];
        let b = [-1.0f32; 10];
        let out = join_with_pauses(&[&a, &b], &[3], 4).unwrap();
        assert_eq!(out.len(), 23);
        // Untouched outer edges and middles.
        assert_eq!(&out[..6], &[1.0; 6]);
        assert_eq!(&out[17..], &[-1.0; 6]);
        // The pause is silent.
        assert_eq!(&out[10..13], &[0.0; 3]);
        // Fade-out ends at 0 and is monotone; fade-in starts at 0.
        assert_eq!(out[9], 0.0);
        assert!(out[6] > out[7] && out[7] > out[8] && out[8] > out[9]);
        assert_eq!(out[13], 0.0);
        assert!(out[13] > out[14] && out[14] > out[15] && out[15] > out[16]);
        assert!(out[16] > -1.0);
    }

    #[test]
    fn fade_is_clamped_to_short_chunks() {
        let a = [1.0f32; 3];
        let b = [1.0f32; 2];
        let out = join_with_pauses(&[&a, &b, &a], &[0, 0], 100).unwrap();
        assert_eq!(out.len(), 8);
        assert!(out.iter().all(|x| x.is_finite() && (0.0..=1.0).contains(x)));
        // Each chunk's join-side edge is silent.
        assert_eq!(out[2], 0.0);
        assert_eq!(out[3], 0.0);
        assert_eq!(out[5], 0.0);
    }

    #[test]
    fn zero_fade_is_plain_concatenation() {
        let a = [0.5f32; 3];
        let b = [0.25f32; 2];
        let out = join_with_pauses(&[&a, &b], &[1], 0).unwrap();
        assert_eq!(out, vec![0.5, 0.5, 0.5, 0.0, 0.25, 0.25]);
    }
}
