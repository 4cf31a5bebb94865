//! Audio formats of `response_format`, and their encoders: each takes blocks of f32 samples as they
//! come and gives the bytes to send, so that one encoder serves a whole response and a stream.

#[cfg(feature = "flac")]
mod flac;
#[cfg(feature = "mp3")]
mod mp3;
#[cfg(feature = "opus")]
mod opus;
mod wav;

use std::fmt;

/// The `response_format`s of OpenAI's speech API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum AudioFormat {
    /// MPEG-1/2 Layer III (OpenAI's default).
    Mp3,
    /// Opus in Ogg.
    Opus,
    /// AAC in ADTS.
    Aac,
    /// FLAC.
    Flac,
    /// 16-bit PCM WAV.
    Wav,
    /// Raw 16-bit little-endian PCM, mono, at the model's rate (24 kHz), as OpenAI's `pcm`.
    Pcm,
}

/// Every format OpenAI names, in its order.
pub const ALL_FORMATS: [AudioFormat; 6] = [
    AudioFormat::Mp3,
    AudioFormat::Opus,
    AudioFormat::Aac,
    AudioFormat::Flac,
    AudioFormat::Wav,
    AudioFormat::Pcm,
];

impl AudioFormat {
    /// The format named `name` (`mp3`, `opus`, `aac`, `flac`, `wav`, `pcm`), if OpenAI has it.
    pub fn parse(name: &str) -> Option<Self> {
        ALL_FORMATS.into_iter().find(|f| f.name() == name)
    }

