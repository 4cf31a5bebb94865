//! A downstream project's first hour: narrate one story segment with the engine's public API.
//!
//! ```sh
//! kokoro fetch-model --dir /srv/kokoro-models        # the engine's CLI
//! KOKORO_MODEL_DIR=/srv/kokoro-models cargo run -- media
//! ```
//!
//! Prints the segment's outcome as one JSON line (the schema is in the engine's README), with its
//! word timings and the path of its WebVTT captions, then the first words' timings on stderr, and
//! exits non-zero when the model files are missing or the generation failed. It is built without
//! tts-pipeline's `zh` feature: it also checks that a Mandarin request is refused, naming it.

use std::path::PathBuf;
use std::process::ExitCode;

use tts_pipeline::captions::CaptionFormat;
use tts_pipeline::{
    Engine, EngineConfig, ErrorKind, Language, MediaLayout, ProjectRequest, Request,
    SegmentOptions, SegmentRequest,
};

fn main() -> ExitCode {
    let media_root = std::env::args_os()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("media"));

    // `model_dir: None`: KOKORO_MODEL_DIR, else ./models.
    let config = EngineConfig::default();

    // The cheap check first: it loads nothing and names what is missing and how to get it.
    let availability = tts_pipeline::health::check_availability(&config);
    if !availability.available {
        eprintln!("downstream: {availability}");
        return ExitCode::from(2);
    }

    let engine = match Engine::open(&config) {
        Ok(engine) => engine,
        Err(e) => {
            eprintln!("downstream: cannot open the engine: {e}");
            return ExitCode::FAILURE;
        }
    };
    let layout = MediaLayout::new(&media_root, "/media/");
    let request = ProjectRequest {
        project_id: "downstream-demo".to_string(),
        segments: vec![SegmentRequest {
            id: "segment-001".to_string(),
            text: "The lighthouse keeper climbed the stairs one last time.".to_string(),
            voice: Some("af_bella".to_string()),
            speed: Some(1.0),
            // None: the voice's own language (American English for af_bella).
            lang: None,
        }],
    };
    // Word timings (for highlighting) and WebVTT captions (for a `<track>`) come with the audio.
    let options = SegmentOptions::default()
        .with_word_timings(true)
        .with_captions(Some(CaptionFormat::Vtt))
        .with_workers(1);
    let outcomes = engine.generate_segments(&layout, &request, &options, |_, _| {});
    let mut ok = true;
    for outcome in &outcomes {
        match serde_json::to_string(outcome) {
            Ok(line) => println!("{line}"),
            Err(e) => eprintln!("downstream: cannot print the outcome: {e}"),
        }
        let written = outcome
            .outcome
            .audio_path
            .as_deref()
            .is_some_and(|p| wav_store::validate_wav(p.as_ref()).is_ok());
        for word in outcome.outcome.words.iter().flatten().take(5) {
            eprintln!(
                "downstream: {:>8.3} s - {:>8.3} s  {}",
                word.start, word.end, word.text
            );
        }
        ok &= outcome.outcome.success
            && written
            && outcome.audio_url.is_some()
            && outcome
                .outcome
                .words
                .as_ref()
                .is_some_and(|w| !w.is_empty())
            && outcome.captions_url.is_some();
    }
    // An English-only build (no `zh` feature) refuses Mandarin with an error that names the
    // feature: never a panic, never English.
    if !tts_pipeline::health::built_in(Language::Mandarin) {
        match engine.synthesize(&Request::text("你好。").with_voice("zf_xiaobei")) {
            Err(e)
                if e.kind() == ErrorKind::LanguageUnavailable && e.to_string().contains("`zh`") =>
            {
                eprintln!("downstream: English only, as built: {e}");
            }
            Err(e) => {
                eprintln!("downstream: Mandarin refused for another reason: {e}");
                ok = false;
            }
            Ok(_) => {
                eprintln!("downstream: Mandarin was spoken by a build without the zh feature");
                ok = false;
            }
        }
    }
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
