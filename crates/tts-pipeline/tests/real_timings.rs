//! Word timings from the real model, on several voices and speeds: in order, without overlap,
//! inside the file, the last word ending where the speech ends, and the audio unchanged by
//! asking. Skips loudly without the model; fails instead under `KOKORO_REQUIRE_MODEL=1`.

#![allow(clippy::unwrap_used, clippy::panic)]

mod support;

use tts_pipeline::{Request, WordTiming};

const TEXT: &str = "Mia paid $214 for the old map. Then, at 6:15, she left the harbor quietly.";
const WORDS: [&str; 15] = [
    "Mia", "paid", "$214", "for", "the", "old", "map", "Then", "at", "6:15", "she", "left", "the",
    "harbor", "quietly",
];

/// Where the speech ends in `samples`: after the last sample above 2% of the peak.
fn speech_end(samples: &[f32]) -> f64 {
    let peak = samples.iter().fold(0.0f32, |m, s| m.max(s.abs()));
    let last = samples
        .iter()
        .rposition(|s| s.abs() > 0.02 * peak)
        .unwrap_or(0);
    (last + 1) as f64 / 24_000.0
}

fn check(words: &[WordTiming], duration: f64, end_of_speech: f64, what: &str) {
    let texts: Vec<&str> = words.iter().map(|w| w.text.as_str()).collect();
    assert_eq!(texts, WORDS, "{what}");
    let mut previous_end = 0.0;
    for w in words {
        assert!(w.start >= previous_end - 1e-9, "{what}: overlap at {w:?}");
        assert!(w.end > w.start, "{what}: empty word {w:?}");
        assert!(w.end <= duration + 1e-9, "{what}: {w:?} past {duration}");
        previous_end = w.end;
    }
    let last = words.last().unwrap();
    assert!(
        (last.end - end_of_speech).abs() < 0.2,
        "{what}: the last word ends at {} but the speech at {end_of_speech}",
        last.end
    );
}

#[test]
fn real_word_timings_hold_on_several_voices_and_speeds() {
    let Some(engine) = support::shared_engine("real_word_timings") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    for (voice, speed) in [("af_bella", 1.0_f32), ("am_adam", 0.8), ("bf_emma", 1.3)] {
        let what = format!("{voice} at {speed}");
        let request = Request::text(TEXT)
            .with_voice(voice)
            .with_speed(speed)
            .with_word_timings(true);
        let out = dir.path().join(format!("{voice}.wav"));
        let g = engine.generate(&request, &out).unwrap();
        let (_, samples) = wav_store::read_wav(&out).unwrap();
        check(
            g.words.as_deref().unwrap(),
            g.duration,
            speech_end(&samples),
            &what,
        );
        if voice == "af_bella" {
            // Asking for timings changes no sample, and the memory path gives the same words.
            let timed = engine.synthesize(&request).unwrap();
            let plain = engine
                .synthesize(&request.with_word_timings(false))
                .unwrap();
            assert_eq!(timed.samples, plain.samples);
            assert_eq!(timed.words, g.words);
            assert_eq!(plain.words, None);
        }
    }
}

/// `words` are spans of `text` as written, in order, with increasing starts, not overlapping,
/// each at least a frame (25 ms) long and inside the audio of `duration` seconds.
fn check_spans(words: &[WordTiming], text: &str, duration: f64, what: &str) {
    let mut at = 0;
    let mut previous: Option<&WordTiming> = None;
    for w in words {
        let found = text[at..]
            .find(w.text.as_str())
            .unwrap_or_else(|| panic!("{what}: {w:?} is not in {text:?} after byte {at}"));
        at += found + w.text.len();
        assert!(
            w.end - w.start >= 0.025 - 2e-6,
            "{what}: {w:?} is shorter than a frame"
        );
        assert!(w.end <= duration + 1e-9, "{what}: {w:?} past {duration}");
        if let Some(p) = previous {
            assert!(
                w.start > p.start,
                "{what}: {w:?} does not start after {p:?}"
            );
            assert!(w.start >= p.end - 1e-9, "{what}: {w:?} overlaps {p:?}");
        }
        previous = Some(w);
    }
}

#[test]
fn at_speed_two_no_word_has_zero_length() {
    let Some(engine) = support::shared_engine("real_word_timings") else {
        return;
    };
    let text = "At this speed every word must still land inside the file.";
    let request = Request::text(text)
        .with_voice("af_heart")
        .with_speed(2.0)
        .with_word_timings(true);
    let spoken = engine.synthesize(&request).unwrap();
    let duration = spoken.samples.len() as f64 / f64::from(spoken.sample_rate);
    let words = spoken.words.unwrap();
    assert_eq!(words.len(), 11, "{words:?}");
    check_spans(&words, text, duration, "af_heart at 2.0");
}

/// A Chinese or Japanese sentence gives several words, each a span of it, in order; its
/// captions show it as written, without spaces put between its words.
#[cfg(any(feature = "ja", feature = "zh"))]
fn cjk_words(engine: &tts_pipeline::Engine, text: &str, voice: &str, at_least: usize) {
    let request = Request::text(text)
        .with_voice(voice)
        .with_word_timings(true);
    let spoken = engine.synthesize(&request).unwrap();
    let duration = spoken.samples.len() as f64 / f64::from(spoken.sample_rate);
    let words = spoken.words.unwrap();
    assert!(words.len() >= at_least, "{voice}: {words:?}");
    check_spans(&words, text, duration, voice);
    let cues = tts_pipeline::captions::cues(text, &words);
    let shown: String = cues
        .iter()
        .flat_map(|c| c.lines.concat().chars().collect::<Vec<_>>())
        .collect();
    assert_eq!(shown, text, "{cues:?}");
}

#[cfg(feature = "zh")]
#[test]
fn a_chinese_sentence_gives_its_words_with_increasing_times() {
    let Some(engine) = support::shared_engine("real_word_timings") else {
        return;
    };
    cjk_words(&engine, "孩子们跑到海边去看船。", "zf_xiaobei", 5);
}

#[cfg(feature = "ja")]
#[test]
fn a_japanese_sentence_gives_its_words_with_increasing_times() {
    let Some(engine) = support::shared_engine("real_word_timings") else {
        return;
    };
    let dict = support::model_dir().join("ja/sys.dic");
    if std::env::var_os("KOKORO_JA_DICT").is_none() && !dict.exists() {
        support::skip(
            "real_word_timings",
            &format!("no japanese dictionary ({} is missing)", dict.display()),
        );
        return;
    }
    cjk_words(&engine, "私は毎朝公園を散歩します。", "jf_alpha", 5);
}
