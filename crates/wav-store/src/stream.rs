//! Streaming, still atomic: a WAV file written block by block, and a scratch spool of samples.
//!
//! [`WavStreamWriter`] keeps [`write_wav`](crate::write_wav)'s guarantee (a reader sees either the
//! previous file or the complete new one) without holding the whole audio in memory: blocks go to a
//! temporary file in the target's directory, and [`WavStreamWriter::commit`] finalizes, fsyncs and
//! decodes that file before renaming it over the target. [`SampleSpool`] is a scratch file of raw
//! f32 samples next to the target, for a first pass whose result must be read back (e.g. to
//! normalize by a peak known only at the end).

use crate::write::{
    HoundOrIo, TempGuard, check_sample_rate, create_temp, create_temp_for, hound_spec, io_error,
    no_samples, not_finite, prepare, sync_dir, to_pcm16,
};
use crate::{Error, ErrorKind, SampleFormat, WavInfo, WavOptions};
use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

/// A mono WAV file written block by block and put in place atomically.
///
/// [`WavStreamWriter::create`] opens a uniquely named temporary file in the target's directory;
/// [`WavStreamWriter::write`] appends samples; [`WavStreamWriter::commit`] finalizes the header,
/// fsyncs, decodes the temporary file in full and renames it over the target. Dropping the writer
/// without committing (an error anywhere) removes the temporary file and leaves an existing file
/// at the target untouched.
///
/// ```
/// use wav_store::{WavOptions, WavStreamWriter};
/// # let tmp = tempfile::tempdir()?;
/// let path = tmp.path().join("out.wav");
/// let mut w = WavStreamWriter::create(&path, &WavOptions::default())?;
/// w.write(&[0.0, 0.5])?;
/// w.write(&[-0.25])?;
/// let info = w.commit()?;
/// assert_eq!(info.frames, 3);
/// assert_eq!(wav_store::read_wav(&path)?.1, vec![0.0, 0.5, -0.25]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct WavStreamWriter {
    // Declared before `guard`: the encoder is dropped (and its file closed) before the guard
    // removes the temporary file.
    writer: Option<hound::WavWriter<BufWriter<File>>>,
    sync_handle: File,
    guard: TempGuard,
    path: PathBuf,
    dir: PathBuf,
    options: WavOptions,
    frames: u64,
}

impl std::fmt::Debug for WavStreamWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WavStreamWriter")
            .field("path", &self.path)
            .field("temp", &self.guard.path())
            .field("options", &self.options)
            .field("frames", &self.frames)
            .finish_non_exhaustive()
    }
}

impl WavStreamWriter {
    /// Starts writing `path`: checks it, creates its parent directories and a temporary file
    /// next to it.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidSampleRate`], [`ErrorKind::IsDirectory`],
    /// [`ErrorKind::InvalidPath`] or [`ErrorKind::Io`], as for
    /// [`write_wav`](crate::write_wav).
    pub fn create(path: &Path, options: &WavOptions) -> Result<Self, Error> {
        check_sample_rate(path, options)?;
        let (dir, guard, file) = create_temp_for(path)?;
        let context = || format!("cannot write audio to {}", guard.path().display());
        let sync_handle = file.try_clone().map_err(|e| io_error(context(), e))?;
        let spec = hound_spec(options);
        let writer = hound::WavWriter::new(BufWriter::new(file), spec)
            .map_err(|e| io_error(context(), e))?;
        Ok(Self {
            writer: Some(writer),
            sync_handle,
            guard,
            path: path.to_path_buf(),
            dir,
            options: *options,
            frames: 0,
        })
    }

    /// Appends `samples`.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::NonFinite`] (indexed from the start of the file) if a sample is NaN or
    /// infinite; nothing of that block is written. [`ErrorKind::Io`] if writing fails.
    pub fn write(&mut self, samples: &[f32]) -> Result<(), Error> {
        if let Some(i) = samples.iter().position(|x| !x.is_finite()) {
            let index = usize::try_from(self.frames)
                .unwrap_or(usize::MAX)
                .saturating_add(i);
            return Err(not_finite(&self.path, index));
        }
        let Some(writer) = self.writer.as_mut() else {
            return Err(failed_earlier(&self.path));
        };
        let result = match self.options.format {
            SampleFormat::Float32 => samples.iter().try_for_each(|&x| writer.write_sample(x)),
            SampleFormat::Pcm16 => samples
                .iter()
                .try_for_each(|&x| writer.write_sample(to_pcm16(x))),
        };
        if let Err(e) = result {
            self.writer = None;
            return Err(io_error(
                format!("cannot write audio to {}", self.guard.path().display()),
                e,
            ));
        }
        self.frames += samples.len() as u64;
        Ok(())
    }

