pub mod token;
pub mod language;
pub mod languages;
pub mod lexicon;
pub mod table;
pub mod abbrev;
pub mod data;
pub mod norms;
pub mod symbols;
pub mod spacy_tokenizer_data;
mod affix;
pub mod spacy_tokenizer;
pub mod spacy_tagger;
pub mod g2p;
pub mod fallback;

pub use g2p::G2P;
pub use token::MToken;
pub use lexicon::Lexicon;
pub use language::Language;
pub use fallback::Fallback;
#[cfg(feature = "espeak")]
pub use fallback::EspeakFallback;
