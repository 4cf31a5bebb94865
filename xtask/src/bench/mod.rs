//! `cargo xtask bench`: end-to-end performance on the real model.
//!
//! Builds the release `kokoro` binary and the two bench drivers (the `bench_engine` example of
//! tts-pipeline, the `bench_floor` example of kokoro-session), runs them on `fixtures/bench/`, and
//! prints one JSON object (stdout) and a short table (stderr).

mod cold;
mod report;
pub mod server;

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};
use clap::Args;
use serde::de::DeserializeOwned;

use report::{
    Batch, Callers, EngineOutput, EngineStats, FloorOutput, FloorStats, Memory, Num, PoolMemory,
    Report,
};

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
    /// N threads of the caller's own on one Engine vs 1 thread vs generate_segments (with
    /// --python: N Python threads against 1, instead of bench_threads.py's default 4).
    #[arg(long, value_name = "N")]
    pub callers: Option<usize>,
    /// The peak RSS of K concurrent callers, one process for each K.
    #[arg(long, value_name = "K,K,...", value_delimiter = ',')]
    pub pool_memory: Vec<usize>,
    /// Instead, run crates/kokoro-py/bench/bench_threads.py: the release wheel narrates the corpus
    /// N times from 1 and from 4 (or --callers) Python threads, against kokoro-onnx 0.6.1 (own venv) on the same
    /// model and voice; wall times, ratios and peak RSS.
    #[arg(long)]
    pub python: bool,
    /// Instead, load `kokoro serve` (release): one sentence at 1, 2 and 4 clients, time to first
    /// byte, --server-requests from 8 clients on a small queue with the server's memory, and the
    /// fault cases (clients gone mid-answer, kill -9). See docs/SERVER.md.
    #[arg(long, conflicts_with = "python")]
    pub server: bool,
    /// With --server: serve with this `kokoro` instead of building the release one (e.g.
    /// target/debug/kokoro for a quick look; the figures then are not the release's).
    #[arg(long, value_name = "PATH", requires = "server")]
    pub server_bin: Option<PathBuf>,
    /// Requests of --server's load run (one short sentence from 8 clients on a queue of 2).
    #[arg(long, value_name = "N", default_value_t = 1000)]
    pub server_requests: usize,
    /// With --server: only the load run and the fault cases (no latency rows, no time to first
    /// byte).
    #[arg(long, requires = "server")]
    pub server_load_only: bool,
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
    /// Let the intra-op threads spin (the engine's default).
    #[arg(long, overrides_with = "no_spinning")]
    pub spinning: bool,
    /// No spinning of the intra-op threads.
    #[arg(long, overrides_with = "spinning")]
    pub no_spinning: bool,
    /// Never shrink the arena (the same as `--arena-shrink never`).
    #[arg(long)]
    pub no_arena_shrinkage: bool,
    /// When the arena's unused memory goes back: `never`, `every-run`, or `idle:MS` (once a
    /// pooled session has been idle MS milliseconds; the default is `idle:2000`).
    #[arg(long, value_name = "WHEN")]
    pub arena_shrink: Option<String>,
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
        if let Some(when) = &self.arena_shrink {
            args.extend(["--arena-shrink".to_string(), when.clone()]);
        }
        let flags = [
            (self.memory_pattern, "--memory-pattern"),
            (self.no_memory_pattern, "--no-memory-pattern"),
            (self.no_arena, "--no-arena"),
            (self.spinning, "--spinning"),
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

/// Runs `program args` in `root` and parses the JSON object it prints last on stdout.
fn run_json<T: DeserializeOwned>(root: &Path, program: &Path, args: &[String]) -> Result<T> {
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
        .with_context(|| format!("{} printed no JSON report: {stdout}", program.display()))
}

/// Builds the release `kokoro` binary (what `--server` serves with unless given `--server-bin`).
pub fn build_kokoro(cargo: &dyn Fn(&[&str]) -> Result<()>) -> Result<()> {
    cargo(&[
        "build",
        "--release",
        "-p",
        "kokoro-engine-cli",
        "--bin",
        "kokoro",
    ])
}

/// Builds the release `kokoro` binary and the two drivers.
fn build(cargo: &dyn Fn(&[&str]) -> Result<()>) -> Result<()> {
    build_kokoro(cargo)?;
    for (package, example) in [
        ("tts-pipeline", "bench_engine"),
        ("kokoro-session", "bench_floor"),
    ] {
        cargo(&["build", "--release", "-p", package, "--example", example])?;
    }
    Ok(())
}

/// The built drivers and where they write.
struct Drivers<'a> {
    root: &'a Path,
    args: &'a BenchArgs,
    release: PathBuf,
    /// The calls of the corpus pass, for the floor.
    calls: PathBuf,
}