    /// Frames written so far.
    #[must_use]
    pub fn frames(&self) -> u64 {
        self.frames
    }

    /// The file this writer will replace.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Finalizes the file, fsyncs it, decodes it in full and renames it over the target.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Empty`] if no sample was written; [`ErrorKind::Io`] if finalizing,
    /// syncing or renaming fails; [`ErrorKind::IsDirectory`] if the target became a
    /// directory; any error of [`validate_wav`](crate::validate_wav) on the temporary file. In
    /// every case the temporary file is removed and the target is untouched.
    pub fn commit(mut self) -> Result<WavInfo, Error> {
        if self.frames == 0 {
            return Err(no_samples(&self.path));
        }
        let tmp = self.guard.path().to_path_buf();
        let context = || format!("cannot write audio to {}", tmp.display());
        let writer = self
            .writer
            .take()
            .ok_or_else(|| failed_earlier(&self.path))?;
        writer.finalize().map_err(|e| io_error(context(), e))?;
        self.sync_handle
            .sync_all()
            .map_err(|e| io_error(context(), e))?;
        let info = crate::validate_wav(&tmp)?;
        if info.frames != self.frames {
            return Err(Error::new(
                ErrorKind::Corrupt,
                format!(
                    "{} holds {} frames but {} were written: check the disk and try again",
                    tmp.display(),
                    info.frames,
                    self.frames
                ),
            ));
        }
        let path = &self.path;
        crate::write::rename_into_place(&tmp, path)?;
        let Self { guard, dir, .. } = self;
        guard.disarm();
        sync_dir(&dir);
        tracing::debug!(path = %path.display(), frames = info.frames, "committed streamed wav");
        Ok(info)
    }
}

/// A scratch file of raw little-endian f32 samples next to an output path, removed when dropped.
///
/// Write with [`SampleSpool::push`], then read back in blocks with
/// [`SampleSpool::into_reader`]. Its name is `.{file_name}.spool.{pid}.{n}.tmp`, in the output's
/// directory (created if needed).
#[derive(Debug)]
pub struct SampleSpool(Scratch<BufWriter<File>>);

/// A scratch file in use: its buffered handle, the guard that removes it, and a sample count.
struct Scratch<T> {
    io: T,
    guard: TempGuard,
    /// Samples pushed (a spool) or left to read (a reader).
    samples: u64,
}

impl<T> std::fmt::Debug for Scratch<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scratch")
            .field("path", &self.guard.path())
            .field("samples", &self.samples)
            .finish_non_exhaustive()
    }
}

impl SampleSpool {
    /// Creates the spool in the directory of `output` (which is not touched).
    ///
    /// # Errors
    ///
    /// [`ErrorKind::IsDirectory`], [`ErrorKind::InvalidPath`] or [`ErrorKind::Io`].
    pub fn create_next_to(output: &Path) -> Result<Self, Error> {
        let (dir, file_name) = prepare(output)?;
        let (tmp_path, file) = create_temp(&dir, &format!("{file_name}.spool")).map_err(|e| {
            io_error(
                format!("cannot create a scratch file next to {}", output.display()),
                e,
            )
        })?;
        Ok(Self(Scratch {
            io: BufWriter::new(file),
            guard: TempGuard(Some(tmp_path)),
            samples: 0,
        }))
    }

    /// Appends `samples`.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Io`] if writing fails.
    pub fn push(&mut self, samples: &[f32]) -> Result<(), Error> {
        let spool = &mut self.0;
        for &x in samples {
            spool
                .io
                .write_all(&x.to_le_bytes())
                .map_err(|e| spool_error(&spool.guard, e))?;
        }
        spool.samples += samples.len() as u64;
        Ok(())
    }

    /// Samples pushed so far.
    #[must_use]
    pub fn len(&self) -> u64 {
        self.0.samples
    }

