//! The floor for `cargo xtask bench --floor`: a bare ONNX Runtime loop over recorded calls.
//!
//! ```text
//! cargo run --release -p kokoro-session --example bench_floor -- CALLS.json \
//!     [--iterations N] [--threads T] [--graph-opt all|extended|basic|disable] \
//!     [--memory-pattern|--no-memory-pattern] [--no-arena] [--spinning|--no-spinning]
//! ```
//!
//! `CALLS.json` is written by `tts-pipeline`'s `bench_engine` example (`--calls-out`): the exact
//! token ids (without padding), style rows and speeds the engine fed the model for the corpus.
//! This program uses none of this crate's session code: it opens ONNX Runtime with `ort` directly,
//! builds the session with the same options, and times `[0, ids.., 0]` + style + speed through
//! `Session::run` only, copying the audio out as the engine does. It prints one JSON object:
//! the median wall time of one pass over the calls, and the time inside `Session::run`.
//!
//! With `--cold` it is the cold-start floor instead: open the runtime, create the session from the
//! model file and run the first call once, then exit (the xtask times the whole process and reads
//! its peak memory, next to a cold `kokoro say` of the same text).

#![allow(clippy::unwrap_used, clippy::expect_used)] // a benchmark driver: failing loudly is fine

use std::error::Error;
use std::time::{Duration, Instant};

use kokoro_session::{SAMPLE_RATE, SessionConfig, locate_model, locate_runtime};
use ort::session::Session;
use ort::session::builder::GraphOptimizationLevel;
use ort::value::Tensor;

#[derive(serde::Deserialize)]
struct Call {
    ids: Vec<i64>,
    style: Vec<f32>,
    speed: f32,
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
}

fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut calls_path = None;
    let mut iterations = 5usize;
    let mut threads = kokoro_session::SessionConfig::new().resolved_intra_threads();
    let mut opt = GraphOptimizationLevel::All;
    let (mut mem_pattern, mut arena, mut spinning) = (false, true, true);
    let mut cold = false;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--iterations" => iterations = it.next().ok_or("--iterations N")?.parse()?,
            "--threads" => threads = it.next().ok_or("--threads T")?.parse()?,
            "--graph-opt" => {
                opt = match it.next().map(String::as_str) {
                    Some("all") => GraphOptimizationLevel::All,
                    Some("extended") => GraphOptimizationLevel::Level2,
                    Some("basic") => GraphOptimizationLevel::Level1,
                    Some("disable") => GraphOptimizationLevel::Disable,
                    other => return Err(format!("bad --graph-opt {other:?}").into()),
                }
            }
            "--no-memory-pattern" => mem_pattern = false,
            "--memory-pattern" => mem_pattern = true,
            "--no-arena" => arena = false,
            "--no-spinning" => spinning = false,
            "--spinning" => spinning = true,
            "--cold" => cold = true,
            "--bench" => {}
            path => calls_path = Some(path.to_owned()),
        }
    }
    let calls_path = calls_path.ok_or("give the calls file written by bench_engine --calls-out")?;
    let calls: Vec<Call> = serde_json::from_str(&std::fs::read_to_string(&calls_path)?)?;

    let cfg = SessionConfig::new();
    let env = ort::init_from(locate_runtime(&cfg)?)?
        .with_name("floor")
        .with_telemetry(false)
        .build()?;
    let load_start = Instant::now();
    let mut session = Session::builder(&env)?
        .with_optimization_level(opt)?
        .with_intra_threads(threads)?
        .with_memory_pattern(mem_pattern)?
        .with_intra_op_spinning(spinning)?
        .with_execution_providers([ort::ep::CPU::default().with_arena_allocator(arena).build()])?
        .commit_from_file(locate_model(&cfg)?)?;
    let load_secs = load_start.elapsed().as_secs_f64();
    if cold {
        let c = calls.first().ok_or("the calls file is empty")?;
        let mut tokens = vec![0];
        tokens.extend_from_slice(&c.ids);
        tokens.push(0);
        let out = session.run(ort::inputs![
            "tokens" => Tensor::from_array(([1, tokens.len()], tokens))?,
            "style" => Tensor::from_array(([1, c.style.len()], c.style.clone()))?,
            "speed" => Tensor::from_array(([1], vec![c.speed]))?,
        ])?;
        let samples = out["audio"].try_extract_tensor::<f32>()?.1.len();
        println!(
            "{}",
            serde_json::json!({"cold": {"load_s": load_secs, "samples": samples}})
        );
        return Ok(());
    }

    let mut pass = || -> Result<(Duration, Duration, usize), Box<dyn Error>> {
        let start = Instant::now();
        let mut inside = Duration::ZERO;
        let mut samples = 0;
        for c in &calls {
            let mut tokens = Vec::with_capacity(c.ids.len() + 2);
            tokens.push(0);
            tokens.extend_from_slice(&c.ids);
            tokens.push(0);
            let inputs = ort::inputs![
                "tokens" => Tensor::from_array(([1, tokens.len()], tokens))?,
                "style" => Tensor::from_array(([1, c.style.len()], c.style.clone()))?,
                "speed" => Tensor::from_array(([1], vec![c.speed]))?,
            ];
            let t = Instant::now();
            let out = session.run(inputs)?;
            inside += t.elapsed();
            let audio = out["audio"].try_extract_tensor::<f32>()?.1.to_vec();
            samples += audio.len();
        }
        Ok((start.elapsed(), inside, samples))
    };
    pass()?; // warm-up
    let mut walls = Vec::new();
    let mut insides = Vec::new();
    let mut samples = 0;
    for _ in 0..iterations.max(1) {
        let (wall, inside, n) = pass()?;
        walls.push(wall.as_secs_f64());
        insides.push(inside.as_secs_f64());
        samples = n;
    }
    let audio_secs = samples as f64 / f64::from(SAMPLE_RATE);
    let wall = median(walls);
    println!(
        "{}",
        serde_json::json!({
            "floor": {
                "calls": calls.len(),
                "iterations": iterations,
                "threads": threads,
                "load_s": load_secs,
                "median_wall_s": wall,
                "median_inside_run_s": median(insides),
                "raw_audio_s": audio_secs,
                "rtf": wall / audio_secs,
            }
        })
    );
    Ok(())
}
