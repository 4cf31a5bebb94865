//! WAV and raw PCM: 16-bit little-endian mono.

/// The 44-byte header of a 16-bit mono WAV of `samples` samples at `rate`; `None` (a stream)
/// writes the largest sizes, which players read as "until the end".
pub(super) fn header(rate: u32, samples: Option<usize>) -> [u8; 44] {
    let data = samples
        .and_then(|n| u32::try_from(n.saturating_mul(2)).ok())
        .filter(|bytes| *bytes <= u32::MAX - 36)
        .unwrap_or(u32::MAX - 36);
    let mut h = [0u8; 44];
    h[0..4].copy_from_slice(b"RIFF");
    h[4..8].copy_from_slice(&(data + 36).to_le_bytes());
    h[8..12].copy_from_slice(b"WAVE");
    h[12..16].copy_from_slice(b"fmt ");
    h[16..20].copy_from_slice(&16u32.to_le_bytes());
    h[20..22].copy_from_slice(&1u16.to_le_bytes()); // PCM
    h[22..24].copy_from_slice(&1u16.to_le_bytes()); // mono
    h[24..28].copy_from_slice(&rate.to_le_bytes());
    h[28..32].copy_from_slice(&(rate * 2).to_le_bytes()); // bytes per second
    h[32..34].copy_from_slice(&2u16.to_le_bytes()); // block align
    h[34..36].copy_from_slice(&16u16.to_le_bytes()); // bits per sample
    h[36..40].copy_from_slice(b"data");
    h[40..44].copy_from_slice(&data.to_le_bytes());
    h
}

/// `samples` as 16-bit little-endian PCM.
pub(super) fn pcm16(samples: &[f32]) -> Vec<u8> {
    samples
        .iter()
        .flat_map(|s| super::to_i16(*s).to_le_bytes())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_header_states_the_format_and_the_length() {
        let h = header(24_000, Some(100));
        assert_eq!(&h[0..4], b"RIFF");
        assert_eq!(u32::from_le_bytes([h[4], h[5], h[6], h[7]]), 236);
        assert_eq!(u32::from_le_bytes([h[24], h[25], h[26], h[27]]), 24_000);
        assert_eq!(u32::from_le_bytes([h[40], h[41], h[42], h[43]]), 200);
        let streamed = header(24_000, None);
        assert_eq!(
            u32::from_le_bytes([streamed[4], streamed[5], streamed[6], streamed[7]]),
            u32::MAX
        );
    }

    #[test]
    fn pcm_is_little_endian() {
        assert_eq!(pcm16(&[1.0, -1.0]), vec![0xff, 0x7f, 0x01, 0x80]);
    }
}
