//! Delivery to a file: the plan rendered into a WAV file in two streaming passes ([`write`]), and
//! audio held in memory saved ([`Synthesized::save`], [`save_samples`]).

use std::path::Path;

use audio_dsp::SampleSink;

use super::assemble::assemble;
use super::plan::Plan;
use super::{Engine, Generated, Spoken, Synthesized, log_failure, storage};
use crate::error::{Error, ErrorKind, Result};

/// Samples per block in the second streaming pass.
const STREAM_BLOCK: usize = 16 * 1024;

/// The scratch spool as the sink of the assembly's first pass.
struct Spool(wav_store::SampleSpool);

impl SampleSink for Spool {
    type Error = wav_store::Error;

    fn write(&mut self, samples: &[f32]) -> Result<(), wav_store::Error> {
        self.0.push(samples)
    }
}

/// Renders `plan` with `engine`'s parts into the WAV file `output`, atomically: the assembled
/// track into a scratch spool (its peak tracked), then read back block by block, scaled to the
/// target peak and written (the implementation of [`Engine::generate`]).
pub(super) fn write(engine: &Engine, plan: Plan, output: &Path) -> Result<Generated> {
    let target = audio_dsp::peak_target(engine.options.target_dbfs)
        .map_err(|e| Error::wrap(ErrorKind::Config, e))?;
    let wav_options = wav_store::WavOptions {
        sample_rate: engine.synth.sample_rate(),
        format: engine.options.format,
    };
    // Both temporary files are made before any inference, so that an unusable output path
    // fails fast; each removes itself on any error below.
    let mut writer = wav_store::WavStreamWriter::create(output, &wav_options).map_err(storage)?;
    let spool = wav_store::SampleSpool::create_next_to(output).map_err(storage)?;

    // Pass 1: the assembled track into the spool, its peak tracked.
    let assembled = assemble(engine, &plan, Spool(spool))?;
    let (Spool(spool), peak) = (assembled.sink, assembled.peak);
    // Pass 2: the track scaled to the target peak, block by block, into the WAV.
    let mut reader = spool.into_reader().map_err(storage)?;
    let mut block = Vec::with_capacity(STREAM_BLOCK);
    while reader
        .read_block(&mut block, STREAM_BLOCK)
        .map_err(storage)?
        > 0
    {
        audio_dsp::scale_to_peak(&mut block, peak, target);
        writer.write(&block).map_err(storage)?;
    }
    drop(reader);
    let info = writer.commit().map_err(storage)?;
    Ok(written(output, &info, Spoken::of(plan, assembled.words)))
}

impl Synthesized {
    /// Writes this audio atomically to `output` as a WAV file in `format` (the engine's is
    /// [`EngineOptions::format`](crate::EngineOptions::format)) and reads its duration back.
    ///
    /// ```no_run
    /// use tts_pipeline::{Engine, EngineConfig, Request};
    ///
    /// let engine = Engine::open(&EngineConfig::with_model_dir("models"))?;
    /// let audio = engine.synthesize(&Request::text("Hello."))?;
    /// let saved = audio.save("hello.wav".as_ref(), engine.parts().options().format)?;
    /// # Ok::<(), tts_pipeline::Error>(())
    /// ```
    pub fn save(self, output: &Path, format: wav_store::SampleFormat) -> Result<Generated> {
        let result = save_samples(output, &self.samples, self.sample_rate, format)
            .and_then(|()| wav_store::validate_wav(output).map_err(storage))
            .map(|info| written(output, &info, self.into_spoken()));
        log_failure(result, Some(output))
    }
}

/// Writes mono `samples` at `sample_rate` atomically to `output` as a WAV file in `format`
/// (parent directories are created): what [`Synthesized::save`] writes, for audio from anywhere (the
/// Python module's `save_audio_wav`). Empty audio, a non-finite sample or a zero rate is an
/// [`ErrorKind::InvalidAudio`](crate::ErrorKind::InvalidAudio) error, a directory at `output`
/// [`ErrorKind::IsDirectory`](crate::ErrorKind::IsDirectory), a failed write
/// [`ErrorKind::Storage`](crate::ErrorKind::Storage) (all [`Error::is_storage`] but the first;
/// see [`crate::audio`]); the [cause](Error::cause) is the `wav_store::Error` saying which.
pub fn save_samples(
    output: &Path,
    samples: &[f32],
    sample_rate: u32,
    format: wav_store::SampleFormat,
) -> Result<()> {
    let options = wav_store::WavOptions {
        sample_rate,
        format,
    };
    wav_store::write_wav(output, samples, &options).map_err(crate::audio::file_error)?;
    Ok(())
}

/// Logs a written file and reports it, with `info` as read back from `output`.
fn written(output: &Path, info: &wav_store::WavInfo, spoken: Spoken) -> Generated {
    tracing::info!(
        path = %output.display(),
        duration = info.duration_seconds,
        voice = %spoken.voice,
        pieces = spoken.pieces,
        "audio written"
    );
    spoken.into_generated(output, info)
}
