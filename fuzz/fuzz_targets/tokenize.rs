//! Text to tokens with the real misaki G2P: any UTF-8 input must give pieces of 1..=510 ids or a
//! clean "empty"/"nothing to say" error, never a panic.
#![no_main]

use std::sync::OnceLock;

use kokoro_tokenize::{Dialect, MAX_TOKENS, Tokenizer, Vocab};
use libfuzzer_sys::fuzz_target;

fn tokenizer() -> &'static Tokenizer {
    static T: OnceLock<Tokenizer> = OnceLock::new();
    T.get_or_init(|| Tokenizer::new(Vocab::v1_0()))
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let dialect = if data.first().is_some_and(|b| b % 2 == 0) {
        Dialect::Us
    } else {
        Dialect::Gb
    };
    match tokenizer().tokenize(text, dialect) {
        Ok(pieces) => {
            assert!(!pieces.is_empty());
            for p in &pieces {
                assert!((1..=MAX_TOKENS).contains(&p.ids.len()), "{} ids", p.ids.len());
                assert!(!p.phonemes.contains(kokoro_tokenize::UNKNOWN_MARKER));
            }
        }
        Err(e) => assert!(e.is_empty_text() || e.is_nothing_to_say(), "{e}"),
    }
});
