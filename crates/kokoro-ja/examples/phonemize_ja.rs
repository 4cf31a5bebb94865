//! Japanese lines on stdin -> one line of Kokoro phonemes each on stdout; on stderr, the dictionary's
//! load time, the process's resident memory before and after loading, and the time to phonemize.
//!
//! `cargo run --release -p kokoro-ja --example phonemize_ja -- models/ja < sentences.txt`
//! With `--morphemes` after the directory it prints MeCab's analysis instead, one
//! `surface<TAB>feature` line per morpheme and `EOS` after each line (to compare with fugashi).

use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::time::Instant;

fn rss_kib(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::args()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("models/ja"));
    let morphemes = std::env::args().nth(2).is_some_and(|a| a == "--morphemes");
    let before = rss_kib("VmRSS:");
    let started = Instant::now();
    let g2p = kokoro_ja::JaG2p::load(&dir)?;
    let loaded = started.elapsed();
    let after = rss_kib("VmRSS:");
    let started = Instant::now();
    let mut lines = 0;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    for line in std::io::stdin().lock().lines() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        if morphemes {
            for m in g2p.morphemes(&line)? {
                writeln!(out, "{}\t{}", m.surface, m.feature)?;
            }
            writeln!(out, "EOS")?;
            lines += 1;
            continue;
        }
        let ps = g2p.phonemize(&line)?;
        writeln!(out, "{}", ps.phonemes)?;
        lines += 1;
    }
    eprintln!(
        "load {:.1} ms; rss {} KiB -> {} KiB (+{} KiB) after load, {} KiB after {lines} lines \
         (peak {} KiB); phonemize {:.1} ms",
        loaded.as_secs_f64() * 1e3,
        before,
        after,
        after.saturating_sub(before),
        rss_kib("VmRSS:"),
        rss_kib("VmHWM:"),
        started.elapsed().as_secs_f64() * 1e3
    );
    Ok(())
}
