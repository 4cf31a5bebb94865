//! `cargo xtask bench --server`: `kokoro serve` (release) under load, on the real model.
//!
//! One sentence at 1, 2 and 4 concurrent clients (requests/s, p50/p95 latency), time to first
//! byte, then the load run: `--server-requests` (default 1,000) requests of one short sentence
//! from 8 clients against a queue of 2 (each answered 200, or 503 at once; a 503 is a finished
//! request, not retried: its client waits the Retry-After second, then sends its next one), with
//! the server's resident memory sampled every 2 s (after the first 100 requests and at the end),
//! then the fault cases: clients that go away mid-request, and `kill -9` of the server, after
//! which its working and temporary directories must be empty. `--server-load-only` skips the
//! latency rows and the time to first byte. Every loop is bounded in count and time; traffic
//! goes to 127.0.0.1 only. Prints one JSON object on stdout.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use serde_json::json;

/// Clients of the long run: more than the server's places (2 rendering + `QUEUE` waiting), so
/// that some are refused.
const LOAD_CLIENTS: usize = 8;
const QUEUE: usize = 2;
const SENTENCE: &str = "The lighthouse keeper climbed the stairs at dusk.";
/// The load run's sentence: short, so that 1,000 requests fit in minutes on two cores.
const SHORT: &str = "The lamp is lit.";
/// What a refused client waits before its next request (the server's Retry-After).
const RETRY_AFTER: Duration = Duration::from_secs(1);
/// The load run stops sending after this long, whatever is left.
const LOAD_LIMIT: Duration = Duration::from_secs(12 * 60);
/// How often the load run samples the server's memory.
const RSS_EVERY: Duration = Duration::from_secs(2);

/// One answer: status, time to the first byte of the body, time to the end, body length.
struct Timed {
    status: u16,
    first_byte: Duration,
    total: Duration,
    len: usize,
}

/// POSTs `body` to `path`, reading the answer to its end (or only `stop_after` body bytes, then
/// going away).
fn post(addr: SocketAddr, path: &str, body: &str, stop_after: Option<usize>) -> Result<Timed> {
    let started = Instant::now();
    let mut s = TcpStream::connect_timeout(&addr, Duration::from_secs(5))?;
    s.set_read_timeout(Some(Duration::from_secs(300)))?;
    write!(
        s,
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )?;
    let mut raw = Vec::new();
    let mut buf = [0u8; 16 * 1024];
    let mut first_byte = None;
    let mut head_end = None;
    loop {
        let n = s.read(&mut buf)?;
        if n == 0 {
            break;
        }
        raw.extend_from_slice(&buf[..n]);
        if head_end.is_none() {
            head_end = raw.windows(4).position(|w| w == b"\r\n\r\n").map(|p| p + 4);
        }
        if let Some(h) = head_end {
            if first_byte.is_none() && raw.len() > h {
                first_byte = Some(started.elapsed());
            }
            if stop_after.is_some_and(|k| raw.len() - h >= k) {
                break;
            }
        }
    }
    let status = String::from_utf8_lossy(raw.get(9..12).unwrap_or_default())
        .parse()
        .unwrap_or(0);
    let total = started.elapsed();
    Ok(Timed {
        status,
        first_byte: first_byte.unwrap_or(total),
        total,
        len: raw.len() - head_end.unwrap_or(raw.len()),
    })
}

fn get_status(addr: SocketAddr, path: &str) -> u16 {
    let Ok(mut s) = TcpStream::connect_timeout(&addr, Duration::from_secs(5)) else {
        return 0;
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(10)));
    let _ = write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    );
    let mut head = [0u8; 12];
    match s.read_exact(&mut head) {
        Ok(()) => String::from_utf8_lossy(&head[9..12]).parse().unwrap_or(0),
        Err(_) => 0,
    }
}

/// The resident memory of `pid`, in MiB.
fn rss_mib(pid: u32) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let kb: f64 = status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()?;
    Some(kb / 1024.0)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> f64 {
    (d.as_secs_f64() * 1e4).round() / 10.0
}

