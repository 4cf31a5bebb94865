//! Streaming assembly: chunks joined with pauses and fades as they arrive, written block by block
//! into any [`SampleSink`], with the running peak of everything written.
//!
//! [`join_with_pauses`](crate::join_with_pauses) is this joiner writing into a `Vec`, so a track
//! assembled in memory and one streamed to a file are the same samples by construction.

use std::convert::Infallible;

use crate::join::{fade_in, fade_out};

/// Where assembled samples go, block by block: a `Vec<f32>` in memory, or a scratch file (wrap
/// the file's writer in a type of your own and implement this trait for it).
pub trait SampleSink {
    /// The error a write can fail with ([`Infallible`] for a `Vec`).
    type Error;

    /// Appends `samples`.
    ///
    /// # Errors
    ///
    /// Whatever the sink's storage fails with.
    fn write(&mut self, samples: &[f32]) -> Result<(), Self::Error>;
}

impl SampleSink for Vec<f32> {
    type Error = Infallible;

    fn write(&mut self, samples: &[f32]) -> Result<(), Infallible> {
        self.extend_from_slice(samples);
        Ok(())
    }
}

/// The peak (largest absolute sample) of audio fed in any number of pieces, in `f64`: feeding
/// the pieces of a buffer one by one gives the peak of the whole buffer. NaN samples are ignored.
///
/// ```
/// let mut peak = audio_dsp::RunningPeak::new();
/// peak.feed(&[0.1, -0.5]);
/// peak.feed(&[0.25]);
/// assert_eq!(peak.get(), 0.5);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct RunningPeak(f64);

impl RunningPeak {
    /// A peak of 0 (nothing fed yet).
    #[must_use]
    pub fn new() -> Self {
        Self(0.0)
    }

    /// Takes `samples` into account.
    pub fn feed(&mut self, samples: &[f32]) {
        for &x in samples {
            self.observe(f64::from(x));
        }
    }

    /// Takes one sample into account.
    pub(crate) fn observe(&mut self, x: f64) {
        self.0 = self.0.max(x.abs());
    }

    /// The largest absolute sample fed so far (`0.0` before any).
    #[must_use]
    pub fn get(self) -> f64 {
        self.0
    }
}

/// [`join_with_pauses`](crate::join_with_pauses), one chunk at a time, into a [`SampleSink`].
///
/// [`pause`](Self::pause) adds silence at the current point of the track: between two chunks it is
/// their pause; before the first chunk or after the last one it is a margin. Each chunk fades in
/// when a chunk precedes it and out when one follows it (pauses between them do not matter), with
/// the raised-cosine ramps of [`fade_in`](crate::fade_in) and [`fade_out`](crate::fade_out);
/// the outer ends of the track are not faded. Whether a chunk is the last is known only when the
/// next one (or [`finish`](Self::finish)) arrives, so its last `fade_samples` samples are held back
/// until then: memory stays bounded by one chunk, whatever the length of the track.
///
/// ```
/// use audio_dsp::StreamJoiner;
///
/// let (a, b) = ([0.5f32; 300], [0.5f32; 200]);
/// let mut joiner = StreamJoiner::new(Vec::new(), 10);
/// joiner.pause(50); // leading margin
/// joiner.push(&a)?;
/// joiner.pause(100);
/// joiner.push(&b)?;
/// joiner.pause(50); // trailing margin
/// let (track, peak) = joiner.finish()?;
///
/// let joined = audio_dsp::join_with_pauses(&[&a, &b], &[100], 10)?;
/// assert_eq!(track[50..650], joined[..]);
/// assert_eq!(peak, 0.5);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct StreamJoiner<S> {
    sink: S,
    fade: usize,
    /// The end of the last chunk (at most `fade` samples), faded in already; it fades out when
    /// another chunk follows.
    tail: Vec<f32>,
    /// Chunks pushed so far.
    chunks: usize,
    /// Silence owed before the next chunk (or at the end).
    pause: usize,
    /// Samples handed to the sink so far.
    written: u64,
    peak: RunningPeak,
}

