//! The steps of `cargo xtask ci`, each timed: the table of their times is printed at the end, after
//! a failure too, so that a slow CI says where its minutes went.

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use anyhow::Result;

/// One step that ran.
struct Row {
    name: String,
    elapsed: Duration,
    ok: bool,
}

/// The steps run so far and when the first started.
pub struct Steps {
    started: Instant,
    rows: Vec<Row>,
}

impl Steps {
    /// No step yet; the clock of the total starts now.
    pub fn new() -> Self {
        Self {
            started: Instant::now(),
            rows: Vec::new(),
        }
    }

    /// Runs `step`, recording its wall time under `name`; returns its result.
    pub fn run<T>(&mut self, name: &str, step: impl FnOnce() -> Result<T>) -> Result<T> {
        let (result, elapsed) = timed(step);
        self.record(name.to_owned(), elapsed, &result);
        result
    }

    /// Runs `main` here and `beside` on another thread at the same time (work that waits on the
    /// network or the disk while `main` keeps the cores busy), recording both; returns the first
    /// error, `main`'s before `beside`'s.
    pub fn run_beside(
        &mut self,
        main: (&str, impl FnOnce() -> Result<()>),
        (beside_name, beside_step): (&str, impl FnOnce() -> Result<()> + Send),
    ) -> Result<()> {
        self.run_with_lane(main, |lane| lane.run(beside_name, beside_step))
    }

    /// Runs `main` here and, on another thread at the same time, `lane`: steps of its own, in
    /// order, recorded after `main` as `name (beside main)`. The lane fills the cores that `main`
    /// leaves idle (tests that wait on sleeps, one-threaded test binaries, the network); it stops
    /// at its first failure. Returns the first error, `main`'s before the lane's.
    pub fn run_with_lane(
        &mut self,
        (main_name, main_step): (&str, impl FnOnce() -> Result<()>),
        lane: impl FnOnce(&mut Steps) -> Result<()> + Send,
    ) -> Result<()> {
        let mut beside = Steps::new();
        let ((main_result, main_elapsed), lane_result) = std::thread::scope(|scope| {
            let other = scope.spawn(|| lane(&mut beside));
            let here = timed(main_step);
            let lane_result = other
                .join()
                .unwrap_or_else(|_| Err(anyhow::anyhow!("the steps beside {main_name} panicked")));
            (here, lane_result)
        });
        self.record(main_name.to_owned(), main_elapsed, &main_result);
        for row in beside.rows {
            self.rows.push(Row {
                name: format!("{} (beside {main_name})", row.name),
                ..row
            });
        }
        main_result.and(lane_result)
    }

    fn record<T>(&mut self, name: String, elapsed: Duration, result: &Result<T>) {
        self.rows.push(Row {
            name,
            elapsed,
            ok: result.is_ok(),
        });
    }

    /// The table: one line per step (`FAILED` after the one that failed), then the total.
    pub fn table(&self) -> String {
        table(
            self.rows.iter().map(|r| (r.name.as_str(), r.elapsed, r.ok)),
            self.started.elapsed(),
        )
    }
}

/// `step`'s result and its wall time.
fn timed<T>(step: impl FnOnce() -> Result<T>) -> (Result<T>, Duration) {
    let start = Instant::now();
    let result = step();
    (result, start.elapsed())
}

/// `m:ss` (or `h:mm:ss`), rounded to the second.
fn clock(d: Duration) -> String {
    let s = d.as_secs() + u64::from(d.subsec_millis() >= 500);
    let (h, m, s) = (s / 3600, s / 60 % 60, s % 60);
    if h > 0 {
        format!("{h}:{m:02}:{s:02}")
    } else {
        format!("{m}:{s:02}")
    }
}

