//! File-level tests: roundtrips, atomic replacement, corruption detection.

use std::fs;
use std::path::{Path, PathBuf};
use wav_store::{SampleFormat, WavOptions, read_wav, validate_wav, wav_duration, write_wav};

fn tone(len: usize, amp: f32) -> Vec<f32> {
    (0..len).map(|i| amp * (i as f32 * 0.05).sin()).collect()
}

fn pcm16() -> WavOptions {
    WavOptions {
        format: SampleFormat::Pcm16,
        ..WavOptions::default()
    }
}

/// Names of the files in `dir`, sorted.
fn dir_entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn roundtrip_f32_is_exact() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a/b/seg.wav");
    let samples = tone(2_400, 0.8);
    let info = write_wav(&path, &samples, &WavOptions::default()).unwrap();
    assert_eq!(info.frames, 2_400);
    assert_eq!(info.channels, 1);
    assert_eq!(info.sample_rate, 24_000);
    assert_eq!(info.format, SampleFormat::Float32);
    assert!((info.duration_seconds - 0.1).abs() < 1e-12);

    let (read_info, read) = read_wav(&path).unwrap();
    assert_eq!(read_info, info);
    assert_eq!(read, samples);
    assert_eq!(validate_wav(&path).unwrap(), info);
    assert!((wav_duration(&path).unwrap() - 0.1).abs() < 1e-12);
}

#[test]
fn roundtrip_pcm16_within_one_step() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("seg.wav");
    let mut samples = tone(1_000, 0.9);
    samples.extend([1.0, -1.0, 3.0, -3.0]);
    let options = WavOptions {
        sample_rate: 16_000,
        ..pcm16()
    };
    let info = write_wav(&path, &samples, &options).unwrap();
    assert_eq!(info.format, SampleFormat::Pcm16);
    let (read_info, read) = read_wav(&path).unwrap();
    assert_eq!(read_info, info);
    assert_eq!(read_info.sample_rate, 16_000);
    assert_eq!(read.len(), samples.len());
    for (x, y) in samples.iter().zip(&read) {
        let clamped = x.clamp(-1.0, 1.0);
        assert!((clamped - y).abs() <= 1.0 / 32768.0, "{x} -> {y}");
    }
    // 16-bit data: 44-byte header + 2 bytes per sample.
    assert_eq!(
        fs::metadata(&path).unwrap().len(),
        44 + 2 * samples.len() as u64
    );
}

#[test]
fn overwrite_replaces_previous_file_and_leaves_no_temp() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("seg.wav");
    write_wav(&path, &tone(500, 0.5), &WavOptions::default()).unwrap();
    let second = tone(300, 0.2);
    write_wav(&path, &second, &WavOptions::default()).unwrap();
    assert_eq!(read_wav(&path).unwrap().1, second);
    assert_eq!(dir_entries(dir.path()), vec!["seg.wav"]);
}

#[test]
fn failing_writes_keep_previous_file_byte_identical() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("seg.wav");
    write_wav(&path, &tone(500, 0.5), &WavOptions::default()).unwrap();
    let before = fs::read(&path).unwrap();

    let mut bad = tone(100, 0.5);
    bad[42] = f32::NAN;
    let err = write_wav(&path, &bad, &WavOptions::default()).unwrap_err();
    assert_eq!(err.kind(), wav_store::ErrorKind::NonFinite { index: 42 });
    assert!(err.to_string().contains("seg.wav"), "{err}");

    let err = write_wav(&path, &[], &WavOptions::default()).unwrap_err();
    assert_eq!(err.kind(), wav_store::ErrorKind::Empty);

    let zero_rate = WavOptions {
        sample_rate: 0,
        ..WavOptions::default()
    };
    let err = write_wav(&path, &tone(10, 0.1), &zero_rate).unwrap_err();
    assert_eq!(err.kind(), wav_store::ErrorKind::InvalidSampleRate);

    assert_eq!(fs::read(&path).unwrap(), before);
    assert_eq!(dir_entries(dir.path()), vec!["seg.wav"]);
}

#[test]
fn directory_target_is_rejected_without_leftovers() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("seg.wav");
    fs::create_dir(&target).unwrap();
    fs::write(target.join("keep.txt"), b"x").unwrap();
    let err = write_wav(&target, &tone(10, 0.1), &WavOptions::default()).unwrap_err();
    assert_eq!(err.kind(), wav_store::ErrorKind::IsDirectory);
    assert!(err.to_string().contains("seg.wav"), "{err}");
    assert_eq!(dir_entries(dir.path()), vec!["seg.wav"]);
    assert_eq!(dir_entries(&target), vec!["keep.txt"]);

    let err = validate_wav(&target).unwrap_err();
    assert_eq!(err.kind(), wav_store::ErrorKind::IsDirectory);
}

