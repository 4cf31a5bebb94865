//! # tts-pipeline
//!
//! The Kokoro text-to-speech engine, composed: text, a voice and a speed in; a peak-normalized
//! 24 kHz mono WAV file out, written atomically, with its duration.
//!
//! ```text
//! text ──► Frontend (kokoro-tokenize: normalize, G2P, ids, split ≤ 510 tokens)
//!      ──► Voices (kokoro-voices: validate with fallback, style row per piece)
//!      ──► Synthesizer (kokoro-session: ONNX Runtime, a pool of sessions sharing the weights)
//!      ──► audio-dsp (trim, join with pauses by punctuation, normalize to -1 dBFS)
//!      ──► wav-store (atomic write, read back the duration)
//! ```
//!
//! Inside, a request goes through three stages, each a type or free function of `engine/`
//! testable alone with fakes: the plan (the request checked, the voice resolved once, the
//! language, the text's pieces: all at once for a file, sentence by sentence for a stream), the
//! rendering (piece by piece, joined with pauses and fades) and the delivery (memory, a WAV file
//! or a stream); [`Engine`]'s methods are the one façade over them.
//!
//! The three parts meet through the narrow traits in [`traits`], so the engine can be tested
//! with fakes and no model. [`Engine::open`] wires the real parts (the [`adapters`]:
//! `TokenizerFrontend`, `PhonemeFrontend`, `CatalogVoices`, `PoolSynthesizer`) as an
//! [`EngineConfig`] says; [`health`] tells what it would find (`check_availability`, `engine_info`,
//! `list_voices`), and [`captions`] turns word timings into WebVTT or SRT.
//! [`Engine::shared`] is the one process-wide registry of engines (one per configuration) for
//! callers that want "the engine" of the process, such as the Python module ([`shared`] has the
//! registry's other functions). An engine from parts of your own is made by [`Engine::builder`],
//! and [`Engine::parts`] shows what an engine is made of. Every generation takes one [`Request`]:
//!
//! ```no_run
//! use tts_pipeline::{Engine, EngineConfig, Outcome, Request};
//!
//! let engine = Engine::open(&EngineConfig::with_model_dir("models"))?;
//! let request = Request::text("Hello world.").with_voice("af_bella");
//! let done = engine.generate(&request, "hello.wav".as_ref())?;
//! println!("{} s at {}", done.duration, done.audio_path.display());
//! // Or, as an `Outcome`, for callers that must never handle an error value:
//! let outcome = Outcome::from(engine.generate(&Request::text("Hi."), "hi.wav".as_ref()));
//! println!("{}", outcome.to_json()); // {"success":true,"audio_path":"hi.wav",...}
//! # Ok::<(), tts_pipeline::Error>(())
//! ```
//!
//! [`Engine::stream`] delivers the same audio as a stream of chunks, one per piece of text, each
//! rendered when it is asked for ([`AudioStream`], an iterator that can move to another thread).
//!
//! The `kokoro` binary (package `kokoro-engine-cli`, `crates/kokoro-cli/src/main.rs`) is the command-line face
//! of the same engine.
//!
//! # Features
//! * `ja`, `zh`: the Japanese and Mandarin front ends (off by default; see [`health::built_in`]).
//! * `cuda`: ONNX Runtime's CUDA execution provider ([`EngineConfig::use_cuda`]).
//! * `fetch`: [`fetch`], the model fetch of `kokoro-fetch` (`kokoro fetch-model`), for a program
//!   that installs the model files itself, such as the Python module.

pub mod adapters;
pub mod audio;
mod batch;
pub mod captions;
mod config;
mod engine;
mod error;
#[cfg(feature = "fetch")]
pub mod fetch;
pub mod health;
mod outcome;
mod request;
pub mod shared;
pub mod traits;
mod vocab;
mod words;

pub use batch::{ProjectRequest, SegmentOptions, SegmentOutcome, SegmentRequest};
pub use config::{EngineConfig, EngineOptions};
pub use engine::{
    AudioStream, DEFAULT_MAX_TEXT_BYTES, Engine, EngineBuilder, EngineParts, MAX_SPEED, MIN_SPEED,
    StreamChunk, Synthesized, save_samples, validate_speed, validate_text,
};
pub use error::{Error, ErrorKind, Result};
pub use kokoro_model::{Language, ParseLanguageError};
pub use kokoro_voices::DEFAULT_VOICE;
pub use outcome::{Generated, Outcome};
pub use request::{Input, Request, parse_lang};
pub use wav_store::{MediaLayout, SampleFormat};
pub use words::WordTiming;

#[cfg(test)]
mod ops_tests;
#[cfg(test)]
mod tests;
