//! The one assembly path, in two stages that every delivery shares (a `Vec` for
//! [`Engine::synthesize`], a scratch file for [`Engine::generate`], chunks for [`Engine::stream`]):
//!
//! - [`Renderer`]: one piece of the plan at a time to its audio, the range kept when trimmed of
//!   silence and the model's durations ([`Rendered`]);
//! - [`Assembler`]: rendered pieces joined into audio-dsp's [`StreamJoiner`] with the pause each
//!   piece's punctuation asks for, short fades and two edge margins, while the words are placed
//!   on the track's timeline.
//!
//! A caller that is alone with a text of several pieces has them rendered by the engine's
//! workers at once ([`assemble`]): each worker is a caller of the pool, so they run on its narrow
//! sessions side by side, and the assembler joins their pieces in order.

use std::collections::BTreeMap;
use std::ops::Range;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, PoisonError, mpsc};

use audio_dsp::{SampleSink, StreamJoiner};

use super::plan::Plan;
use super::{Active, Engine, storage};
use crate::config::EngineOptions;
use crate::error::{Error, ErrorKind, Result};
use crate::traits::{Pause, Synthesizer, TextPiece};
use crate::words::{TimedAudio, Timeline, WordTiming};

/// What [`assemble`] produced: the sink, the peak of what it holds, and the words'
/// timings when the request asked for them.
pub(super) struct Assembled<S> {
    pub(super) sink: S,
    pub(super) peak: f64,
    pub(super) words: Option<Vec<WordTiming>>,
}

/// One piece's audio as the model gave it, and the part of it that is kept.
pub(super) struct Rendered {
    /// Which piece of the plan.
    pub(super) index: usize,
    audio: Vec<f32>,
    /// The samples kept (silence trimmed), as a range of `audio`.
    kept: Range<usize>,
    /// Frames per padded id, or why there are none.
    frames: std::result::Result<Vec<u32>, String>,
}

/// The rendering stage: the pieces of a plan to audio, one at a time, on the caller's thread.
/// It owns what it needs (`Arc`s), so a stream can move it to another thread.
pub(super) struct Renderer {
    synth: Arc<dyn Synthesizer>,
    active: Arc<AtomicUsize>,
    threshold: f32,
    /// Samples of the model's own onset and decay kept around a trimmed piece.
    keep: usize,
}

impl Renderer {
    /// The renderer of `engine`.
    pub(super) fn of(engine: &Engine) -> Self {
        let opts = &engine.options;
        let margin = audio_dsp::pause_samples(opts.edge_margin, engine.synth.sample_rate());
        Self {
            synth: Arc::clone(&engine.synth),
            active: Arc::clone(&engine.active),
            threshold: opts.silence_threshold,
            keep: audio_dsp::DEFAULT_FADE_SAMPLES.min(margin),
        }
    }

    /// The sample rate of what it renders.
    pub(super) fn sample_rate(&self) -> u32 {
        self.synth.sample_rate()
    }

    /// Counts one generation in the engine's callers while it lives.
    pub(super) fn caller(&self) -> Active {
        Active::enter(&self.active)
    }

    /// Renders piece `i` of `plan`: `None` when it is only silence (skipped). Every sample is
    /// finite.
    pub(super) fn render(&self, plan: &Plan, i: usize) -> Result<Option<Rendered>> {
        let Some(piece) = plan.pieces.get(i) else {
            return Ok(None);
        };
        let style = plan.voice.style(piece.ids.len());
        let callers = self.active.load(Ordering::Relaxed);
        let TimedAudio { audio, frames } = self
            .synth
            .synthesize(&piece.ids, style, plan.speed, callers)?;
        if let Some(pos) = audio.iter().position(|s| !s.is_finite()) {
            return Err(Error::new(
                ErrorKind::Inference,
                format!(
                    "the model returned a non-finite sample at {pos} for piece {i}: check the model file with `kokoro verify-model`"
                ),
            ));
        }
        let kept = audio_dsp::trim_silence_range(&audio, self.threshold, self.keep);
        if kept.is_empty() {
            tracing::debug!(piece = i, text = %piece.text, "piece produced only silence");
            return Ok(None);
        }
        Ok(Some(Rendered {
            index: i,
            audio,
            kept,
            frames,
        }))
    }
}

/// The assembly stage: rendered pieces, in order, joined into a sink.
pub(super) struct Assembler<S> {
    joiner: StreamJoiner<S>,
    timeline: Option<Timeline>,
    /// The pause kind after the piece pushed last.
    before: Option<Pause>,
    rate: u32,
    margin: usize,
    pauses: [f32; 3],
}

