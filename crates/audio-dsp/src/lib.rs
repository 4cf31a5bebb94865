//! Small, dependency-light signal processing for mono `f32` speech audio.
//!
//! Kokoro synthesizes one chunk of audio per phoneme batch. Turning those
//! chunks into a narration file takes a few simple steps, each a function
//! here:
//!
//! 1. [`trim_silence`] drops the leading/trailing near-silence of a chunk
//!    (keeping a short margin so words are not clipped);
//! 2. [`join_with_pauses`] concatenates the chunks with pauses of silence
//!    ([`pause_samples`] converts seconds to samples) and applies short
//!    raised-cosine fades at every join so there are no clicks;
//! 3. [`normalize_peak`] scales the result so its peak sits at a target level
//!    ([`DEFAULT_TARGET_DBFS`], -1 dBFS);
//! 4. [`duration_seconds`] reports how long it lasts.
//!
//! A track too long to hold in memory is assembled with the same math, streamed:
//! a [`StreamJoiner`] joins chunks as they arrive (the fades are [`fade_in`] and
//! [`fade_out`]) into any [`SampleSink`] while it tracks the [`RunningPeak`];
//! [`scale_to_peak`] then scales the track block by block to the amplitude of
//! [`peak_target`]. The result is sample for sample what `join_with_pauses` and
//! `normalize_peak` give for the whole track: `join_with_pauses` is the joiner
//! writing into a `Vec`, and `normalize_peak` scales with the same formula.
//!
//! The functions take their input by reference and return a new buffer (or
//! a sub-slice), except the fades and `scale_to_peak`, which work in place;
//! nothing panics on any input, and problems such as NaN samples come back as
//! a [`Error`].
//!
//! # Example
//!
//! ```
//! use audio_dsp::{DEFAULT_FADE_SAMPLES, DEFAULT_TARGET_DBFS};
//!
//! let rate = 24_000;
//! let first = vec![0.2f32; 4_800];   // 0.2 s of "speech"
//! let second = vec![-0.1f32; 2_400]; // 0.1 s
//! let pause = audio_dsp::pause_samples(0.3, rate);
//!
//! let joined = audio_dsp::join_with_pauses(&[&first, &second], &[pause], DEFAULT_FADE_SAMPLES)?;
//! let audio = audio_dsp::normalize_peak(&joined, DEFAULT_TARGET_DBFS)?;
//!
//! assert_eq!(audio.len(), 4_800 + 7_200 + 2_400);
//! assert!((audio_dsp::peak(&audio) - audio_dsp::dbfs_to_amplitude(-1.0)).abs() < 1e-6);
//! assert!((audio_dsp::duration_seconds(audio.len(), rate) - 0.6).abs() < 1e-9);
//! # Ok::<(), audio_dsp::Error>(())
//! ```

mod error;
mod join;
mod normalize;
mod stream;
mod trim;

pub use error::{Error, ErrorKind};
pub use join::{DEFAULT_FADE_SAMPLES, fade_in, fade_out, join_with_pauses, pause_samples};
pub use normalize::{
    DEFAULT_TARGET_DBFS, dbfs_to_amplitude, normalize_peak, normalize_peak_f64, peak, peak_target,
    scale_to_peak,
};
pub use stream::{RunningPeak, SampleSink, StreamJoiner};
pub use trim::{DEFAULT_SILENCE_THRESHOLD, trim_silence, trim_silence_range};

/// Duration in seconds of `n_samples` mono samples at `sample_rate`
/// (`0.0` when the rate is 0).
#[must_use]
pub fn duration_seconds(n_samples: usize, sample_rate: u32) -> f64 {
    if sample_rate == 0 {
        return 0.0;
    }
    n_samples as f64 / f64::from(sample_rate)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(duration_seconds(24_000, 24_000), 1.0);
        assert_eq!(duration_seconds(36_000, 24_000), 1.5);
        assert_eq!(duration_seconds(0, 24_000), 0.0);
        assert_eq!(duration_seconds(1_000, 0), 0.0);
    }
}

/// Compiles and runs the README's example as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
