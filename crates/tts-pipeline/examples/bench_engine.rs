//! The engine side of `cargo xtask bench` (built in release by the xtask).
//!
//! ```text
//! cargo run --release -p tts-pipeline --example bench_engine -- [--model-dir models] \
//!     [--corpus fixtures/bench/corpus.json] [--iterations 5] [--calls-out calls.json] \
//!     [--memory 10,200] [--batch fixtures/bench/story-50.json] \
//!     [--threads T] [--sessions N] [--graph-opt all|extended|basic|disable] \
//!     [--memory-pattern|--no-memory-pattern] [--no-arena] [--spinning|--no-spinning] [--no-arena-shrinkage]
//!     [--arena-shrink never|every-run|idle:MS]
//!     [--callers N [--repeat R]] [--pool-memory K]
//!     [--stream fixtures/story-3000.txt [--voices af_heart,am_adam,...]]
//! ```
//!
//! * default: after one warm-up pass, times `Engine::generate` over every corpus segment
//!   (`--iterations` passes) and reports the median wall time, the real-time factor and the share of
//!   the time spent inside ONNX Runtime's `Session::run` (from `kokoro_session::testing::process_stats`);
//!   `--calls-out` records the token ids, style rows and speeds fed to the model, for the floor;
//! * `--memory A,B`: resident memory (VmRSS) after A and after B generations in this process, and
//!   the peak (VmHWM);
//! * `--batch FILE`: one `generate_segments` run over FILE with the pool (`--sessions`, `--threads`):
//!   wall time, peak memory (VmHWM), resident memory right after it and once the pool's sessions
//!   have been idle for a while (VmRSS: what an idle process keeps);
//! * `--callers N`: the corpus (repeated `--repeat R` times) narrated by 1 thread of the caller's
//!   own, by N such threads sharing one `Engine` (each calling `Engine::generate`), and by
//!   `generate_segments` with N workers, in turns, `--iterations` times after a warm-up; medians
//!   and ratios;
//! * `--pool-memory K`: K caller threads narrate the corpus twice on one engine: peak memory
//!   (VmHWM) and the sessions loaded, for comparing pools of different sizes in separate processes.
//! * `--stream FILE`: time to first audio of `Engine::stream` on FILE's text (the first chunk,
//!   planning included) against the whole file (`generate`) and against its first piece alone
//!   (`synthesize` of that piece's text), in turns, `--iterations` times after a warm-up; medians
//!   and ratios. Then the stream's level against the file's, per voice of `--voices`: each
//!   chunk's gain over the file's (the last chunk's: the same samples, the whole peak), in dB,
//!   max and median.
//!
//! Prints one JSON object on stdout.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a benchmark driver: failing loudly is fine

use std::error::Error;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use kokoro_session::ArenaShrink;
use kokoro_session::GraphOptimization;
use serde_json::{Value, json};
use tts_pipeline::{
    Engine, EngineConfig, MediaLayout, ProjectRequest, Request, SegmentOptions, SegmentRequest,
};

/// The request of a corpus segment: its text, voice and speed (its `lang`, if any, left to the
/// voice, as the bench has always measured it).
fn corpus_request(seg: &SegmentRequest) -> Request {
    let mut request = Request::text(seg.text.as_str()).with_speed(seg.speed.unwrap_or(1.0));
    request.voice.clone_from(&seg.voice);
    request
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
}

/// `VmRSS` / `VmHWM` of this process in MiB.
fn status_mib(field: &str) -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

/// This process's minor page faults and CPU seconds (user, system) so far, from `/proc/self/stat`
/// (clock ticks of 1/100 s); `None` where it cannot be read.
fn cpu_and_faults() -> Option<(u64, f64, f64)> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The fields after the command name, which is in parentheses and may hold spaces.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // state(3) ppid pgrp session tty_nr tpgid flags minflt(10) cminflt majflt cmajflt utime(14) stime(15)
    let minflt = fields.get(7)?.parse().ok()?;
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some((minflt, utime / 100.0, stime / 100.0))
}

struct Args {
    model_dir: PathBuf,
    corpus: PathBuf,
    iterations: usize,
    calls_out: Option<PathBuf>,
    memory: Option<(usize, usize)>,
    batch: Option<PathBuf>,
    callers: Option<usize>,
    repeat: usize,
    pool_memory: Option<usize>,
    stream: Option<PathBuf>,
    voices: Vec<String>,
    config: EngineConfig,
}

