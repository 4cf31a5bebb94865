//! `cargo xtask bench`: end-to-end performance on the real model.
//!
//! Builds the release `kokoro` binary and the two bench drivers (the `bench_engine` example of
//! tts-pipeline, the `bench_floor` example of kokoro-session), runs them on `fixtures/bench/`, and
//! prints one JSON object (stdout) and a short table (stderr).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use clap::Args;
use serde_json::{Value, json};

/// Options of `cargo xtask bench`.
#[derive(Debug, Clone, PartialEq, Eq, Args)]
pub struct BenchArgs {
    /// Also run a bare ONNX Runtime loop on the same calls (the floor).
    #[arg(long)]
    pub floor: bool,
    /// Also measure resident memory (VmRSS) after 10 and 200 generations.
    #[arg(long)]
    pub memory: bool,
    /// The 50-segment story on pools of SESSIONS x THREADS (e.g. `1x2,2x1`).
    #[arg(long, value_name = "SxT,...", value_delimiter = ',', value_parser = layout)]
    pub batch: Vec<(usize, usize)>,
    /// Timed passes over the corpus (with --python: narrations of the corpus).
    #[arg(long, value_name = "N", default_value_t = 5)]
    pub iterations: usize,
    /// Cold-start runs of `kokoro say`, in turns with the bare-ORT cold floor.
    #[arg(long, value_name = "N", default_value_t = 5)]
    pub cold_runs: usize,
    /// N threads of the caller's own on one Engine vs 1 thread vs generate_segments.
    #[arg(long, value_name = "N")]
    pub callers: Option<usize>,
    /// The peak RSS of K concurrent callers, one process for each K.
    #[arg(long, value_name = "K,K,...", value_delimiter = ',')]
    pub pool_memory: Vec<usize>,
    /// Instead, run crates/kokoro-py/bench/bench_threads.py: the release wheel narrates the corpus
    /// N times from 1 and from 4 Python threads, against kokoro-onnx 0.6.1 (own venv) on the same
    /// model and voice; wall times, ratios and peak RSS.
    #[arg(long)]
    pub python: bool,
    /// Session options, passed to both drivers.
    #[command(flatten)]
    pub session: SessionArgs,
}

/// The session options of `cargo xtask bench`, passed on to both drivers.
#[derive(Debug, Clone, PartialEq, Eq, Default, Args)]
pub struct SessionArgs {
    /// ONNX Runtime intra-op threads per session.
    #[arg(long, value_name = "T")]
    pub threads: Option<usize>,
    /// ONNX Runtime graph optimization level.
    #[arg(long, value_name = "LEVEL", value_parser = ["all", "extended", "basic", "disable"])]
    pub graph_opt: Option<String>,
    /// Turn ONNX Runtime's memory pattern optimization on.
    #[arg(long, overrides_with = "no_memory_pattern")]
    pub memory_pattern: bool,
    /// Turn ONNX Runtime's memory pattern optimization off.
    #[arg(long, overrides_with = "memory_pattern")]
    pub no_memory_pattern: bool,
    /// No CPU memory arena.
    #[arg(long)]
    pub no_arena: bool,
    /// No spinning of the intra-op threads.
    #[arg(long)]
    pub no_spinning: bool,
    /// No shrinking of the arena after each run.
    #[arg(long)]
    pub no_arena_shrinkage: bool,
}

impl SessionArgs {
    /// The options as the drivers take them (`--threads T`, `--graph-opt X`, `--no-arena`, ...).
    pub fn to_args(&self) -> Vec<String> {
        let mut args = Vec::new();
        if let Some(t) = self.threads {
            args.extend(["--threads".to_string(), t.to_string()]);
        }
        if let Some(level) = &self.graph_opt {
            args.extend(["--graph-opt".to_string(), level.clone()]);
        }
        let flags = [
            (self.memory_pattern, "--memory-pattern"),
            (self.no_memory_pattern, "--no-memory-pattern"),
            (self.no_arena, "--no-arena"),
            (self.no_spinning, "--no-spinning"),
            (self.no_arena_shrinkage, "--no-arena-shrinkage"),
        ];
        args.extend(
            flags
                .iter()
                .filter(|(on, _)| *on)
                .map(|(_, flag)| flag.to_string()),
        );
        args
    }
}

/// One pool layout of `--batch`: `SESSIONSxTHREADS`.
fn layout(s: &str) -> Result<(usize, usize), String> {
    let parse = |n: &str| n.parse::<usize>().map_err(|e| format!("{n}: {e}"));
    let (sessions, threads) = s
        .split_once('x')
        .ok_or_else(|| format!("--batch wants SESSIONSxTHREADS, got {s}"))?;
    Ok((parse(sessions)?, parse(threads)?))
}

fn target_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"))
}

