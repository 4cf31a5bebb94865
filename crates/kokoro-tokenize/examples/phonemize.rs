//! Prints the phonemes and token ids of a text, piece by piece.
//!
//! ```text
//! cargo run -p kokoro-tokenize --example phonemize -- "Hello world. How are you?"
//! cargo run -p kokoro-tokenize --example phonemize -- --dialect gb "A tomato, please."
//! cargo run -p kokoro-tokenize --example phonemize -- --lines sentences.txt > phonemes.txt
//! ```
//!
//! `--lines FILE` prints the phonemes of each non-empty line of FILE, one line each (what
//! `scripts/eval_pronunciation.sh` compares with misaki's reference). `--lexicon FILE` loads a
//! user lexicon; `--no-espeak` uses only the built-in fallback. `--dialect us|gb` (default `us`):
//! American or British English (the dialect of the `a*` or the `b*` voices). `--lang CODE`
//! (`es`, `fr-fr`, `it`, `pt-br`, `hi`, `zh`, `ja`, `en-us`, `en-gb`) reads another language
//! instead (`cargo run -p kokoro-tokenize --example phonemize -- --lang es "¿Qué tal?"`).

use std::process::ExitCode;
use std::time::Instant;

use kokoro_tokenize::{Dialect, Language, Tokenizer, TokenizerOptions, Vocab};

fn take_option(args: &mut Vec<String>, name: &str) -> Option<String> {
    let at = args.iter().position(|a| a == name)?;
    let value = args.get(at + 1).cloned()?;
    args.drain(at..=at + 1);
    Some(value)
}

fn take_flag(args: &mut Vec<String>, name: &str) -> bool {
    let Some(at) = args.iter().position(|a| a == name) else {
        return false;
    };
    args.remove(at);
    true
}

fn main() -> ExitCode {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let dialect = match take_option(&mut args, "--dialect").as_deref() {
        None | Some("us") => Dialect::Us,
        Some("gb") => Dialect::Gb,
        Some(other) => {
            eprintln!("error: --dialect {other}: expected `us` or `gb`");
            return ExitCode::FAILURE;
        }
    };
    let language = match take_option(&mut args, "--lang").map(|code| code.parse::<Language>()) {
        None => match dialect {
            Dialect::Gb => Language::EnglishGb,
            _ => Language::EnglishUs,
        },
        Some(Ok(language)) => language,
        Some(Err(err)) => {
            eprintln!("error: --lang: {err}");
            return ExitCode::FAILURE;
        }
    };
    let lines = take_option(&mut args, "--lines");
    let lexicon = take_option(&mut args, "--lexicon");
    let no_espeak = take_flag(&mut args, "--no-espeak");
    let text = args.join(" ");
    let mut options = TokenizerOptions::default().espeak(!no_espeak);
    if let Some(path) = lexicon {
        options = options.lexicon_file(path);
    }
    let tokenizer = match Tokenizer::with_options(Vocab::v1_0(), options) {
        Ok(t) => t,
        Err(err) => {
            eprintln!("error: {err}");
            return ExitCode::FAILURE;
        }
    };
    eprintln!("{}", tokenizer.describe());

    if let Some(path) = lines {
        let content = match std::fs::read_to_string(&path) {
            Ok(c) => c,
            Err(err) => {
                eprintln!("error: cannot read {path}: {err}");
                return ExitCode::FAILURE;
            }
        };
        for line in content.lines().filter(|l| !l.trim().is_empty()) {
            match tokenizer.phonemize_in(line.trim(), language) {
                Ok(p) => println!("{p}"),
                Err(err) => {
                    eprintln!("error on {line:?}: {err}");
                    println!();
                }
            }
        }
        return ExitCode::SUCCESS;
    }

    // The first call builds misaki's G2P for the dialect; time it separately.
    let started = Instant::now();
    let _ = tokenizer.phonemize_in("warm up", language);
    println!("{language}: front end ready in {:?}", started.elapsed());

    let started = Instant::now();
    match tokenizer.tokenize_in(&text, language) {
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
