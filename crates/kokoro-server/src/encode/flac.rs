//! FLAC through flacenc (pure Rust, Apache-2.0): 16-bit mono, frames of [`BLOCK`] samples, the
//! length and the MD5 signature of the samples in STREAMINFO.
//!
//! The whole answer is encoded at the end, streamed or not: the header comes first and must carry
//! the length, which a stream cannot know ahead, and a FLAC of unknown length (0 in STREAMINFO,
//! which the format allows) is refused by libsndfile, what Python's soundfile reads with.

use flacenc::component::BitRepr;
use flacenc::config;
use flacenc::error::Verify;
use flacenc::source::MemSource;

use super::{AudioFormat, EncodeError};

/// Samples per frame: the reference encoder's default.
const BLOCK: usize = 4096;

pub(super) struct Flac {
    rate: u32,
    /// Every sample so far, as 16-bit values.
    samples: Vec<i32>,
}

fn failed(e: impl std::fmt::Debug) -> EncodeError {
    EncodeError::Failed {
        format: AudioFormat::Flac,
        message: format!("{e:?}"),
    }
}

impl Flac {
    pub(super) fn new(sample_rate: u32, total_samples: Option<usize>) -> Self {
        Self {
            rate: sample_rate,
            samples: Vec::with_capacity(total_samples.unwrap_or(0)),
        }
    }

    /// Nothing yet: the samples are kept for [`Flac::finish`].
    pub(super) fn push(&mut self, samples: &[f32]) -> Vec<u8> {
        self.samples
            .extend(samples.iter().map(|&s| i32::from(super::to_i16(s))));
        Vec::new()
    }

    /// The whole FLAC.
    pub(super) fn finish(&mut self) -> Result<Vec<u8>, EncodeError> {
        let mut config = config::Encoder::default();
        config.block_size = BLOCK;
        let config = config.into_verified().map_err(|(_, e)| failed(e))?;
        let source = MemSource::from_samples(&self.samples, 1, 16, self.rate as usize);
        let stream =
            flacenc::encode_with_fixed_block_size(&config, source, BLOCK).map_err(failed)?;
        let mut sink = flacenc::bitsink::ByteSink::new();
        stream.write(&mut sink).map_err(|e| failed(e.to_string()))?;
        Ok(sink.into_inner())
    }
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
        let mut flac = Flac::new(24_000, Some(samples.len()));
        let mut bytes = flac.push(&samples);
        bytes.extend(flac.finish().unwrap());
        let (info, decoded) = decode(&bytes);
        assert!(info.md5sum.iter().any(|&b| b != 0), "the MD5 signature");
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
    fn a_stream_in_blocks_is_the_whole_flac_at_its_end() {
        let samples = tone(9_000);
        let mut flac = Flac::new(24_000, None);
        for block in samples.chunks(1_234) {
            assert!(flac.push(block).is_empty(), "nothing before the end");
        }
        let streamed = flac.finish().unwrap();
        let (info, decoded) = decode(&streamed);
        assert_eq!(info.samples, Some(9_000), "the length in the header");
        assert_eq!(decoded.len(), 9_000);
        let mut whole = Flac::new(24_000, Some(samples.len()));
        let mut all = whole.push(&samples);
        all.extend(whole.finish().unwrap());
        assert_eq!(streamed, all);
    }

    #[test]
    fn no_samples_is_a_valid_empty_flac() {
        let mut flac = Flac::new(24_000, Some(0));
        let bytes = flac.finish().unwrap();
        assert_eq!(&bytes[..4], b"fLaC");
        assert!(decode(&bytes).1.is_empty());
    }
}
