//! Which word of the original text each token id came from: [`WordSpan`]s of a [`Piece`].
//!
//! The phonemizer is a black box that may rewrite the text before it speaks it (normalization:
//! "214" is one word of the text, spoken as three; abbreviations; lexicon markup; heteronyms;
//! espeak-ng or the built-in rules for unknown words). So the link from phonemes back to the text
//! is found by alignment, which works for any [`Phonemizer`](crate::Phonemizer), other languages'
//! included:
//!
//! 1. the piece's source text is cut into words (whitespace-separated, without the punctuation
//!    around them; a `[word](/phonemes/)` markup is one word, its text the word; any other
//!    `[text](feature)` markup is one word as a whole);
//! 2. each word is phonemized alone (cached per text), giving the phoneme words it predicts;
//! 3. those predictions, in order, are aligned with the piece's own phoneme words (longest common
//!    subsequence, stress marks ignored): a match ties a phoneme word to its source word;
//! 4. between two matches, the phoneme words left over belong to the source words left over: one
//!    to one when there are as many of each, else all to one word spanning those source words
//!    (so "3:15 pm" may become one word "3:15 pm": coarse, never wrong). Phoneme words no
//!    source word predicts belong to no word.
//!
//! Spaces and punctuation belong to no word: a word's tokens start at its first phoneme letter
//! and end after its last.
//!
//! [`Piece`]: crate::Piece

use std::collections::HashMap;
use std::ops::Range;

use crate::markup::markup_spans;

/// One word of the original text and the token ids it became, in one [`Piece`](crate::Piece).
///
/// Front ends of other languages fill the same list: any way of knowing which ids came from
/// which bytes of the text will do.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct WordSpan {
    /// The word's bytes in the text given to [`Tokenizer::tokenize_with_words`]
    /// (`&text[span.text]` is the word as written, e.g. `"214"` or `"Mr."` without trailing
    /// punctuation, or several words the alignment could not tell apart).
    ///
    /// [`Tokenizer::tokenize_with_words`]: crate::Tokenizer::tokenize_with_words
    pub text: Range<usize>,
    /// The word's ids: indices into the piece's `ids` (and chars of its `phonemes`), without the
    /// model's padding.
    pub tokens: Range<usize>,
}

/// Symbols that are spoken as words and so belong to the word they stand in ("$5", "50%").
fn is_spoken_symbol(c: char) -> bool {
    matches!(
        c,
        '$' | '%' | '&' | '#' | '@' | '+' | '€' | '£' | '¥' | '°' | '='
    )
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || is_spoken_symbol(c)
}

/// The words of `text[range]`, as absolute byte ranges of `text`: whitespace-separated, trimmed
/// of the punctuation around them, only those holding a letter, digit or spoken symbol. A markup
/// `[word](/phonemes/)` is one word: its `word`; any other markup is one word as a whole.
pub(crate) fn source_words(text: &str, range: Range<usize>) -> Vec<Range<usize>> {
    let Some(slice) = text.get(range.clone()) else {
        return Vec::new();
    };
    let base = range.start;
    let markup = markup_spans(slice);
    let mut out = Vec::new();
    let mut at = 0;
    let plain = |from: usize, to: usize, out: &mut Vec<Range<usize>>| {
        let part = slice.get(from..to).unwrap_or("");
        let mut offset = from;
        for chunk in part.split_inclusive(char::is_whitespace) {
            let word = chunk.trim_end();
            if let Some(start) = word.find(is_word_char)
                && let Some((last, c)) = word.char_indices().rev().find(|(_, c)| is_word_char(*c))
            {
                out.push(base + offset + start..base + offset + last + c.len_utf8());
            }
            offset += chunk.len();
        }
    };
    for span in markup {
        plain(at, span.start, &mut out);
        let whole = slice.get(span.clone()).unwrap_or("");
        if let Some(end) = whole.find("](/") {
            // `[word](/phonemes/)`: the word is between `[` and `]`.
            let inner = span.start + 1..span.start + end;
            if inner.start < inner.end {
                out.push(base + inner.start..base + inner.end);
            }
        } else if let Some(start) = whole.find(is_word_char)
            && let Some((last, c)) = whole.char_indices().rev().find(|(_, c)| is_word_char(*c))
        {
            // Any other `[text](feature)`: what the phonemizer speaks of it is its own affair
            // (it may read the feature too), so the whole markup is one word: coarse, never
            // missing a spoken letter.
            out.push(base + span.start + start..base + span.start + last + c.len_utf8());
        }
        at = span.end;
    }
    plain(at, slice.len(), &mut out);
    out
}

