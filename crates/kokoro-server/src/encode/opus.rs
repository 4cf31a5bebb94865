//! Opus in Ogg (OpenAI's `opus`, RFC 7845) through opus-rs (a pure-Rust port of libopus, BSD-3)
//! and the `ogg` crate's page writer: mono at the model's 24 kHz, 20 ms frames at 32 kbit/s,
//! each push's packets on a page of their own so that a stream sends them at once.

use ogg::writing::{PacketWriteEndInfo, PacketWriter};
use opus_rs::{Application, OpusEncoder};

use super::{AudioFormat, EncodeError};

/// The bit rate: speech at 24 kHz mono is transparent well below it.
const BITRATE_BPS: i32 = 32_000;
/// The Ogg stream's serial number (one stream per answer).
const SERIAL: u32 = 0x6b6f_6b6f;
/// Granule positions count 48 kHz samples whatever the input rate (RFC 7845, 4).
const GRANULE_RATE: u64 = 48_000;

pub(super) struct Opus {
    encoder: OpusEncoder,
    writer: PacketWriter<'static, Vec<u8>>,
    rate: u32,
    /// Input samples per 20 ms frame.
    frame: usize,
    /// The encoder's delay, in input samples: what a decoder skips (the header's pre-skip).
    delay: usize,
    pending: Vec<f32>,
    /// Input samples pushed, and encoded (the padding of the last frames included).
    pushed: u64,
    encoded: u64,
    packet: Vec<u8>,
}

fn failed(e: impl std::fmt::Display) -> EncodeError {
    EncodeError::Failed {
        format: AudioFormat::Opus,
        message: e.to_string(),
    }
}

impl Opus {
    pub(super) fn new(sample_rate: u32) -> Result<Self, EncodeError> {
        let rate = i32::try_from(sample_rate).map_err(failed)?;
        let mut encoder = OpusEncoder::new(rate, 1, Application::Audio).map_err(failed)?;
        encoder.bitrate_bps = BITRATE_BPS;
        // libopus's lookahead outside low-delay mode: 2.5 ms plus the 4 ms delay compensation.
        let delay = sample_rate as usize / 400 + sample_rate as usize / 250;
        let mut opus = Self {
            encoder,
            writer: PacketWriter::new(Vec::new()),
            rate: sample_rate,
            frame: sample_rate as usize / 50,
            delay,
            pending: Vec::new(),
            pushed: 0,
            encoded: 0,
            packet: vec![0; 1_500],
        };
        opus.headers()?;
        Ok(opus)
    }

    /// Samples of the input rate as a granule position (48 kHz).
    fn granule(&self, samples: u64) -> u64 {
        samples * GRANULE_RATE / u64::from(self.rate)
    }

    /// The identification header and the comment header, each on its own page (RFC 7845, 5).
    fn headers(&mut self) -> Result<(), EncodeError> {
        let pre_skip = u16::try_from(self.granule(self.delay as u64)).map_err(failed)?;
        let mut head = b"OpusHead".to_vec();
        head.extend([1, 1]); // version, channels
        head.extend(pre_skip.to_le_bytes());
        head.extend(self.rate.to_le_bytes()); // the input's rate, for information
        head.extend(0i16.to_le_bytes()); // output gain
        head.push(0); // channel mapping family 0: mono or stereo, no table
        let vendor = concat!("kokoro-server ", env!("CARGO_PKG_VERSION"), " (opus-rs)");
        let mut tags = b"OpusTags".to_vec();
        tags.extend((vendor.len() as u32).to_le_bytes());
        tags.extend(vendor.as_bytes());
        tags.extend(0u32.to_le_bytes()); // no user comments
        for header in [head, tags] {
            self.writer
                .write_packet(header, SERIAL, PacketWriteEndInfo::EndPage, 0)
                .map_err(failed)?;
        }
        Ok(())
    }

    /// The bytes written so far (the headers on the first call), taken out of the writer.
    fn take(&mut self) -> Vec<u8> {
        std::mem::take(self.writer.inner_mut())
    }

    /// Encodes every whole frame of `pending`; the last packet ends the page (`end`: the stream).
    fn encode_frames(&mut self, end: PacketWriteEndInfo) -> Result<(), EncodeError> {
        let frames = self.pending.len() / self.frame;
        for i in 0..frames {
            let pcm = &self.pending[i * self.frame..(i + 1) * self.frame];
            let n = self
                .encoder
                .encode(pcm, self.frame, &mut self.packet)
                .map_err(failed)?;
            self.encoded += self.frame as u64;
            let last = i + 1 == frames;
            let (info, granule) = match end {
                // The stream's end: the decoder drops what lies past the input's last sample.
                PacketWriteEndInfo::EndStream if last => (
                    end,
                    self.granule(self.pushed.min(self.encoded) + self.delay as u64),
                ),
                _ => (
                    if last {
                        end
                    } else {
                        PacketWriteEndInfo::NormalPacket
                    },
                    self.granule(self.encoded),
                ),
            };
            self.writer
                .write_packet(self.packet[..n].to_vec(), SERIAL, info, granule)
                .map_err(failed)?;
        }
        self.pending.drain(..frames * self.frame);
        Ok(())
    }

