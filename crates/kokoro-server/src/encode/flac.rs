//! FLAC through flacenc (pure Rust, Apache-2.0): 16-bit mono, in frames of [`BLOCK`] samples
//! encoded as they fill, so that a stream sends each frame as soon as it is whole.
//!
//! The header (`fLaC` and STREAMINFO) goes first; it carries the total length when the answer is
//! rendered whole, 0 ("unknown") for a stream, and no MD5 signature (all zero: "not computed",
//! which decoders accept), since the header is sent before the samples it would sum.

use flacenc::component::{BitRepr, Stream};
use flacenc::config;
use flacenc::error::{Verified, Verify};
use flacenc::source::{Fill, FrameBuf};

use super::{AudioFormat, EncodeError};

/// Samples per frame: the reference encoder's default.
const BLOCK: usize = 4096;

pub(super) struct Flac {
    config: Verified<config::Encoder>,
    stream: Stream,
    frame: FrameBuf,
    /// Samples waiting for a whole frame.
    pending: Vec<i32>,
    frames: usize,
    header_sent: bool,
}

fn failed(e: impl std::fmt::Debug) -> EncodeError {
    EncodeError::Failed {
        format: AudioFormat::Flac,
        message: format!("{e:?}"),
    }
}

impl Flac {
    pub(super) fn new(sample_rate: u32, total_samples: Option<usize>) -> Result<Self, EncodeError> {
        let mut config = config::Encoder::default();
        config.block_size = BLOCK;
        let config = config.into_verified().map_err(|(_, e)| failed(e))?;
        let mut stream = Stream::new(sample_rate as usize, 1, 16).map_err(failed)?;
        let info = stream.stream_info_mut();
        info.set_block_sizes(BLOCK, BLOCK).map_err(failed)?;
        info.set_total_samples(total_samples.unwrap_or(0));
        Ok(Self {
            config,
            stream,
            frame: FrameBuf::with_size(1, BLOCK).map_err(failed)?,
            pending: Vec::with_capacity(BLOCK),
            frames: 0,
            header_sent: false,
        })
    }

    /// The header, once, then every frame `samples` complete.
    pub(super) fn push(&mut self, samples: &[f32]) -> Result<Vec<u8>, EncodeError> {
        let mut out = self.header()?;
        for &s in samples {
            self.pending.push(i32::from(super::to_i16(s)));
            if self.pending.len() == BLOCK {
                out.extend(self.encode_pending()?);
            }
        }
        Ok(out)
    }

    /// The header if not sent yet, and the last, shorter frame.
    pub(super) fn finish(&mut self) -> Result<Vec<u8>, EncodeError> {
        let mut out = self.header()?;
        if !self.pending.is_empty() {
            out.extend(self.encode_pending()?);
        }
        Ok(out)
    }

    fn header(&mut self) -> Result<Vec<u8>, EncodeError> {
        if self.header_sent {
            return Ok(Vec::new());
        }
        self.header_sent = true;
        // A stream without frames is the header alone: `fLaC` and STREAMINFO.
        write(&self.stream)
    }

    fn encode_pending(&mut self) -> Result<Vec<u8>, EncodeError> {
        self.frame.fill_interleaved(&self.pending).map_err(failed)?;
        self.pending.clear();
        let frame = flacenc::encode_fixed_size_frame(
            &self.config,
            &self.frame,
            self.frames,
            self.stream.stream_info(),
        )
        .map_err(failed)?;
        self.frames += 1;
        write(&frame)
    }
}

fn write(what: &impl BitRepr) -> Result<Vec<u8>, EncodeError> {
    let mut sink = flacenc::bitsink::ByteSink::new();
    what.write(&mut sink).map_err(|e| failed(e.to_string()))?;
    Ok(sink.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encode::tests::tone;

    fn decode(bytes: &[u8]) -> (claxon::metadata::StreamInfo, Vec<i32>) {
        let mut reader = claxon::FlacReader::new(bytes).unwrap();
        let info = reader.streaminfo();
        let samples = reader.samples().collect::<Result<Vec<_>, _>>().unwrap();
        (info, samples)
    }

    #[test]
    fn a_whole_answer_decodes_to_its_samples_and_length() {
        let samples = tone(10_000);
        let mut flac = Flac::new(24_000, Some(samples.len())).unwrap();
        let mut bytes = flac.push(&samples).unwrap();
        bytes.extend(flac.finish().unwrap());
        let (info, decoded) = decode(&bytes);
        assert_eq!(
            (info.sample_rate, info.channels, info.bits_per_sample),
            (24_000, 1, 16)
        );
        assert_eq!(info.samples, Some(10_000));
        let expected: Vec<i32> = samples
            .iter()
            .map(|&s| i32::from(super::super::to_i16(s)))
            .collect();
        assert_eq!(decoded, expected, "lossless");
        assert!(
            bytes.len() < 2 * samples.len(),
            "compressed: {}",
            bytes.len()
        );
    }

    #[test]
    fn a_stream_in_blocks_decodes_to_the_same_samples() {
        let samples = tone(9_000);
        let mut flac = Flac::new(24_000, None).unwrap();
        let mut bytes = Vec::new();
        for block in samples.chunks(1_234) {
            bytes.extend(flac.push(block).unwrap());
        }
        bytes.extend(flac.finish().unwrap());
        let (info, decoded) = decode(&bytes);
        assert_eq!(info.samples, None, "unknown length");
        assert_eq!(decoded.len(), 9_000);
        let mut whole = Flac::new(24_000, Some(samples.len())).unwrap();
        let mut all = whole.push(&samples).unwrap();
        all.extend(whole.finish().unwrap());
        assert_eq!(decoded, decode(&all).1);
    }

    #[test]
    fn no_samples_is_a_valid_empty_flac() {
        let mut flac = Flac::new(24_000, Some(0)).unwrap();
        let bytes = flac.finish().unwrap();
        assert_eq!(&bytes[..4], b"fLaC");
        assert!(decode(&bytes).1.is_empty());
    }
}