impl<S: SampleSink> StreamJoiner<S> {
    /// A joiner writing into `sink`, with fades of `fade_samples` at every join.
    pub fn new(sink: S, fade_samples: usize) -> Self {
        Self {
            sink,
            fade: fade_samples,
            tail: Vec::new(),
            chunks: 0,
            pause: 0,
            written: 0,
            peak: RunningPeak::new(),
        }
    }

    /// Where the track stands: the samples written, held back and owed so far. Before a
    /// [`push`](Self::push) it is the index of the chunk's first sample in the finished track;
    /// after [`finish`](Self::finish) would write everything, it is the track's length. Fades
    /// change samples, never where they are: a word timed inside a chunk keeps its place.
    #[must_use]
    pub fn position(&self) -> u64 {
        self.written + self.tail.len() as u64 + self.pause as u64
    }

    /// Adds `samples` zero samples at this point of the track (pauses in a row add up).
    pub fn pause(&mut self, samples: usize) {
        self.pause = self.pause.saturating_add(samples);
    }

    /// Adds `chunk` after the silence owed so far.
    ///
    /// # Errors
    ///
    /// Whatever the sink fails with.
    pub fn push(&mut self, chunk: &[f32]) -> Result<(), S::Error> {
        self.write_tail(true)?;
        self.write_pause()?;
        let mut buf = std::mem::take(&mut self.tail);
        buf.extend_from_slice(chunk);
        if self.chunks > 0 {
            fade_in(&mut buf, self.fade);
        }
        let held = self.fade.min(buf.len());
        let body = buf.len() - held;
        self.write(buf.get(..body).unwrap_or_default())?;
        buf.drain(..body);
        self.tail = buf;
        self.chunks += 1;
        Ok(())
    }

    /// The sink, to take what was written so far (a stream hands each chunk on as it comes).
    pub fn sink_mut(&mut self) -> &mut S {
        &mut self.sink
    }

    /// How many chunks were pushed.
    #[must_use]
    pub fn chunks(&self) -> usize {
        self.chunks
    }

    /// Writes the last chunk's end (not faded out) and the silence owed; returns the sink and
    /// the peak of everything written (a [`RunningPeak`] of the track).
    ///
    /// # Errors
    ///
    /// Whatever the sink fails with.
    pub fn finish(mut self) -> Result<(S, f64), S::Error> {
        self.write_tail(false)?;
        self.write_pause()?;
        Ok((self.sink, self.peak.get()))
    }

    /// Writes the held end of the last chunk, faded out when another chunk follows.
    fn write_tail(&mut self, chunk_follows: bool) -> Result<(), S::Error> {
        let mut tail = std::mem::take(&mut self.tail);
        if chunk_follows {
            fade_out(&mut tail, self.fade);
        }
        self.write(&tail)?;
        tail.clear();
        self.tail = tail;
        Ok(())
    }

    fn write_pause(&mut self) -> Result<(), S::Error> {
        const ZEROS: [f32; 4096] = [0.0; 4096];
        while self.pause > 0 {
            let n = self.pause.min(ZEROS.len());
            self.sink.write(ZEROS.get(..n).unwrap_or_default())?;
            self.pause -= n;
            self.written += n as u64;
        }
        Ok(())
    }

    fn write(&mut self, samples: &[f32]) -> Result<(), S::Error> {
        if samples.is_empty() {
            return Ok(());
        }
        self.peak.feed(samples);
        self.sink.write(samples)?;
        self.written += samples.len() as u64;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn join(chunks: &[&[f32]], pauses: &[usize], fade: usize) -> (Vec<f32>, f64) {
        let mut joiner = StreamJoiner::new(Vec::new(), fade);
        for (i, chunk) in chunks.iter().enumerate() {
            if i > 0 {
                joiner.pause(pauses[i - 1]);
            }
            let Ok(()) = joiner.push(chunk);
        }
        let Ok(out) = joiner.finish();
        out
    }

    /// A sink whose storage fails: its error, and the cause under it, come back unchanged.
    struct FailingSink;

    impl SampleSink for FailingSink {
        type Error = std::io::Error;

        fn write(&mut self, _: &[f32]) -> Result<(), std::io::Error> {
            let disk = std::io::Error::new(std::io::ErrorKind::StorageFull, "disk full");
            Err(std::io::Error::other(WriteFailed(disk)))
        }
    }

    #[derive(Debug)]
    struct WriteFailed(std::io::Error);

    impl std::fmt::Display for WriteFailed {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("cannot write the spool")
        }
    }

