//! Word timings: when each word of a generation is spoken, in seconds from the start of its audio.

use std::ops::Range;

use serde::{Deserialize, Serialize};

/// One spoken word and when it is heard in the audio.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WordTiming {
    /// The word as written in the input.
    pub text: String,
    /// When it starts, in seconds from the start of the audio.
    pub start: f64,
    /// When it ends, in seconds from the start of the audio.
    pub end: f64,
}

/// Which word of the input one piece's ids came from: `text` is the word's bytes in the input,
/// `tokens` the indices of its ids in the piece (without the model's padding).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PieceWord {
    /// The word's byte span in the input text.
    pub text: Range<usize>,
    /// Its ids: indices into [`TextPiece::ids`](crate::traits::TextPiece::ids).
    pub tokens: Range<usize>,
}

/// One piece's audio and the model's per-token durations, if it gives them.
#[derive(Debug, Clone, PartialEq)]
pub struct TimedAudio {
    /// The audio, as [`Synthesizer::synthesize`](crate::traits::Synthesizer::synthesize) returns it.
    pub audio: Vec<f32>,
    /// Frames of `SAMPLES_PER_FRAME` (600) samples for each of `[0, ids.., 0]`, summing to the
    /// audio's length; or why there are none.
    pub frames: std::result::Result<Vec<u32>, String>,
}

/// Audio samples per duration frame (25 ms at 24 kHz).
pub const SAMPLES_PER_FRAME: u64 = 600;

/// The words of a generation placed on its track, piece by piece, as the track is assembled.
///
/// A word's place in a piece's raw audio comes from the durations (its first id starts after the
/// frames of the lead-in pad and of the ids before it); the piece's trimmed audio starts
/// `trim.start` samples into the raw audio and at `chunk_start` in the track. Fades change
/// samples, not where they are; peak normalization scales them all alike. So a word's time is
/// exact on the written file's own timeline, and nothing accumulates from piece to piece.
#[derive(Debug)]
pub(crate) struct Timeline<'a> {
    text: &'a str,
    rate: f64,
    words: Vec<WordTiming>,
    /// The span of the last word placed (a word cut into several pieces continues).
    last: Option<Range<usize>>,
}

impl<'a> Timeline<'a> {
    /// An empty timeline for the words of `text`, at `rate` samples a second.
    pub(crate) fn new(text: &'a str, rate: u32) -> Self {
        Self {
            text,
            rate: f64::from(rate),
            words: Vec::new(),
            last: None,
        }
    }

    /// Places one piece's `words`: `frames` per padded id, the piece's audio trimmed to `trim`
    /// and written from sample `chunk_start` of the track.
    pub(crate) fn place(
        &mut self,
        words: &[PieceWord],
        frames: &[u32],
        trim: Range<usize>,
        chunk_start: u64,
    ) {
        // ends[k]: the sample where padded id k ends in the raw audio.
        let mut ends = Vec::with_capacity(frames.len());
        let mut sum = 0u64;
        for &f in frames {
            sum += u64::from(f) * SAMPLES_PER_FRAME;
            ends.push(sum);
        }
        let (trim_start, trim_len) = (trim.start as u64, trim.len() as u64);
        let in_track = |raw: u64| chunk_start + raw.saturating_sub(trim_start).min(trim_len);
        for word in words {
            // Id i is padded id i + 1: it starts where padded id i ends.
            let (Some(&start), Some(&end)) =
                (ends.get(word.tokens.start), ends.get(word.tokens.end))
            else {
                continue;
            };
            let (start, end) = (in_track(start), in_track(end).max(in_track(start)));
            let (start, end) = (self.seconds(start), self.seconds(end));
            match (self.words.last_mut(), &self.last) {
                (Some(previous), Some(span)) if *span == word.text => previous.end = end,
                _ => self.words.push(WordTiming {
                    text: self.text.get(word.text.clone()).unwrap_or("").to_owned(),
                    start,
                    end,
                }),
            }
            self.last = Some(word.text.clone());
        }
    }

    /// Seconds, to the microsecond.
    #[allow(clippy::cast_precision_loss)]
    fn seconds(&self, samples: u64) -> f64 {
        (samples as f64 / self.rate * 1e6).round() / 1e6
    }

    /// The words placed, in order.
    pub(crate) fn finish(self) -> Vec<WordTiming> {
        self.words
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_land_where_their_frames_are_in_the_trimmed_chunk() {
        let text = "Hello big world";
        // Padded ids: lead-in 2 frames, then 5 ids of 1 frame... as [0, h, i, ' ', w, o, 0].
        let frames = [2, 1, 1, 1, 1, 1, 1];
        let words = [
            PieceWord {
                text: 0..5,
                tokens: 0..2,
            },
            PieceWord {
                text: 10..15,
                tokens: 3..5,
            },
        ];
        let mut t = Timeline::new(text, 24_000);
        // Trimmed from sample 600 (inside the lead-in), written at sample 1,200 of the track.
        t.place(&words, &frames, 600..4_200, 1_200);
        let w = t.finish();
        assert_eq!(w.len(), 2);
        assert_eq!(w[0].text, "Hello");
        // Starts after 2 frames (1,200 samples) raw = 600 into the chunk = 1,800 in the track.
        assert_eq!((w[0].start, w[0].end), (0.075, 0.125));
        assert_eq!(w[1].text, "world");
        assert_eq!((w[1].start, w[1].end), (0.15, 0.2));
    }

    #[test]
    fn trimmed_ends_clamp_and_a_word_over_two_pieces_continues() {
        let text = "aaaa";
        let word = [PieceWord {
            text: 0..4,
            tokens: 0..1,
        }];
        let mut t = Timeline::new(text, 24_000);
        // The word runs past the trimmed end: its end clamps to the chunk's end.
        t.place(&word, &[1, 5, 1], 0..1_000, 0);
        t.place(&word, &[1, 2, 1], 600..1_800, 24_000);
        let w = t.finish();
        assert_eq!(w.len(), 1, "{w:?}");
        assert_eq!(w[0].start, 0.025);
        assert_eq!(w[0].end, 1.0 + 1_200.0 / 24_000.0);
    }
}