/// `text[range]` trimmed to its first and last letter, digit or spoken symbol; `None` when it
/// holds none (punctuation only).
pub(crate) fn trim_word(text: &str, range: Range<usize>) -> Option<Range<usize>> {
    let word = text.get(range.clone())?;
    let start = word.find(is_word_char)?;
    let (last, c) = word.char_indices().rev().find(|(_, c)| is_word_char(*c))?;
    Some(range.start + start..range.start + last + c.len_utf8())
}

/// A phoneme of a word: a letter, or a Mandarin tone (`→ ↗ ↓ ↘`, written after its syllable).
pub(crate) fn is_phoneme_letter(c: char) -> bool {
    c.is_alphabetic() || matches!(c, '→' | '↗' | '↓' | '↘')
}

/// The speakable phoneme words of `phonemes`: char ranges from the first letter to the last
/// (punctuation and spaces left out, a Mandarin tone kept), with their keys (stress marks
/// removed).
fn phoneme_words(phonemes: &str) -> Vec<(Range<usize>, String)> {
    let mut out = Vec::new();
    let mut index = 0;
    for word in phonemes.split(' ') {
        let chars: Vec<char> = word.chars().collect();
        let first = chars.iter().position(|&c| is_phoneme_letter(c));
        let last = chars.iter().rposition(|&c| is_phoneme_letter(c));
        if let (Some(first), Some(last)) = (first, last) {
            let key: String = chars
                .get(first..=last)
                .unwrap_or_default()
                .iter()
                .filter(|c| !matches!(c, 'ˈ' | 'ˌ'))
                .collect();
            if key.chars().any(|c| !matches!(c, 'ː' | 'ˑ')) {
                out.push((index + first..index + last + 1, key));
            }
        }
        index += chars.len() + 1;
    }
    out
}

/// The keys of the phoneme words `phonemize` gives for one word alone, cached by the word.
pub(crate) struct Predictions<'a, F> {
    phonemize: F,
    cache: HashMap<&'a str, Vec<String>>,
}

impl<'a, F: FnMut(&str) -> String> Predictions<'a, F> {
    pub(crate) fn new(phonemize: F) -> Self {
        Self {
            phonemize,
            cache: HashMap::new(),
        }
    }

    fn of(&mut self, word: &'a str) -> &[String] {
        let phonemize = &mut self.phonemize;
        self.cache
            .entry(word)
            .or_insert_with(|| {
                phoneme_words(&phonemize(word))
                    .into_iter()
                    .map(|(_, key)| key)
                    .collect()
            })
            .as_slice()
    }
}

