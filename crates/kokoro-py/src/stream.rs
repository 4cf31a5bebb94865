//! `stream_audio`'s native half: `_stream_audio` plans a request (its errors raise at once) and
//! returns an `_AudioStream`, whose `next_chunk` renders one piece with the GIL released. The
//! package's Python layer turns the chunks' float32 bytes into numpy arrays.

use std::sync::{Mutex, PoisonError};

use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyTuple};

use tts_pipeline::Request;

/// One request's audio, rendered piece by piece as it is read (`tts_pipeline::AudioStream`).
/// Closing it (or dropping it) stops the rendering.
#[pyclass(module = "kokoro_engine._native", name = "_AudioStream", frozen)]
pub(crate) struct AudioStream {
    inner: Mutex<Option<tts_pipeline::AudioStream>>,
    sample_rate: u32,
}

/// An engine error as a Python exception: `ValueError` for bad input (text, speed, voice,
/// language), else `RuntimeError`.
fn stream_error(e: &tts_pipeline::Error) -> PyErr {
    if e.is_invalid_input() {
        PyValueError::new_err(e.report())
    } else {
        crate::engine_error(e)
    }
}

/// Plans `text` for streaming: raises `ValueError` for bad input, `FileNotFoundError` without
/// the model, `RuntimeError` otherwise. The GIL is released while the engine opens and plans.
#[pyfunction]
#[pyo3(signature = (text, voice_id, speed, lang, word_timings))]
pub(crate) fn _stream_audio(
    py: Python<'_>,
    text: String,
    voice_id: Option<String>,
    speed: f32,
    lang: Option<String>,
    word_timings: bool,
) -> PyResult<AudioStream> {
    let lang = lang
        .map(|code| tts_pipeline::parse_lang(&code))
        .transpose()
        .map_err(|e| PyValueError::new_err(e.report()))?;
    let mut request = Request::text(text)
        .with_speed(speed)
        .with_word_timings(word_timings);
    request.voice = voice_id;
    request.lang = lang;
    let stream = py
        .detach(|| crate::engine().and_then(|engine| engine.stream(&request)))
        .map_err(|e| stream_error(&e))?;
    crate::logs::flush(py);
    Ok(AudioStream {
        sample_rate: stream.sample_rate(),
        inner: Mutex::new(Some(stream)),
    })
}

#[pymethods]
impl AudioStream {
    /// The sample rate of the chunks (24000).
    #[getter]
    fn sample_rate(&self) -> u32 {
        self.sample_rate
    }

    /// The next chunk as `(float32 native-endian bytes, info dict)`, or None at the end. Renders
    /// one piece with the GIL released; a failure raises `RuntimeError` and ends the stream.
    fn next_chunk<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyTuple>>> {
        let next = py.detach(|| {
            let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
            let next = inner.as_mut().and_then(Iterator::next);
            if !matches!(next, Some(Ok(_))) {
                *inner = None;
            }
            next
        });
        crate::logs::flush(py);
        let chunk = match next {
            None => return Ok(None),
            Some(Err(e)) => return Err(PyRuntimeError::new_err(e.report())),
            Some(Ok(chunk)) => chunk,
        };
        let raw: Vec<u8> = chunk.samples.iter().flat_map(|x| x.to_ne_bytes()).collect();
        let info = PyDict::new(py);
        info.set_item("piece", chunk.piece)?;
        info.set_item("start", chunk.start as f64 / f64::from(self.sample_rate))?;
        info.set_item("start_sample", chunk.start)?;
        info.set_item("sample_rate", self.sample_rate)?;
        info.set_item("gain", chunk.gain)?;
        info.set_item("words", crate::words_list(py, &chunk.words)?)?;
        Ok(Some(PyTuple::new(
            py,
            [PyBytes::new(py, &raw).into_any(), info.into_any()],
        )?))
    }

    /// Stops the stream: nothing more is rendered.
    fn close(&self, py: Python<'_>) {
        let stream = py.detach(|| {
            self.inner
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .take()
        });
        drop(stream);
    }
}
