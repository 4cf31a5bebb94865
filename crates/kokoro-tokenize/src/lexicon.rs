//! A user lexicon: pronunciations a project supplies (character names, places), applied before
//! misaki's own lexicon by rewriting matching words into misaki's `[word](/phonemes/)` markup.

use std::collections::HashMap;
use std::path::Path;

use crate::Error;
use crate::markup::rewrite_outside_markup;

/// Words and their phonemes, matched case-insensitively as whole words.
///
/// The file format: one `word<whitespace>phonemes` per line; blank lines and lines starting
/// with `#` are ignored; a `#` after whitespace starts a comment.
///
/// ```text
/// # StoryFlow project "The Long Tide"
/// Okafor    okˈɑfɔɹ
/// Siobhan   ʃɪvˈɔn
/// ```
///
/// A possessive (`Okafor's`) is spoken with the right ending (`s`, `z` or `ᵻz`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserLexicon {
    entries: HashMap<String, String>,
}

impl UserLexicon {
    /// An empty lexicon.
    pub fn new() -> Self {
        Self::default()
    }

    /// Parses a lexicon from its text; `origin` names it in errors.
    pub fn parse(text: &str, origin: &str) -> Result<Self, Error> {
        let mut lexicon = Self::new();
        for (index, line) in text.lines().enumerate() {
            let line = match line.find(" #").or_else(|| line.find("\t#")) {
                Some(at) => line.get(..at).unwrap_or(line),
                None => line,
            };
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let mut fields = line.split_whitespace();
            let (Some(word), Some(phonemes), None) = (fields.next(), fields.next(), fields.next())
            else {
                return Err(Error::lexicon(format!(
                    "{origin}, line {}: expected `word phonemes` (two fields separated by \
                     whitespace), found {line:?}: fix or comment out the line with `#`",
                    index + 1
                )));
            };
            let phonemes = phonemes.trim_matches('/');
            if phonemes.is_empty() || phonemes.contains(['[', ']', '(', ')']) {
                return Err(Error::lexicon(format!(
                    "{origin}, line {}: phonemes {phonemes:?} for {word:?} are empty or hold \
                     brackets: write Kokoro phoneme symbols only",
                    index + 1
                )));
            }
            lexicon.insert(word, phonemes);
        }
        Ok(lexicon)
    }

    /// Reads a lexicon file.
    pub fn load(path: &Path) -> Result<Self, Error> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            Error::lexicon_with_source(
                format!(
                    "cannot read the user lexicon {}: check the path (--lexicon / KOKORO_LEXICON)",
                    path.display()
                ),
                e,
            )
        })?;
        Self::parse(&text, &path.display().to_string())
    }

    /// Adds or replaces `word`'s phonemes.
    pub fn insert(&mut self, word: &str, phonemes: &str) {
        self.entries
            .insert(word.to_lowercase(), phonemes.to_owned());
    }

    /// Adds every entry of `other` (its pronunciations win).
    pub fn extend(&mut self, other: &UserLexicon) {
        for (word, phonemes) in &other.entries {
            self.entries.insert(word.clone(), phonemes.clone());
        }
    }

    /// The entries: lowercase words and their phonemes.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.entries.iter().map(|(w, p)| (w.as_str(), p.as_str()))
    }

    /// How many words the lexicon holds.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when the lexicon holds no word.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The phonemes of `word` (any case), if the lexicon has it.
    pub fn get(&self, word: &str) -> Option<&str> {
        self.entries.get(&word.to_lowercase()).map(String::as_str)
    }

    /// Rewrites every word of `text` found in the lexicon as `[word](/phonemes/)`, leaving
    /// existing markup alone. `Okafor's` becomes `[Okafor's](/okˈɑfɔɹz/)`.
    pub fn apply(&self, text: &str) -> String {
        if self.entries.is_empty() {
            return text.to_owned();
        }
        rewrite_outside_markup(text, |plain, out| self.apply_plain(plain, out))
    }

    fn apply_plain(&self, text: &str, out: &mut String) {
        let is_word_char = |c: char| c.is_alphanumeric() || c == '\'' || c == '’' || c == '-';
        let mut rest = text;
        while !rest.is_empty() {
            let start = rest.find(is_word_char).unwrap_or(rest.len());
            out.push_str(rest.get(..start).unwrap_or(""));
            let tail = rest.get(start..).unwrap_or("");
            let end = tail.find(|c: char| !is_word_char(c)).unwrap_or(tail.len());
            let word = tail.get(..end).unwrap_or("");
            out.push_str(&self.rewrite(word));
            rest = tail.get(end..).unwrap_or("");
        }
    }

    fn rewrite(&self, word: &str) -> String {
        let core = word.trim_matches(|c| c == '\'' || c == '’' || c == '-');
        if let Some(ps) = self.get(core) {
            return word.replacen(core, &markup(core, ps), 1);
        }
        for suffix in ["'s", "’s", "s'", "s’"] {
            if let Some(stem) = core.strip_suffix(suffix)
                && let Some(ps) = self.get(stem)
            {
                let ps = format!("{ps}{}", possessive_ending(ps));
                return word.replacen(core, &markup(stem, &ps), 1);
            }
        }
        word.to_owned()
    }
}

