//! Process-wide counters for tests and benchmarks (the `testing` feature): how often the weights
//! were read and the time every session spent inside ONNX Runtime. The number of sessions loaded,
//! a monitoring figure as well, is [`crate::session::load_count`].

use std::sync::atomic::Ordering;

use crate::session::{PROCESS_STATS, SessionStats, WEIGHT_LOADS};

/// The run counters of every session of this process together.
pub fn process_stats() -> SessionStats {
    PROCESS_STATS.snapshot()
}

/// How many times this process has read a model's weights from its file. Every session of one
/// model file shares one copy of its weights (see [`crate::KokoroSession::load`]), so this stays at
/// 1 per model however many sessions, pools and engines use it, while at least one of them is
/// alive.
pub fn weights_load_count() -> usize {
    WEIGHT_LOADS.load(Ordering::SeqCst)
}