    /// True when nothing was pushed.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.samples == 0
    }

    /// The scratch file's path.
    #[must_use]
    pub fn path(&self) -> &Path {
        self.0.guard.path()
    }

    /// Flushes and reopens for reading: the samples can now be read back in order.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Io`] if flushing or reopening fails.
    pub fn into_reader(self) -> Result<SpoolReader, Error> {
        let Scratch { io, guard, samples } = self.0;
        // The scratch file was opened write-only: flush it, then open it again for reading.
        if let Err(e) = io.into_inner() {
            return Err(spool_error(&guard, e.into_error()));
        }
        let file = File::open(guard.path()).map_err(|e| spool_error(&guard, e))?;
        crate::stale::hold_lock(&file, guard.path());
        Ok(SpoolReader(Scratch {
            io: BufReader::new(file),
            guard,
            samples,
        }))
    }
}

/// Reads a [`SampleSpool`] back; removes the scratch file when dropped.
#[derive(Debug)]
pub struct SpoolReader(Scratch<BufReader<File>>);

impl SpoolReader {
    /// Replaces the contents of `buf` with the next up to `max` samples (at least 1 when
    /// `max > 0`); returns how many, 0 at the end.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Io`] if reading fails or the file is shorter than what was pushed.
    pub fn read_block(&mut self, buf: &mut Vec<f32>, max: usize) -> Result<usize, Error> {
        buf.clear();
        let reader = &mut self.0;
        let n = usize::try_from(reader.samples)
            .unwrap_or(usize::MAX)
            .min(max);
        let mut bytes = [0u8; 4];
        for _ in 0..n {
            reader
                .io
                .read_exact(&mut bytes)
                .map_err(|e| spool_error(&reader.guard, e))?;
            buf.push(f32::from_le_bytes(bytes));
        }
        reader.samples -= n as u64;
        Ok(n)
    }

    /// Samples left to read.
    #[must_use]
    pub fn remaining(&self) -> u64 {
        self.0.samples
    }
}

/// A write to a [`WavStreamWriter`] after one of its writes failed.
fn failed_earlier(path: &Path) -> Error {
    Error::new(
        ErrorKind::Io,
        format!(
            "cannot write {}: an earlier write failed; start a new writer",
            path.display()
        ),
    )
}

fn spool_error(guard: &TempGuard, e: io::Error) -> Error {
    io_error(
        format!("cannot use the scratch file {}", guard.path().display()),
        HoundOrIo::Io(e),
    )
}

/// The 44-byte header of a mono 16-bit PCM WAV at `sample_rate` whose length is unknown (both
/// sizes `0xFFFF_FFFF`): the start of a WAV written to a pipe or a socket as it is made, which
/// players read to the end (`aplay`, `ffplay -`). The samples follow as [`pcm16_le`] bytes.
///
/// ```
/// let header = wav_store::streaming_wav_header(24_000);
/// assert_eq!(&header[..4], b"RIFF");
/// assert_eq!(&header[36..40], b"data");
/// ```
#[must_use]
pub fn streaming_wav_header(sample_rate: u32) -> [u8; 44] {
    const UNKNOWN: [u8; 4] = u32::MAX.to_le_bytes();
    let mut h = [0u8; 44];
    let fields: [&[u8]; 13] = [
        b"RIFF",
        &UNKNOWN,
        b"WAVE",
        b"fmt ",
        &16u32.to_le_bytes(),
        &1u16.to_le_bytes(), // PCM
        &1u16.to_le_bytes(), // mono
        &sample_rate.to_le_bytes(),
        &sample_rate.saturating_mul(2).to_le_bytes(), // bytes per second
        &2u16.to_le_bytes(),                          // bytes per frame
        &16u16.to_le_bytes(),                         // bits per sample
        b"data",
        &UNKNOWN,
    ];
    let mut at = 0;
    for field in fields {
        if let Some(dst) = h.get_mut(at..at + field.len()) {
            dst.copy_from_slice(field);
        }
        at += field.len();
    }
    h
}

