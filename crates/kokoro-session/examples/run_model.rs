//! Runs a real Kokoro model once and prints the length and peak of the audio.
//!
//! ```text
//! ORT_DYLIB_PATH=/path/to/libonnxruntime.so.1.32.0 \
//! cargo run -p kokoro-session --example run_model -- \
//!     [MODEL.onnx] [CONFIG.json] [VOICE.bin] [PHONEMES]
//! ```
//!
//! Defaults: the model and runtime found by discovery (`models/`, `KOKORO_MODEL_DIR`,
//! `ORT_DYLIB_PATH`), `models/config.json`, `models/voices/af_bella.bin`, `həlˈoʊ wˈɜːld`.
//! Phonemes are mapped to ids with the `vocab` of hexgrad's `config.json` (one id per character;
//! characters outside the vocab are dropped), and the style row is row `n - 1` of the voice pack
//! for `n` tokens, as in the reference pipeline.

use std::error::Error;
use std::path::PathBuf;
use std::time::Instant;

use kokoro_session::{KokoroSession, STYLE_DIM, SessionConfig, model_dir};

fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut cfg = SessionConfig::new().with_intra_threads(2);
    if let Some(model) = args.first().filter(|a| !a.is_empty()) {
        cfg = cfg.with_model_path(model);
    }
    let dir = model_dir(&cfg);
    let config_path = args
        .get(1)
        .map_or_else(|| dir.join("config.json"), PathBuf::from);
    let voice_path = args
        .get(2)
        .map_or_else(|| dir.join("voices/af_bella.bin"), PathBuf::from);
    let phonemes = args.get(3).map_or("həlˈoʊ wˈɜːld", String::as_str);

    let config: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&config_path)?)?;
    let vocab = config
        .get("vocab")
        .and_then(|v| v.as_object())
        .ok_or("config.json has no `vocab` object")?;
    let ids: Vec<i64> = phonemes
        .chars()
        .filter_map(|c| {
            vocab
                .get(&c.to_string())
                .and_then(serde_json::Value::as_i64)
        })
        .collect();
    println!("phonemes {phonemes:?} -> {} ids {ids:?}", ids.len());

    let pack = std::fs::read(&voice_path)?;
    let row_bytes = STYLE_DIM * 4;
    let rows = pack.len() / row_bytes;
    let row = ids.len().saturating_sub(1).min(rows.saturating_sub(1));
    let style: Vec<f32> = pack
        .get(row * row_bytes..(row + 1) * row_bytes)
        .ok_or("voice pack too short")?
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect();
    println!(
        "voice {} ({rows} rows), style row {row}",
        voice_path.display()
    );

    let start = Instant::now();
    let session = KokoroSession::load(&cfg)?;
    println!(
        "loaded {} in {:.2?} with onnx runtime {:?}; contract {:?}",
        session.model_path().display(),
        start.elapsed(),
        session.runtime().version,
        session.contract()
    );
    let start = Instant::now();
    let out = session.run(&ids, &style, 1.0)?;
    let peak = out.audio.iter().fold(0.0_f32, |m, s| m.max(s.abs()));
    println!(
        "audio: {} samples = {:.3} s, peak {peak:.3}, inference {:.2?}",
        out.audio.len(),
        out.duration_secs(),
        start.elapsed()
    );
    Ok(())
}
