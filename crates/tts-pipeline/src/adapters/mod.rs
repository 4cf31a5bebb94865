//! The real parts behind the [traits](crate::traits), each in a file named for what it wraps:
//! `tokenizer.rs` (`kokoro_tokenize::Tokenizer`: [`TokenizerFrontend`] for text, [`PhonemeFrontend`]
//! for given phonemes), `catalog.rs` (`kokoro_voices::VoiceCatalog`: [`CatalogVoices`]) and `pool.rs`
//! (`kokoro_session::SessionPool`: [`PoolSynthesizer`]). [`Engine::open`](crate::Engine::open)
//! wires them.

mod catalog;
mod pool;
mod tokenizer;

pub use catalog::CatalogVoices;
pub use pool::PoolSynthesizer;
pub use tokenizer::{PhonemeFrontend, TokenizerFrontend};
