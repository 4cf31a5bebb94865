//! The golden pronunciations of `fixtures/pronunciation/golden.tsv`, with the built-in fallback
//! only (no espeak-ng), so the result does not depend on what is installed.

use kokoro_tokenize::{Dialect, Tokenizer, TokenizerOptions, UNKNOWN_MARKER, Vocab};

#[test]
fn golden_pronunciations() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../fixtures/pronunciation/golden.tsv"
    );
    let table = std::fs::read_to_string(path).unwrap();
    let tokenizer =
        Tokenizer::with_options(Vocab::v1_0(), TokenizerOptions::default().espeak(false)).unwrap();
    let mut failures = Vec::new();
    let mut rows = 0;
    for line in table
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
    {
        let fields: Vec<&str> = line.split('\t').collect();
        assert!(fields.len() >= 3, "malformed row: {line:?}");
        let dialect = match fields[2] {
            "gb" => Dialect::Gb,
            _ => Dialect::Us,
        };
        let got = tokenizer.phonemize(fields[0], dialect).unwrap();
        assert!(!got.contains(UNKNOWN_MARKER));
        if got != fields[1] {
            failures.push(format!(
                "{}\n  expected {}\n  got      {got}",
                fields[0], fields[1]
            ));
        }
        rows += 1;
    }
    assert!(rows >= 15, "only {rows} golden rows");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