impl Drivers<'_> {
    /// `bench_engine` with `args`, then the session options.
    fn engine(&self, mut args: Vec<String>, session: bool) -> Result<EngineOutput> {
        if session {
            args.extend(self.args.session.to_args());
        }
        let program = self.release.join("examples").join("bench_engine");
        run_json(self.root, &program, &args)
    }

    /// The timed corpus passes; they also record the model calls for the floor.
    fn corpus(&self) -> Result<(u64, EngineStats)> {
        let out = self.engine(
            vec![
                "--iterations".into(),
                self.args.iterations.to_string(),
                "--calls-out".into(),
                self.calls.display().to_string(),
            ],
            true,
        )?;
        let engine = out
            .engine
            .context("bench_engine printed no `engine` section")?;
        Ok((out.threads, engine))
    }

    /// The bare ONNX Runtime loop on the recorded calls, with the engine's resolved thread count.
    fn floor(&self, threads: u64) -> Result<FloorStats> {
        let session = SessionArgs {
            threads: usize::try_from(threads).ok(),
            ..self.args.session.clone()
        };
        let mut args = vec![
            self.calls.display().to_string(),
            "--iterations".into(),
            self.args.iterations.to_string(),
        ];
        args.extend(session.to_args());
        let program = self.release.join("examples").join("bench_floor");
        run_json::<FloorOutput>(self.root, &program, &args).map(|out| out.floor)
    }

    fn callers(&self, n: usize) -> Result<Callers> {
        let args = vec![
            "--callers".into(),
            n.to_string(),
            "--iterations".into(),
            self.args.iterations.to_string(),
        ];
        let out = self.engine(args, true)?;
        out.callers
            .context("bench_engine printed no `callers` section")
    }

    fn pool_memory(&self, k: usize) -> Result<PoolMemory> {
        let args = vec![
            "--pool-memory".into(),
            k.to_string(),
            "--corpus".into(),
            "fixtures/bench/memory.json".into(),
            "--sessions".into(),
            k.max(1).to_string(),
        ];
        let out = self.engine(args, true)?;
        out.pool_memory
            .context("bench_engine printed no `pool_memory` section")
    }

    fn memory(&self) -> Result<Memory> {
        let args = vec![
            "--memory".into(),
            "10,200".into(),
            "--corpus".into(),
            "fixtures/bench/memory.json".into(),
        ];
        let out = self.engine(args, true)?;
        out.memory
            .context("bench_engine printed no `memory` section")
    }

    fn batch(&self, (sessions, threads): (usize, usize)) -> Result<Batch> {
        let args = vec![
            "--batch".into(),
            "fixtures/bench/story-50.json".into(),
            "--sessions".into(),
            sessions.to_string(),
            "--threads".into(),
            threads.to_string(),
        ];
        let out = self.engine(args, false)?;
        out.batch.context("bench_engine printed no `batch` section")
    }
}

/// Runs the benchmark and prints the report: one JSON object on stdout, a table on stderr.
pub fn run(root: &Path, args: &BenchArgs, cargo: &dyn Fn(&[&str]) -> Result<()>) -> Result<()> {
    build(cargo)?;
    let target = crate::target_dir(root);
    let bench_dir = target.join("bench");
    std::fs::create_dir_all(&bench_dir)?;
    let drivers = Drivers {
        root,
        args,
        release: target.join("release"),
        calls: bench_dir.join("calls.json"),
    };
    // In this order: each step runs alone on the machine.
    let (threads, engine) = drivers.corpus()?;
    let floor = args.floor.then(|| drivers.floor(threads)).transpose()?;
    let engine_over_floor = floor
        .as_ref()
        .map(|f| Num(engine.median_wall_s.0 / f.median_wall_s.0 - 1.0));
    let cold_start = cold::cold_start(root, &drivers.release, args.cold_runs, threads)?;
    let callers = args.callers.map(|n| drivers.callers(n)).transpose()?;
    let pool_memory = args
        .pool_memory
        .iter()
        .map(|&k| drivers.pool_memory(k))
        .collect::<Result<_>>()?;
    let memory = args.memory.then(|| drivers.memory()).transpose()?;
    let batch = args
        .batch
        .iter()
        .map(|&layout| drivers.batch(layout))
        .collect::<Result<_>>()?;
    let report = Report {
        engine,
        threads,
        floor,
        engine_over_floor,
        cold_start,
        callers,
        pool_memory,
        memory,
        batch,
    };
    // Through a `Value`, whose keys are sorted, as the report has always been printed.
    println!("{}", serde_json::to_value(&report)?);
    report::print_table(&report);
    Ok(())
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
        let spin = parse("--no-spinning --spinning").unwrap();
        assert_eq!(spin.session.to_args(), args("--spinning"));
        let a = parse("--batch 2x1 --arena-shrink idle:500").unwrap();
        assert_eq!(a.session.to_args(), args("--arena-shrink idle:500"));
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
