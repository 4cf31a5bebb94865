//! misaki's inline markup, `[text](feature)` (`[tear](/tˈɛɹ/)`): where it stands in a text, and
//! rewriting only the text around it. One definition for the splitter, the user lexicon,
//! normalization, heteronyms and the phonemizer, so that they all agree on what markup is.

use std::ops::Range;
use std::sync::OnceLock;

use regex::Regex;

/// Byte ranges of misaki `[text](feature)` markup, in order and without overlap: `[`, a non-empty
/// text without brackets, `](`, then anything up to the first `)`. No split may happen inside one,
/// and no rewriting touches one.
pub(crate) fn markup_spans(text: &str) -> Vec<Range<usize>> {
    static MARKUP: OnceLock<Option<Regex>> = OnceLock::new();
    let Some(re) = MARKUP
        .get_or_init(|| Regex::new(r"\[[^\[\]]+\]\([^)]*\)").ok())
        .as_ref()
    else {
        return Vec::new();
    };
    re.find_iter(text).map(|m| m.range()).collect()
}

/// `text` with each stretch outside markup passed through `plain` (which appends its rewriting
/// of the stretch to the output) and the markup itself copied as it is.
pub(crate) fn rewrite_outside_markup(
    text: &str,
    mut plain: impl FnMut(&str, &mut String),
) -> String {
    let mut out = String::with_capacity(text.len() + 32);
    let mut at = 0;
    for span in markup_spans(text) {
        plain(text.get(at..span.start).unwrap_or(""), &mut out);
        out.push_str(text.get(span.clone()).unwrap_or(""));
        at = span.end;
    }
    plain(text.get(at..).unwrap_or(""), &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spans(text: &str) -> Vec<&str> {
        markup_spans(text)
            .into_iter()
            .filter_map(|r| text.get(r))
            .collect()
    }

    #[test]
    fn markup_is_bracketed_text_then_a_parenthesized_feature() {
        assert_eq!(
            spans("a [tear](/tˈɛɹ/) and [New York](/nˈu jˈɔɹk/)."),
            ["[tear](/tˈɛɹ/)", "[New York](/nˈu jˈɔɹk/)"]
        );
        // No text, a space before `(`, no `(`, no `)`: not markup.
        assert!(spans("[](/x/) [a] (/x/) [a] [a](/x/").is_empty());
        // The text holds no bracket: the markup starts at the last `[`.
        assert_eq!(spans("[[a](/x/)"), ["[a](/x/)"]);
        // The feature runs to the first `)`, as misaki reads it.
        assert_eq!(spans("[a](b(c) d)"), ["[a](b(c)"]);
        // Several lines, and a `]` or `[` inside the feature.
        assert_eq!(spans("[a\nb](x]y[z)"), ["[a\nb](x]y[z)"]);
    }

    #[test]
    fn only_the_text_around_markup_is_rewritten() {
        let upper = |t: &str, out: &mut String| out.push_str(&t.to_uppercase());
        assert_eq!(
            rewrite_outside_markup("a [b](/c/) d [e](f)", upper),
            "A [b](/c/) D [e](f)"
        );
        assert_eq!(rewrite_outside_markup("", upper), "");
        assert_eq!(rewrite_outside_markup("[b](/c/)", upper), "[b](/c/)");
    }
}
