//! Splitting source text into sentences, clauses and words (byte ranges, never losing text).

use std::ops::Range;

use crate::markup::markup_spans;

/// Abbreviations after which a single `.` never ends a sentence (compared lowercase, without
/// the final period).
const ABBREVIATIONS: &[&str] = &[
    "mr", "mrs", "ms", "mx", "dr", "st", "prof", "sr", "jr", "mt", "capt", "gen", "col", "lt",
    "sgt", "rev", "hon", "fr", "gov", "sen", "rep", "vs", "e.g", "i.e", "cf", "approx", "fig",
    "vol",
];

/// Characters that may follow a terminator and still belong to its sentence.
fn is_closer(c: char) -> bool {
    matches!(
        c,
        '"' | '\'' | '”' | '’' | ')' | ']' | '»' | '*' | '_' | '」' | '』' | '）' | '】' | '》'
    )
}

/// Characters that may open a sentence before its first word.
fn is_opener(c: char) -> bool {
    matches!(
        c,
        '"' | '\''
            | '“'
            | '‘'
            | '('
            | '['
            | '«'
            | '*'
            | '_'
            | '¿'
            | '¡'
            | '「'
            | '『'
            | '（'
            | '【'
            | '《'
    )
}

fn is_terminator(c: char) -> bool {
    matches!(c, '.' | '!' | '?' | '…') || is_full_stop(c)
}

/// Sentence ends of scripts written without spaces (Chinese and Japanese `。！？．`) and the
/// Devanagari danda (`।`, `॥`): they end a sentence whatever follows them.
fn is_full_stop(c: char) -> bool {
    matches!(c, '。' | '！' | '？' | '．' | '।' | '॥')
}

/// Clause breaks of Chinese and Japanese (`，、；：`): they break whatever follows them.
fn is_full_clause_break(c: char) -> bool {
    matches!(c, '，' | '、' | '；' | '：')
}

fn is_dash(c: char) -> bool {
    matches!(c, '—' | '–' | '―')
}

fn inside(spans: &[Range<usize>], at: usize) -> bool {
    spans.iter().any(|s| s.start < at && at < s.end)
}

/// Trims `range` of `text` and keeps it when something is left.
fn push_trimmed(text: &str, range: Range<usize>, out: &mut Vec<Range<usize>>) {
    let Some(slice) = text.get(range.clone()) else {
        return;
    };
    let start = range.start + (slice.len() - slice.trim_start().len());
    let end = range.end - (slice.len() - slice.trim_end().len());
    if start < end {
        out.push(start..end);
    }
}

/// The word just before byte `at` (back to whitespace), without leading quotes or brackets.
fn word_before(text: &str, at: usize) -> &str {
    let head = text.get(..at).unwrap_or("");
    let start = head.rfind(char::is_whitespace).map_or(0, |i| {
        i + head
            .get(i..)
            .and_then(|s| s.chars().next())
            .map_or(1, char::len_utf8)
    });
    head.get(start..)
        .unwrap_or("")
        .trim_start_matches(|c: char| !c.is_alphanumeric())
}

/// True when a single `.` at byte `at` closes an abbreviation or an initial (`J.`).
fn is_abbreviation(text: &str, at: usize) -> bool {
    let word = word_before(text, at);
    let mut chars = word.chars();
    if let (Some(c), None) = (chars.next(), chars.next()) {
        return c.is_uppercase();
    }
    let lower = word.to_lowercase();
    ABBREVIATIONS.contains(&lower.as_str())
}

