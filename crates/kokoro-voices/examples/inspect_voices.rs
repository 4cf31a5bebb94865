//! Opens a voice directory or NPZ archive and prints what it holds.
//!
//! ```text
//! cargo run -p kokoro-voices --example inspect_voices -- [PATH]
//! ```
//! `PATH` defaults to `models/voices`.

use std::process::ExitCode;

use kokoro_voices::{Language, STYLE_DIM, VoiceCatalog};

fn main() -> ExitCode {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "models/voices".to_owned());
    match run(&path) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(path: &str) -> Result<(), kokoro_voices::Error> {
    let catalog = VoiceCatalog::open(path)?;
    println!("{path}: {} voices", catalog.len());
    for info in catalog.list() {
        let pack = catalog.pack(&info.id)?;
        let first = pack.style_for_tokens(1);
        let norm = first.iter().map(|v| v * v).sum::<f32>().sqrt();
        println!(
            "  {:<14} {:<6} {:?} {}: {} rows, |row 0| = {norm:.4}",
            info.id,
            info.language.map_or("-", Language::code),
            info.gender,
            info.language.map_or("unknown language", Language::name),
            pack.rows(),
        );
    }
    let default = catalog.resolve(None)?;
    println!(
        "default voice: {} (fell back: {})",
        default.spec, default.fell_back
    );
    let typo = catalog.resolve(Some("af_bela"))?;
    println!(
        "`af_bela` resolves to {} (fell back: {})",
        typo.spec, typo.fell_back
    );
    if catalog.contains("af_bella") && catalog.contains("am_adam") {
        let spec = catalog.resolve(Some("af_bella:0.7,am_adam:0.3"))?.spec;
        let style = catalog.style(&spec, 20)?;
        assert_eq!(style.len(), STYLE_DIM);
        println!(
            "blend {spec}: style[0..4] for 20 tokens = {:?}",
            &style[..4]
        );
    }
    Ok(())
}