/// A running `kokoro serve`, killed when dropped.
struct Served {
    child: Child,
    addr: SocketAddr,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(kokoro: &Path, models: &Path, dir: &Path, queue: usize) -> Result<Served> {
    let tmp = dir.join("tmp");
    std::fs::create_dir_all(&tmp)?;
    let mut child = Command::new(kokoro)
        .arg("--model-dir")
        .arg(models)
        .args(["serve", "--port", "0", "--max-queue", &queue.to_string()])
        .current_dir(dir)
        .env("TMPDIR", &tmp)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .with_context(|| format!("cannot run {}", kokoro.display()))?;
    let mut line = String::new();
    if let Some(out) = child.stdout.take() {
        BufReader::new(out).read_line(&mut line)?;
    }
    let addr: SocketAddr = line
        .trim()
        .rsplit("http://")
        .next()
        .unwrap_or_default()
        .parse()
        .with_context(|| format!("kokoro serve did not say where it listens: {line:?}"))?;
    let served = Served { child, addr };
    let deadline = Instant::now() + Duration::from_secs(120);
    while get_status(addr, "/ready") != 200 {
        if Instant::now() > deadline {
            bail!("kokoro serve was not ready within 120 s");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Ok(served)
}

fn speech(text: &str, format: &str, stream: bool) -> String {
    json!({"model": "tts-1", "input": text, "voice": "af_heart", "response_format": format, "stream": stream})
        .to_string()
}

/// `clients` threads, each sending `per_client` requests one after the other.
fn concurrent(
    addr: SocketAddr,
    clients: usize,
    per_client: usize,
    body: &(dyn Fn(usize, usize) -> String + Sync),
    on_done: &(dyn Fn(usize) + Sync),
) -> Result<(Vec<Timed>, Duration)> {
    let started = Instant::now();
    let results = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..clients)
            .map(|c| {
                scope.spawn(move || {
                    (0..per_client)
                        .map(|i| {
                            let answer = post(addr, "/v1/audio/speech", &body(c, i), None);
                            on_done(c * per_client + i);
                            answer
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_default())
            .collect::<Result<Vec<_>>>()
    })?;
    Ok((results, started.elapsed()))
}

fn latency_row(results: &[Timed], wall: Duration, clients: usize) -> serde_json::Value {
    let mut secs: Vec<f64> = results.iter().map(|t| t.total.as_secs_f64()).collect();
    secs.sort_by(f64::total_cmp);
    let ok = results.iter().filter(|t| t.status == 200).count();
    json!({
        "clients": clients,
        "requests": results.len(),
        "ok": ok,
        "requests_per_s": (results.len() as f64 / wall.as_secs_f64() * 100.0).round() / 100.0,
        "p50_ms": (percentile(&secs, 0.5) * 1e4).round() / 10.0,
        "p95_ms": (percentile(&secs, 0.95) * 1e4).round() / 10.0,
    })
}

/// Runs the server benchmark with the release `kokoro` at `kokoro`; `load_only` skips the
/// latency rows and the time to first byte.
pub fn run(root: &Path, kokoro: &Path, requests: usize, load_only: bool) -> Result<()> {
    let models = std::env::var_os("KOKORO_MODEL_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| root.join("models"));
    let work = crate::target_dir(root).join("bench").join("server");
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work)?;
    let story = "Once upon a time, a lighthouse keeper lived alone on a rock. Every evening he climbed \
                 the stairs at dusk and lit the lamp. Ships passed in the night, and none of them \
                 knew his name. One winter a storm came, and the lamp went out.";
    let (latency, ttfb) = if load_only {
        (Vec::new(), Vec::new())
    } else {
        latency_and_first_byte(kokoro, &models, &work, story)?
    };

    // The load run, on a small queue: some requests are refused, each at once.
    let served = start(kokoro, &models, &work, QUEUE)?;
    let (addr, pid) = (served.addr, served.child.id());
    let load = load_run(addr, pid, requests)?;
    eprintln!("xtask: bench --server: load {load}");
    let other = load["other"].as_u64().unwrap_or(u64::MAX);
    let health_after = load["health_after"].as_u64();

    // Faults: clients that go away mid-answer, then the server still serves.
    let mut faults = Vec::new();
    for stream in [true, false] {
        let t = post(
            addr,
            "/v1/audio/speech",
            &speech(story, "pcm", stream),
            Some(4_800),
        )?;
        faults.push(json!({"case": format!("client gone after 4,800 bytes (stream {stream})"), "status": t.status}));
    }
    let deadline = Instant::now() + Duration::from_secs(120);
    let after = loop {
        let t = post(
            addr,
            "/v1/audio/speech",
            &speech(SENTENCE, "wav", false),
            None,
        )?;
        if t.status != 503 || Instant::now() > deadline {
            break t;
        }
        std::thread::sleep(Duration::from_secs(1));
    };
    faults.push(json!({"case": "a request after they went away", "status": after.status, "bytes": after.len}));

    // kill -9 in the middle of a request: nothing in its working or temporary directory (but
    // `$TMPDIR/.ses`, the session id ONNX Runtime 1.32's telemetry SDK writes, as for `kokoro say`).
    let busy = std::thread::spawn(move || {
        post(addr, "/v1/audio/speech", &speech(story, "mp3", false), None)
    });
    std::thread::sleep(Duration::from_millis(300));
    let mut served = served;
    served.child.kill().context("cannot kill -9 the server")?;
    let _ = served.child.wait();
    let interrupted = busy.join().ok().and_then(|r| r.ok()).map(|t| t.status);
    let left: Vec<String> = walk(&work)
        .into_iter()
        .filter(|p| p.file_name().is_none_or(|n| n != ".ses"))
        .map(|p| p.display().to_string())
        .collect();
    faults.push(json!({"case": "kill -9 during a request", "client_saw_status": interrupted, "files_left": left}));
    eprintln!("xtask: bench --server: faults {faults:?}");
    let report =
        json!({"latency": latency, "time_to_first_byte": ttfb, "load": load, "faults": faults});
    println!("{}", serde_json::to_string_pretty(&report)?);
    if !left.is_empty() || other > 0 || after.status != 200 || health_after != Some(200) {
        bail!("the server benchmark saw a fault: {faults:?}, {other} unexpected statuses");
    }
    Ok(())
}

/// Every file under `dir` (directories themselves not counted).
fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        if let Ok(entries) = std::fs::read_dir(&d) {
            for e in entries.flatten() {
                let p = e.path();
                if p.is_dir() {
                    stack.push(p);
                } else {
                    files.push(p);
                }
            }
        }
    }
    files
}

/// The latency rows (one sentence at 1, 2 and 4 clients) and the time to first byte of `story`,
/// on a server with a queue of 16.
fn latency_and_first_byte(
    kokoro: &Path,
    models: &Path,
    work: &Path,
    story: &str,
) -> Result<(Vec<serde_json::Value>, Vec<serde_json::Value>)> {
    let served = start(kokoro, models, work, 16)?;
    let addr = served.addr;
    eprintln!("xtask: bench --server: kokoro serve on {addr}");
    // Warm-up: the lexicons, a session per client.
    concurrent(addr, 4, 2, &|_, _| speech(SENTENCE, "wav", false), &|_| {})?;

    let mut latency = Vec::new();
    for clients in [1, 2, 4] {
        let per_client = 24 / clients;
        let (results, wall) = concurrent(
            addr,
            clients,
            per_client,
            &|_, _| speech(SENTENCE, "mp3", false),
            &|_| {},
        )?;
        if results.iter().any(|t| t.status != 200) {
            bail!("a request of the latency run failed");
        }
        let row = latency_row(&results, wall, clients);
        eprintln!("xtask: bench --server: {row}");
        latency.push(row);
    }
    let mut ttfb = Vec::new();
    for stream in [true, false] {
        let mut first: Vec<f64> = Vec::new();
        let mut whole: Vec<f64> = Vec::new();
        for _ in 0..5 {
            let t = post(
                addr,
                "/v1/audio/speech",
                &speech(story, "pcm", stream),
                None,
            )?;
            if t.status != 200 {
                bail!("the time-to-first-byte request failed: {}", t.status);
            }
            first.push(ms(t.first_byte));
            whole.push(ms(t.total));
        }
        first.sort_by(f64::total_cmp);
        whole.sort_by(f64::total_cmp);
        ttfb.push(json!({"stream": stream, "chars": story.len(), "median_first_byte_ms": first[2], "median_total_ms": whole[2]}));
    }
    eprintln!("xtask: bench --server: time to first byte {ttfb:?}");
    Ok((latency, ttfb))
}

/// `requests` requests of [`SHORT`] from [`LOAD_CLIENTS`] clients taking the next one from a
/// shared count (formats in turn: mp3, wav, pcm), for at most [`LOAD_LIMIT`]; a client refused
/// (503) waits the Retry-After second before its next request. The server's memory (`pid`) is
/// sampled every [`RSS_EVERY`] by a thread of its own. Then `/health`.
fn load_run(addr: SocketAddr, pid: u32, requests: usize) -> Result<serde_json::Value> {
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

    let started = Instant::now();
    let deadline = started + LOAD_LIMIT;
    let next = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    let finished = AtomicBool::new(false);
    // (seconds since the start, requests done, MiB)
    let samples = Mutex::new(Vec::<(f64, usize, f64)>::new());
    let sample = || {
        if let Some(mib) = rss_mib(pid)
            && let Ok(mut samples) = samples.lock()
        {
            samples.push((
                (started.elapsed().as_secs_f64() * 10.0).round() / 10.0,
                done.load(Ordering::SeqCst),
                (mib * 10.0).round() / 10.0,
            ));
        }
    };
    let results: Vec<Result<Timed>> = std::thread::scope(|scope| {
        scope.spawn(|| {
            // Bounded: the run ends by its deadline, and this loop with it.
            while !finished.load(Ordering::SeqCst) && Instant::now() < deadline + RSS_EVERY {
                sample();
                let slept = Instant::now();
                while slept.elapsed() < RSS_EVERY && !finished.load(Ordering::SeqCst) {
                    std::thread::sleep(Duration::from_millis(50));
                }
            }
        });
        let clients: Vec<_> = (0..LOAD_CLIENTS)
            .map(|_| {
                scope.spawn(|| {
                    let mut answers = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::SeqCst);
                        if i >= requests || Instant::now() > deadline {
                            break;
                        }
                        let answer = post(
                            addr,
                            "/v1/audio/speech",
                            &speech(SHORT, ["mp3", "wav", "pcm"][i % 3], false),
                            None,
                        );
                        done.fetch_add(1, Ordering::SeqCst);
                        let refused = answer.as_ref().is_ok_and(|t| t.status == 503);
                        answers.push(answer);
                        if refused {
                            std::thread::sleep(RETRY_AFTER);
                        }
                    }
                    answers
                })
            })
            .collect();
        let results = clients
            .into_iter()
            .flat_map(|c| c.join().unwrap_or_default())
            .collect();
        finished.store(true, Ordering::SeqCst);
        results
    });
    let wall = started.elapsed();
    sample();
    let health_after = get_status(addr, "/health");
    let results = results.into_iter().collect::<Result<Vec<_>>>()?;
    let latencies = |status: u16| {
        let mut v: Vec<f64> = results
            .iter()
            .filter(|t| t.status == status)
            .map(|t| ms(t.total))
            .collect();
        v.sort_by(f64::total_cmp);
        v
    };
    let (ok_ms, refused_ms) = (latencies(200), latencies(503));
    let other = results.len() - ok_ms.len() - refused_ms.len();
    let samples = samples.into_inner().unwrap_or_default();
    let warm = samples.iter().find(|s| s.1 >= 100).map(|s| s.2);
    let end = samples.last().map(|s| s.2);
    let peak = samples.iter().map(|s| s.2).fold(f64::NAN, f64::max);
    Ok(json!({
        "sentence": SHORT,
        "clients": LOAD_CLIENTS,
        "queue": QUEUE,
        "requests": results.len(),
        "stopped_at_time_limit": results.len() < requests,
        "ok": ok_ms.len(),
        "refused_503": refused_ms.len(),
        "other": other,
        "wall_s": (wall.as_secs_f64() * 10.0).round() / 10.0,
        "ok_p50_ms": percentile(&ok_ms, 0.5),
        "ok_p95_ms": percentile(&ok_ms, 0.95),
        "refused_p50_ms": percentile(&refused_ms, 0.5),
        "refused_p95_ms": percentile(&refused_ms, 0.95),
        "refused_max_ms": refused_ms.last().copied(),
        "rss_mib_after_100": warm,
        "rss_mib_end": end,
        "rss_mib_peak": peak,
        "rss_growth_mib": warm.zip(end).map(|(a, b)| ((b - a) * 10.0).round() / 10.0),
        "rss_samples_s_done_mib": samples,
        "health_after": health_after,
    }))
}