/// Splits `text` into sentences (trimmed, non-empty byte ranges, in order).
///
/// A sentence ends after a run of `.`, `!`, `?`, `…` (and any closing quotes or brackets) that
/// is followed by whitespace and then not by a lowercase word (opening quotes skipped), unless
/// the run is a single `.` after an abbreviation ("Mr.", "e.g.") or an initial. Decimals ("3.5")
/// never split, since no whitespace follows their period. A blank line also ends a sentence.
///
/// The tokenizer reads each sentence alone: [`Tokenizer::tokenize_in`] of one sentence's text
/// gives the pieces the whole text has for it (word spans relative to the sentence, and the
/// pause after its last piece `None` instead of [`Pause::Sentence`]), so a caller can tokenize a
/// long text one sentence at a time (a stream's first audio then waits for its first sentence
/// only).
///
/// [`Tokenizer::tokenize_in`]: crate::Tokenizer::tokenize_in
/// [`Pause::Sentence`]: crate::Pause::Sentence
pub fn sentences(text: &str) -> Vec<Range<usize>> {
    let spans = markup_spans(text);
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let byte_at = |i: usize| chars.get(i).map_or(text.len(), |(b, _)| *b);
    let mut out = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while let Some(&(byte, c)) = chars.get(i) {
        if c == '\n' {
            // Paragraph break: a whitespace run holding two or more newlines.
            let mut j = i;
            let mut newlines = 0;
            while let Some(&(_, w)) = chars.get(j).filter(|(_, w)| w.is_whitespace()) {
                newlines += usize::from(w == '\n');
                j += 1;
            }
            if newlines >= 2 && !inside(&spans, byte) {
                push_trimmed(text, start..byte, &mut out);
                start = byte_at(j);
            }
            i = j.max(i + 1);
            continue;
        }
        if !is_terminator(c) || inside(&spans, byte) {
            i += 1;
            continue;
        }
        let mut j = i;
        while chars.get(j).is_some_and(|(_, t)| is_terminator(*t)) {
            j += 1;
        }
        let run_len = j - i;
        while chars.get(j).is_some_and(|(_, t)| is_closer(*t)) {
            j += 1;
        }
        let end = byte_at(j);
        let next = chars.get(j).map(|(_, n)| *n);
        let followed_by_space = next.is_none_or(char::is_whitespace);
        let next_word = chars
            .get(j..)
            .unwrap_or(&[])
            .iter()
            .map(|(_, n)| *n)
            .find(|n| !n.is_whitespace() && !is_opener(*n));
        let continues = next_word.is_some_and(char::is_lowercase);
        let abbreviation = run_len == 1 && c == '.' && is_abbreviation(text, byte);
        let full_stop = chars
            .get(i..j)
            .is_some_and(|run| run.iter().any(|(_, t)| is_full_stop(*t)));
        if full_stop || (followed_by_space && !continues && !abbreviation) {
            push_trimmed(text, start..end, &mut out);
            start = end;
        }
        i = j.max(i + 1);
    }
    push_trimmed(text, start..text.len(), &mut out);
    out
}

/// Splits a sentence into clauses (trimmed, non-empty byte ranges), after `,` `;` `:` followed
/// by whitespace, after dashes (`—`, `–`, or a spaced `-` / `--`), keeping the punctuation with
/// the clause it ends.
pub(crate) fn clauses(text: &str) -> Vec<Range<usize>> {
    let spans = markup_spans(text);
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let byte_at = |i: usize| chars.get(i).map_or(text.len(), |(b, _)| *b);
    let mut out = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while let Some(&(byte, c)) = chars.get(i) {
        let prev_space = i == 0 || chars.get(i - 1).is_some_and(|(_, p)| p.is_whitespace());
        let breaks = !inside(&spans, byte)
            && (matches!(c, ',' | ';' | ':')
                || is_full_clause_break(c)
                || is_dash(c)
                || (c == '-' && prev_space));
        if !breaks {
            i += 1;
            continue;
        }
        let mut j = i + 1;
        while chars
            .get(j)
            .is_some_and(|(_, t)| is_closer(*t) || is_dash(*t) || *t == '-')
        {
            j += 1;
        }
        let next_space = chars.get(j).is_none_or(|(_, n)| n.is_whitespace());
        // `,;:` and a hyphen need a space after them ("3,000", "6:15", "well-known" stay whole).
        if is_dash(c) || is_full_clause_break(c) || next_space {
            push_trimmed(text, start..byte_at(j), &mut out);
            start = byte_at(j);
        }
        i = j;
    }
    push_trimmed(text, start..text.len(), &mut out);
    out
}

