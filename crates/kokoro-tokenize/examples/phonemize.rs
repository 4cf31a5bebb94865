//! Prints the phonemes and token ids of a text, piece by piece.
//!
//! ```text
//! cargo run -p kokoro-tokenize --example phonemize -- "Hello world. How are you?"
//! cargo run -p kokoro-tokenize --example phonemize -- --voice bf_emma "A tomato, please."
//! ```

use std::process::ExitCode;
use std::time::Instant;

use kokoro_tokenize::{Dialect, Tokenizer, Vocab};

fn main() -> ExitCode {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let mut voice = String::from("af_heart");
    if let Some(at) = args.iter().position(|a| a == "--voice")
        && let Some(id) = args.get(at + 1).cloned()
    {
        voice = id;
        args.drain(at..=at + 1);
    }
    let text = args.join(" ");
    let dialect = Dialect::for_voice(&voice);
    let tokenizer = Tokenizer::new(Vocab::v1_0());

    // The first call builds misaki's G2P for the dialect; time it separately.
    let started = Instant::now();
    let _ = tokenizer.phonemize("warm up", dialect);
    println!(
        "voice {voice} ({dialect:?}): G2P ready in {:?}",
        started.elapsed()
    );

    let started = Instant::now();
    match tokenizer.tokenize(&text, dialect) {
        Ok(pieces) => {
            println!("{} piece(s) in {:?}", pieces.len(), started.elapsed());
            for (i, piece) in pieces.iter().enumerate() {
                println!("[{i}] text:     {}", piece.text);
                println!("    phonemes: {}", piece.phonemes);
                println!("    ids ({}): {:?}", piece.ids.len(), piece.ids);
                println!("    pause:    {:?}", piece.pause_after);
            }
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}