/// The [`WordSpan`]s of one piece: its source `words` (byte ranges of `text`, in order) aligned
/// with its `phonemes` (the piece's, one char per id), each word's phonemes predicted alone by
/// `predictions`.
pub(crate) fn align<'a, F: FnMut(&str) -> String>(
    text: &'a str,
    words: &[Range<usize>],
    phonemes: &str,
    predictions: &mut Predictions<'a, F>,
) -> Vec<WordSpan> {
    let spoken = phoneme_words(phonemes);
    // The predicted phoneme words, each labelled with its source word.
    let mut predicted: Vec<(usize, String)> = Vec::new();
    for (w, range) in words.iter().enumerate() {
        let word = text.get(range.clone()).unwrap_or("");
        for key in predictions.of(word) {
            predicted.push((w, key.clone()));
        }
    }
    let matches = lcs(&spoken, &predicted);
    // Each spoken phoneme word's source words (a contiguous range of word indices), if any.
    let mut owner: Vec<Option<Range<usize>>> = vec![None; spoken.len()];
    let mut bounds: Vec<(usize, usize)> = Vec::with_capacity(matches.len() + 2);
    bounds.push((usize::MAX, usize::MAX)); // before the start
    bounds.extend(matches.iter().copied());
    bounds.push((spoken.len(), predicted.len())); // after the end
    for pair in bounds.windows(2) {
        let (&(i0, j0), &(i1, j1)) = (&pair[0], &pair[1]);
        let (s_from, p_from) = (i0.wrapping_add(1), j0.wrapping_add(1));
        if let Some(slot) = owner.get_mut(i1)
            && let Some((w, _)) = predicted.get(j1)
        {
            *slot = Some(*w..*w + 1);
        }
        let gap_spoken = s_from..i1;
        let gap_predicted = predicted.get(p_from..j1).unwrap_or_default();
        if gap_spoken.is_empty() || gap_predicted.is_empty() {
            continue;
        }
        if gap_spoken.len() == gap_predicted.len() {
            for (i, (w, _)) in gap_spoken.zip(gap_predicted) {
                if let Some(slot) = owner.get_mut(i) {
                    *slot = Some(*w..*w + 1);
                }
            }
        } else {
            let lo = gap_predicted.first().map_or(0, |(w, _)| *w);
            let hi = gap_predicted.last().map_or(0, |(w, _)| *w);
            for slot in owner.get_mut(gap_spoken).unwrap_or_default() {
                *slot = Some(lo..hi + 1);
            }
        }
    }
    // Merge overlapping owner ranges into groups of source words, in order.
    let mut groups: Vec<(Range<usize>, Range<usize>)> = Vec::new(); // (word indices, chars)
    for ((chars, _), owner) in spoken.iter().zip(owner) {
        let Some(ws) = owner else { continue };
        match groups.last_mut() {
            Some((g, c)) if ws.start < g.end => {
                g.end = g.end.max(ws.end);
                c.end = chars.end;
            }
            _ => groups.push((ws, chars.clone())),
        }
    }
    groups
        .into_iter()
        .filter_map(|(ws, tokens)| {
            let first = words.get(ws.start)?;
            let last = words.get(ws.end.checked_sub(1)?)?;
            Some(WordSpan {
                text: first.start..last.end,
                tokens,
            })
        })
        .collect()
}

