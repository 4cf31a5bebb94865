//! Property tests for the invariants promised in the crate docs.

use audio_dsp::{
    RunningPeak, StreamJoiner, dbfs_to_amplitude, fade_in, fade_out, join_with_pauses,
    normalize_peak, normalize_peak_f64, peak, peak_target, scale_to_peak, trim_silence,
    trim_silence_range,
};
use proptest::prelude::*;

fn finite_samples() -> impl Strategy<Value = Vec<f32>> {
    prop::collection::vec(
        prop_oneof![-4.0f32..4.0, -1e-6f32..1e-6, Just(0.0f32)],
        0..400,
    )
}

fn target() -> impl Strategy<Value = f32> {
    -60.0f32..=0.0
}

/// Chunks of audio (some empty, some shorter than a fade) and one pause per gap.
fn chunks_and_pauses() -> impl Strategy<Value = (Vec<Vec<f32>>, Vec<usize>)> {
    prop::collection::vec(prop::collection::vec(-1.0f32..1.0, 0..200), 1..8).prop_flat_map(
        |chunks| {
            let gaps = chunks.len() - 1;
            (Just(chunks), prop::collection::vec(0usize..300, gaps))
        },
    )
}

/// The join spelled out: each chunk faded in after a chunk and out before one, then its pause.
fn reference_join(chunks: &[Vec<f32>], pauses: &[usize], fade: usize) -> Vec<f32> {
    let mut out = Vec::new();
    for (i, chunk) in chunks.iter().enumerate() {
        let mut c = chunk.clone();
        if i > 0 {
            fade_in(&mut c, fade);
        }
        if i + 1 < chunks.len() {
            fade_out(&mut c, fade);
        }
        out.extend_from_slice(&c);
        out.resize(out.len() + pauses.get(i).copied().unwrap_or(0), 0.0);
    }
    out
}

/// `samples` cut at the given fractions of its length, in order.
fn cut(samples: &[f32], cuts: &[f64]) -> Vec<Vec<f32>> {
    let mut at: Vec<usize> = cuts
        .iter()
        .map(|f| ((samples.len() as f64) * f) as usize)
        .collect();
    at.sort_unstable();
    let mut pieces = Vec::new();
    let mut start = 0;
    for end in at.into_iter().chain([samples.len()]) {
        pieces.push(samples[start..end].to_vec());
        start = end;
    }
    pieces
}

