//! Stale temporary files left by a killed writer are removed by the next write into their
//! directory, and never those of a live process.

#![allow(clippy::unwrap_used)] // test code: a failure is a panic

use std::fs;
use std::path::Path;

use wav_store::{SampleSpool, WavOptions, WavStreamWriter, remove_stale_temp_files, write_wav};

/// Above Linux's largest possible pid (2^22): no process has it.
const DEAD_PID: u32 = 99_999_999;

/// A child process started by one test holds copies of every descriptor of this process between
/// its fork and its exec, and with them the advisory locks another test takes: the tests that lock
/// files and the one that starts a process do not overlap.
static FORK_OR_LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn exclusive() -> std::sync::MutexGuard<'static, ()> {
    FORK_OR_LOCK
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn touch(dir: &Path, name: &str) {
    fs::write(dir.join(name), b"partial audio").unwrap();
}

#[cfg(target_os = "linux")]
#[test]
fn the_next_write_removes_temp_files_of_dead_processes_only() {
    let tmp = tempfile::tempdir().unwrap();
    let audio = tmp.path().join("projects/p/audio");
    fs::create_dir_all(&audio).unwrap();
    let me = std::process::id();
    let dead_wav = format!(".seg-1.wav.{DEAD_PID}.0.tmp");
    let dead_spool = format!(".seg-1.wav.spool.{DEAD_PID}.1.tmp");
    let live_wav = format!(".seg-2.wav.{me}.900.tmp");
    let live_spool = format!(".seg-2.wav.spool.{me}.901.tmp");
    for name in [&dead_wav, &dead_spool, &live_wav, &live_spool] {
        touch(&audio, name);
    }
    // Files that only look similar are not ours to remove.
    for other in ["notes.tmp", ".hidden.tmp", "seg-0.wav", ".seg.wav.x.1.tmp"] {
        touch(&audio, other);
    }

    write_wav(
        &audio.join("seg-3.wav"),
        &[0.1, 0.2],
        &WavOptions::default(),
    )
    .unwrap();

    let left = names(&audio);
    assert!(!left.contains(&dead_wav), "{left:?}");
    assert!(!left.contains(&dead_spool), "{left:?}");
    for kept in [
        &live_wav,
        &live_spool,
        "notes.tmp",
        ".hidden.tmp",
        "seg-0.wav",
        ".seg.wav.x.1.tmp",
        "seg-3.wav",
    ] {
        assert!(
            left.iter().any(|n| n == kept),
            "{kept} was removed: {left:?}"
        );
    }
}

#[cfg(target_os = "linux")]
#[test]
fn streaming_writers_and_spools_clean_up_too() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let out = dir.join("seg.wav");

    touch(dir, &format!(".seg.wav.{DEAD_PID}.3.tmp"));
    let w = WavStreamWriter::create(&out, &WavOptions::default()).unwrap();
    assert_eq!(
        names(dir).len(),
        1,
        "only the live writer's temp file: {:?}",
        names(dir)
    );
    drop(w);

    touch(dir, &format!(".seg.wav.spool.{DEAD_PID}.4.tmp"));
    let spool = SampleSpool::create_next_to(&out).unwrap();
    let left = names(dir);
    assert_eq!(left.len(), 1, "{left:?}");
    assert!(left[0].contains(".spool."), "{left:?}");
    drop(spool);
    assert!(names(dir).is_empty());
}

#[cfg(unix)]
#[test]
fn a_locked_temp_file_is_kept_even_when_its_pid_looks_dead() {
    // A writer in another PID namespace (another container on the same volume) looks dead from
    // here; its lock says it is alive.
    let _exclusive = exclusive();
    let tmp = tempfile::tempdir().unwrap();
    let name = format!(".seg.wav.{DEAD_PID}.5.tmp");
    touch(tmp.path(), &name);
    let held = fs::File::open(tmp.path().join(&name)).unwrap();
    held.lock().unwrap();
    assert!(remove_stale_temp_files(tmp.path()).unwrap().is_empty());
    assert_eq!(names(tmp.path()), vec![name.clone()]);
    drop(held);
    let removed = remove_stale_temp_files(tmp.path()).unwrap();
    if cfg!(target_os = "linux") {
        assert_eq!(removed, vec![tmp.path().join(&name)]);
    }
}

#[test]
fn live_writers_of_this_process_are_never_touched() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("seg.wav");
    let mut w = WavStreamWriter::create(&out, &WavOptions::default()).unwrap();
    let mut spool = SampleSpool::create_next_to(&out).unwrap();
    // Another write into the same directory meanwhile.
    write_wav(
        &tmp.path().join("other.wav"),
        &[0.5],
        &WavOptions::default(),
    )
    .unwrap();
    assert!(remove_stale_temp_files(tmp.path()).unwrap().is_empty());
    spool.push(&[0.25]).unwrap();
    w.write(&[0.25]).unwrap();
    assert_eq!(w.commit().unwrap().frames, 1);
    let mut reader = spool.into_reader().unwrap();
    assert!(remove_stale_temp_files(tmp.path()).unwrap().is_empty());
    let mut block = Vec::new();
    assert_eq!(reader.read_block(&mut block, 8).unwrap(), 1);
}

#[cfg(target_os = "linux")]
#[test]
fn files_of_a_writer_killed_with_sigkill_go_at_the_next_write() {
    let _exclusive = exclusive();
    let tmp = tempfile::tempdir().unwrap();
    // A shell leaves a temp file and a spool named with its own pid, then kills itself with -9.
    let status = std::process::Command::new("sh")
        .arg("-c")
        .arg("touch .seg.wav.$$.0.tmp .seg.wav.spool.$$.1.tmp; kill -9 $$")
        .current_dir(tmp.path())
        .status()
        .unwrap();
    assert!(!status.success(), "the writer was killed");
    assert_eq!(names(tmp.path()).len(), 2, "{:?}", names(tmp.path()));
    write_wav(&tmp.path().join("seg.wav"), &[0.5], &WavOptions::default()).unwrap();
    assert_eq!(names(tmp.path()), vec!["seg.wav".to_string()]);
}
