//! Property tests for the invariants promised in the crate docs.

use audio_dsp::{
    dbfs_to_amplitude, join_with_pauses, normalize_peak, normalize_peak_f64, peak, trim_silence,
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
}