    /// Its name in `response_format`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Mp3 => "mp3",
            Self::Opus => "opus",
            Self::Aac => "aac",
            Self::Flac => "flac",
            Self::Wav => "wav",
            Self::Pcm => "pcm",
        }
    }

    /// The response's `Content-Type`.
    pub fn content_type(self) -> &'static str {
        match self {
            Self::Mp3 => "audio/mpeg",
            Self::Opus => "audio/ogg",
            Self::Aac => "audio/aac",
            Self::Flac => "audio/flac",
            Self::Wav => "audio/wav",
            Self::Pcm => "audio/pcm",
        }
    }

    /// True when this build can encode it.
    pub fn is_available(self) -> bool {
        match self {
            Self::Mp3 => cfg!(feature = "mp3"),
            Self::Opus => cfg!(feature = "opus"),
            Self::Flac => cfg!(feature = "flac"),
            Self::Wav | Self::Pcm => true,
            Self::Aac => false,
        }
    }

    /// The formats this build can encode, comma-separated, for messages.
    pub fn available_list() -> String {
        ALL_FORMATS
            .into_iter()
            .filter(|f| f.is_available())
            .map(AudioFormat::name)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

impl fmt::Display for AudioFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Why a format cannot be encoded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EncodeError {
    /// This build has no encoder for the format.
    #[error("response_format {0} is not available in this server; use one of: {list}", list = AudioFormat::available_list())]
    Unavailable(AudioFormat),
    /// The encoder refused its settings or its input.
    #[error("the {format} encoder failed: {message}")]
    Failed {
        /// The format.
        format: AudioFormat,
        /// What the encoder said.
        message: String,
    },
}

/// An encoder of one response: [`Encoder::push`] blocks of samples as they come, then
/// [`Encoder::finish`]; each returns the bytes to send next.
pub struct Encoder {
    inner: Inner,
}

enum Inner {
    Pcm,
    Wav {
        header_sent: bool,
        total: Option<usize>,
    },
    #[cfg(feature = "mp3")]
    Mp3(Box<mp3::Mp3>),
    #[cfg(feature = "flac")]
    Flac(Box<flac::Flac>),
    #[cfg(feature = "opus")]
    Opus(Box<opus::Opus>),
}

impl Encoder {
    /// An encoder of `format` for mono audio at `sample_rate`. `total_samples`, when known, lets a
    /// WAV header carry the true length; a stream (unknown length) gets the "unknown size" header
    /// that players read to the end.
    pub fn new(
        format: AudioFormat,
        sample_rate: u32,
        total_samples: Option<usize>,
    ) -> Result<Self, EncodeError> {
        let inner = match format {
            AudioFormat::Pcm => Inner::Pcm,
            AudioFormat::Wav => Inner::Wav {
                header_sent: false,
                total: total_samples,
            },
            #[cfg(feature = "mp3")]
            AudioFormat::Mp3 => Inner::Mp3(Box::new(mp3::Mp3::new(sample_rate)?)),
            #[cfg(feature = "flac")]
            AudioFormat::Flac => Inner::Flac(Box::new(flac::Flac::new(sample_rate, total_samples))),
            #[cfg(feature = "opus")]
            AudioFormat::Opus => Inner::Opus(Box::new(opus::Opus::new(sample_rate)?)),
            other => return Err(EncodeError::Unavailable(other)),
        };
        let _ = sample_rate;
        Ok(Self { inner })
    }

    /// The bytes that encode `samples` (they may be held back until a frame is full).
    pub fn push(&mut self, samples: &[f32], sample_rate: u32) -> Result<Vec<u8>, EncodeError> {
        match &mut self.inner {
            Inner::Pcm => Ok(wav::pcm16(samples)),
            Inner::Wav { header_sent, total } => {
                let mut out = Vec::with_capacity(44 + samples.len() * 2);
                if !*header_sent {
                    out.extend_from_slice(&wav::header(sample_rate, *total));
                    *header_sent = true;
                }
                out.extend_from_slice(&wav::pcm16(samples));
                Ok(out)
            }
            #[cfg(feature = "mp3")]
            Inner::Mp3(mp3) => mp3.push(samples),
            #[cfg(feature = "flac")]
            Inner::Flac(flac) => Ok(flac.push(samples)),
            #[cfg(feature = "opus")]
            Inner::Opus(opus) => opus.push(samples),
        }
    }

    /// The bytes that end the stream (a header for an empty WAV, the last MP3, FLAC or Opus
    /// frames).
    pub fn finish(self, sample_rate: u32) -> Result<Vec<u8>, EncodeError> {
        match self.inner {
            Inner::Pcm => Ok(Vec::new()),
            Inner::Wav { header_sent, total } => Ok(if header_sent {
                Vec::new()
            } else {
                wav::header(sample_rate, total).to_vec()
            }),
            #[cfg(feature = "mp3")]
            Inner::Mp3(mut mp3) => mp3.finish(),
            #[cfg(feature = "flac")]
            Inner::Flac(mut flac) => flac.finish(),
            #[cfg(feature = "opus")]
            Inner::Opus(mut opus) => opus.finish(),
        }
    }

    /// The whole of `samples` in `format`.
    pub fn encode_all(
        format: AudioFormat,
        samples: &[f32],
        sample_rate: u32,
    ) -> Result<Vec<u8>, EncodeError> {
        let mut encoder = Self::new(format, sample_rate, Some(samples.len()))?;
        let mut out = encoder.push(samples, sample_rate)?;
        out.extend(encoder.finish(sample_rate)?);
        Ok(out)
    }
}

/// A sample as 16-bit PCM: clamped to [-1, 1], rounded.
fn to_i16(sample: f32) -> i16 {
    let clamped = if sample.is_finite() {
        sample.clamp(-1.0, 1.0)
    } else {
        0.0
    };
    // In range by the clamp: the cast cannot saturate.
    (clamped * 32767.0).round() as i16
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// `n` samples of a 440 Hz tone at half scale, at 24 kHz: what the encoders' tests encode.
    pub(crate) fn tone(n: usize) -> Vec<f32> {
        (0..n)
            .map(|i| (i as f32 * 440.0 * std::f32::consts::TAU / 24_000.0).sin() * 0.5)
            .collect()
    }

    #[test]
    fn formats_parse_by_their_openai_names() {
        for f in ALL_FORMATS {
            assert_eq!(AudioFormat::parse(f.name()), Some(f));
        }
        assert_eq!(AudioFormat::parse("MP3"), None);
        assert_eq!(AudioFormat::parse("ogg"), None);
    }

    #[test]
    fn an_unavailable_format_is_refused_naming_the_available_ones() {
        let e = Encoder::new(AudioFormat::Aac, 24_000, None).err().unwrap();
        let text = e.to_string();
        assert!(text.contains("aac"), "{text}");
        assert!(text.contains("wav, pcm"), "{text}");
        assert_eq!(
            AudioFormat::available_list(),
            ALL_FORMATS
                .into_iter()
                .filter(|f| match f {
                    AudioFormat::Mp3 => cfg!(feature = "mp3"),
                    AudioFormat::Opus => cfg!(feature = "opus"),
                    AudioFormat::Flac => cfg!(feature = "flac"),
                    _ => !matches!(f, AudioFormat::Aac),
                })
                .map(AudioFormat::name)
                .collect::<Vec<_>>()
                .join(", ")
        );
    }

    #[test]
    fn samples_convert_to_i16_clamped() {
        assert_eq!(to_i16(0.0), 0);
        assert_eq!(to_i16(1.0), 32767);
        assert_eq!(to_i16(2.0), 32767);
        assert_eq!(to_i16(-1.5), -32767);
        assert_eq!(to_i16(f32::NAN), 0);
    }

    #[test]
    fn a_wav_in_blocks_is_the_whole_wav_but_its_header() {
        let samples: Vec<f32> = (0..1000).map(|i| (i as f32 / 50.0).sin() * 0.5).collect();
        let whole = Encoder::encode_all(AudioFormat::Wav, &samples, 24_000).unwrap();
        let mut stream = Encoder::new(AudioFormat::Wav, 24_000, None).unwrap();
        let mut streamed = Vec::new();
        for block in samples.chunks(77) {
            streamed.extend(stream.push(block, 24_000).unwrap());
        }
        streamed.extend(stream.finish(24_000).unwrap());
        assert_eq!(whole.len(), streamed.len());
        assert_eq!(whole[44..], streamed[44..]);
        assert_ne!(whole[4..8], streamed[4..8], "only the sizes differ");
    }
}
