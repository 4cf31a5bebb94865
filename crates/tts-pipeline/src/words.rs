//! Word timings: when each word of a generation is spoken, in seconds from the start of its audio.

use serde::{Deserialize, Serialize};

/// One spoken word and when it is heard in the audio.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WordTiming {
    /// The word as written in the input.
    pub text: String,
    /// When it starts, in seconds from the start of the audio.
    pub start: f64,
    /// When it ends, in seconds from the start of the audio.
    pub end: f64,
}
