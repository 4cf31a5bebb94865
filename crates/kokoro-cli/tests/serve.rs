//! `kokoro serve` as a process: it says where it listens, becomes ready on the real model, and
//! `kill -9` in the middle of a request leaves no file in its working or temporary directory (the
//! server writes none).
//! Skips loudly without the model files, unless `KOKORO_REQUIRE_MODEL=1`.

#![cfg(feature = "server")]
#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)] // test code: a failure is a panic

mod support;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn model_dir() -> Option<PathBuf> {
    support::model_dir("kokoro serve test")
}

/// The status of `GET path`, 0 when nothing answers.
fn status(addr: SocketAddr, path: &str) -> u16 {
    let Ok(mut s) = TcpStream::connect_timeout(&addr, Duration::from_secs(2)) else {
        return 0;
    };
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut head = [0u8; 12];
    s.read_exact(&mut head).map_or(0, |()| {
        String::from_utf8_lossy(&head[9..12]).parse().unwrap_or(0)
    })
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        if e.path().is_dir() {
            out.extend(files_under(&e.path()));
        } else {
            out.push(e.path());
        }
    }
    out
}

#[test]
fn kill_9_during_a_request_leaves_no_file_behind() {
    let Some(models) = model_dir() else { return };
    let work = tempfile::tempdir().unwrap();
    let tmp = work.path().join("tmp");
    std::fs::create_dir(&tmp).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_kokoro"))
        .arg("--model-dir")
        .arg(&models)
        .args(["serve", "--port", "0"])
        .current_dir(work.path())
        .env("TMPDIR", &tmp)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr: SocketAddr = line
        .trim()
        .rsplit("http://")
        .next()
        .unwrap()
        .parse()
        .unwrap_or_else(|_| panic!("{line:?}"));
    assert!(addr.ip().is_loopback(), "loopback by default: {addr}");
    assert_eq!(status(addr, "/health"), 200);
    let deadline = Instant::now() + Duration::from_secs(120);
    while status(addr, "/ready") != 200 {
        assert!(Instant::now() < deadline, "not ready within 120 s");
        std::thread::sleep(Duration::from_millis(100));
    }
    let mut request = TcpStream::connect(addr).unwrap();
    let body = r#"{"input":"A long sentence for the server to be busy with when it is killed, and then some more words.","response_format":"mp3"}"#;
    write!(request, "POST /v1/audio/speech HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}", body.len()).unwrap();
    std::thread::sleep(Duration::from_millis(200));
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    assert_eq!(status(addr, "/health"), 0, "the server is gone");
    // ONNX Runtime 1.32 writes `$TMPDIR/.ses` (a 51-byte session id of its telemetry SDK, even with
    // telemetry off), as it does for `kokoro say`: the runtime's, whole, not a leftover of the kill.
    let left: Vec<PathBuf> = files_under(work.path())
        .into_iter()
        .filter(|f| f != &tmp.join(".ses"))
        .collect();
    assert_eq!(left, Vec::<PathBuf>::new(), "nothing left behind");
}