/// Runs `program args` in `root` and parses the JSON object it prints last on stdout.
fn run_json(root: &Path, program: &Path, args: &[String]) -> Result<Value> {
    eprintln!("xtask: $ {} {}", program.display(), args.join(" "));
    let out = Command::new(program)
        .args(args)
        .current_dir(root)
        .output()
        .with_context(|| format!("cannot run {}", program.display()))?;
    if !out.status.success() {
        bail!(
            "{} failed ({}): {}",
            program.display(),
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    let last = stdout.lines().last().unwrap_or_default();
    serde_json::from_str(last)
        .with_context(|| format!("{} printed no JSON: {stdout}", program.display()))
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
}

/// The sentence of the cold-start runs.
const COLD_TEXT: &str = "Hello world.";

/// Runs `cmd` once: its wall time in seconds and, where GNU time is installed, its peak resident
/// memory in MiB.
fn timed(cmd: &mut Command, dir: &Path) -> Result<(f64, Option<f64>)> {
    let gnu_time = Path::new("/usr/bin/time");
    let rss_file = dir.join("maxrss.txt");
    let mut run = if gnu_time.exists() {
        let mut c = Command::new(gnu_time);
        c.args(["-f", "%M", "-o"])
            .arg(&rss_file)
            .arg(cmd.get_program());
        c.args(cmd.get_args());
        if let Some(d) = cmd.get_current_dir() {
            c.current_dir(d);
        }
        c
    } else {
        std::mem::replace(cmd, Command::new("true"))
    };
    let start = Instant::now();
    let status = run
        .stdout(std::process::Stdio::null())
        .status()
        .context("cannot run the cold-start program")?;
    let secs = start.elapsed().as_secs_f64();
    if !status.success() {
        bail!("a cold-start run failed ({status})");
    }
    let rss = std::fs::read_to_string(&rss_file)
        .ok()
        .and_then(|t| t.trim().parse::<f64>().ok())
        .map(|kib| kib / 1024.0);
    Ok((secs, rss))
}

/// Process start to WAV written, for one sentence with the release `kokoro say`, in turns with the
/// bare-ORT floor (`bench_floor --cold`: create the session, run the same tokens once).
fn cold_start(root: &Path, release: &Path, runs: usize, threads: u64) -> Result<Value> {
    let tmp = tempfile_dir(root)?;
    let out = tmp.join("cold.wav");
    let corpus = tmp.join("cold-corpus.json");
    let calls = tmp.join("cold-calls.json");
    std::fs::write(
        &corpus,
        json!({"project_id": "cold", "segments": [{"id": "cold", "text": COLD_TEXT, "voice": "af_bella"}]})
            .to_string(),
    )?;
    run_json(
        root,
        &release.join("examples").join("bench_engine"),
        &[
            "--corpus".into(),
            corpus.display().to_string(),
            "--iterations".into(),
            "1".into(),
            "--calls-out".into(),
            calls.display().to_string(),
        ],
    )?;
    let (mut say, mut floor) = (Vec::new(), Vec::new());
    for _ in 0..runs.max(1) {
        let _ = std::fs::remove_file(&out);
        let mut cmd = Command::new(release.join("kokoro"));
        cmd.args(["--model-dir", "models", "say", COLD_TEXT, "-o"])
            .arg(&out)
            .current_dir(root);
        say.push(timed(&mut cmd, &tmp)?);
        if !out.exists() {
            bail!("`kokoro say` wrote no file during the cold-start runs");
        }
        let mut cmd = Command::new(release.join("examples").join("bench_floor"));
        cmd.arg(&calls)
            .args(["--cold", "--threads", &threads.to_string()])
            .current_dir(root);
        floor.push(timed(&mut cmd, &tmp)?);
    }
    let _ = std::fs::remove_dir_all(&tmp);
    let walls = |v: &[(f64, Option<f64>)]| v.iter().map(|r| r.0).collect::<Vec<_>>();
    let rss = |v: &[(f64, Option<f64>)]| v.iter().filter_map(|r| r.1).collect::<Vec<_>>();
    let (say_wall, floor_wall) = (median(walls(&say)), median(walls(&floor)));
    let (say_rss, floor_rss) = (median(rss(&say)), median(rss(&floor)));
    Ok(json!({
        "text": COLD_TEXT,
        "runs_s": walls(&say),
        "median_s": say_wall,
        "peak_rss_mib": rss(&say),
        "median_peak_rss_mib": say_rss,
        "floor_runs_s": walls(&floor),
        "floor_median_s": floor_wall,
        "floor_peak_rss_mib": rss(&floor),
        "floor_median_peak_rss_mib": floor_rss,
        "say_over_floor_wall": say_wall / floor_wall,
        "say_over_floor_rss": say_rss / floor_rss,
    }))
}

fn tempfile_dir(root: &Path) -> Result<PathBuf> {
    let dir = target_dir(root)
        .join("bench")
        .join(format!("cold-{}", std::process::id()));
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    Ok(dir)
}

fn num(v: &Value, path: &[&str]) -> f64 {
    let mut v = v;
    for p in path {
        v = &v[*p];
    }
    v.as_f64().unwrap_or(f64::NAN)
}

/// Runs the benchmark and prints the report.
pub fn run(root: &Path, args: &BenchArgs, cargo: &dyn Fn(&[&str]) -> Result<()>) -> Result<()> {
    cargo(&["build", "--release", "-p", "kokoro-cli", "--bin", "kokoro"])?;
    cargo(&[
        "build",
        "--release",
        "-p",
        "tts-pipeline",
        "--example",
        "bench_engine",
    ])?;
    cargo(&[
        "build",
        "--release",
        "-p",
        "kokoro-session",
        "--example",
        "bench_floor",
    ])?;
    let release = target_dir(root).join("release");
    let engine_bin = release.join("examples").join("bench_engine");
    let bench_dir = target_dir(root).join("bench");
    std::fs::create_dir_all(&bench_dir)?;
    let calls = bench_dir.join("calls.json");

    let mut report = serde_json::Map::new();
    let mut engine_args: Vec<String> = vec![
        "--iterations".into(),
        args.iterations.to_string(),
        "--calls-out".into(),
        calls.display().to_string(),
    ];
    engine_args.extend(args.session.to_args());
    let engine = run_json(root, &engine_bin, &engine_args)?;
    let threads = engine["threads"].as_u64().unwrap_or(1);
    report.insert("engine".into(), engine["engine"].clone());
    report.insert("threads".into(), json!(threads));

    if args.floor {
        // The engine's resolved thread count, not the option as given.
        let session = SessionArgs {
            threads: usize::try_from(threads).ok(),
            ..args.session.clone()
        };
        let mut floor_args = vec![
            calls.display().to_string(),
            "--iterations".into(),
            args.iterations.to_string(),
        ];
        floor_args.extend(session.to_args());
        let floor = run_json(
            root,
            &release.join("examples").join("bench_floor"),
            &floor_args,
        )?;
        let engine_wall = num(&report["engine"], &["median_wall_s"]);
        let floor_wall = num(&floor, &["floor", "median_wall_s"]);
        report.insert("floor".into(), floor["floor"].clone());
        report.insert(
            "engine_over_floor".into(),
            json!(engine_wall / floor_wall - 1.0),
        );
    }

    report.insert(
        "cold_start".into(),
        cold_start(root, &release, args.cold_runs, threads)?,
    );

    if let Some(n) = args.callers {
        let mut a = vec![
            "--callers".to_string(),
            n.to_string(),
            "--iterations".to_string(),
            args.iterations.to_string(),
        ];
        a.extend(args.session.to_args());
        report.insert(
            "callers".into(),
            run_json(root, &engine_bin, &a)?["callers"].clone(),
        );
    }

    let mut pools = Vec::new();
    for k in &args.pool_memory {
        let mut a = vec![
            "--pool-memory".to_string(),
            k.to_string(),
            "--corpus".to_string(),
            "fixtures/bench/memory.json".to_string(),
            "--sessions".to_string(),
            (*k).max(1).to_string(),
        ];
        a.extend(args.session.to_args());
        pools.push(run_json(root, &engine_bin, &a)?["pool_memory"].clone());
    }
    if !pools.is_empty() {
        report.insert("pool_memory".into(), Value::Array(pools));
    }

    if args.memory {
        let mut a = vec![
            "--memory".to_string(),
            "10,200".to_string(),
            "--corpus".to_string(),
            "fixtures/bench/memory.json".to_string(),
        ];
        a.extend(args.session.to_args());
        let m = run_json(root, &engine_bin, &a)?;
        report.insert("memory".into(), m["memory"].clone());
    }

    let mut batches = Vec::new();
    for (sessions, threads) in &args.batch {
        let a = vec![
            "--batch".to_string(),
            "fixtures/bench/story-50.json".to_string(),
            "--sessions".to_string(),
            sessions.to_string(),
            "--threads".to_string(),
            threads.to_string(),
        ];
        batches.push(run_json(root, &engine_bin, &a)?["batch"].clone());
    }
    if !batches.is_empty() {
        report.insert("batch".into(), Value::Array(batches));
    }

    let report = Value::Object(report);
    println!("{report}");
    print_table(&report);
    Ok(())
}

fn print_table(r: &Value) {
    let e = &r["engine"];
    eprintln!("\n{:<44} {:>12}", "metric", "value");
    let row = |name: &str, v: f64, unit: &str| eprintln!("{name:<44} {v:>10.3} {unit}");
    row(
        "engine: median wall, corpus pass",
        num(e, &["median_wall_s"]),
        "s",
    );
    row("engine: audio per pass", num(e, &["audio_s"]), "s");
    row(
        "engine: real-time factor (wall / audio)",
        num(e, &["rtf"]),
        "",
    );
    row(
        "engine: share of wall inside session.run",
        100.0 * num(e, &["inside_session_run_share"]),
        "%",
    );
    row("engine: peak RSS (VmHWM)", num(e, &["vmhwm_mib"]), "MiB");
    if r.get("floor").is_some() {
        row(
            "floor: median wall, same calls",
            num(r, &["floor", "median_wall_s"]),
            "s",
        );
        row(
            "engine over floor",
            100.0 * num(r, &["engine_over_floor"]),
            "%",
        );
    }
    let c = &r["cold_start"];
    row(
        "cold start: `kokoro say` (median)",
        num(c, &["median_s"]),
        "s",
    );
    row(
        "cold start: bare-ORT floor (median)",
        num(c, &["floor_median_s"]),
        "s",
    );
    row(
        "cold start: say / floor, wall",
        num(c, &["say_over_floor_wall"]),
        "x",
    );
    row(
        "cold start: `kokoro say` peak RSS",
        num(c, &["median_peak_rss_mib"]),
        "MiB",
    );
    row(
        "cold start: floor peak RSS",
        num(c, &["floor_median_peak_rss_mib"]),
        "MiB",
    );
    row(
        "cold start: say / floor, peak RSS",
        num(c, &["say_over_floor_rss"]),
        "x",
    );
    let k = &r["callers"];
    if k.is_object() {
        let n = k["callers"].as_u64().unwrap_or(0);
        row(
            "callers: 1 thread (median)",
            num(k, &["one_caller_median_s"]),
            "s",
        );
        row(
            &format!("callers: {n} threads (median)"),
            num(k, &["n_callers_median_s"]),
            "s",
        );
        row(
            "callers: generate_segments (median)",
            num(k, &["generate_segments_median_s"]),
            "s",
        );
        row(
            &format!("callers: {n} over 1, speed-up"),
            num(k, &["n_callers_speedup_over_one"]),
            "x",
        );
        row(
            &format!("callers: {n} vs generate_segments, throughput"),
            num(k, &["n_callers_throughput_vs_generate_segments"]),
            "x",
        );
    }
    if let Some(pools) = r["pool_memory"].as_array() {
        for p in pools {
            row(
                &format!(
                    "pool memory: {} callers, {} sessions, peak RSS",
                    p["callers"], p["sessions_loaded"]
                ),
                num(p, &["vmhwm_mib"]),
                "MiB",
            );
        }
    }
    if let Some(after) = r["memory"]["after"].as_array() {
        for a in after {
            row(
                &format!("memory: VmRSS after {} generations", a["generations"]),
                num(a, &["vmrss_mib"]),
                "MiB",
            );
        }
    }
    if let Some(batches) = r["batch"].as_array() {
        for b in batches {
            row(
                &format!(
                    "batch: 50 segments, {} x {} threads",
                    b["sessions"], b["threads_per_session"]
                ),
                num(b, &["wall_s"]),
                "s",
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[derive(Debug, Parser)]
    struct Cli {
        #[command(flatten)]
        bench: BenchArgs,
    }

    fn parse(s: &str) -> Result<BenchArgs, clap::Error> {
        Cli::try_parse_from(std::iter::once("bench").chain(s.split_whitespace())).map(|c| c.bench)
    }

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn defaults_and_options() {
        let d = parse("").unwrap();
        assert_eq!(
            (d.iterations, d.cold_runs, d.floor, d.memory),
            (5, 5, false, false)
        );
        assert!(d.session.to_args().is_empty());
        let b = parse("--floor --memory --batch 1x2,2x1 --iterations 3 --threads 2 --no-arena")
            .unwrap();
        assert!(b.floor && b.memory);
        assert_eq!(b.batch, vec![(1, 2), (2, 1)]);
        assert_eq!(b.iterations, 3);
        assert_eq!(b.session.to_args(), args("--threads 2 --no-arena"));
        let c = parse("--callers 2 --pool-memory 1,2,4").unwrap();
        assert_eq!((c.callers, c.pool_memory), (Some(2), vec![1, 2, 4]));
        let s = parse("--graph-opt basic --memory-pattern --no-memory-pattern --no-spinning --no-arena-shrinkage").unwrap();
        assert_eq!(
            s.session.to_args(),
            args("--graph-opt basic --no-memory-pattern --no-spinning --no-arena-shrinkage")
        );
    }

    #[test]
    fn bad_arguments_are_rejected() {
        for bad in [
            "--batch 2",
            "--batch axb",
            "--iterations",
            "--bogus",
            "--callers x",
            "--pool-memory 1,a",
            "--graph-opt fastest",
            "--threads",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }
}
