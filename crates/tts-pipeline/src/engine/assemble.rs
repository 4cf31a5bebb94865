//! The one assembly path: inference piece by piece, then audio-dsp's streaming joiner into any
//! sink (a `Vec` for [`Engine::synthesize`], a scratch file for [`Engine::generate`]).

use std::ops::Range;
use std::sync::atomic::Ordering;

use audio_dsp::{SampleSink, StreamJoiner};

use super::validate::Prepared;
use super::{Active, Engine, storage};
use crate::error::{Error, ErrorKind, Result};
use crate::traits::{Pause, TextPiece, Voice};
use crate::words::{TimedAudio, Timeline, WordTiming};

/// What [`Engine::assemble`] produced: the sink, the peak of what it holds, and the words'
/// timings when the request asked for them.
pub(super) struct Assembled<S> {
    pub(super) sink: S,
    pub(super) peak: f64,
    pub(super) words: Option<Vec<WordTiming>>,
}

/// One piece's audio as the model gave it, and the part of it that is kept.
struct Chunk<'a> {
    audio: &'a [f32],
    /// The samples kept (silence trimmed), as a range of `audio`.
    kept: Range<usize>,
    /// Frames per padded id, or why there are none.
    frames: &'a std::result::Result<Vec<u32>, String>,
    piece: &'a TextPiece,
}

impl Engine {
    /// Synthesizes the pieces of `request` in order into `sink`: each piece trimmed of silence,
    /// joined to the one before with the pause its punctuation asks for and short fades, between
    /// two edge margins. Returns the sink and the peak of what it holds, for the caller to scale
    /// to the target peak, and, when the request asked for them, the words' timings on the
    /// track's timeline (the same inference: the model's durations come with its audio). A
    /// sink's error is a [`ErrorKind::Storage`] error; timings the model cannot give are an
    /// [`ErrorKind::TimingsUnavailable`] error.
    pub(super) fn assemble<S>(&self, request: &Prepared, sink: S) -> Result<Assembled<S>>
    where
        S: SampleSink,
        S::Error: std::error::Error + Send + Sync + 'static,
    {
        let rate = self.synth.sample_rate();
        let margin = audio_dsp::pause_samples(self.options.edge_margin, rate);
        let mut joiner = StreamJoiner::new(sink, audio_dsp::DEFAULT_FADE_SAMPLES);
        let mut timeline = request
            .timed_text
            .as_deref()
            .map(|t| Timeline::new(t, rate));
        joiner.pause(margin);
        let mut before: Option<Pause> = None;
        self.for_each_chunk(request, |chunk| {
            if let Some(pause) = before {
                joiner.pause(audio_dsp::pause_samples(self.pause_seconds(pause), rate));
            }
            if let Some(timeline) = timeline.as_mut() {
                let frames = chunk
                    .frames
                    .as_ref()
                    .map_err(|why| timings_unavailable(why))?;
                timeline.place(
                    &chunk.piece.words,
                    frames,
                    chunk.kept.clone(),
                    joiner.position(),
                );
            }
            let kept = chunk.audio.get(chunk.kept.clone()).unwrap_or_default();
            joiner.push(kept).map_err(storage)?;
            before = Some(chunk.piece.pause_after);
            Ok(())
        })?;
        if joiner.chunks() == 0 {
            return Err(only_silence());
        }
        joiner.pause(margin);
        let (sink, peak) = joiner.finish().map_err(storage)?;
        Ok(Assembled {
            sink,
            peak,
            words: timeline.map(Timeline::finish),
        })
    }

    /// Synthesizes every piece in order and hands `sink` its audio with the range kept when
    /// trimmed of silence (keeping a few milliseconds of the model's own onset and decay).
    /// Pieces that are only silence are skipped. At most one piece's audio is held at a time.
    fn for_each_chunk(
        &self,
        request: &Prepared,
        mut sink: impl FnMut(Chunk<'_>) -> Result<()>,
    ) -> Result<()> {
        let opts = &self.options;
        let margin = audio_dsp::pause_samples(opts.edge_margin, self.synth.sample_rate());
        let keep = audio_dsp::DEFAULT_FADE_SAMPLES.min(margin);
        let _active = Active::enter(&self.active);
        for (i, piece) in request.pieces.iter().enumerate() {
            let out = self.infer(i, piece, &request.voice, request.speed)?;
            let kept = audio_dsp::trim_silence_range(&out.audio, opts.silence_threshold, keep);
            if kept.is_empty() {
                tracing::debug!(piece = i, text = %piece.text, "piece produced only silence");
                continue;
            }
            sink(Chunk {
                audio: &out.audio,
                kept,
                frames: &out.frames,
                piece,
            })?;
        }
        Ok(())
    }

    /// One inference: the audio of piece `i`, every sample finite, with the model's durations
    /// when it gives them.
    fn infer(&self, i: usize, piece: &TextPiece, voice: &Voice, speed: f32) -> Result<TimedAudio> {
        let style = voice.style(piece.ids.len());
        let callers = self.active.load(Ordering::Relaxed);
        let out = self.synth.synthesize(&piece.ids, style, speed, callers)?;
        if let Some(pos) = out.audio.iter().position(|s| !s.is_finite()) {
            return Err(Error::new(
                ErrorKind::Inference,
                format!(
                    "the model returned a non-finite sample at {pos} for piece {i}: check the model file with `kokoro verify-model`"
                ),
            ));
        }
        Ok(out)
    }

    /// The silence after a piece that ended with `pause`, in seconds.
    fn pause_seconds(&self, pause: Pause) -> f32 {
        match pause {
            Pause::Sentence => self.options.sentence_pause,
            Pause::Clause => self.options.clause_pause,
            // `Word`, `None` and any kind added later.
            _ => self.options.word_pause,
        }
    }
}

fn timings_unavailable(why: &str) -> Error {
    Error::new(
        ErrorKind::TimingsUnavailable,
        format!(
            "word timings are unavailable: {why}; nothing was written (ask without word timings \
             to get the audio, or use a model whose durations the engine can read: \
             `kokoro info --contract` says)"
        ),
    )
}

fn only_silence() -> Error {
    Error::new(
        ErrorKind::Inference,
        "the model produced only silence for this text: check the model and voice files with `kokoro verify-model`",
    )
}
