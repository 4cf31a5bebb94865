//! What the Celery tasks of `kokoro_engine.celery` call: one segment at its deterministic path,
//! with an outcome that says whether a failure is worth another try, and the engine opened ahead
//! of the first task.
//!
//! ```text
//! narrate_segment task ──► _generate_segment(project_id, segment_id, text, voice, speed) ──► dict
//!                            │ GIL released
//!                            └─► Engine::generate_segment ──► SegmentOutcome + "retryable"
//! ```

use std::panic::AssertUnwindSafe;

use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use tts_pipeline::{ErrorKind, Request, SegmentOutcome};

/// Whether a failure of `kind` may pass on a later try: the storage (a full or unmounted disk),
/// inference (memory), or a model or runtime not installed yet. Bad input, voices, configuration
/// and text processing fail the same way every time.
fn retryable(kind: ErrorKind) -> bool {
    matches!(
        kind,
        ErrorKind::Storage
            | ErrorKind::Inference
            | ErrorKind::ModelMissing
            | ErrorKind::RuntimeMissing
    )
}

/// Narrates one segment into `{MEDIA_ROOT}/projects/{project_id}/audio/{segment_id}.wav`.
///
/// Returns `{"segment_id", "success": True, "audio_path", "audio_url", "duration",
/// "sample_rate", "voice"}` or `{"segment_id", "success": False, "error", "retryable"}`;
/// never raises. The GIL is released while the audio is made.
#[pyfunction]
#[pyo3(signature = (project_id, segment_id, text, voice_id, speed))]
pub(crate) fn _generate_segment<'py>(
    py: Python<'py>,
    project_id: String,
    segment_id: String,
    text: String,
    voice_id: Option<String>,
    speed: f64,
) -> PyResult<Bound<'py, PyDict>> {
    let (outcome, retry) = py.detach(|| {
        let run = || {
            let engine = crate::engine();
            let layout = crate::media_layout();
            let mut request = Request::text(text).with_speed(speed as f32);
            request.voice = voice_id;
            let result = engine.and_then(|engine| {
                engine.generate_segment(&layout, &project_id, &segment_id, &request)
            });
            let result = result.map_err(crate::with_python_fix);
            let retry = result.as_ref().err().is_some_and(|e| retryable(e.kind()));
            (
                SegmentOutcome::new(&layout, &project_id, &segment_id, result),
                retry,
            )
        };
        std::panic::catch_unwind(AssertUnwindSafe(run)).unwrap_or_else(|_| {
            let message = "TTS generation failed: internal error (the engine panicked)";
            (SegmentOutcome::failure(&segment_id, message), false)
        })
    });
    crate::logs::flush(py);
    let d = crate::outcome_dict(py, &outcome.outcome)?;
    d.set_item("segment_id", &outcome.segment_id)?;
    if outcome.outcome.success {
        d.set_item("audio_url", outcome.audio_url.as_deref())?;
    } else {
        d.set_item("retryable", retry)?;
    }
    Ok(d)
}

/// Waits for the background work of this process's engines (a session preload, an idle
/// session's arena shrink) and starts no more: registered with `atexit`, so that no thread is
/// inside ONNX Runtime while the interpreter exits. The engines stay usable.
#[pyfunction]
pub(crate) fn _stop_background(py: Python<'_>) {
    py.detach(tts_pipeline::shared::stop_background);
}

/// Opens this process's engine now (for a worker, before its first task); returns the model
/// directory. Raises RuntimeError when the engine cannot be opened.
#[pyfunction]
pub(crate) fn _open_engine(py: Python<'_>) -> PyResult<String> {
    let opened = py.detach(|| crate::engine().map(|_| crate::model_dir()));
    crate::logs::flush(py);
    let dir = opened.map_err(|e| PyRuntimeError::new_err(e.report()))?;
    Ok(crate::path_string(&dir))
}
