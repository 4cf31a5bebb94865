//! Added by the StoryFlow vendored copy: turns each lexicon JSON into the compact, sorted table
//! `src/table.rs` reads in place (see that file for the format), so that no lexicon is parsed,
//! copied or even paged in at run time beyond the entries a text looks up.

use std::collections::BTreeMap;
use std::path::PathBuf;

fn main() {
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    for name in ["us_gold", "us_silver", "gb_gold", "gb_silver"] {
        let src = format!("data/{name}.json");
        println!("cargo:rerun-if-changed={src}");
        let json = std::fs::read_to_string(&src).unwrap_or_else(|e| panic!("cannot read {src}: {e}"));
        // A JSON object read into a map keeps the last of two equal keys, as serde_json and
        // Python's json module do; BTreeMap<String, _> orders the words bytewise.
        let map: BTreeMap<String, serde_json::Value> =
            serde_json::from_str(&json).unwrap_or_else(|e| panic!("cannot parse {src}: {e}"));
        let mut index = Vec::with_capacity(map.len() * 16);
        let mut arena = String::new();
        for (word, value) in &map {
            let (key_start, key_end) = push(&mut arena, word);
            let (val_start, mut val_end) = match value {
                serde_json::Value::String(s) => push(&mut arena, s),
                serde_json::Value::Object(tags) => {
                    let start = arena.len();
                    for (tag, v) in tags {
                        arena.push_str(tag);
                        if let Some(p) = v.as_str() {
                            arena.push('\t');
                            arena.push_str(p);
                        } else {
                            assert!(v.is_null(), "{src}: {word}/{tag} is neither a string nor null");
                        }
                        arena.push('\n');
                    }
                    (start as u32, arena.len() as u32)
                }
                other => panic!("{src}: {word} has an unexpected value {other}"),
            };
            if value.is_object() {
                val_end |= 1 << 31;
            }
            for n in [key_start, key_end, val_start, val_end] {
                index.extend_from_slice(&n.to_le_bytes());
            }
        }
        assert!(arena.len() < 1 << 31, "{src} is too large for the table format");
        std::fs::write(out.join(format!("{name}.idx")), index).expect("write the table index");
        std::fs::write(out.join(format!("{name}.txt")), arena).expect("write the table text");
    }
}

fn push(arena: &mut String, text: &str) -> (u32, u32) {
    let start = arena.len() as u32;
    arena.push_str(text);
    (start, arena.len() as u32)
}