impl<S> Assembler<S>
where
    S: SampleSink,
    S::Error: std::error::Error + Send + Sync + 'static,
{
    /// An assembler into `sink` (its leading margin owed), placing the words of `timed_text`.
    pub(super) fn new(
        sink: S,
        opts: &EngineOptions,
        rate: u32,
        timed_text: Option<String>,
    ) -> Self {
        let margin = audio_dsp::pause_samples(opts.edge_margin, rate);
        let mut joiner = StreamJoiner::new(sink, audio_dsp::DEFAULT_FADE_SAMPLES);
        joiner.pause(margin);
        Self {
            joiner,
            timeline: timed_text.map(|t| Timeline::new(t, rate)),
            before: None,
            rate,
            margin,
            pauses: [opts.sentence_pause, opts.clause_pause, opts.word_pause],
        }
    }

    /// Joins `rendered`, the audio of `piece`, after the pause the piece before asks for.
    /// Timings the model cannot give (when words are placed) are an
    /// [`ErrorKind::TimingsUnavailable`] error; a sink's error is a [`ErrorKind::Storage`] one.
    pub(super) fn push(&mut self, rendered: &Rendered, piece: &TextPiece) -> Result<()> {
        if let Some(pause) = self.before {
            let seconds = match pause {
                Pause::Sentence => self.pauses[0],
                Pause::Clause => self.pauses[1],
                // `Word`, `None` and any kind added later.
                _ => self.pauses[2],
            };
            self.joiner
                .pause(audio_dsp::pause_samples(seconds, self.rate));
        }
        if let Some(timeline) = self.timeline.as_mut() {
            let frames = rendered
                .frames
                .as_ref()
                .map_err(|why| timings_unavailable(why))?;
            timeline.place(
                &piece.words,
                frames,
                rendered.kept.clone(),
                self.joiner.position(),
            );
        }
        let kept = rendered
            .audio
            .get(rendered.kept.clone())
            .unwrap_or_default();
        self.joiner.push(kept).map_err(storage)?;
        self.before = Some(piece.pause_after);
        Ok(())
    }

    /// The sink, to take what was written so far.
    pub(super) fn sink_mut(&mut self) -> &mut S {
        self.joiner.sink_mut()
    }

    /// The words placed so far.
    pub(super) fn words(&self) -> &[WordTiming] {
        self.timeline.as_ref().map_or(&[], Timeline::words)
    }

    /// Adds the trailing margin and writes what is held back. A track of no piece (every piece
    /// was silence) is an [`ErrorKind::Inference`] error.
    pub(super) fn finish(mut self) -> Result<Assembled<S>> {
        if self.joiner.chunks() == 0 {
            return Err(only_silence());
        }
        self.joiner.pause(self.margin);
        let (sink, peak) = self.joiner.finish().map_err(storage)?;
        Ok(Assembled {
            sink,
            peak,
            words: self.timeline.map(Timeline::finish),
        })
    }
}

/// Synthesizes the pieces of `plan` in order into `sink` with `engine`'s parts: each piece
/// trimmed of silence, joined to the one before with the pause its punctuation asks for and
/// short fades, between two edge margins. Returns the sink and the peak of what it holds, for
/// the caller to scale to the target peak, and, when the request asked for them, the words'
/// timings on the track's timeline (the same inference: the model's durations come with its
/// audio).
///
/// A caller alone on the engine with more than one piece has them rendered by up to the
/// engine's [`default_workers`](crate::EngineParts::default_workers) threads at once ([`render_ahead`]);
/// otherwise (other callers, a batch's workers, one piece) they are rendered one after the other
/// on the caller's thread. The result is the same either way; at most one piece's audio is held
/// at a time one after the other, and at most twice the workers' when rendered ahead.
pub(super) fn assemble<S>(engine: &Engine, plan: &Plan, sink: S) -> Result<Assembled<S>>
where
    S: SampleSink,
    S::Error: std::error::Error + Send + Sync + 'static,
{
    let renderer = Renderer::of(engine);
    let mut assembler = Assembler::new(
        sink,
        &engine.options,
        renderer.sample_rate(),
        plan.timed_text.clone(),
    );
    let workers = piece_workers(engine.workers, plan.pieces.len(), &engine.active);
    if workers > 1 {
        render_ahead(&renderer, plan, workers, |rendered, piece| {
            assembler.push(rendered, piece)
        })?;
    } else {
        // One caller from the first piece to the last.
        let _caller = renderer.caller();
        for (i, piece) in plan.pieces.iter().enumerate() {
            if let Some(rendered) = renderer.render(plan, i)? {
                assembler.push(&rendered, piece)?;
            }
        }
    }
    assembler.finish()
}

