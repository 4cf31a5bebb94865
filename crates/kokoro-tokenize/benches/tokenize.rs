//! Tokenization (misaki G2P, vocab, splitting) and splitting alone (phonemes given).
//!
//! `cargo bench -p kokoro-tokenize --bench tokenize`

#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use kokoro_tokenize::{Dialect, PassthroughPhonemizer, Tokenizer, Vocab};

const SENTENCE: &str = "When the lamp finally turned, its beam swept across the water, and somewhere far out at sea, a small boat turned toward home.";
const STORY: &str = include_str!("../../../fixtures/story-3000.txt");

fn benches(c: &mut Criterion) {
    let tokenizer = Tokenizer::new(Vocab::v1_0());
    // Load the lexicons outside the measurement.
    tokenizer.tokenize("Warm up.", Dialect::Us).unwrap();
    let mut g = c.benchmark_group("tokenize");
    g.throughput(Throughput::Bytes(SENTENCE.len() as u64));
    g.bench_function("sentence_misaki", |b| {
        b.iter(|| {
            tokenizer
                .tokenize(black_box(SENTENCE), Dialect::Us)
                .unwrap()
        })
    });
    g.throughput(Throughput::Bytes(STORY.len() as u64));
    g.bench_function("story_3000_misaki", |b| {
        b.iter(|| tokenizer.tokenize(black_box(STORY), Dialect::Us).unwrap())
    });
    g.finish();

    // Splitting and id mapping without G2P: the story's own phonemes, spoken as given.
    let phonemes = tokenizer.phonemize(STORY, Dialect::Us).unwrap();
    let passthrough = Tokenizer::with_phonemizer(Box::new(PassthroughPhonemizer), Vocab::v1_0());
    let mut g = c.benchmark_group("split");
    g.throughput(Throughput::Bytes(phonemes.len() as u64));
    g.bench_function("story_3000_phonemes", |b| {
        b.iter(|| {
            passthrough
                .tokenize(black_box(&phonemes), Dialect::Us)
                .unwrap()
        })
    });
    g.finish();
}

criterion_group! {
    name = tokenize;
    config = Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    targets = benches
}
criterion_main!(tokenize);
