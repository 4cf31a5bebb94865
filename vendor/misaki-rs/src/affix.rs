//! spaCy's prefix and suffix patterns, compiled as runs of alternatives. (Vendored change.)
//!
//! Each pattern is one long alternation, and a handful of its alternatives look around
//! (`^\+(?![0-9])`, `(?<=[0-9])\+$`, ...). That forces the whole pattern through fancy-regex,
//! which compiles the 119-alternative prefix pattern to 1.0 MB and the suffix pattern to
//! 0.9 MB. Split into runs (consecutive plain alternatives as one `regex::Regex`, each look-around
//! alternative on its own in fancy-regex) they take 90 KB and 300 KB, and give the same answers:
//!
//! * every prefix alternative starts with `^`, so every match starts at 0 and the whole pattern
//!   answers with the first alternative, in order, that matches; the runs keep that order, and
//!   within a run the `regex` crate's leftmost-first rule picks the first alternative too;
//! * every suffix alternative ends with `$`, so every match ends at the end and the whole
//!   pattern's leftmost match is the one that starts earliest, whichever run holds it.
//!
//! `Runs::new` checks those shapes and otherwise compiles the pattern whole.

use fancy_regex::Regex as FancyRegex;

/// Which shape of pattern, and so how its runs combine.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Anchor {
    /// Every alternative starts with `^`.
    Start,
    /// Every alternative ends with `$`.
    End,
}

enum Run {
    Plain(regex::Regex),
    Fancy(FancyRegex),
}

impl Run {
    fn find(&self, s: &str) -> Option<(usize, usize)> {
        match self {
            Run::Plain(r) => r.find(s).map(|m| (m.start(), m.end())),
            Run::Fancy(r) => r.find(s).ok().flatten().map(|m| (m.start(), m.end())),
        }
    }
}

/// An anchored alternation as runs; see the module docs.
pub(crate) struct Runs {
    anchor: Anchor,
    runs: Vec<Run>,
}

impl Runs {
    /// Compiles `pattern`, whose alternatives must all be anchored as `anchor` says for the runs
    /// to be used; a pattern of another shape is compiled whole (one fancy-regex run).
    pub(crate) fn new(pattern: &str, anchor: Anchor) -> Result<Self, fancy_regex::Error> {
        let alternatives = split_alternatives(pattern);
        let shaped = alternatives.iter().all(|a| match anchor {
            Anchor::Start => a.starts_with('^'),
            Anchor::End => ends_with_dollar(a),
        });
        let flagless = alternatives.iter().all(|a| !has_inline_flags(a));
        if !(shaped && flagless) {
            return Ok(Runs { anchor, runs: vec![Run::Fancy(FancyRegex::new(pattern)?)] });
        }
        let mut runs = Vec::new();
        let mut plain: Vec<&str> = Vec::new();
        let flush = |plain: &mut Vec<&str>, runs: &mut Vec<Run>| -> Result<(), fancy_regex::Error> {
            if !plain.is_empty() {
                let joined = plain.join("|");
                plain.clear();
                // `looks_around` reads the syntax only: a run the `regex` crate still refuses
                // (other fancy syntax, or the size limit) goes to fancy-regex whole.
                match regex::Regex::new(&joined) {
                    Ok(r) => runs.push(Run::Plain(r)),
                    Err(_) => runs.push(Run::Fancy(FancyRegex::new(&joined)?)),
                }
            }
            Ok(())
        };
        for alternative in &alternatives {
            if !looks_around(alternative) {
                plain.push(alternative);
            } else {
                flush(&mut plain, &mut runs)?;
                runs.push(Run::Fancy(FancyRegex::new(alternative)?));
            }
        }
        flush(&mut plain, &mut runs)?;
        Ok(Runs { anchor, runs })
    }

    /// The byte length of the whole pattern's leftmost match in `s`, or 0.
    pub(crate) fn match_len(&self, s: &str) -> usize {
        let found = match self.anchor {
            Anchor::Start => self.runs.iter().find_map(|r| r.find(s)),
            Anchor::End => self.runs.iter().filter_map(|r| r.find(s)).min_by_key(|m| m.0),
        };
        found.map_or(0, |(start, end)| end - start)
    }

    #[cfg(test)]
    fn run_count(&self) -> usize {
        self.runs.len()
    }
}