fn table<'a>(rows: impl Iterator<Item = (&'a str, Duration, bool)>, total: Duration) -> String {
    let rows: Vec<_> = rows.collect();
    let width = rows
        .iter()
        .map(|(name, _, _)| name.len())
        .chain(std::iter::once("total".len()))
        .max()
        .unwrap_or(0);
    let mut out = String::from("xtask: ci step times (wall clock)\n");
    for (name, elapsed, ok) in &rows {
        let mark = if *ok { "" } else { "  FAILED" };
        let _ = writeln!(out, "  {name:<width$}  {:>8}{mark}", clock(*elapsed));
    }
    let _ = writeln!(out, "  {:<width$}  {:>8}", "total", clock(total));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clock_reads_minutes_and_seconds() {
        assert_eq!(clock(Duration::from_millis(400)), "0:00");
        assert_eq!(clock(Duration::from_millis(59_500)), "1:00");
        assert_eq!(clock(Duration::from_secs(754)), "12:34");
        assert_eq!(clock(Duration::from_secs(3725)), "1:02:05");
    }

    #[test]
    fn the_table_has_a_line_per_step_and_a_total() {
        let t = table(
            [
                ("fmt", Duration::from_secs(1), true),
                ("cargo test", Duration::from_secs(300), true),
                ("python", Duration::from_secs(61), false),
            ]
            .into_iter(),
            Duration::from_secs(400),
        );
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(lines.len(), 5, "{t}");
        assert!(
            lines[1].starts_with("  fmt ") && lines[1].ends_with("0:01"),
            "{t}"
        );
        assert!(lines[2].ends_with("5:00"), "{t}");
        assert!(lines[3].ends_with("1:01  FAILED"), "{t}");
        assert!(
            lines[4].starts_with("  total") && lines[4].ends_with("6:40"),
            "{t}"
        );
    }

    #[test]
    fn steps_are_recorded_with_their_result() {
        let mut steps = Steps::new();
        assert!(steps.run("ok", || Ok(())).is_ok());
        assert!(
            steps
                .run("bad", || -> Result<()> { anyhow::bail!("no") })
                .is_err()
        );
        let t = steps.table();
        assert!(t.contains("  ok ") && t.contains("FAILED"), "{t}");
        let mut both = Steps::new();
        assert!(both.run_beside(("a", || Ok(())), ("b", || Ok(()))).is_ok());
        let err = both
            .run_beside(("c", || Ok(())), ("d", || anyhow::bail!("d broke")))
            .unwrap_err();
        assert!(err.to_string().contains("d broke"), "{err}");
        let t = both.table();
        assert!(t.contains("  b (beside a) "), "{t}");
        assert!(
            t.lines()
                .any(|l| l.starts_with("  d (beside c)") && l.ends_with("FAILED")),
            "{t}"
        );
    }

    #[test]
    fn a_lane_records_its_steps_in_order_and_stops_at_its_first_failure() {
        let mut steps = Steps::new();
        let ran_after_failure = std::sync::atomic::AtomicBool::new(false);
        let err = steps
            .run_with_lane(("main", || Ok(())), |lane| {
                lane.run("one", || Ok(()))?;
                lane.run("two", || -> Result<()> { anyhow::bail!("two broke") })?;
                ran_after_failure.store(true, std::sync::atomic::Ordering::SeqCst);
                lane.run("three", || Ok(()))
            })
            .unwrap_err();
        assert!(err.to_string().contains("two broke"), "{err}");
        assert!(!ran_after_failure.load(std::sync::atomic::Ordering::SeqCst));
        let t = steps.table();
        let names: Vec<&str> = t.lines().map(str::trim_start).collect();
        let at = |prefix: &str| names.iter().position(|l| l.starts_with(prefix));
        assert!(
            at("main").unwrap() < at("one (beside main)").unwrap(),
            "{t}"
        );
        assert!(
            at("one (beside main)").unwrap() < at("two (beside main)").unwrap(),
            "{t}"
        );
        assert!(at("three").is_none(), "{t}");
        // main's failure comes first, and the lane still runs to its end.
        let mut steps = Steps::new();
        let lane_ran = std::sync::atomic::AtomicBool::new(false);
        let err = steps
            .run_with_lane(("m", || anyhow::bail!("m broke")), |lane| {
                lane.run("l", || {
                    lane_ran.store(true, std::sync::atomic::Ordering::SeqCst);
                    anyhow::bail!("l broke")
                })
            })
            .unwrap_err();
        assert!(err.to_string().contains("m broke"), "{err}");
        assert!(lane_ran.load(std::sync::atomic::Ordering::SeqCst));
    }
}
