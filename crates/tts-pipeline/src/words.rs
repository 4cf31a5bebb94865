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
pub(crate) struct Timeline {
    text: String,
    rate: f64,
    words: Vec<WordTiming>,
    /// The span of the last word placed (a word cut into several pieces continues).
    last: Option<Range<usize>>,
}

impl Timeline {
    /// An empty timeline for the words of `text`, at `rate` samples a second.
    pub(crate) fn new(text: String, rate: u32) -> Self {
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
        // Each word's samples in the track, clamped to the piece's kept audio.
        let mut placed: Vec<(&PieceWord, (u64, u64))> = Vec::with_capacity(words.len());
        for word in words {
            // Id i is padded id i + 1: it starts where padded id i ends.
            let (Some(&start), Some(&end)) =
                (ends.get(word.tokens.start), ends.get(word.tokens.end))
            else {
                continue;
            };
            placed.push((word, (in_track(start), in_track(end).max(in_track(start)))));
        }
        let mut spans: Vec<(u64, u64)> = placed.iter().map(|(_, span)| *span).collect();
        at_least(
            &mut spans,
            chunk_start..chunk_start + trim_len,
            SAMPLES_PER_FRAME,
        );
        for ((word, _), (start, end)) in placed.into_iter().zip(spans) {
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

    /// The words placed so far, in order.
    pub(crate) fn words(&self) -> &[WordTiming] {
        &self.words
    }

    /// The words placed, in order.
    pub(crate) fn finish(self) -> Vec<WordTiming> {
        self.words
    }
}

/// Gives each of `spans` (sample ranges in order, not overlapping, inside `window`) at least
/// `min` samples, taking what a span needs from its neighbours' edges and never leaving
/// `window`: spans stay in order and do not overlap. A span the model gave no frame (at high
/// speed) so gets a frame shared with the word beside it, which a highlighter can show. When the
/// window is too short for `min` each (never seen: a word holds at least one frame of speech
/// around it), each gets an equal share of it instead.
fn at_least(spans: &mut [(u64, u64)], window: Range<u64>, min: u64) {
    let Ok(n) = u64::try_from(spans.len()) else {
        return;
    };
    if n == 0 {
        return;
    }
    let min = min.min((window.end.saturating_sub(window.start)) / n);
    // Forward: each starts after the one before and lasts `min` (it may pass the window).
    let mut previous_end = window.start;
    for (start, end) in spans.iter_mut() {
        *start = (*start).max(previous_end);
        *end = (*end).max(*start + min);
        previous_end = *end;
    }
    // Backward: each ends before the one after (or the window's end), still lasting `min`.
    let mut next_start = window.end;
    for (start, end) in spans.iter_mut().rev() {
        *end = (*end).min(next_start);
        *start = (*start).min(end.saturating_sub(min)).max(window.start);
        next_start = *start;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

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
        let mut t = Timeline::new(text.to_owned(), 24_000);
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
        let mut t = Timeline::new(text.to_owned(), 24_000);
        // The word runs past the trimmed end: its end clamps to the chunk's end.
        t.place(&word, &[1, 5, 1], 0..1_300, 0);
        t.place(&word, &[1, 2, 1], 600..1_800, 24_000);
        let w = t.finish();
        assert_eq!(w.len(), 1, "{w:?}");
        assert_eq!(w[0].start, 0.025);
        assert_eq!(w[0].end, 1.0 + 1_200.0 / 24_000.0);
    }

    #[test]
    fn a_word_the_model_gave_no_frame_gets_one_shared_with_its_neighbour() {
        let text = "At this";
        // Padded ids [0, A, t, ' ', t, h, i, s, 0]: "At" and the space got no frame at all.
        let frames = [2, 0, 0, 0, 1, 1, 1, 1, 1];
        let words = [
            PieceWord {
                text: 0..2,
                tokens: 0..2,
            },
            PieceWord {
                text: 3..7,
                tokens: 3..7,
            },
        ];
        let mut t = Timeline::new(text.to_owned(), 24_000);
        t.place(&words, &frames, 0..4_200, 0);
        let w = t.finish();
        assert_eq!((w[0].start, w[0].end), (0.05, 0.075), "{w:?}");
        // "this" shares its first frame: it starts where "At" ends.
        assert_eq!((w[1].start, w[1].end), (0.075, 0.15), "{w:?}");
    }

    /// One piece of the property test: frames per padded id, words as token ranges.
    fn piece() -> impl Strategy<Value = (Vec<u32>, Vec<Range<usize>>, (usize, usize))> {
        (1usize..12)
            .prop_flat_map(|ids| {
                (
                    proptest::collection::vec(0u32..4, ids + 2),
                    proptest::collection::vec(0usize..=ids, 0..8),
                    (0usize..3_000, 0usize..9_000),
                )
            })
            .prop_map(|(frames, mut cuts, trim)| {
                cuts.sort_unstable();
                cuts.dedup();
                let words = cuts.windows(2).map(|w| w[0]..w[1]).collect();
                (frames, words, trim)
            })
    }

    proptest! {
        /// Whatever the durations and trims: words in order, not overlapping, inside the track,
        /// each at least a frame long where the kept audio holds a frame per word.
        #[test]
        fn words_are_ordered_disjoint_inside_and_at_least_a_frame(
            pieces in proptest::collection::vec(piece(), 1..6),
        ) {
            let text = "x".repeat(64);
            let mut t = Timeline::new(text.clone(), 24_000);
            let mut at = 0u64;
            let mut next_word = 0usize;
            let mut windows = Vec::new();
            for (frames, tokens, (trim_from, trim_len)) in &pieces {
                let raw: usize = frames.iter().map(|&f| f as usize * 600).sum();
                let from = (*trim_from).min(raw);
                let trim = from..(from + trim_len).min(raw);
                let words: Vec<PieceWord> = tokens
                    .iter()
                    .map(|r| {
                        next_word += 1;
                        PieceWord { text: next_word - 1..next_word, tokens: r.clone() }
                    })
                    .collect();
                t.place(&words, frames, trim.clone(), at);
                windows.push((at, trim.len() as u64, words.len() as u64));
                at += trim.len() as u64 + 2_400; // a pause between pieces
            }
            let end = at as f64 / 24_000.0;
            let w = t.finish();
            let mut previous = 0.0;
            for word in &w {
                prop_assert!(word.start >= previous - 1e-9, "{w:?}");
                prop_assert!(word.end >= word.start, "{w:?}");
                prop_assert!(word.end <= end + 1e-9, "{w:?}");
                previous = word.end;
            }
            if windows.iter().all(|&(_, len, n)| len >= n * 600) {
                for word in &w {
                    prop_assert!(word.end - word.start >= 0.025 - 2e-6, "{w:?}");
                }
            }
        }
    }
}
