//! Japanese (`ja`): the slot for its front end.
//!
//! THE SLOT: [`frontend`] is what the language dispatch ([`crate::lang::frontend`]) calls for
//! [`crate::lang::Language::Japanese`]. Until a Japanese front end is built here it returns
//! [`crate::ErrorKind::LanguageUnavailable`] with a message saying so, and a Japanese request is
//! refused clearly (never read as English). A front end implements
//! [`crate::lang::LanguageFrontend`] (text in, Kokoro phonemes out) and is returned from here, or,
//! when it needs files that the caller locates (a dictionary under the model directory), is
//! given to the tokenizer by the caller with [`crate::Tokenizer::with_language_factory`], which
//! builds it on the first Japanese request and takes precedence over this slot.

use crate::Error;
use crate::lang::LanguageFrontend;

/// The Japanese front end, built once per [`crate::Tokenizer`] on its first Japanese request.
pub(crate) fn frontend() -> Result<Box<dyn LanguageFrontend>, Error> {
    Err(Error::language_unavailable(
        "Japanese (ja) has no front end in this build yet: Japanese text cannot be spoken; \
         pick a voice of another language",
    ))
}