/// The longest common subsequence of the spoken and predicted keys: matched index pairs, in
/// increasing order of both.
fn lcs(spoken: &[(Range<usize>, String)], predicted: &[(usize, String)]) -> Vec<(usize, usize)> {
    let (n, m) = (spoken.len(), predicted.len());
    // table[i][j]: the LCS length of spoken[i..] and predicted[j..].
    let mut table = vec![0u32; (n + 1) * (m + 1)];
    let at = |i: usize, j: usize| i * (m + 1) + j;
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            let same = spoken.get(i).map(|s| &s.1) == predicted.get(j).map(|p| &p.1);
            let value = if same {
                table.get(at(i + 1, j + 1)).copied().unwrap_or(0) + 1
            } else {
                let down = table.get(at(i + 1, j)).copied().unwrap_or(0);
                let right = table.get(at(i, j + 1)).copied().unwrap_or(0);
                down.max(right)
            };
            if let Some(cell) = table.get_mut(at(i, j)) {
                *cell = value;
            }
        }
    }
    let mut out = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < n && j < m {
        let same = spoken.get(i).map(|s| &s.1) == predicted.get(j).map(|p| &p.1);
        if same {
            out.push((i, j));
            i += 1;
            j += 1;
        } else if table.get(at(i + 1, j)) >= table.get(at(i, j + 1)) {
            i += 1;
        } else {
            j += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words_of(text: &str) -> Vec<&str> {
        source_words(text, 0..text.len())
            .into_iter()
            .map(|r| &text[r])
            .collect()
    }

    #[test]
    fn source_words_leave_out_spaces_and_punctuation() {
        assert_eq!(
            words_of("\"Hello,\" she said — paying $214.50 (50%)... Mr. O'Neil!"),
            [
                "Hello", "she", "said", "paying", "$214.50", "50%", "Mr", "O'Neil"
            ]
        );
        assert_eq!(words_of("a [Kokoro](/kˈOkəɹO/) b"), ["a", "Kokoro", "b"]);
        assert_eq!(words_of("... — !"), Vec::<&str>::new());
        // Markup without given phonemes may be read whole: one word from its first letter to
        // its last, so a letter the phonemizer speaks is never outside a word.
        assert_eq!(words_of("a [... '](x4F... <h) b"), ["a", "x4F... <h", "b"]);
        let text = "xx Hello there";
        assert_eq!(source_words(text, 3..text.len()), [3..8, 9..14]);
    }

    #[test]
    fn phoneme_words_are_letters_only() {
        let words = phoneme_words("həlˈO, wˈɜɹld! — ˈA");
        let keys: Vec<&str> = words.iter().map(|(_, k)| k.as_str()).collect();
        assert_eq!(keys, ["həlO", "wɜɹld", "A"]);
        assert_eq!(words[0].0, 0..5);
        assert_eq!(words[1].0, 7..13);
        assert_eq!(words[2].0, 17..19);
    }

    /// A context-free fake: each run of letters in lowercase, each digit a word of its own.
    fn fake(word: &str) -> String {
        let mut out: Vec<String> = Vec::new();
        let mut run = String::new();
        for c in word.chars() {
            if c.is_alphabetic() {
                run.extend(c.to_lowercase());
                continue;
            }
            if !run.is_empty() {
                out.push(std::mem::take(&mut run));
            }
            match c {
                '1' => out.push("wʌn".to_owned()),
                '2' => out.push("tu".to_owned()),
                '4' => out.push("fɔɹ".to_owned()),
                _ => {}
            }
        }
        if !run.is_empty() {
            out.push(run);
        }
        out.join(" ")
    }

    fn spans(text: &str, phonemes: &str) -> Vec<(String, String)> {
        let words = source_words(text, 0..text.len());
        let mut predictions = Predictions::new(fake);
        align(text, &words, phonemes, &mut predictions)
            .into_iter()
            .map(|s| {
                let ps: String = phonemes
                    .chars()
                    .skip(s.tokens.start)
                    .take(s.tokens.len())
                    .collect();
                (text[s.text].to_owned(), ps)
            })
            .collect()
    }

    #[test]
    fn a_number_is_one_word_spoken_as_several() {
        assert_eq!(
            spans("He paid 214, then left.", "hi pˈAd tu wʌn fɔɹ, ðɛn lɛft."),
            [
                ("He".into(), "hi".into()),
                ("paid".into(), "pˈAd".into()),
                ("214".into(), "tu wʌn fɔɹ".into()),
                ("then".into(), "ðɛn".into()),
                ("left".into(), "lɛft".into()),
            ]
        );
    }

    #[test]
    fn leftovers_pair_one_to_one_or_merge() {
        // "then" is read differently in context: one leftover each side, paired.
        let pairs = spans("so then go", "so ðæn go");
        assert_eq!(pairs[1], ("then".into(), "ðæn".into()));
        // Two source words read as three unknown phoneme words: one merged word.
        let merged = spans("so ab cd go", "so x y z go");
        assert_eq!(
            merged,
            [
                ("so".into(), "so".into()),
                ("ab cd".into(), "x y z".into()),
                ("go".into(), "go".into()),
            ]
        );
        // Phonemes no word predicts, with no word left over: they belong to no word.
        let extra = spans("so go", "so um go");
        assert_eq!(
            extra,
            [("so".into(), "so".into()), ("go".into(), "go".into())]
        );
    }
}
