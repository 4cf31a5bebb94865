//! The one assembly path: inference piece by piece, then audio-dsp's streaming joiner into any
//! sink (a `Vec` for [`Engine::synthesize`], a scratch file for [`Engine::generate`]).

use std::sync::atomic::Ordering;

use audio_dsp::{SampleSink, StreamJoiner};

use super::validate::Prepared;
use super::{Active, Engine, storage};
use crate::error::{Error, ErrorKind, Result};
use crate::traits::{Pause, TextPiece};

impl Engine {
    /// Synthesizes the pieces of `request` in order into `sink`: each piece trimmed of silence,
    /// joined to the one before with the pause its punctuation asks for and short fades, between
    /// two edge margins. Returns the sink and the peak of what it holds, for the caller to scale
    /// to the target peak. A sink's error is a [`ErrorKind::Storage`] error.
    pub(super) fn assemble<S>(&self, request: &Prepared, sink: S) -> Result<(S, f64)>
    where
        S: SampleSink,
        S::Error: std::error::Error + Send + Sync + 'static,
    {
        let rate = self.synth.sample_rate();
        let margin = audio_dsp::pause_samples(self.options.edge_margin, rate);
        let mut joiner = StreamJoiner::new(sink, audio_dsp::DEFAULT_FADE_SAMPLES);
        joiner.pause(margin);
        let mut before: Option<Pause> = None;
        self.for_each_chunk(request, |trimmed, pause_after| {
            if let Some(pause) = before {
                joiner.pause(audio_dsp::pause_samples(self.pause_seconds(pause), rate));
            }
            joiner.push(trimmed).map_err(storage)?;
            before = Some(pause_after);
            Ok(())
        })?;
        if joiner.chunks() == 0 {
            return Err(only_silence());
        }
        joiner.pause(margin);
        joiner.finish().map_err(storage)
    }

    /// Synthesizes every piece in order and hands `sink` its audio, trimmed of silence (keeping a
    /// few milliseconds of the model's own onset and decay), with the pause that follows it.
    /// Pieces that are only silence are skipped. At most one piece's audio is held at a time.
    fn for_each_chunk(
        &self,
        request: &Prepared,
        mut sink: impl FnMut(&[f32], Pause) -> Result<()>,
    ) -> Result<()> {
        let opts = &self.options;
        let margin = audio_dsp::pause_samples(opts.edge_margin, self.synth.sample_rate());
        let keep = audio_dsp::DEFAULT_FADE_SAMPLES.min(margin);
        let _active = Active::enter(&self.active);
        for (i, piece) in request.pieces.iter().enumerate() {
            let audio = self.infer(i, piece, &request.choice.voice, request.speed)?;
            let trimmed = audio_dsp::trim_silence(&audio, opts.silence_threshold, keep);
            if trimmed.is_empty() {
                tracing::debug!(piece = i, text = %piece.text, "piece produced only silence");
                continue;
            }
            sink(trimmed, piece.pause_after)?;
        }
        Ok(())
    }

    /// One inference: the audio of piece `i`, every sample finite.
    fn infer(&self, i: usize, piece: &TextPiece, voice: &str, speed: f32) -> Result<Vec<f32>> {
        let style = self.voices.style(voice, piece.ids.len())?;
        let callers = self.active.load(Ordering::Relaxed);
        let audio = self
            .synth
            .synthesize_among(&piece.ids, &style, speed, callers)?;
        if let Some(pos) = audio.iter().position(|s| !s.is_finite()) {
            return Err(Error::new(
                ErrorKind::Inference,
                format!(
                    "the model returned a non-finite sample at {pos} for piece {i}: check the model file with `cargo xtask verify-model`"
                ),
            ));
        }
        Ok(audio)
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

fn only_silence() -> Error {
    Error::new(
        ErrorKind::Inference,
        "the model produced only silence for this text: check the model and voice files with `cargo xtask verify-model`",
    )
}
