//! Test support shared by the unit tests (through `#[path]`) and the integration tests: a tiny
//! HTTP/1.1 server on 127.0.0.1 (fixed replies by path: bytes, a file streamed from disk, a status,
//! failures before success; one request per connection; hits counted), and [`tree`].

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;

/// What the server answers for a path.
#[derive(Debug, Clone)]
pub enum Reply {
    /// 200 with these bytes.
    Bytes(Vec<u8>),
    /// 200 with this file, streamed.
    File(PathBuf),
    /// This status, empty body.
    Status(u16),
    /// 503 for the first `times` requests, then `then`.
    FailFirst(usize, Box<Reply>),
    /// A Content-Length of the whole, then only the first half of the bytes, then the connection closes.
    Truncated(Vec<u8>),
}

#[derive(Default)]
struct State {
    routes: HashMap<String, Reply>,
    hits: HashMap<String, usize>,
}

/// A running server; stops accepting when dropped.
pub struct Server {
    port: u16,
    state: Arc<Mutex<State>>,
    stop: Arc<AtomicBool>,
}

impl Server {
    /// Starts a server on a free port of 127.0.0.1.
    pub fn start() -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let state = Arc::new(Mutex::new(State::default()));
        let stop = Arc::new(AtomicBool::new(false));
        let (st, sp) = (state.clone(), stop.clone());
        thread::spawn(move || {
            for stream in listener.incoming() {
                if sp.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let st = st.clone();
                thread::spawn(move || {
                    let _ = serve(stream, &st);
                });
            }
        });
        Server { port, state, stop }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Answers `path` with `reply` from now on.
    pub fn route(&self, path: &str, reply: Reply) {
        self.state
            .lock()
            .unwrap()
            .routes
            .insert(path.to_owned(), reply);
    }

    /// How many requests `path` has had.
    pub fn hits(&self, path: &str) -> usize {
        self.state
            .lock()
            .unwrap()
            .hits
            .get(path)
            .copied()
            .unwrap_or(0)
    }

    /// Every request so far.
    pub fn total_hits(&self) -> usize {
        self.state.lock().unwrap().hits.values().sum()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

/// A URL on which nothing listens (connections are refused).
pub fn dead_url() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    format!("http://127.0.0.1:{port}")
}

fn serve(mut stream: TcpStream, state: &Mutex<State>) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut first = String::new();
    reader.read_line(&mut first)?;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 || line == "\r\n" || line == "\n" {
            break;
        }
    }
    let path = first
        .split_whitespace()
        .nth(1)
        .unwrap_or("/")
        .split('?')
        .next()
        .unwrap_or("/")
        .to_owned();
    let reply = {
        let mut st = state.lock().unwrap();
        let n = st.hits.entry(path.clone()).or_insert(0);
        *n += 1;
        let hit = *n;
        match st.routes.get(&path).cloned() {
            Some(Reply::FailFirst(times, then)) if hit > times => *then,
            Some(Reply::FailFirst(..)) => Reply::Status(503),
            Some(reply) => reply,
            None => Reply::Status(404),
        }
    };
    let head = |status: u16, len: u64| {
        format!("HTTP/1.1 {status} X\r\nContent-Length: {len}\r\nConnection: close\r\n\r\n")
    };
    match reply {
        Reply::Bytes(bytes) => {
            stream.write_all(head(200, bytes.len() as u64).as_bytes())?;
            stream.write_all(&bytes)?;
        }
        Reply::File(path) => {
            let mut file = std::fs::File::open(&path)?;
            let len = file.metadata()?.len();
            stream.write_all(head(200, len).as_bytes())?;
            let mut buf = vec![0u8; 1 << 20];
            loop {
                let n = file.read(&mut buf)?;
                if n == 0 {
                    break;
                }
                stream.write_all(&buf[..n])?;
            }
        }
        Reply::Status(status) => stream.write_all(head(status, 0).as_bytes())?,
        Reply::Truncated(bytes) => {
            stream.write_all(head(200, bytes.len() as u64).as_bytes())?;
            stream.write_all(&bytes[..bytes.len() / 2])?;
        }
        Reply::FailFirst(..) => unreachable!("resolved above"),
    }
    stream.flush()?;
    let _ = stream.shutdown(std::net::Shutdown::Write);
    Ok(())
}

/// Every file under `dir`, relative and `/`-separated, sorted.
pub fn tree(dir: &Path) -> Vec<String> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                out.push(p.strip_prefix(root).unwrap().display().to_string());
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}