/// The top-level alternatives of `pattern` (a `|` outside any group, class or escape).
fn split_alternatives(pattern: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut depth, mut in_class, mut escaped, mut start) = (0usize, false, false, 0usize);
    for (i, c) in pattern.char_indices() {
        if escaped {
            escaped = false;
            continue;
        }
        match c {
            '\\' => escaped = true,
            ']' if in_class => in_class = false,
            _ if in_class => {}
            '[' => in_class = true,
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            '|' if depth == 0 => {
                out.push(&pattern[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&pattern[start..]);
    out
}

/// `a` holds a look-around group, which only fancy-regex compiles. Read from the text, so no
/// alternative is compiled twice to find out; a wrong answer costs memory, never an answer (a plain
/// alternative alone in fancy-regex, or a run the `regex` crate refuses, which then goes to
/// fancy-regex whole).
fn looks_around(a: &str) -> bool {
    ["(?=", "(?!", "(?<=", "(?<!"].iter().any(|g| a.contains(g))
}

/// `a` ends with an unescaped `$`.
fn ends_with_dollar(a: &str) -> bool {
    let Some(body) = a.strip_suffix('$') else { return false };
    body.chars().rev().take_while(|c| *c == '\\').count() % 2 == 0
}

/// `a` holds an inline flag group (`(?i)`, `(?x:...)`): its scope could change when joined.
fn has_inline_flags(a: &str) -> bool {
    a.match_indices("(?").any(|(i, _)| {
        a[i + 2..].chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '-')
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spacy_tokenizer_data as data;

    /// Every token of the sentences, and every piece of it the affix loop can look at.
    fn probes() -> Vec<String> {
        let text = concat!(
            "The morning the river froze, Okafor woke before anyone else in the village. ",
            "\"Wait...\" she said (quietly). It's 5km away; +5 or +a? 10°C. 3$ 4€ 5kg. ",
            "U.S.A. e.g. etc. Mr. O'Neil's co-op — 'quoted' “curly” ‘single’ [brackets]! ",
            "¿Qué? ¡Hola! «guillemets» 「括弧」 ₹500 US$5 C$ A$ 50% 3²  x.Y a.B... ",
            "HELLO. Über. café. naïve; déjà-vu: 1990s' ’90s 12:30pm #tag @user <tag> {x} ",
            "…… .. ... —dash– ~tilde~ _under_ *star* &amp; §5 =eq= ½ 2+2 9-5 a/b",
        );
        let mut out = Vec::new();
        for token in text.split_whitespace() {
            let bounds: Vec<usize> = token
                .char_indices()
                .map(|(i, _)| i)
                .chain(std::iter::once(token.len()))
                .collect();
            for &i in &bounds {
                out.push(token[i..].to_string());
                out.push(token[..i].to_string());
            }
        }
        out.sort();
        out.dedup();
        out
    }

    fn whole(pattern: &str, s: &str) -> usize {
        match FancyRegex::new(pattern).unwrap().find(s) {
            Ok(Some(m)) => m.end() - m.start(),
            _ => 0,
        }
    }

    #[test]
    fn the_runs_answer_as_the_whole_pattern_does() {
        for (pattern, anchor) in [
            (data::PREFIX_PATTERN, Anchor::Start),
            (data::SUFFIX_PATTERN, Anchor::End),
        ] {
            let runs = Runs::new(pattern, anchor).unwrap();
            assert!(runs.run_count() > 1, "{anchor:?}: the pattern was compiled whole");
            let whole_re = FancyRegex::new(pattern).unwrap();
            let mut nonzero = 0;
            for s in probes() {
                let expected = match whole_re.find(&s) {
                    Ok(Some(m)) => m.end() - m.start(),
                    _ => 0,
                };
                nonzero += usize::from(expected > 0);
                assert_eq!(runs.match_len(&s), expected, "{anchor:?} on {s:?}");
            }
            assert!(nonzero > 50, "{anchor:?}: only {nonzero} probes matched");
        }
    }

    #[test]
    fn the_look_around_alternatives_still_decide() {
        let prefix = Runs::new(data::PREFIX_PATTERN, Anchor::Start).unwrap();
        assert_eq!(prefix.match_len("+a"), 1);
        assert_eq!(prefix.match_len("+5"), whole(data::PREFIX_PATTERN, "+5"));
        let suffix = Runs::new(data::SUFFIX_PATTERN, Anchor::End).unwrap();
        assert_eq!(suffix.match_len("5km"), 2);
        assert_eq!(suffix.match_len("10°C."), 1);
        assert_eq!(suffix.match_len("word"), 0);
    }

    #[test]
    fn splitting_respects_groups_classes_and_escapes() {
        assert_eq!(split_alternatives(r"^a|^(b|c)|^[|]|^\||d$"), vec![
            "^a", "^(b|c)", "^[|]", r"^\|", "d$"
        ]);
        assert!(ends_with_dollar("a$") && !ends_with_dollar(r"a\$") && ends_with_dollar(r"a\\$"));
        assert!(has_inline_flags("(?i)a") && !has_inline_flags("(?:a)(?=b)(?<=c)(?!d)"));
        assert!(looks_around(r"^\+(?![0-9])") && looks_around("(?<=[0-9])km$"));
        assert!(!looks_around("^(?:a|b)") && !looks_around(r"\.\.+$"));
        // A pattern of another shape is compiled whole.
        assert_eq!(Runs::new("^a|b$", Anchor::Start).unwrap().run_count(), 1);
        assert_eq!(Runs::new("(?i)^a|^b", Anchor::Start).unwrap().run_count(), 1);
    }
}