proptest! {
    #[test]
    fn normalized_peak_hits_target(samples in finite_samples(), target in target()) {
        prop_assume!(samples.iter().any(|&x| x != 0.0));
        let before = samples.clone();
        let out = normalize_peak(&samples, target).unwrap();
        prop_assert_eq!(&samples, &before, "input modified");
        prop_assert_eq!(out.len(), samples.len());
        prop_assert!((peak(&out) - dbfs_to_amplitude(target)).abs() <= 1e-6,
            "peak {} target {}", peak(&out), dbfs_to_amplitude(target));
        // Scaling keeps signs and ordering of magnitudes.
        for (x, y) in samples.iter().zip(&out) {
            prop_assert!(x.signum() == y.signum() || *y == 0.0);
        }
    }

    #[test]
    fn normalized_f64_peak_hits_target(
        samples in prop::collection::vec(-1e3f64..1e3, 1..300),
        target in target(),
    ) {
        prop_assume!(samples.iter().any(|&x| x != 0.0));
        let out = normalize_peak_f64(&samples, target).unwrap();
        prop_assert_eq!(out.len(), samples.len());
        prop_assert!((peak(&out) - dbfs_to_amplitude(target)).abs() <= 1e-6);
    }

    #[test]
    fn silence_stays_silence(len in 0usize..500, target in target()) {
        let silence = vec![0.0f32; len];
        prop_assert_eq!(normalize_peak(&silence, target).unwrap(), silence);
    }

    #[test]
    fn join_has_exact_length(
        chunks in prop::collection::vec(prop::collection::vec(-1.0f32..1.0, 0..200), 1..8),
        pauses_seed in prop::collection::vec(0usize..300, 8),
        fade in 0usize..250,
    ) {
        let pauses = &pauses_seed[..chunks.len() - 1];
        let refs: Vec<&[f32]> = chunks.iter().map(Vec::as_slice).collect();
        let out = join_with_pauses(&refs, pauses, fade).unwrap();
        let expected: usize =
            chunks.iter().map(Vec::len).sum::<usize>() + pauses.iter().sum::<usize>();
        prop_assert_eq!(out.len(), expected);
        // Fades only attenuate: no sample grows in magnitude beyond the input peak.
        let in_peak = chunks.iter().map(|c| peak(c)).fold(0.0f32, f32::max);
        prop_assert!(peak(&out) <= in_peak);
    }

    #[test]
    fn trim_never_grows_or_cuts_loud_samples(
        samples in finite_samples(),
        threshold in 0.0f32..2.0,
        margin in 0usize..50,
    ) {
        let range = trim_silence_range(&samples, threshold, margin);
        let kept = trim_silence(&samples, threshold, margin);
        prop_assert!(kept.len() <= samples.len());
        prop_assert_eq!(kept.len(), range.len());
        for (i, x) in samples.iter().enumerate() {
            if x.abs() >= threshold {
                prop_assert!(range.contains(&i), "loud sample {} at {} was cut", x, i);
            }
        }
        // At most `margin` silent samples survive on each side.
        let lead = kept.iter().take_while(|x| x.abs() < threshold).count();
        let trail = kept.iter().rev().take_while(|x| x.abs() < threshold).count();
        if kept.iter().any(|x| x.abs() >= threshold) {
            prop_assert!(lead <= margin && trail <= margin);
        } else {
            prop_assert!(kept.is_empty());
        }
    }

    #[test]
    fn join_equals_the_join_spelled_out(
        (chunks, pauses) in chunks_and_pauses(),
        fade in 0usize..250,
    ) {
        let refs: Vec<&[f32]> = chunks.iter().map(Vec::as_slice).collect();
        let out = join_with_pauses(&refs, &pauses, fade).unwrap();
        let expected = reference_join(&chunks, &pauses, fade);
        prop_assert_eq!(out.len(), expected.len());
        for (a, b) in out.iter().zip(&expected) {
            prop_assert_eq!(a.to_bits(), b.to_bits());
        }
    }

    #[test]
    fn running_peak_of_the_pieces_is_the_peak_of_the_whole(
        samples in finite_samples(),
        cuts in prop::collection::vec(0.0f64..1.0, 0..6),
    ) {
        let mut running = RunningPeak::new();
        for piece in cut(&samples, &cuts) {
            running.feed(&piece);
        }
        prop_assert_eq!(running.get(), f64::from(peak(&samples)));
    }

    #[test]
    fn a_streamed_track_scaled_in_blocks_is_the_normalized_join(
        (chunks, pauses) in chunks_and_pauses(),
        fade in 0usize..250,
        margin in 0usize..100,
        target in target(),
        cuts in prop::collection::vec(0.0f64..1.0, 0..6),
    ) {
        // At once: join, pad with the margins, normalize.
        let refs: Vec<&[f32]> = chunks.iter().map(Vec::as_slice).collect();
        let mut padded = vec![0.0f32; margin];
        padded.extend(join_with_pauses(&refs, &pauses, fade).unwrap());
        padded.resize(padded.len() + margin, 0.0);
        let at_once = normalize_peak(&padded, target).unwrap();

        // Streamed: chunk by chunk with the running peak, then scaled block by block.
        let mut joiner = StreamJoiner::new(Vec::new(), fade);
        joiner.pause(margin);
        for (i, chunk) in chunks.iter().enumerate() {
            if i > 0 {
                joiner.pause(pauses[i - 1]);
            }
            let Ok(()) = joiner.push(chunk);
        }
        joiner.pause(margin);
        let Ok((track, track_peak)) = joiner.finish();
        prop_assert_eq!(&track, &padded);
        prop_assert_eq!(track_peak, f64::from(peak(&track)));
        let target = peak_target(target).unwrap();
        let mut streamed = Vec::new();
        for mut block in cut(&track, &cuts) {
            scale_to_peak(&mut block, track_peak, target);
            streamed.extend(block);
        }
        prop_assert_eq!(streamed.len(), at_once.len());
        for (a, b) in streamed.iter().zip(&at_once) {
            prop_assert_eq!(a.to_bits(), b.to_bits());
        }
    }
}