/// Splits text into words at whitespace (markup spans stay whole).
pub(crate) fn words(text: &str) -> Vec<Range<usize>> {
    let spans = markup_spans(text);
    let mut out = Vec::new();
    let mut start = None;
    for (byte, c) in text.char_indices() {
        if c.is_whitespace() && !inside(&spans, byte) {
            if let Some(s) = start.take() {
                out.push(s..byte);
            }
        } else if start.is_none() {
            start = Some(byte);
        }
    }
    if let Some(s) = start {
        out.push(s..text.len());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn texts<'a>(text: &'a str, ranges: &[Range<usize>]) -> Vec<&'a str> {
        ranges.iter().filter_map(|r| text.get(r.clone())).collect()
    }

    #[test]
    fn sentences_respect_abbreviations_decimals_and_quotes() {
        let text = "Mr. Smith paid $3.50 to Dr. Who. \"Really?\" she asked. Yes! \
                    J. R. R. Tolkien wrote it, e.g. on St. Giles. Then... Nothing.";
        assert_eq!(
            texts(text, &sentences(text)),
            vec![
                "Mr. Smith paid $3.50 to Dr. Who.",
                "\"Really?\" she asked.",
                "Yes!",
                "J. R. R. Tolkien wrote it, e.g. on St. Giles.",
                "Then...",
                "Nothing.",
            ]
        );
    }

    #[test]
    fn ellipsis_before_lowercase_does_not_split() {
        let text = "Well… it was late. Fine?! OK. “No,” he said… “never.” (Done.)";
        assert_eq!(
            texts(text, &sentences(text)),
            vec![
                "Well… it was late.",
                "Fine?!",
                "OK.",
                "“No,” he said… “never.”",
                "(Done.)"
            ]
        );
    }

    #[test]
    fn paragraph_breaks_end_sentences() {
        let text = "Chapter One\n\n  It began\nslowly.\r\n\r\nThe end";
        assert_eq!(
            texts(text, &sentences(text)),
            vec!["Chapter One", "It began\nslowly.", "The end"]
        );
    }

    #[test]
    fn markup_is_never_split() {
        let text = "Meet [Dr. Okafor. Jr](/dˈɑktəɹ əkˈɑfɔɹ/) today. Then go.";
        assert_eq!(
            texts(text, &sentences(text)),
            vec![
                "Meet [Dr. Okafor. Jr](/dˈɑktəɹ əkˈɑfɔɹ/) today.",
                "Then go."
            ]
        );
        let text = "say [New York](/nˈu jˈɔɹk/), please";
        assert_eq!(
            texts(text, &words(text)),
            vec!["say", "[New York](/nˈu jˈɔɹk/),", "please"]
        );
    }

    #[test]
    fn clauses_split_after_punctuation_and_dashes() {
        let text =
            "First, at 6:15 and 3,000 feet; then: \"go,\" she said—fast - very well-known -- done";
        assert_eq!(
            texts(text, &clauses(text)),
            vec![
                "First,",
                "at 6:15 and 3,000 feet;",
                "then:",
                "\"go,\"",
                "she said—",
                "fast -",
                "very well-known --",
                "done",
            ]
        );
    }

    #[test]
    fn chinese_and_japanese_sentences_end_at_full_stops_and_clauses_at_full_commas() {
        let text = "你好。今天天气很好！你去哪里？「走吧。」他说，我们走、好的；";
        assert_eq!(
            texts(text, &sentences(text)),
            vec![
                "你好。",
                "今天天气很好！",
                "你去哪里？",
                "「走吧。」",
                "他说，我们走、好的；"
            ]
        );
        let clause = "他说，我们走、好的；然后：走";
        assert_eq!(
            texts(clause, &clauses(clause)),
            vec!["他说，", "我们走、", "好的；", "然后：", "走"]
        );
        let hindi = "मेरा नाम ओमेगा है। आप कैसे हैं?";
        assert_eq!(
            texts(hindi, &sentences(hindi)),
            vec!["मेरा नाम ओमेगा है।", "आप कैसे हैं?"]
        );
        let spanish = "Hola. ¿Cómo estás? ¡Muy bien!";
        assert_eq!(
            texts(spanish, &sentences(spanish)),
            vec!["Hola.", "¿Cómo estás?", "¡Muy bien!"]
        );
    }

    #[test]
    fn words_split_at_any_whitespace() {
        let text = " one\ttwo\u{3000}three\n ";
        assert_eq!(texts(text, &words(text)), vec!["one", "two", "three"]);
    }

    fn non_space(text: &str) -> String {
        text.chars().filter(|c| !c.is_whitespace()).collect()
    }

    proptest! {
        #[test]
        fn splitting_never_loses_or_reorders_text(text in "\\PC{0,200}|[a-zA-Z .!?,;:—\\-\"\\[\\]()/\n]{0,200}") {
            for ranges in [sentences(&text), clauses(&text), words(&text)] {
                let mut last_end = 0;
                let mut joined = String::new();
                for r in &ranges {
                    prop_assert!(r.start >= last_end && r.start < r.end);
                    let slice = text.get(r.clone());
                    prop_assert!(slice.is_some(), "range {:?} is not on char boundaries", r);
                    let slice = slice.unwrap_or_default();
                    prop_assert_eq!(slice.trim(), slice);
                    joined.push_str(slice);
                    last_end = r.end;
                }
                prop_assert_eq!(non_space(&joined), non_space(&text));
            }
        }
    }
}