    /// The pages of every frame `samples` complete (the headers first).
    pub(super) fn push(&mut self, samples: &[f32]) -> Result<Vec<u8>, EncodeError> {
        self.pending.extend_from_slice(samples);
        self.pushed += samples.len() as u64;
        self.encode_frames(PacketWriteEndInfo::EndPage)?;
        Ok(self.take())
    }

    /// The last frames: the rest padded with silence past the encoder's delay, so that the last
    /// input sample comes out, then the end of the stream.
    pub(super) fn finish(&mut self) -> Result<Vec<u8>, EncodeError> {
        let wanted = self.pending.len() + self.delay;
        let padded = wanted.div_ceil(self.frame).max(1) * self.frame;
        self.pending.resize(padded, 0.0);
        self.encode_frames(PacketWriteEndInfo::EndStream)?;
        Ok(self.take())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encode::tests::tone;
    use opus_rs::OpusDecoder;

    /// The Ogg Opus stream decoded: its header's pre-skip, the last granule position and the
    /// samples at 24 kHz with the pre-skip dropped and the end trimmed at the last granule.
    fn decode(bytes: &[u8]) -> (u16, u64, Vec<f32>) {
        let mut reader = ogg::PacketReader::new(std::io::Cursor::new(bytes));
        let head = reader.read_packet().unwrap().unwrap();
        assert_eq!(&head.data[..8], b"OpusHead");
        assert_eq!(head.data[9], 1, "mono");
        let pre_skip = u16::from_le_bytes([head.data[10], head.data[11]]);
        let tags = reader.read_packet().unwrap().unwrap();
        assert_eq!(&tags.data[..8], b"OpusTags");
        let mut decoder = OpusDecoder::new(24_000, 1).unwrap();
        let mut out = Vec::new();
        let mut last_granule = 0;
        let mut pcm = vec![0f32; 5_760];
        while let Some(packet) = reader.read_packet().unwrap() {
            let n = decoder.decode(&packet.data, 5_760, &mut pcm).unwrap();
            out.extend_from_slice(&pcm[..n]);
            if packet.last_in_stream() {
                last_granule = packet.absgp_page();
            }
        }
        let skip = usize::from(pre_skip) / 2;
        let end = (last_granule as usize) / 2;
        (
            pre_skip,
            last_granule,
            out[skip..end.min(out.len())].to_vec(),
        )
    }

    /// Signal-to-noise ratio of `decoded` against `original`, in dB.
    fn snr(original: &[f32], decoded: &[f32]) -> f64 {
        let (mut signal, mut noise) = (0f64, 0f64);
        for (a, b) in original.iter().zip(decoded) {
            signal += f64::from(*a).powi(2);
            noise += f64::from(a - b).powi(2);
        }
        10.0 * (signal / noise.max(1e-12)).log10()
    }

    #[test]
    fn a_stream_in_blocks_decodes_to_its_length_and_sound() {
        let samples = tone(24_000);
        let mut opus = Opus::new(24_000).unwrap();
        let mut bytes = Vec::new();
        for block in samples.chunks(1_000) {
            bytes.extend(opus.push(block).unwrap());
        }
        bytes.extend(opus.finish().unwrap());
        let (pre_skip, granule, decoded) = decode(&bytes);
        assert_eq!(pre_skip, 312, "6.5 ms at 48 kHz");
        assert_eq!(granule, 312 + 48_000, "the input's length, at 48 kHz");
        assert_eq!(decoded.len(), samples.len());
        // Lossy, but the same tone, in time (a wrong pre-skip would shift it out of phase).
        let db = snr(&samples[480..], &decoded[480..]);
        assert!(db > 10.0, "{db:.1} dB");
        assert!(
            bytes.len() < 24_000 / 2,
            "about 32 kbit/s: {} bytes",
            bytes.len()
        );
    }

    #[test]
    fn a_short_answer_still_ends_the_stream() {
        let mut opus = Opus::new(24_000).unwrap();
        let mut bytes = opus.push(&tone(100)).unwrap();
        bytes.extend(opus.finish().unwrap());
        let (_, granule, decoded) = decode(&bytes);
        assert_eq!(granule, 312 + 200);
        assert_eq!(decoded.len(), 100);
    }
}