fn parse() -> Result<Args, Box<dyn Error>> {
    let mut a = Args {
        model_dir: PathBuf::from("models"),
        corpus: PathBuf::from("fixtures/bench/corpus.json"),
        iterations: 5,
        calls_out: None,
        memory: None,
        batch: None,
        callers: None,
        repeat: 2,
        pool_memory: None,
        stream: None,
        voices: ["af_heart", "af_bella", "am_adam", "bf_emma"]
            .map(String::from)
            .to_vec(),
        config: EngineConfig::default(),
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{arg} needs a value"));
        match arg.as_str() {
            "--model-dir" => a.model_dir = value()?.into(),
            "--corpus" => a.corpus = value()?.into(),
            "--iterations" => a.iterations = value()?.parse()?,
            "--calls-out" => a.calls_out = Some(value()?.into()),
            "--batch" => a.batch = Some(value()?.into()),
            "--callers" => a.callers = Some(value()?.parse()?),
            "--repeat" => a.repeat = value()?.parse()?,
            "--pool-memory" => a.pool_memory = Some(value()?.parse()?),
            "--stream" => a.stream = Some(value()?.into()),
            "--voices" => a.voices = value()?.split(',').map(String::from).collect(),
            "--memory" => {
                let v = value()?;
                let (x, y) = v.split_once(',').ok_or("--memory A,B")?;
                a.memory = Some((x.parse()?, y.parse()?));
            }
            "--threads" => a.config.session.intra_threads = Some(value()?.parse()?),
            "--sessions" => a.config.sessions = Some(value()?.parse()?),
            "--graph-opt" => {
                a.config.session.graph_optimization = match value()?.as_str() {
                    "all" => GraphOptimization::All,
                    "extended" => GraphOptimization::Extended,
                    "basic" => GraphOptimization::Basic,
                    "disable" => GraphOptimization::Disable,
                    other => return Err(format!("bad --graph-opt {other}").into()),
                }
            }
            "--no-memory-pattern" => a.config.session.memory_pattern = false,
            "--memory-pattern" => a.config.session.memory_pattern = true,
            "--no-arena" => a.config.session.cpu_arena = false,
            "--no-spinning" => a.config.session.intra_spinning = false,
            "--spinning" => a.config.session.intra_spinning = true,
            "--no-arena-shrinkage" => {
                a.config.session = a.config.session.clone().with_arena_shrinkage(false);
            }
            "--arena-shrink" => {
                let shrink = match value()?.as_str() {
                    "never" => ArenaShrink::Never,
                    "every-run" => ArenaShrink::EveryRun,
                    v => match v.strip_prefix("idle:") {
                        Some(ms) => ArenaShrink::WhenIdle(Duration::from_millis(ms.parse()?)),
                        None => return Err("--arena-shrink never|every-run|idle:MS".into()),
                    },
                };
                a.config.session = a.config.session.clone().with_arena_shrink(shrink);
            }
            "--bench" => {}
            other => return Err(format!("unknown argument {other}").into()),
        }
    }
    a.config.model_dir = Some(a.model_dir.clone());
    // The batch and pool jobs load sessions as their callers need them.
    a.config.defer_session_load =
        a.batch.is_some() || a.callers.is_some() || a.pool_memory.is_some();
    Ok(a)
}

/// Narrates `jobs` with `threads` threads of our own sharing `engine` (each takes the next job and
/// calls `Engine::generate`); returns the wall time.
fn on_threads(
    engine: &Engine,
    jobs: &[&SegmentRequest],
    threads: usize,
    dir: &Path,
) -> Result<f64, Box<dyn Error>> {
    let next = AtomicUsize::new(0);
    let failures = AtomicUsize::new(0);
    let start = Instant::now();
    std::thread::scope(|s| {
        for t in 0..threads.max(1) {
            let (next, failures) = (&next, &failures);
            s.spawn(move || {
                while let Some(seg) = jobs.get(next.fetch_add(1, Ordering::Relaxed)) {
                    let out = dir.join(format!("caller{t}-{}.wav", seg.id));
                    let text = &seg.text;
                    let mut request = Request::text(text);
                    request.voice.clone_from(&seg.voice);
                    if let Err(e) = engine.generate(&request, &out) {
                        eprintln!("generation failed: {e}");
                        failures.fetch_add(1, Ordering::Relaxed);
                    }
                }
            });
        }
    });
    let wall = start.elapsed().as_secs_f64();
    match failures.load(Ordering::Relaxed) {
        0 => Ok(wall),
        n => Err(format!("{n} generations failed").into()),
    }
}

