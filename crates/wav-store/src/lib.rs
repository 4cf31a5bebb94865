//! Storage of narration audio as WAV files.
//!
//! - [`MediaLayout`] maps a project id and a segment id to a deterministic
//!   path, `{media_root}/projects/{project}/audio/{segment}.wav`, and to the
//!   URL it is served at; [`validate_id`] rejects ids that could escape that
//!   layout (`..`, `/`, ...).
//! - [`write_wav`] writes mono audio (32-bit float or 16-bit PCM)
//!   *atomically*: temporary file in the same directory, fsync, rename. A
//!   reader never sees a half-written file, and a failed write leaves the
//!   previous file untouched.
//! - [`validate_wav`] decodes every sample, so truncated files, garbage and
//!   NaN audio are caught (a WAV header alone does not reveal truncation);
//!   [`read_wav`] returns the samples too, [`wav_duration`] the length.
//! - [`remove_stale_temp_files`] removes the temporary files a killed writer left behind; every
//!   write calls it on its directory first (never touching a live writer's files).
//!
//! Everything is built on [`hound`]; errors are one [`Error`] type whose
//! [`kind`](Error::kind) tells what went wrong.
//!
//! # Example
//!
//! ```
//! use wav_store::{MediaLayout, WavOptions};
//!
//! # let tmp = tempfile::tempdir()?;
//! # let media_root = tmp.path();
//! let layout = MediaLayout::new(media_root, "/media/");
//! let path = layout.audio_path("project-1", "segment-001")?;
//! assert_eq!(layout.audio_url("project-1", "segment-001")?,
//!            "/media/projects/project-1/audio/segment-001.wav");
//!
//! let samples = vec![0.0f32, 0.25, -0.5, 0.125];
//! let written = wav_store::write_wav(&path, &samples, &WavOptions::default())?;
//! let (info, read) = wav_store::read_wav(&path)?;
//! assert_eq!(info, written);
//! assert_eq!(read, samples);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod error;
mod layout;
mod read;
mod stale;
mod stream;
mod write;

pub use error::{Error, ErrorKind};
pub use layout::{MAX_ID_LEN, MediaLayout, validate_id};
pub use read::{WavInfo, read_wav, validate_wav, wav_duration};
pub use stale::remove_stale_temp_files;
pub use stream::{SampleSpool, SpoolReader, WavStreamWriter, pcm16_le, streaming_wav_header};
pub use write::{SampleFormat, WavOptions, write_text, write_wav};

/// Kokoro's output sample rate, 24 kHz; the default of [`WavOptions`].
pub use kokoro_model::SAMPLE_RATE;

/// Compiles and runs the README's example as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
