//! The batch stage: the segments of one project rendered by a few worker threads, each
//! segment through [`Engine::generate_segment`], its outcome reported as it is done.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::Engine;
use crate::batch::{ProjectRequest, SegmentOptions, SegmentOutcome};

/// [`Engine::generate_segments`]: the segments of `request` on up to `options.workers` threads
/// (the engine's default workers when unset).
pub(crate) fn generate_segments<F>(
    engine: &Engine,
    layout: &wav_store::MediaLayout,
    request: &ProjectRequest,
    options: &SegmentOptions,
    on_done: F,
) -> Vec<SegmentOutcome>
where
    F: Fn(usize, &SegmentOutcome) + Sync,
{
    let total = request.segments.len();
    let results: Mutex<Vec<Option<SegmentOutcome>>> = Mutex::new(vec![None; total]);
    let next = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    let workers = options
        .workers
        .unwrap_or(engine.workers)
        .clamp(1, total.max(1));
    let _callers = engine.batch_callers(workers);
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(seg) = request.segments.get(i) else {
                        break;
                    };
                    let result = seg.request().and_then(|one| {
                        let one = one
                            .with_word_timings(options.word_timings)
                            .with_captions(options.captions);
                        engine.generate_segment(layout, &request.project_id, &seg.id, &one)
                    });
                    let out = SegmentOutcome::new(layout, &request.project_id, &seg.id, result);
                    let finished = done.fetch_add(1, Ordering::Relaxed) + 1;
                    on_done(finished, &out);
                    if let Ok(mut slots) = results.lock()
                        && let Some(slot) = slots.get_mut(i)
                    {
                        *slot = Some(out);
                    }
                }
            });
        }
    });
    let slots = results
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    slots
        .into_iter()
        .zip(&request.segments)
        .map(|(slot, seg)| {
            slot.unwrap_or_else(|| {
                SegmentOutcome::failure(
                    &seg.id,
                    "segment was not processed: a worker thread stopped early",
                )
            })
        })
        .collect()
}