#[test]
fn truncated_files_are_rejected() {
    let dir = tempfile::tempdir().unwrap();
    for options in [WavOptions::default(), pcm16()] {
        let path = dir.path().join("seg.wav");
        write_wav(&path, &tone(1_000, 0.5), &options).unwrap();
        let full = fs::read(&path).unwrap();
        // Cut inside the data, at a sample boundary and mid-sample, and
        // inside the header.
        for cut in [1, 2, 3, 100, full.len() - 40, full.len() - 10] {
            fs::write(&path, &full[..full.len() - cut]).unwrap();
            let err = validate_wav(&path).unwrap_err();
            assert!(err.is_corrupt(), "cut {cut}: {err}");
            assert_eq!(
                err.kind(),
                wav_store::ErrorKind::Corrupt,
                "cut {cut}: {err}"
            );
            assert!(err.to_string().contains("seg.wav"), "{err}");
            assert!(read_wav(&path).is_err());
            assert!(wav_duration(&path).is_err());
        }
    }
}

#[test]
fn garbage_is_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("garbage.wav");
    fs::write(&path, b"this is definitely not a RIFF/WAVE file at all").unwrap();
    let err = validate_wav(&path).unwrap_err();
    assert_eq!(err.kind(), wav_store::ErrorKind::Corrupt);
    assert!(err.is_corrupt() && !err.is_not_found());
    assert!(err.to_string().contains("garbage.wav"), "{err}");
}

#[test]
fn missing_file_is_not_found() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nope.wav");
    let err = validate_wav(&path).unwrap_err();
    assert!(err.is_not_found());
    assert!(!err.is_corrupt());
    assert!(err.to_string().contains("nope.wav"), "{err}");
    assert!(read_wav(&path).unwrap_err().is_not_found());
}

#[test]
fn zero_length_file_is_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("empty.wav");
    fs::write(&path, b"").unwrap();
    let err = validate_wav(&path).unwrap_err();
    assert_eq!(err.kind(), wav_store::ErrorKind::Empty);
    assert!(err.is_corrupt());
}

/// A hand-made float WAV header for `n` mono samples at 24 kHz.
fn float_wav(samples: &[f32]) -> Vec<u8> {
    let data_len = (samples.len() * 4) as u32;
    let mut v = Vec::new();
    v.extend_from_slice(b"RIFF");
    v.extend_from_slice(&(36 + data_len).to_le_bytes());
    v.extend_from_slice(b"WAVEfmt ");
    v.extend_from_slice(&16u32.to_le_bytes());
    v.extend_from_slice(&3u16.to_le_bytes()); // IEEE float
    v.extend_from_slice(&1u16.to_le_bytes()); // mono
    v.extend_from_slice(&24_000u32.to_le_bytes());
    v.extend_from_slice(&(24_000u32 * 4).to_le_bytes());
    v.extend_from_slice(&4u16.to_le_bytes());
    v.extend_from_slice(&32u16.to_le_bytes());
    v.extend_from_slice(b"data");
    v.extend_from_slice(&data_len.to_le_bytes());
    for x in samples {
        v.extend_from_slice(&x.to_le_bytes());
    }
    v
}

#[test]
fn zero_frames_and_non_finite_files_are_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.wav");

    // Sanity check of the hand-made header.
    fs::write(&path, float_wav(&[0.5, -0.5])).unwrap();
    assert_eq!(read_wav(&path).unwrap().1, vec![0.5, -0.5]);

    fs::write(&path, float_wav(&[])).unwrap();
    let err = validate_wav(&path).unwrap_err();
    assert_eq!(err.kind(), wav_store::ErrorKind::Empty);
    assert!(err.is_corrupt());

    fs::write(&path, float_wav(&[0.1, 0.2, f32::INFINITY, 0.3])).unwrap();
    let err = validate_wav(&path).unwrap_err();
    assert_eq!(err.kind(), wav_store::ErrorKind::NonFinite { index: 2 });
    assert!(err.is_corrupt());
}

#[test]
fn missing_parent_directories_are_created() {
    let dir = tempfile::tempdir().unwrap();
    let path: PathBuf = dir.path().join("deep/er/still/seg.wav");
    write_wav(&path, &tone(10, 0.1), &WavOptions::default()).unwrap();
    assert_eq!(validate_wav(&path).unwrap().frames, 10);
    assert_eq!(dir_entries(path.parent().unwrap()), vec!["seg.wav"]);
}

#[test]
fn concurrent_writers_leave_one_complete_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("seg.wav");
    let a = tone(48_000, 0.5);
    let b = tone(24_000, -0.3);
    for _ in 0..5 {
        std::thread::scope(|s| {
            for samples in [&a, &b] {
                let path = &path;
                s.spawn(move || {
                    for _ in 0..4 {
                        write_wav(path, samples, &WavOptions::default()).unwrap();
                    }
                });
            }
        });
        let (_, read) = read_wav(&path).unwrap();
        assert!(read == a || read == b, "file holds a mix of both writers");
        assert_eq!(dir_entries(dir.path()), vec!["seg.wav"]);
    }
}