/// `--callers N`: 1 caller, N callers and `generate_segments` on the same sentences, in turns.
fn callers(
    engine: &Engine,
    corpus: &ProjectRequest,
    n: usize,
    args: &Args,
    dir: &Path,
) -> Result<Value, Box<dyn Error>> {
    let jobs: Vec<&SegmentRequest> = std::iter::repeat_n(&corpus.segments, args.repeat.max(1))
        .flatten()
        .collect();
    let request = ProjectRequest {
        project_id: corpus.project_id.clone(),
        segments: jobs
            .iter()
            .enumerate()
            .map(|(i, s)| SegmentRequest {
                id: format!("{}-{i}", s.id),
                ..(*s).clone()
            })
            .collect(),
    };
    let media = MediaLayout::new(dir, "/media/");
    let segments = || -> Result<f64, Box<dyn Error>> {
        let start = Instant::now();
        let outcomes = engine.generate_segments(
            &media,
            &request,
            &SegmentOptions::default().with_workers(n),
            |_, _| {},
        );
        let wall = start.elapsed().as_secs_f64();
        match outcomes.iter().filter(|o| !o.outcome.success).count() {
            0 => Ok(wall),
            k => Err(format!("{k} segments failed").into()),
        }
    };
    // Warm-up: load every session the runs will use (the lone caller's first: right after
    // concurrent callers, the pool stays narrow for a moment, `kokoro_session::CONCURRENCY_HOLD`).
    on_threads(engine, &jobs[..1], 1, dir)?;
    on_threads(engine, &jobs, n, dir)?;
    let (mut one, mut many, mut batch) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..args.iterations.max(1) {
        // Rotate the order so that no variant always runs first.
        for k in 0..3 {
            match (i + k) % 3 {
                0 => one.push(on_threads(engine, &jobs, 1, dir)?),
                1 => many.push(on_threads(engine, &jobs, n, dir)?),
                _ => batch.push(segments()?),
            }
        }
    }
    let (m1, mn, mb) = (
        median(one.clone()),
        median(many.clone()),
        median(batch.clone()),
    );
    Ok(json!({
        "callers": n,
        "pool_policy": std::env::var(kokoro_session::ENV_POOL_POLICY).unwrap_or_default(),
        "sentences": jobs.len(),
        "one_caller_walls_s": one,
        "n_callers_walls_s": many,
        "generate_segments_walls_s": batch,
        "one_caller_median_s": m1,
        "n_callers_median_s": mn,
        "generate_segments_median_s": mb,
        "n_callers_speedup_over_one": m1 / mn,
        "n_callers_throughput_vs_generate_segments": mb / mn,
        "sessions_loaded": kokoro_session::load_count(),
        "weights_loaded": kokoro_session::testing::weights_load_count(),
        "vmhwm_mib": status_mib("VmHWM:"),
    }))
}

/// `--stream`: time to first audio against the whole file and the first piece alone, then the
/// stream's level against the file's per voice.
fn stream(engine: &Engine, text: &str, args: &Args, dir: &Path) -> Result<Value, Box<dyn Error>> {
    use tts_pipeline::Request;
    let voice = args.voices.first().map_or("af_heart", String::as_str);
    let request = Request::text(text).with_voice(voice);
    let lang =
        tts_pipeline::Language::from_voice_id(voice).unwrap_or(tts_pipeline::Language::EnglishUs);
    let pieces = engine.parts().frontend().pieces(text, lang)?;
    let first = Request::text(pieces.first().ok_or("no piece")?.text.as_str()).with_voice(voice);
    let out = dir.join("stream-file.wav");
    let first_chunk = || -> Result<f64, Box<dyn Error>> {
        let start = Instant::now();
        let mut stream = engine.stream(&request)?;
        stream.next().ok_or("an empty stream")??;
        Ok(start.elapsed().as_secs_f64()) // dropped here: the rest is not rendered
    };
    let file = || -> Result<f64, Box<dyn Error>> {
        let start = Instant::now();
        engine.generate(&request, &out)?;
        Ok(start.elapsed().as_secs_f64())
    };
    let alone = || -> Result<f64, Box<dyn Error>> {
        let start = Instant::now();
        engine.synthesize(&first)?;
        Ok(start.elapsed().as_secs_f64())
    };
    // Warm-up: every session and voice loaded.
    file()?;
    first_chunk()?;
    alone()?;
    let (mut ttfa, mut whole, mut piece) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..args.iterations.max(1) {
        ttfa.push(first_chunk()?);
        whole.push(file()?);
        piece.push(alone()?);
    }
    let (t, w, p) = (
        median(ttfa.clone()),
        median(whole.clone()),
        median(piece.clone()),
    );
    let mut levels = serde_json::Map::new();
    for voice in &args.voices {
        let chunks = engine
            .stream(&Request::text(text).with_voice(voice.as_str()))?
            .collect::<Result<Vec<_>, _>>()?;
        let file_gain = f64::from(chunks.last().ok_or("no chunk")?.gain);
        let db: Vec<f64> = chunks
            .iter()
            .map(|c| 20.0 * (f64::from(c.gain) / file_gain).log10())
            .collect();
        let louder = db.iter().filter(|&&d| d > 0.01).count();
        levels.insert(
            voice.clone(),
            json!({
                "chunks": chunks.len(),
                "chunks_louder_than_file": louder,
                "max_db": db.iter().copied().fold(0.0, f64::max),
                "median_db": median(db),
            }),
        );
    }
    Ok(json!({
        "voice": voice,
        "chars": text.chars().count(),
        "pieces": pieces.len(),
        "first_piece_chars": first.input.as_str().chars().count(),
        "first_audio_s": ttfa,
        "whole_file_s": whole,
        "first_piece_alone_s": piece,
        "median_first_audio_s": t,
        "median_whole_file_s": w,
        "median_first_piece_alone_s": p,
        "first_audio_over_first_piece": t / p,
        "first_audio_over_whole_file": t / w,
        "level_db_over_file": levels,
    }))
}

