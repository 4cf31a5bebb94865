//! Cold start: process start to WAV written for one sentence with the release `kokoro say`, in
//! turns with the bare-ORT cold floor.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use serde_json::json;

use super::report::{ColdStart, EngineOutput, Num};
use super::run_json;

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
pub fn cold_start(root: &Path, release: &Path, runs: usize, threads: u64) -> Result<ColdStart> {
    let tmp = tempfile_dir(root)?;
    let out = tmp.join("cold.wav");
    let corpus = tmp.join("cold-corpus.json");
    let calls = tmp.join("cold-calls.json");
    std::fs::write(
        &corpus,
        json!({"project_id": "cold", "segments": [{"id": "cold", "text": COLD_TEXT, "voice": "af_bella"}]})
            .to_string(),
    )?;
    run_json::<EngineOutput>(
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
    let nums = |v: Vec<f64>| v.into_iter().map(Num).collect();
    Ok(ColdStart {
        text: COLD_TEXT.into(),
        runs_s: nums(walls(&say)),
        median_s: Num(say_wall),
        peak_rss_mib: nums(rss(&say)),
        median_peak_rss_mib: Num(say_rss),
        floor_runs_s: nums(walls(&floor)),
        floor_median_s: Num(floor_wall),
        floor_peak_rss_mib: nums(rss(&floor)),
        floor_median_peak_rss_mib: Num(floor_rss),
        say_over_floor_wall: Num(say_wall / floor_wall),
        say_over_floor_rss: Num(say_rss / floor_rss),
    })
}

fn tempfile_dir(root: &Path) -> Result<PathBuf> {
    let dir = crate::target_dir(root)
        .join("bench")
        .join(format!("cold-{}", std::process::id()));
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    Ok(dir)
}