/// Appends `samples` to `out` as 16-bit little-endian PCM, converted as the files' 16-bit PCM is
/// (clamped to [-1, 1], scaled by 32768, rounded).
pub fn pcm16_le(samples: &[f32], out: &mut Vec<u8>) {
    out.reserve(samples.len() * 2);
    for &x in samples {
        out.extend_from_slice(&to_pcm16(x).to_le_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn entries(dir: &Path) -> usize {
        fs::read_dir(dir).unwrap().count()
    }

    #[test]
    fn a_streaming_wav_with_its_sizes_filled_is_the_16_bit_file() {
        let samples: Vec<f32> = (0..1000).map(|i| (i as f32 * 0.01).sin() * 1.2).collect();
        let mut bytes = streaming_wav_header(24_000).to_vec();
        pcm16_le(&samples, &mut bytes);
        // A player reads the stream to its end; hound needs the sizes, so fill them in.
        let data = (bytes.len() - 44) as u32;
        bytes[4..8].copy_from_slice(&(data + 36).to_le_bytes());
        bytes[40..44].copy_from_slice(&data.to_le_bytes());
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("pcm.wav");
        let opts = WavOptions {
            sample_rate: 24_000,
            format: SampleFormat::Pcm16,
        };
        crate::write_wav(&path, &samples, &opts).unwrap();
        assert_eq!(bytes, std::fs::read(&path).unwrap());
    }

    #[test]
    fn streamed_file_equals_write_wav() {
        let dir = tempfile::tempdir().unwrap();
        let samples: Vec<f32> = (0..10_000).map(|i| (i as f32 * 0.01).sin() * 0.7).collect();
        for format in [SampleFormat::Float32, SampleFormat::Pcm16] {
            let options = WavOptions {
                format,
                ..WavOptions::default()
            };
            let a = dir.path().join(format!("a-{format:?}.wav"));
            let b = dir.path().join(format!("b-{format:?}.wav"));
            crate::write_wav(&a, &samples, &options).unwrap();
            let mut w = WavStreamWriter::create(&b, &options).unwrap();
            for block in samples.chunks(777) {
                w.write(block).unwrap();
            }
            assert_eq!(w.frames(), 10_000);
            let info = w.commit().unwrap();
            assert_eq!(info.frames, 10_000);
            assert_eq!(fs::read(&a).unwrap(), fs::read(&b).unwrap());
        }
        assert_eq!(entries(dir.path()), 4, "no temporary file left");
    }

    #[test]
    fn dropped_or_failed_writers_leave_the_old_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.wav");
        crate::write_wav(&path, &[0.1, 0.2], &WavOptions::default()).unwrap();
        let before = fs::read(&path).unwrap();

        let mut w = WavStreamWriter::create(&path, &WavOptions::default()).unwrap();
        w.write(&[0.5; 100]).unwrap();
        drop(w);
        assert_eq!(fs::read(&path).unwrap(), before);

        let mut w = WavStreamWriter::create(&path, &WavOptions::default()).unwrap();
        w.write(&[0.5; 10]).unwrap();
        let e = w.write(&[0.1, f32::NAN]).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::NonFinite { index: 11 });
        drop(w);

        let w = WavStreamWriter::create(&path, &WavOptions::default()).unwrap();
        assert_eq!(w.commit().unwrap_err().kind(), ErrorKind::Empty);
        assert_eq!(fs::read(&path).unwrap(), before);
        assert_eq!(entries(dir.path()), 1, "no temporary file left");
    }

    #[test]
    fn bad_targets_are_refused_up_front() {
        let dir = tempfile::tempdir().unwrap();
        let e = WavStreamWriter::create(dir.path(), &WavOptions::default()).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::IsDirectory);
        let zero = WavOptions {
            sample_rate: 0,
            ..WavOptions::default()
        };
        let e = WavStreamWriter::create(&dir.path().join("a.wav"), &zero).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidSampleRate);
        // A regular file where a directory is needed (root ignores permissions; this does not).
        let file = dir.path().join("plain");
        fs::write(&file, b"x").unwrap();
        let e = WavStreamWriter::create(&file.join("a.wav"), &WavOptions::default()).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Io);
        let e = SampleSpool::create_next_to(&file.join("a.wav")).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Io);
    }

    #[test]
    fn spool_round_trips_and_cleans_up() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("sub/o.wav");
        let mut spool = SampleSpool::create_next_to(&out).unwrap();
        let data: Vec<f32> = (0..5_000).map(|i| i as f32 - 0.5).collect();
        spool.push(&data[..1234]).unwrap();
        spool.push(&data[1234..]).unwrap();
        assert_eq!(spool.len(), 5_000);
        assert!(spool.path().exists());
        let mut reader = spool.into_reader().unwrap();
        let mut back = Vec::new();
        let mut buf = Vec::new();
        while reader.read_block(&mut buf, 999).unwrap() > 0 {
            back.extend_from_slice(&buf);
        }
        assert_eq!(back, data);
        assert_eq!(reader.remaining(), 0);
        drop(reader);
        assert_eq!(entries(&dir.path().join("sub")), 0);
        assert!(!out.exists());
    }
}
