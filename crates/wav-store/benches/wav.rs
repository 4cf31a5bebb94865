//! Atomic WAV writing (temp file, fsync, rename) and full-decode validation of a 10 s file.
//!
//! `cargo bench -p wav-store --bench wav`

#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use wav_store::{SampleFormat, WavOptions};

fn benches(c: &mut Criterion) {
    let samples: Vec<f32> = (0..240_000)
        .map(|i| (i as f32 * 0.01).sin() * 0.8)
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bench.wav");
    let mut g = c.benchmark_group("wav");
    g.throughput(Throughput::Elements(samples.len() as u64));
    for (name, format) in [
        ("write_10s_f32", SampleFormat::Float32),
        ("write_10s_pcm16", SampleFormat::Pcm16),
    ] {
        let options = WavOptions {
            sample_rate: 24_000,
            format,
        };
        g.bench_function(name, |b| {
            b.iter(|| wav_store::write_wav(&path, black_box(&samples), &options).unwrap())
        });
    }
    let options = WavOptions {
        sample_rate: 24_000,
        format: SampleFormat::Float32,
    };
    wav_store::write_wav(&path, &samples, &options).unwrap();
    g.bench_function("validate_10s_f32", |b| {
        b.iter(|| wav_store::validate_wav(black_box(&path)).unwrap())
    });
    g.finish();
}

criterion_group! {
    name = wav;
    config = Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    targets = benches
}
criterion_main!(wav);