    impl std::error::Error for WriteFailed {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            Some(&self.0)
        }
    }

    #[test]
    fn a_sink_error_comes_back_with_its_source_chain() {
        // audio-dsp's own `Error` wraps no cause (its failures are about the input's values);
        // a sink's failure is returned as the sink's own error, its chain intact.
        let mut joiner = StreamJoiner::new(FailingSink, 4);
        let Err(err) = joiner.push(&[0.5; 16]) else {
            unreachable!("the sink fails every write");
        };
        let mut chain = std::error::Error::source(&err);
        let mut found = None;
        while let Some(cause) = chain {
            found = found.or(cause.downcast_ref::<std::io::Error>());
            chain = cause.source();
        }
        assert_eq!(
            found.map(std::io::Error::kind),
            Some(std::io::ErrorKind::StorageFull),
            "{err:?}"
        );
    }

    #[test]
    fn position_is_where_the_next_chunk_starts_and_the_track_length_at_the_end() {
        let chunks: [&[f32]; 3] = [&[0.5; 30], &[0.25; 3], &[-0.5; 17]];
        let mut joiner = StreamJoiner::new(Vec::new(), 8);
        joiner.pause(5);
        let mut starts = Vec::new();
        for (i, chunk) in chunks.iter().enumerate() {
            joiner.pause(i * 7);
            starts.push(joiner.position());
            let Ok(()) = joiner.push(chunk);
        }
        joiner.pause(5);
        let end = joiner.position();
        let Ok((track, _)) = joiner.finish();
        assert_eq!(end, track.len() as u64);
        assert_eq!(starts, [5, 5 + 30 + 7, 5 + 30 + 7 + 3 + 14]);
        // The first chunk is not faded at its start, the last not at its end.
        assert_eq!(track[5], 0.5);
        assert_eq!(track[track.len() - 6], -0.5);
    }

    #[test]
    fn nothing_pushed_gives_the_silence_owed() {
        let mut joiner = StreamJoiner::new(Vec::new(), 4);
        joiner.pause(3);
        joiner.pause(2);
        assert_eq!(joiner.chunks(), 0);
        let Ok((out, peak)) = joiner.finish();
        assert_eq!(out, vec![0.0; 5]);
        assert_eq!(peak, 0.0);
    }

    #[test]
    fn chunks_fade_at_joins_only() {
        let a = [1.0f32; 10];
        let b = [-1.0f32; 10];
        let (out, peak) = join(&[&a, &b], &[3], 4);
        assert_eq!(out.len(), 23);
        assert_eq!(&out[..6], &[1.0; 6]);
        assert_eq!(out[9], 0.0);
        assert_eq!(&out[10..13], &[0.0; 3]);
        assert_eq!(out[13], 0.0);
        assert_eq!(&out[17..], &[-1.0; 6]);
        assert_eq!(peak, 1.0);
    }

    #[test]
    fn an_empty_neighbour_still_fades_a_chunk() {
        let a = [1.0f32; 6];
        let (alone, _) = join(&[&a], &[], 3);
        assert_eq!(alone, a.to_vec());
        let (before, _) = join(&[&[], &a], &[0], 3);
        assert_eq!(before[0], 0.0);
        assert_eq!(before[5], 1.0);
        let (after, _) = join(&[&a, &[]], &[0], 3);
        assert_eq!(after[0], 1.0);
        assert_eq!(after[5], 0.0);
    }

    #[test]
    fn long_pauses_are_written_in_blocks() {
        let (out, _) = join(&[&[0.5], &[0.5]], &[10_000], 0);
        assert_eq!(out.len(), 10_002);
        assert!(out[1..10_001].iter().all(|&x| x == 0.0));
    }

    #[test]
    fn running_peak_ignores_nan() {
        let mut peak = RunningPeak::new();
        peak.feed(&[f32::NAN, -0.25]);
        assert_eq!(peak.get(), 0.25);
    }
}
