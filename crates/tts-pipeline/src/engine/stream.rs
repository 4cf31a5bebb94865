//! Delivery as a stream: [`Engine::stream`]'s chunks, one per rendered piece, through the same
//! [`Renderer`] and [`Assembler`] as the file.

use kokoro_model::Language;

use super::assemble::{Assembler, Renderer};
use super::log_failure;
use super::plan::Plan;
use crate::config::EngineOptions;
use crate::error::Result;
use crate::traits::VoiceChoice;
use crate::words::WordTiming;

/// One chunk of an [`AudioStream`]: the audio of the stream from where the last chunk ended,
/// through the piece it ends with.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct StreamChunk {
    /// Mono samples at [`AudioStream::sample_rate`], already scaled by [`gain`](Self::gain)
    /// (never above the target peak, -1 dBFS by default).
    pub samples: Vec<f32>,
    /// The factor the samples were scaled by: `target / running peak` (see [`Engine::stream`]).
    ///
    /// [`Engine::stream`]: crate::Engine::stream
    pub gain: f32,
    /// The index of the piece of text this chunk ends with (pieces of only silence have none).
    pub piece: usize,
    /// Where `samples[0]` is in the stream, in samples from its start.
    pub start: u64,
    /// The words heard in this chunk, in seconds from the stream's start (empty unless the
    /// request asked for word timings). A word cut over two pieces is in the chunk it starts in.
    pub words: Vec<WordTiming>,
}

impl StreamChunk {
    /// The samples as 16-bit little-endian PCM, the body of [`AudioStream::wav_header`]'s WAV
    /// (converted as the files' 16-bit PCM is).
    pub fn pcm16_le(&self) -> Vec<u8> {
        let mut out = Vec::new();
        wav_store::pcm16_le(&self.samples, &mut out);
        out
    }
}

/// The audio of one request, rendered piece by piece as it is read: an
/// `Iterator<Item = Result<StreamChunk>>` (from [`Engine::stream`]), `Send + 'static`. Each
/// `next()` renders one piece on the calling thread; dropping the stream stops the rendering.
/// After an error it ends.
///
/// [`Engine::stream`]: crate::Engine::stream
pub struct AudioStream {
    renderer: Renderer,
    plan: Plan,
    /// `None` once the stream has ended.
    assembler: Option<Assembler<Vec<f32>>>,
    /// The next piece to render.
    next: usize,
    /// The piece pushed last.
    last: usize,
    /// Samples handed out so far.
    emitted: u64,
    /// Words handed out so far.
    words_out: usize,
    /// The loudest sample so far (before gain).
    peak: f64,
    target: f64,
}

impl std::fmt::Debug for AudioStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AudioStream")
            .field("voice", self.voice())
            .field("pieces", &self.pieces())
            .field("next", &self.next)
            .finish_non_exhaustive()
    }
}

impl AudioStream {
    pub(super) fn new(
        renderer: Renderer,
        plan: Plan,
        options: &EngineOptions,
        target: f64,
    ) -> Self {
        let assembler = Assembler::new(
            Vec::new(),
            options,
            renderer.sample_rate(),
            plan.timed_text.clone(),
        );
        Self {
            renderer,
            plan,
            assembler: Some(assembler),
            next: 0,
            last: 0,
            emitted: 0,
            words_out: 0,
            peak: 0.0,
            target,
        }
    }

    /// The sample rate of the chunks (24,000 for Kokoro).
    pub fn sample_rate(&self) -> u32 {
        self.renderer.sample_rate()
    }

    /// The 44-byte header of a 16-bit PCM WAV of unknown length at the stream's rate: write it,
    /// then each chunk's [`StreamChunk::pcm16_le`], for a player reading a pipe (`aplay`,
    /// `ffplay -`) or an HTTP response.
    pub fn wav_header(&self) -> [u8; 44] {
        wav_store::streaming_wav_header(self.sample_rate())
    }

    /// The voice used, and whether it is the fallback for the voice asked for.
    pub fn voice(&self) -> &VoiceChoice {
        self.plan.voice.choice()
    }

    /// The language spoken.
    pub fn lang(&self) -> Language {
        self.plan.lang
    }

    /// The speed used, after clamping.
    pub fn speed(&self) -> f32 {
        self.plan.speed
    }

    /// How many pieces of text (one inference each) are planned so far: the text is planned
    /// one part (sentence) at a time as the stream goes, so this is the whole count once the
    /// last part is planned (at once for a text of one part).
    pub fn pieces(&self) -> usize {
        self.plan.pieces.len()
    }

    /// The next chunk: renders pieces until one is not silence (the last one also brings the
    /// trailing margin), or finishes the track.
    fn advance(&mut self) -> Result<Option<StreamChunk>> {
        while self.plan.has_piece(self.next)? {
            let i = self.next;
            self.next += 1;
            let rendered = {
                let _caller = self.renderer.caller();
                self.renderer.render(&self.plan, i)?
            };
            // The next piece is planned now if its part is not yet: the pause after this piece
            // (a sentence's when the next part speaks) and whether this chunk is the last (it
            // then holds the trailing margin) depend on it.
            let more = self.plan.has_piece(self.next)?;
            let (Some(rendered), Some(piece), Some(assembler)) =
                (rendered, self.plan.pieces.get(i), self.assembler.as_mut())
            else {
                continue;
            };
            assembler.push(&rendered, piece)?;
            self.last = rendered.index;
            if more {
                let samples = std::mem::take(assembler.sink_mut());
                let words = assembler
                    .words()
                    .get(self.words_out..)
                    .unwrap_or_default()
                    .to_vec();
                return Ok(Some(self.chunk(samples, words)));
            }
        }
        // Every piece is rendered: the rest of the track.
        let Some(assembler) = self.assembler.take() else {
            return Ok(None);
        };
        let done = assembler.finish()?;
        let words = done
            .words
            .unwrap_or_default()
            .get(self.words_out..)
            .unwrap_or_default()
            .to_vec();
        Ok(Some(self.chunk(done.sink, words)))
    }

    /// Scales `samples` by the running peak and hands them out.
    fn chunk(&mut self, mut samples: Vec<f32>, words: Vec<WordTiming>) -> StreamChunk {
        self.peak = self.peak.max(f64::from(audio_dsp::peak(&samples)));
        audio_dsp::scale_to_peak(&mut samples, self.peak, self.target);
        let gain = if self.peak > 0.0 {
            (self.target / self.peak) as f32
        } else {
            1.0
        };
        let start = self.emitted;
        self.emitted += samples.len() as u64;
        self.words_out += words.len();
        StreamChunk {
            samples,
            gain,
            piece: self.last,
            start,
            words,
        }
    }
}

impl Iterator for AudioStream {
    type Item = Result<StreamChunk>;

    fn next(&mut self) -> Option<Self::Item> {
        match log_failure(self.advance(), None) {
            Ok(chunk) => chunk.map(Ok),
            Err(e) => {
                // Ends the stream: nothing more is planned or rendered.
                self.plan.stop();
                self.next = self.plan.pieces.len();
                self.assembler = None;
                Some(Err(e))
            }
        }
    }
}

impl std::iter::FusedIterator for AudioStream {}
