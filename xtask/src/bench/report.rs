//! What the bench drivers print (`bench_engine`, `bench_floor`) and the report `cargo xtask bench`
//! makes of it: typed, read and written through serde, and its table.

use serde::{Deserialize, Deserializer, Serialize};

/// A measured number. serde_json writes a non-finite float (a ratio over nothing, a median of no
/// runs) as `null`; it reads back as NaN (so does a missing one), and NaN is written as `null`
/// again.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
#[serde(transparent)]
pub struct Num(pub f64);

impl<'de> Deserialize<'de> for Num {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Num(Option::<f64>::deserialize(d)?.unwrap_or(f64::NAN)))
    }
}

/// The JSON line `bench_engine` prints: the resolved thread count and the section of the mode it
/// ran in (a corpus pass by default; `--callers`, `--pool-memory`, `--memory` or `--batch`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct EngineOutput {
    /// ONNX Runtime intra-op threads per session, as resolved by the engine.
    pub threads: u64,
    /// The corpus passes.
    pub engine: Option<EngineStats>,
    /// `--callers N`.
    pub callers: Option<Callers>,
    /// `--pool-memory K`.
    pub pool_memory: Option<PoolMemory>,
    /// `--memory 10,200`.
    pub memory: Option<Memory>,
    /// `--batch FILE`.
    pub batch: Option<Batch>,
}

/// Timed passes of the engine over the corpus.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EngineStats {
    pub segments: u64,
    pub model_calls_per_pass: u64,
    pub iterations: u64,
    pub warmup_pass_s: Num,
    pub first_pass_incl_load_s: Num,
    pub median_wall_s: Num,
    pub walls_s: Vec<Num>,
    pub audio_s: Num,
    pub rtf: Num,
    pub inside_session_run_share: Num,
    pub outside_session_run_share: Num,
    pub vmhwm_mib: Num,
}

/// The JSON line `bench_floor` prints.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct FloorOutput {
    /// The bare ONNX Runtime loop on the engine's calls.
    pub floor: FloorStats,
}

/// The bare ONNX Runtime loop on the same calls as the engine.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FloorStats {
    pub calls: u64,
    pub iterations: u64,
    pub threads: u64,
    pub load_s: Num,
    pub median_wall_s: Num,
    pub median_inside_run_s: Num,
    pub raw_audio_s: Num,
    pub rtf: Num,
}

/// N caller threads on one engine vs one vs `generate_segments`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Callers {
    pub callers: u64,
    pub sentences: u64,
    pub one_caller_walls_s: Vec<Num>,
    pub n_callers_walls_s: Vec<Num>,
    pub generate_segments_walls_s: Vec<Num>,
    pub one_caller_median_s: Num,
    pub n_callers_median_s: Num,
    pub generate_segments_median_s: Num,
    pub n_callers_speedup_over_one: Num,
    pub n_callers_throughput_vs_generate_segments: Num,
    pub sessions_loaded: u64,
    pub weights_loaded: u64,
    pub vmhwm_mib: Num,
}

/// The peak memory of K concurrent callers in one process.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PoolMemory {
    pub callers: u64,
    pub generations: u64,
    pub wall_s: Num,
    pub sessions_loaded: u64,
    pub weights_loaded: u64,
    pub vmhwm_mib: Num,
}

/// Resident memory after a number of generations.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Memory {
    pub after: Vec<RssAfter>,
    pub vmhwm_mib: Num,
}

/// VmRSS after `generations` generations.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RssAfter {
    pub generations: u64,
    pub vmrss_mib: Num,
}

/// The 50-segment story on one pool layout.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Batch {
    pub segments: u64,
    pub failed: u64,
    pub sessions: u64,
    pub threads_per_session: u64,
    pub sessions_loaded: u64,
    pub wall_s: Num,
    pub audio_s: Num,
    pub rtf: Num,
    pub vmhwm_mib: Num,
}

/// Cold start of `kokoro say` in turns with the bare-ORT cold floor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColdStart {
    pub text: String,
    pub runs_s: Vec<Num>,
    pub median_s: Num,
    pub peak_rss_mib: Vec<Num>,
    pub median_peak_rss_mib: Num,
    pub floor_runs_s: Vec<Num>,
    pub floor_median_s: Num,
    pub floor_peak_rss_mib: Vec<Num>,
    pub floor_median_peak_rss_mib: Num,
    pub say_over_floor_wall: Num,
    pub say_over_floor_rss: Num,
}

/// The report of `cargo xtask bench` (one JSON object on stdout): the sections that ran.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub engine: EngineStats,
    pub threads: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub floor: Option<FloorStats>,
    /// The engine's median wall over the floor's, minus 1.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub engine_over_floor: Option<Num>,
    pub cold_start: ColdStart,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub callers: Option<Callers>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub pool_memory: Vec<PoolMemory>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub memory: Option<Memory>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub batch: Vec<Batch>,
}

