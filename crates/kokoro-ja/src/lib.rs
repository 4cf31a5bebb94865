//! Japanese text -> Kokoro phonemes, in Rust, the way misaki 0.9.4's `ja` front end writes them
//! (Kokoro v1.0's Japanese voices were trained on its output).
//!
//! 1. **Normalize**: NFKC, a wave dash before a number reads から, runs of digits become their
//!    reading (`123` -> ひゃくにじゅうさん), as misaki's `num2kana` writes it.
//! 2. **Analyse** ([`Tagger`]): MeCab's lattice search over a compiled MeCab dictionary, read
//!    here from its binary files (`sys.dic`, `unk.dic`, `char.bin`, `matrix.bin`). With UniDic
//!    (the `unidic-lite` package from PyPI, which `kokoro fetch-model --with-ja` installs under
//!    `models/ja/`) it finds the words and readings fugashi finds for misaki.
//! 3. **Read**: each word's pronunciation (`pron`, long vowels as ー), words that misaki's word
//!    list holds grouped into one, kana mapped to phonemes (`ɕ ʨ ʥ ɲ ɴ ʔ ː ɯ ...`) with ん and
//!    small kana decided by their neighbours, 。、！？ kept as `. , ! ?`.
//!
//! ```no_run
//! let g2p = kokoro_ja::JaG2p::load(std::path::Path::new("models/ja"))?;
//! let out = g2p.phonemize("東京に行きます。")?;
//! assert!(out.unread.is_empty());
//! println!("{}", out.phonemes); // toːkʲoː ɲi ikʲimasɨ.
//! # Ok::<(), kokoro_ja::Error>(())
//! ```
//!
//! The dictionary is about 260 MB on disk; [`JaG2p::load`] keeps about 30 MB of it in memory and
//! reads the rest on demand (see `docs/PRONUNCIATION.md` for load time and memory).

mod error;
mod g2p;
mod kana;
mod mecab;
mod numbers;

pub use error::Error;
pub use g2p::{
    DICTIONARY_FILES, ENV_JA_DICT, JaG2p, JaPhonemes, WORDS_FILE, locate_dictionary,
    locate_dictionary_in,
};
pub use mecab::{Morpheme, Tagger};