fn main() -> Result<(), Box<dyn Error>> {
    let args = parse()?;
    let corpus: ProjectRequest = serde_json::from_str(&std::fs::read_to_string(&args.corpus)?)?;
    let tmp = tempfile::tempdir()?;
    let open_start = Instant::now();
    let engine = Engine::open(&args.config)?;
    let open_s = open_start.elapsed().as_secs_f64();
    let mut report = serde_json::Map::new();
    report.insert("open_s".into(), json!(open_s));
    report.insert(
        "threads".into(),
        json!(args.config.session.resolved_intra_threads()),
    );

    if let Some(batch) = &args.batch {
        let request: ProjectRequest = serde_json::from_str(&std::fs::read_to_string(batch)?)?;
        let layout = args.config.pool_layout();
        let media = MediaLayout::new(tmp.path(), "/media/");
        let start = Instant::now();
        let before = cpu_and_faults();
        let outcomes = engine.generate_segments(
            &media,
            &request,
            &SegmentOptions::default().with_workers(layout.sessions),
            |_, _| {},
        );
        let wall = start.elapsed().as_secs_f64();
        let cost = before.zip(cpu_and_faults()).map(|((f0, u0, s0), (f1, u1, s1))| {
            json!({"minor_faults": f1 - f0, "user_s": u1 - u0, "system_s": s1 - s0})
        });
        let failed = outcomes.iter().filter(|o| !o.outcome.success).count();
        let audio: f64 = outcomes.iter().filter_map(|o| o.outcome.duration).sum();
        let rss_after = status_mib("VmRSS:");
        // Idle long enough for a `WhenIdle` pool to shrink its sessions.
        let idle = match args.config.session.arena_shrink {
            ArenaShrink::WhenIdle(after) => after + Duration::from_secs(1),
            _ => Duration::from_secs(1),
        };
        std::thread::sleep(idle);
        let rss_idle = status_mib("VmRSS:");
        report.insert(
            "batch".into(),
            json!({
                "segments": request.segments.len(),
                "failed": failed,
                "sessions": layout.sessions,
                "threads_per_session": layout.threads,
                "sessions_loaded": kokoro_session::load_count(),
                "wall_s": wall,
                "audio_s": audio,
                "rtf": wall / audio,
                "vmhwm_mib": status_mib("VmHWM:"),
                "vmrss_after_mib": rss_after,
                "vmrss_idle_mib": rss_idle,
                "cpu": cost,
                "arena_shrink": format!("{:?}", args.config.session.arena_shrink),
            }),
        );
        println!("{}", Value::Object(report));
        return Ok(());
    }

    if let Some(file) = &args.stream {
        let text = std::fs::read_to_string(file)?;
        report.insert("stream".into(), stream(&engine, &text, &args, tmp.path())?);
        println!("{}", Value::Object(report));
        return Ok(());
    }
    if let Some(n) = args.callers {
        report.insert(
            "callers".into(),
            callers(&engine, &corpus, n, &args, tmp.path())?,
        );
        println!("{}", Value::Object(report));
        return Ok(());
    }
    if let Some(k) = args.pool_memory {
        let jobs: Vec<&SegmentRequest> = corpus
            .segments
            .iter()
            .cycle()
            .take(2 * corpus.segments.len().max(k))
            .collect();
        let wall = on_threads(&engine, &jobs, k, tmp.path())?;
        report.insert(
            "pool_memory".into(),
            json!({
                "callers": k,
                "generations": jobs.len(),
                "wall_s": wall,
                "sessions_loaded": kokoro_session::load_count(),
                "weights_loaded": kokoro_session::testing::weights_load_count(),
                "vmhwm_mib": status_mib("VmHWM:"),
            }),
        );
        println!("{}", Value::Object(report));
        return Ok(());
    }

    let pass = |tag: &str| -> Result<(f64, f64, kokoro_session::SessionStats), Box<dyn Error>> {
        let before = kokoro_session::testing::process_stats();
        let start = Instant::now();
        let mut audio = 0.0;
        for seg in &corpus.segments {
            let out = tmp.path().join(format!("{tag}-{}.wav", seg.id));
            let g = engine.generate(&corpus_request(seg), &out)?;
            audio += g.duration;
        }
        let wall = start.elapsed().as_secs_f64();
        Ok((
            wall,
            audio,
            kokoro_session::testing::process_stats().since(&before),
        ))
    };

    if let Some((first, second)) = args.memory {
        let mut done = 0;
        let mut rss = Vec::new();
        let mut i = 0usize;
        while done < second {
            let seg = &corpus.segments[i % corpus.segments.len()];
            let out = tmp.path().join("memory.wav");
            engine.generate(&corpus_request(seg), &out)?;
            done += 1;
            i += 1;
            if done == first || done == second {
                rss.push(json!({"generations": done, "vmrss_mib": status_mib("VmRSS:")}));
            }
        }
        report.insert(
            "memory".into(),
            json!({"after": rss, "vmhwm_mib": status_mib("VmHWM:")}),
        );
        println!("{}", Value::Object(report));
        return Ok(());
    }

    let first_start = Instant::now();
    let (warm_wall, _, _) = pass("warmup")?;
    let first_s = first_start.elapsed().as_secs_f64();
    let mut walls = Vec::new();
    let mut shares = Vec::new();
    let mut audio_s = 0.0;
    let mut runs = 0;
    for i in 0..args.iterations.max(1) {
        let (wall, audio, stats) = pass(&format!("it{i}"))?;
        walls.push(wall);
        shares.push(stats.inference.as_secs_f64() / wall);
        audio_s = audio;
        runs = stats.runs;
    }
    let wall = median(walls.clone());
    let share = median(shares);
    report.insert(
        "engine".into(),
        json!({
            "segments": corpus.segments.len(),
            "model_calls_per_pass": runs,
            "iterations": walls.len(),
            "warmup_pass_s": warm_wall,
            "first_pass_incl_load_s": first_s,
            "median_wall_s": wall,
            "walls_s": walls,
            "audio_s": audio_s,
            "rtf": wall / audio_s,
            "inside_session_run_share": share,
            "outside_session_run_share": 1.0 - share,
            "vmhwm_mib": status_mib("VmHWM:"),
        }),
    );

    if let Some(path) = &args.calls_out {
        let voices = kokoro_voices::VoiceCatalog::open(args.model_dir.join("voices"))?;
        let mut calls = Vec::new();
        for seg in &corpus.segments {
            let choice = voices.resolve(seg.voice.as_deref())?;
            let pack = voices.voice(&choice.spec)?;
            let lang = tts_pipeline::Language::from_voice_id(&choice.spec)
                .unwrap_or(tts_pipeline::Language::EnglishUs);
            for piece in engine.parts().frontend().pieces(&seg.text, lang)? {
                calls.push(json!({
                    "ids": piece.ids,
                    "style": pack.style_for_tokens(piece.ids.len()),
                    "speed": tts_pipeline::validate_speed(seg.speed.unwrap_or(1.0))?,
                }));
            }
        }
        if calls.len() as u64 != runs {
            return Err(format!(
                "recorded {} calls but the engine made {runs} model calls per pass",
                calls.len()
            )
            .into());
        }
        std::fs::write(path, serde_json::to_string(&calls)?)?;
    }
    println!("{}", Value::Object(report));
    Ok(())
}