/// One row of the table: metric, value, unit.
type Row = (String, f64, &'static str);

/// The rows of the table, section by section.
fn rows(r: &Report) -> Vec<Row> {
    let mut rows = engine_rows(r);
    rows.extend(cold_rows(&r.cold_start));
    rows.extend(r.callers.iter().flat_map(callers_rows));
    rows.extend(r.pool_memory.iter().map(|p| {
        (
            format!(
                "pool memory: {} callers, {} sessions, peak RSS",
                p.callers, p.sessions_loaded
            ),
            p.vmhwm_mib.0,
            "MiB",
        )
    }));
    rows.extend(r.memory.iter().flat_map(|m| &m.after).map(|a| {
        (
            format!("memory: VmRSS after {} generations", a.generations),
            a.vmrss_mib.0,
            "MiB",
        )
    }));
    rows.extend(r.batch.iter().map(|b| {
        (
            format!(
                "batch: 50 segments, {} x {} threads",
                b.sessions, b.threads_per_session
            ),
            b.wall_s.0,
            "s",
        )
    }));
    rows
}

/// The corpus passes, and the floor when it ran.
fn engine_rows(r: &Report) -> Vec<Row> {
    let e = &r.engine;
    let share = 100.0 * e.inside_session_run_share.0;
    let mut rows: Vec<Row> = vec![
        (
            "engine: median wall, corpus pass".into(),
            e.median_wall_s.0,
            "s",
        ),
        ("engine: audio per pass".into(), e.audio_s.0, "s"),
        (
            "engine: real-time factor (wall / audio)".into(),
            e.rtf.0,
            "",
        ),
        (
            "engine: share of wall inside session.run".into(),
            share,
            "%",
        ),
        ("engine: peak RSS (VmHWM)".into(), e.vmhwm_mib.0, "MiB"),
    ];
    if let Some(floor) = &r.floor {
        let over = r.engine_over_floor.unwrap_or(Num(f64::NAN));
        rows.extend([
            (
                "floor: median wall, same calls".into(),
                floor.median_wall_s.0,
                "s",
            ),
            ("engine over floor".into(), 100.0 * over.0, "%"),
        ]);
    }
    rows
}

fn cold_rows(c: &ColdStart) -> Vec<Row> {
    vec![
        (
            "cold start: `kokoro say` (median)".into(),
            c.median_s.0,
            "s",
        ),
        (
            "cold start: bare-ORT floor (median)".into(),
            c.floor_median_s.0,
            "s",
        ),
        (
            "cold start: say / floor, wall".into(),
            c.say_over_floor_wall.0,
            "x",
        ),
        (
            "cold start: `kokoro say` peak RSS".into(),
            c.median_peak_rss_mib.0,
            "MiB",
        ),
        (
            "cold start: floor peak RSS".into(),
            c.floor_median_peak_rss_mib.0,
            "MiB",
        ),
        (
            "cold start: say / floor, peak RSS".into(),
            c.say_over_floor_rss.0,
            "x",
        ),
    ]
}

fn callers_rows(k: &Callers) -> Vec<Row> {
    let n = k.callers;
    let gs = "callers: generate_segments (median)";
    vec![
        (
            "callers: 1 thread (median)".into(),
            k.one_caller_median_s.0,
            "s",
        ),
        (
            format!("callers: {n} threads (median)"),
            k.n_callers_median_s.0,
            "s",
        ),
        (gs.into(), k.generate_segments_median_s.0, "s"),
        (
            format!("callers: {n} over 1, speed-up"),
            k.n_callers_speedup_over_one.0,
            "x",
        ),
        (
            format!("callers: {n} vs generate_segments, throughput"),
            k.n_callers_throughput_vs_generate_segments.0,
            "x",
        ),
    ]
}

/// Prints the report as a table on stderr.
pub fn print_table(r: &Report) {
    eprintln!("\n{:<44} {:>12}", "metric", "value");
    for (name, v, unit) in rows(r) {
        eprintln!("{name:<44} {v:>10.3} {unit}");
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;

    fn engine_line() -> Value {
        json!({
            "open_s": 0.41,
            "threads": 2,
            "engine": {
                "segments": 12, "model_calls_per_pass": 14, "iterations": 3, "warmup_pass_s": 10.5,
                "first_pass_incl_load_s": 11.2, "median_wall_s": 9.62, "walls_s": [9.7, 9.62, 9.6],
                "audio_s": 21.4, "rtf": 0.45, "inside_session_run_share": 0.99,
                "outside_session_run_share": 0.01, "vmhwm_mib": null
            }
        })
    }

    fn floor_line() -> Value {
        json!({"floor": {
            "calls": 14, "iterations": 3, "threads": 2, "load_s": 0.3, "median_wall_s": 9.5,
            "median_inside_run_s": 9.4, "raw_audio_s": 21.5, "rtf": 0.44
        }})
    }

    fn sections() -> Value {
        json!({
            "callers": {
                "callers": 2, "sentences": 12, "one_caller_walls_s": [1.0], "n_callers_walls_s": [0.6],
                "generate_segments_walls_s": [0.7], "one_caller_median_s": 1.0, "n_callers_median_s": 0.6,
                "generate_segments_median_s": 0.7, "n_callers_speedup_over_one": 1.6,
                "n_callers_throughput_vs_generate_segments": 1.1, "sessions_loaded": 2,
                "weights_loaded": 1, "vmhwm_mib": 512.5
            },
            "pool_memory": {
                "callers": 4, "generations": 8, "wall_s": 3.5, "sessions_loaded": 4,
                "weights_loaded": 1, "vmhwm_mib": 700.25
            },
            "memory": {"after": [{"generations": 10, "vmrss_mib": 356.7}], "vmhwm_mib": 356.7},
            "batch": {
                "segments": 50, "failed": 0, "sessions": 2, "threads_per_session": 1,
                "sessions_loaded": 2, "wall_s": 267.3, "audio_s": 250.0, "rtf": 1.07,
                "vmhwm_mib": 600.0
            }
        })
    }

    fn cold() -> ColdStart {
        ColdStart {
            text: "Hello world.".into(),
            runs_s: vec![Num(1.5)],
            median_s: Num(1.5),
            peak_rss_mib: vec![],
            median_peak_rss_mib: Num(f64::NAN),
            floor_runs_s: vec![Num(1.0)],
            floor_median_s: Num(1.0),
            floor_peak_rss_mib: vec![],
            floor_median_peak_rss_mib: Num(f64::NAN),
            say_over_floor_wall: Num(1.5),
            say_over_floor_rss: Num(f64::NAN),
        }
    }

    fn report() -> Report {
        let out: EngineOutput = serde_json::from_value(engine_line()).unwrap();
        let floor: FloorOutput = serde_json::from_value(floor_line()).unwrap();
        let mut line = sections();
        line["threads"] = json!(2);
        let s: EngineOutput = serde_json::from_value(line).unwrap();
        Report {
            engine: out.engine.unwrap(),
            threads: out.threads,
            floor: Some(floor.floor),
            engine_over_floor: Some(Num(0.5)),
            cold_start: cold(),
            callers: s.callers,
            pool_memory: vec![s.pool_memory.unwrap()],
            memory: s.memory,
            batch: vec![s.batch.unwrap()],
        }
    }

    #[test]
    fn the_report_carries_the_drivers_sections_unchanged() {
        let got = serde_json::to_value(report()).unwrap();
        let s = sections();
        let expected = json!({
            "engine": engine_line()["engine"],
            "threads": 2,
            "floor": floor_line()["floor"],
            "engine_over_floor": 0.5,
            "cold_start": {
                "text": "Hello world.", "runs_s": [1.5], "median_s": 1.5, "peak_rss_mib": [],
                "median_peak_rss_mib": null, "floor_runs_s": [1.0], "floor_median_s": 1.0,
                "floor_peak_rss_mib": [], "floor_median_peak_rss_mib": null,
                "say_over_floor_wall": 1.5, "say_over_floor_rss": null
            },
            "callers": s["callers"],
            "pool_memory": [s["pool_memory"]],
            "memory": s["memory"],
            "batch": [s["batch"]],
        });
        assert_eq!(got, expected);
        // The sections that did not run are left out.
        let mut short = report();
        (
            short.floor,
            short.engine_over_floor,
            short.callers,
            short.memory,
        ) = (None, None, None, None);
        (short.pool_memory, short.batch) = (vec![], vec![]);
        let keys: Vec<String> = serde_json::to_value(short)
            .unwrap()
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect();
        assert_eq!(keys, ["cold_start", "engine", "threads"]);
    }

    #[test]
    fn a_missing_measure_reads_as_nan_and_a_missing_count_is_an_error() {
        let mut line = engine_line();
        line["engine"].as_object_mut().unwrap().remove("rtf");
        let out: EngineOutput = serde_json::from_value(line.clone()).unwrap();
        assert!(out.engine.unwrap().rtf.0.is_nan());
        line["engine"].as_object_mut().unwrap().remove("segments");
        assert!(serde_json::from_value::<EngineOutput>(line).is_err());
    }

    #[test]
    fn the_table_has_a_row_for_each_measure() {
        let rows = rows(&report());
        let names: Vec<&str> = rows.iter().map(|(n, _, _)| n.as_str()).collect();
        assert_eq!(names.len(), 5 + 2 + 6 + 5 + 1 + 1 + 1, "{names:#?}");
        for name in [
            "engine over floor",
            "callers: 2 threads (median)",
            "pool memory: 4 callers, 4 sessions, peak RSS",
            "memory: VmRSS after 10 generations",
            "batch: 50 segments, 2 x 1 threads",
        ] {
            assert!(names.contains(&name), "{name}: {names:#?}");
        }
        let over = rows
            .iter()
            .find(|(n, _, _)| n == "engine over floor")
            .unwrap();
        assert_eq!((over.1, over.2), (50.0, "%"));
        let peak = rows.iter().find(|(n, _, _)| n.contains("VmHWM")).unwrap();
        assert!(peak.1.is_nan(), "null reads as NaN");
    }
}