/// How many threads render a plan of `pieces` pieces: the engine's `workers` (at most one per
/// piece) when no other generation is running (`active`), else 1. Under concurrency the pool is
/// already shared; rendering ahead there would only queue more work on the same sessions.
fn piece_workers(workers: usize, pieces: usize, active: &AtomicUsize) -> usize {
    if active.load(Ordering::Relaxed) == 0 {
        workers.min(pieces).max(1)
    } else {
        1
    }
}

/// Renders the pieces of `plan` on `workers` threads, each counted as a caller of the engine
/// while they run, and hands them to `push` on this thread in the plan's order. A worker takes
/// the next piece only while fewer than `2 * workers` pieces are rendered or rendering ahead of
/// the one `push` waits for, which bounds the audio held. Errors come out as they would one
/// piece after the other: the first failing piece in order (a render's or `push`'s) ends the
/// assembly, after the pieces before it that were rendered were pushed; no new piece starts once
/// one has failed.
fn render_ahead(
    renderer: &Renderer,
    plan: &Plan,
    workers: usize,
    mut push: impl FnMut(&Rendered, &TextPiece) -> Result<()>,
) -> Result<()> {
    let count = plan.pieces.len();
    let window = 2 * workers;
    let _callers = Active::add(&renderer.active, workers);
    let next = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    // The index of the piece `push` waits for, and its condition: a worker ahead by `window`
    // waits on it.
    let wanted = (Mutex::new(0_usize), Condvar::new());
    let (tx, rx) = mpsc::channel::<(usize, Result<Option<Rendered>>)>();
    std::thread::scope(|scope| {
        for _ in 0..workers {
            let tx = tx.clone();
            let (next, stop, wanted) = (&next, &stop, &wanted);
            scope.spawn(move || {
                loop {
                    if stop.load(Ordering::Relaxed) {
                        break;
                    }
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= count {
                        break;
                    }
                    {
                        let (lock, ahead) = wanted;
                        let mut at = lock.lock().unwrap_or_else(PoisonError::into_inner);
                        while i >= *at + window && !stop.load(Ordering::Relaxed) {
                            at = ahead.wait(at).unwrap_or_else(PoisonError::into_inner);
                        }
                    }
                    if stop.load(Ordering::Relaxed) {
                        break;
                    }
                    let rendered = renderer.render(plan, i);
                    let failed = rendered.is_err();
                    if tx.send((i, rendered)).is_err() || failed {
                        break;
                    }
                }
            });
        }
        drop(tx);
        let halt = || {
            stop.store(true, Ordering::Relaxed);
            let (lock, ahead) = &wanted;
            let _at = lock.lock().unwrap_or_else(PoisonError::into_inner);
            ahead.notify_all();
        };
        let mut held: BTreeMap<usize, Result<Option<Rendered>>> = BTreeMap::new();
        let mut want = 0;
        let mut result = Ok(());
        // Until every worker has stopped (each holds a sender): the pieces before a failed one
        // still arrive, in any order, and are pushed in the plan's.
        for (i, rendered) in rx {
            if rendered.is_err() {
                halt();
            }
            held.insert(i, rendered);
            while result.is_ok()
                && let Some(rendered) = held.remove(&want)
            {
                let pushed = match rendered {
                    Ok(Some(rendered)) => plan
                        .pieces
                        .get(want)
                        .map_or(Ok(()), |piece| push(&rendered, piece)),
                    Ok(None) => Ok(()),
                    Err(e) => Err(e),
                };
                if let Err(e) = pushed {
                    result = Err(e);
                    halt();
                }
                want += 1;
                let (lock, ahead) = &wanted;
                *lock.lock().unwrap_or_else(PoisonError::into_inner) = want;
                ahead.notify_all();
            }
        }
        // A worker that saw the stop before rendering its piece sent nothing for it: the error
        // that stopped them is then the first one held.
        if result.is_ok() && want < count {
            result = Err(held.into_values().find_map(Result::err).unwrap_or_else(|| {
                Error::new(
                    ErrorKind::Inference,
                    format!("piece {want} of {count} was not rendered: try again"),
                )
            }));
        }
        result
    })
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
