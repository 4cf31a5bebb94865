//! The golden pronunciations of `fixtures/pronunciation/golden.tsv`, with the built-in fallback
//! only (no espeak-ng), so the result does not depend on what is installed.

mod support;

use kokoro_tokenize::{Dialect, UNKNOWN_MARKER};

#[test]
fn golden_pronunciations() {
    let tokenizer = support::text_tokenizer(false);
    let mut failures = Vec::new();
    let mut rows = 0;
    for line in support::pronunciation_rows("golden.tsv") {
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