/// `[Word](/phonemes/)`. misaki-rs ignores the phonemes of markup whose text is all capitals or
/// holds an apostrophe, so the text is written capitalized, without the possessive.
fn markup(word: &str, phonemes: &str) -> String {
    let mut chars = word.chars();
    let text: String = chars
        .next()
        .into_iter()
        .flat_map(char::to_uppercase)
        .chain(chars.flat_map(char::to_lowercase))
        .collect();
    format!("[{text}](/{phonemes}/)")
}

/// The `'s` ending after `phonemes`: `ᵻz` after a sibilant, `s` after another voiceless
/// consonant, else `z`.
fn possessive_ending(phonemes: &str) -> &'static str {
    match phonemes
        .chars()
        .rev()
        .find(|c| !matches!(c, 'ˈ' | 'ˌ' | 'ː'))
    {
        Some('s' | 'z' | 'ʃ' | 'ʒ' | 'ʧ' | 'ʤ') => "ᵻz",
        Some('p' | 't' | 'k' | 'f' | 'θ') => "s",
        _ => "z",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn sample() -> UserLexicon {
        UserLexicon::parse(
            "# names\n\nOkafor  okˈɑfɔɹ   # Igbo surname\nSiobhan\t/ʃɪvˈɔn/\nKeats kˈits\n",
            "test",
        )
        .unwrap()
    }

    #[test]
    fn parses_comments_and_slashes() {
        let lex = sample();
        assert_eq!(lex.len(), 3);
        assert_eq!(lex.get("OKAFOR"), Some("okˈɑfɔɹ"));
        assert_eq!(lex.get("siobhan"), Some("ʃɪvˈɔn"));
        assert_eq!(lex.get("Alvarez"), None);
    }

    #[test]
    fn bad_lines_are_errors_naming_the_line() {
        let err = UserLexicon::parse("ok ok\nthree fields here\n", "names.txt").unwrap_err();
        assert!(err.is_lexicon());
        assert!(err.to_string().contains("names.txt, line 2"), "{err}");
        assert!(UserLexicon::parse("word (x)", "t").is_err_and(|e| e.is_lexicon()));
        let missing = UserLexicon::load(Path::new("/nonexistent/lexicon.txt")).unwrap_err();
        assert!(missing.is_lexicon());
    }

    #[test]
    fn rewrites_whole_words_case_insensitively_with_possessives() {
        let lex = sample();
        assert_eq!(
            lex.apply("OKAFOR met Okafors and Okafor's son; Siobhan's cat saw Keats's book."),
            "[Okafor](/okˈɑfɔɹ/) met Okafors and [Okafor](/okˈɑfɔɹz/) son; \
             [Siobhan](/ʃɪvˈɔnz/) cat saw [Keats](/kˈitsᵻz/) book."
        );
        assert_eq!(
            lex.apply("\"Okafor!\" [Okafor](/x/)"),
            "\"[Okafor](/okˈɑfɔɹ/)!\" [Okafor](/x/)"
        );
    }

    proptest! {
        #[test]
        fn text_without_entries_is_unchanged(text in "\\PC{0,120}") {
            let lex = sample();
            let lowered = text.to_lowercase();
            prop_assume!(!lowered.contains("okafor") && !lowered.contains("siobhan") && !lowered.contains("keats"));
            prop_assert_eq!(lex.apply(&text), text);
        }
    }
}
