//! The engine's DSP on realistic sizes: 10 pieces of 3 s at 24 kHz.
//!
//! `cargo bench -p audio-dsp --bench dsp`

#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

const RATE: usize = 24_000;

/// A deterministic 3 s "voice" with 0.2 s of near-silence at each end.
fn piece(seed: usize) -> Vec<f32> {
    (0..3 * RATE)
        .map(|i| {
            let edge = !(RATE / 5..=3 * RATE - RATE / 5).contains(&i);
            let s = ((i * (seed + 3)) as f32 * 0.0137).sin() * 0.4;
            if edge { s * 0.001 } else { s }
        })
        .collect()
}

fn benches(c: &mut Criterion) {
    let pieces: Vec<Vec<f32>> = (0..10).map(piece).collect();
    let total: usize = pieces.iter().map(Vec::len).sum();
    let mut g = c.benchmark_group("dsp");
    g.throughput(Throughput::Elements(total as u64));
    g.bench_function("trim_10_pieces", |b| {
        b.iter(|| {
            for p in &pieces {
                black_box(audio_dsp::trim_silence(black_box(p), 0.01, 120));
            }
        })
    });
    let views: Vec<&[f32]> = pieces.iter().map(Vec::as_slice).collect();
    let pauses = vec![audio_dsp::pause_samples(0.4, 24_000); views.len() - 1];
    g.bench_function("join_10_pieces", |b| {
        b.iter(|| audio_dsp::join_with_pauses(black_box(&views), &pauses, 120).unwrap())
    });
    let joined = audio_dsp::join_with_pauses(&views, &pauses, 120).unwrap();
    g.throughput(Throughput::Elements(joined.len() as u64));
    g.bench_function("normalize_34s", |b| {
        b.iter(|| audio_dsp::normalize_peak(black_box(&joined), -1.0).unwrap())
    });
    g.finish();
}

criterion_group! {
    name = dsp;
    config = Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    targets = benches
}
criterion_main!(dsp);
