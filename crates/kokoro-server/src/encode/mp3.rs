//! MP3 through shine-rs: MPEG-2 Layer III at 24 kHz (MPEG-1 at 32-48 kHz), mono, constant bit rate.

use shine_rs::{Mp3Encoder, Mp3EncoderConfig, StereoMode};

use super::{AudioFormat, EncodeError};

/// The bit rate in kbit/s: 64 is transparent for speech at 24 kHz mono (about 480 KB a minute).
pub(super) const BITRATE_KBPS: u32 = 64;

pub(super) struct Mp3 {
    encoder: Mp3Encoder,
    pcm: Vec<i16>,
}

fn failed(e: impl std::fmt::Display) -> EncodeError {
    EncodeError::Failed {
        format: AudioFormat::Mp3,
        message: e.to_string(),
    }
}

impl Mp3 {
    pub(super) fn new(sample_rate: u32) -> Result<Self, EncodeError> {
        let config = Mp3EncoderConfig::new()
            .sample_rate(sample_rate)
            .bitrate(BITRATE_KBPS)
            .channels(1)
            .stereo_mode(StereoMode::Mono);
        let encoder = Mp3Encoder::new(config).map_err(failed)?;
        Ok(Self {
            encoder,
            pcm: Vec::new(),
        })
    }

    pub(super) fn push(&mut self, samples: &[f32]) -> Result<Vec<u8>, EncodeError> {
        self.pcm.clear();
        self.pcm.extend(samples.iter().map(|s| super::to_i16(*s)));
        let frames = self.encoder.encode_interleaved(&self.pcm).map_err(failed)?;
        Ok(frames.concat())
    }

    pub(super) fn finish(&mut self) -> Result<Vec<u8>, EncodeError> {
        self.encoder.finish().map_err(failed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The MPEG-2 Layer III frames of `bytes` (sync word, version, layer): how many, and the
    /// samples they hold (576 each at 24 kHz).
    fn frames(bytes: &[u8]) -> usize {
        let mut count = 0;
        let mut i = 0;
        while i + 4 <= bytes.len() {
            let h = &bytes[i..i + 4];
            assert_eq!(h[0], 0xff, "a frame starts at byte {i}");
            assert_eq!(h[1] & 0xfe, 0xf2, "MPEG-2 Layer III at byte {i}");
            let bitrate = [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160]
                [(h[2] >> 4) as usize];
            assert_eq!(bitrate, BITRATE_KBPS as usize);
            assert_eq!((h[2] >> 2) & 3, 1, "24 kHz");
            let padding = ((h[2] >> 1) & 1) as usize;
            i += 72_000 * bitrate / 24_000 + padding;
            count += 1;
        }
        assert_eq!(i, bytes.len(), "whole frames");
        count
    }

    #[test]
    fn a_second_of_audio_is_whole_mp3_frames_covering_it() {
        let samples: Vec<f32> = (0..24_000)
            .map(|i| (i as f32 * 440.0 * std::f32::consts::TAU / 24_000.0).sin() * 0.5)
            .collect();
        let mut mp3 = Mp3::new(24_000).unwrap();
        let mut bytes = Vec::new();
        for block in samples.chunks(1000) {
            bytes.extend(mp3.push(block).unwrap());
        }
        bytes.extend(mp3.finish().unwrap());
        let n = frames(&bytes);
        assert!(
            n * 576 >= 24_000 && n * 576 < 24_000 + 2 * 576,
            "{n} frames"
        );
    }
}
