//! Pronouncing words outside misaki's lexicon: espeak-ng (run as a separate program, when
//! installed), built-in letter-to-sound rules, and spelling as the last resort, chained behind
//! misaki-rs's [`Fallback`] trait.

use std::collections::HashMap;
use std::io::Write;
use std::process::{Command, Stdio};
use std::sync::{Mutex, OnceLock};

use misaki_rs::Fallback;
use misaki_rs::fallback::FallbackError;

use crate::Dialect;

/// The program [`EspeakFallback`] runs.
pub const ESPEAK_PROGRAM: &str = "espeak-ng";

/// The version line of `espeak-ng --version`, when the program runs (checked once per process).
pub fn espeak_version() -> Option<&'static str> {
    static VERSION: OnceLock<Option<String>> = OnceLock::new();
    VERSION
        .get_or_init(|| program_version(ESPEAK_PROGRAM))
        .as_deref()
}

/// The version line of `PROGRAM --version` for an espeak-ng program, when it runs (not cached).
pub(crate) fn program_version(program: &str) -> Option<String> {
    let output = Command::new(program)
        .arg("--version")
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    if !output.status.success() {
        return None;
    }
    let text = String::from_utf8_lossy(&output.stdout);
    let line = text.lines().next().unwrap_or("");
    // "eSpeak NG text-to-speech: 1.51  Data at: ..." -> "eSpeak NG text-to-speech: 1.51"
    let line = line.split("  ").next().unwrap_or(line).trim().to_owned();
    Some(if line.is_empty() {
        program.to_owned()
    } else {
        line
    })
}

/// espeak-ng run as a separate program (`espeak-ng -q --ipa -v en-us`), its IPA mapped to
/// Kokoro's misaki symbols. Results are cached per word, so a repeated name costs nothing.
///
/// No espeak-ng code is linked: the GPL program runs in its own process.
pub struct EspeakFallback {
    dialect: Dialect,
    cache: Mutex<HashMap<String, String>>,
}

impl EspeakFallback {
    /// An espeak-ng fallback for `dialect`, or `None` when `espeak-ng` does not run here.
    pub fn new(dialect: Dialect) -> Option<Self> {
        espeak_version()?;
        Some(Self {
            dialect,
            cache: Mutex::new(HashMap::new()),
        })
    }

    /// How many words are cached.
    pub fn cached(&self) -> usize {
        self.cache.lock().map(|c| c.len()).unwrap_or(0)
    }

    fn run(&self, word: &str) -> Result<String, FallbackError> {
        let error = |message: String| FallbackError::Espeak {
            word: word.to_owned(),
            error: message,
        };
        let mut child = Command::new(ESPEAK_PROGRAM)
            .args(["-q", "--ipa", "-v", self.dialect.espeak_voice()])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| error(format!("cannot start {ESPEAK_PROGRAM}: {e}")))?;
        if let Some(mut stdin) = child.stdin.take() {
            stdin
                .write_all(word.as_bytes())
                .map_err(|e| error(format!("cannot write to {ESPEAK_PROGRAM}: {e}")))?;
        }
        let output = child
            .wait_with_output()
            .map_err(|e| error(format!("{ESPEAK_PROGRAM} failed: {e}")))?;
        if !output.status.success() {
            return Err(error(format!(
                "{ESPEAK_PROGRAM} exited with {}",
                output.status
            )));
        }
        let ipa = String::from_utf8_lossy(&output.stdout);
        Ok(espeak_to_misaki(&ipa, self.dialect))
    }
}

impl Fallback for EspeakFallback {
    fn phonemize(&self, word: &str) -> Result<String, FallbackError> {
        let clean: String = word.chars().filter(|c| !c.is_control()).collect();
        if let Some(hit) = self.cache.lock().ok().and_then(|c| c.get(&clean).cloned()) {
            return Ok(hit);
        }
        let phonemes = self.run(&clean)?;
        if phonemes.trim().is_empty() {
            return Err(FallbackError::NoPhonemes {
                word: word.to_owned(),
            });
        }
        if let Ok(mut cache) = self.cache.lock() {
            cache.insert(clean, phonemes.clone());
        }
        Ok(phonemes)
    }
}

/// Maps espeak-ng IPA (`--ipa`, no tie characters) to misaki's symbols, as misaki's own
/// espeak fallback does: diphthongs to `A I O W Y` (`Q` in British), affricates to `ʤ ʧ`,
/// `ɚ` -> `əɹ`, `ɐ` -> `ə`, American flap `ɾ` -> `T`, length marks dropped in American.
pub fn espeak_to_misaki(ipa: &str, dialect: Dialect) -> String {
    let mut ps: String = ipa
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .trim_end_matches(['.', ',', '?', '!'])
        .to_owned();
    // Language-switch marks such as "(fr)" and tie/joiner characters.
    while let (Some(open), Some(close)) = (ps.find('('), ps.find(')')) {
        if close < open {
            break;
        }
        ps.replace_range(open..=close, "");
    }
    let common: &[(&str, &str)] = &[
        ("ʔˌn\u{329}", "tᵊn"),
        ("ʔn\u{329}", "tᵊn"),
        ("ʔn", "tᵊn"),
        ("ʔ", "t"),
        ("aɪ", "I"),
        ("aʊ", "W"),
        ("dʒ", "ʤ"),
        ("tʃ", "ʧ"),
        ("ɔɪ", "Y"),
        ("eɪ", "A"),
        ("ɚ", "əɹ"),
        ("ɐ", "ə"),
        ("x", "k"),
        ("ç", "k"),
        ("ɬ", "l"),
        ("ʲo", "jo"),
        ("ʲə", "jə"),
        ("ʲ", ""),
        ("r", "ɹ"),
        ("g", "ɡ"),
    ];
    for (from, to) in common {
        ps = ps.replace(from, to);
    }
    match dialect {
        Dialect::Us => {
            for (from, to) in [
                ("oʊ", "O"),
                ("ɜːɹ", "ɜɹ"),
                ("ɜː", "ɜɹ"),
                ("ɪə", "iə"),
                ("ː", ""),
                ("ɾ", "T"),
                ("e", "A"),
            ] {
                ps = ps.replace(from, to);
            }
        }
        Dialect::Gb => {
            for (from, to) in [("əʊ", "Q"), ("eə", "ɛː"), ("iə", "ɪə"), ("e", "ɛ")] {
                ps = ps.replace(from, to);
            }
        }
    }
    // Syllabic consonants: "n̩" -> "ᵊn"; espeak < 1.52 writes "o" for "ɔ".
    let mut out = String::with_capacity(ps.len());
    for c in ps.chars() {
        match c {
            '\u{329}' => {
                if let Some(last) = out.pop() {
                    out.push('ᵊ');
                    out.push(last);
                }
            }
            'o' => out.push('ɔ'),
            '^' | '\u{200d}' | '_' | '-' => {}
            c if c.is_ascii_digit() => {}
            c => out.push(c),
        }
    }
    if let Some(stem) = out.strip_suffix("əl") {
        out = format!("{stem}ᵊl");
    }
    out.replace("ˈˈ", "ˈ").replace("ˌˌ", "ˌ").trim().to_owned()
}

/// Built-in letter-to-sound rules: needs nothing installed and always yields phonemes for a
/// word with Latin letters (accents are folded: `José` reads as `Jose`). All-capital words of
/// two to five letters are spelled out (`NPC` -> "en pee see").
#[derive(Debug, Clone, Copy)]
pub struct LetterToSound {
    dialect: Dialect,
}

impl LetterToSound {
    /// Rules for `dialect`.
    pub fn new(dialect: Dialect) -> Self {
        Self { dialect }
    }

    /// The phonemes of `word`, or `None` when it holds no Latin letter.
    ///
    /// Irish names keep their "O": `O'Brien` is "O" + `Brien`, stressed on the name.
    pub fn word(&self, word: &str) -> Option<String> {
        if let Some(name) = irish_o_name(word) {
            // The "O" unstressed, the name with its own stress.
            return self.word(name).map(|rest| format!("O{rest}"));
        }
        let mut letters = fold_latin(word);
        // A final "é" is sounded (José, café), unlike a silent final "e".
        if word.ends_with(['é', 'É']) {
            letters.pop();
            letters.push_str("ay");
        }
        if letters.is_empty() {
            return None;
        }
        let alphabetic: Vec<char> = word.chars().filter(|c| c.is_alphabetic()).collect();
        let caps = alphabetic.len() >= 2
            && alphabetic.len() <= 5
            && alphabetic.iter().all(|c| c.is_uppercase());
        if caps || !letters.chars().any(|c| "aeiouy".contains(c)) && letters.len() > 3 {
            return Some(spell(&letters, self.dialect));
        }
        Some(sound_out(&letters))
    }
}

impl Fallback for LetterToSound {
    fn phonemize(&self, word: &str) -> Result<String, FallbackError> {
        self.word(word).ok_or_else(|| FallbackError::NoPhonemes {
            word: word.to_owned(),
        })
    }
}

/// `"O'Brien"` -> `Some("Brien")`: an Irish "O'" before a capitalized name of two letters or
/// more.
fn irish_o_name(word: &str) -> Option<&str> {
    let rest = word
        .strip_prefix("O'")
        .or_else(|| word.strip_prefix("O’"))?;
    let mut chars = rest.chars();
    let first_upper = chars.next().is_some_and(char::is_uppercase);
    (first_upper && chars.next().is_some_and(char::is_alphabetic)).then_some(rest)
}

/// Lowercase ASCII letters of `word`, accents folded, other characters dropped.
fn fold_latin(word: &str) -> String {
    let mut out = String::with_capacity(word.len());
    for c in word.chars().flat_map(char::to_lowercase) {
        let folded: &str = match c {
            'a'..='z' => {
                out.push(c);
                continue;
            }
            'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' => "a",
            'ç' | 'ć' | 'č' => "c",
            'ď' | 'đ' | 'ð' => "d",
            'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ė' | 'ę' | 'ě' => "e",
            'ğ' => "g",
            'ì' | 'í' | 'î' | 'ï' | 'ī' | 'ı' | 'į' => "i",
            'ł' | 'ľ' => "l",
            'ñ' | 'ń' | 'ň' => "n",
            'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ő' => "o",
            'ř' => "r",
            'ś' | 'ş' | 'š' => "sh",
            'ß' => "ss",
            'ť' | 'ţ' => "t",
            'ù' | 'ú' | 'û' | 'ü' | 'ū' | 'ů' | 'ű' => "u",
            'ý' | 'ÿ' => "y",
            'ź' | 'ż' => "z",
            'ž' => "zh",
            'æ' => "ae",
            'œ' => "oe",
            'þ' => "th",
            _ => "",
        };
        out.push_str(folded);
    }
    out
}

/// Letter names, misaki style.
fn letter_name(c: char, dialect: Dialect) -> &'static str {
    match c {
        'a' => "ˈA",
        'b' => "bˈi",
        'c' => "sˈi",
        'd' => "dˈi",
        'e' => "ˈi",
        'f' => "ˈɛf",
        'g' => "ʤˈi",
        'h' => "ˈAʧ",
        'i' => "ˈI",
        'j' => "ʤˈA",
        'k' => "kˈA",
        'l' => "ˈɛl",
        'm' => "ˈɛm",
        'n' => "ˈɛn",
        'o' => "ˈO",
        'p' => "pˈi",
        'q' => "kjˈu",
        'r' => "ˈɑɹ",
        's' => "ˈɛs",
        't' => "tˈi",
        'u' => "jˈu",
        'v' => "vˈi",
        'w' => "dˈʌbᵊljˌu",
        'x' => "ˈɛks",
        'y' => "wˈI",
        'z' if dialect == Dialect::Gb => "zˈɛd",
        _ => "zˈi",
    }
}

/// Spells `letters` (lowercase ASCII) out, letter by letter.
pub(crate) fn spell(letters: &str, dialect: Dialect) -> String {
    letters
        .chars()
        .map(|c| letter_name(c, dialect))
        .collect::<Vec<_>>()
        .join(" ")
}

#[derive(Debug, Clone)]
struct Grapheme {
    phonemes: &'static str,
    vowel: bool,
    /// The letters were a single vowel letter (its sound depends on stress and position).
    plain: Option<char>,
}

const CLUSTERS: &[(&str, &str, bool)] = &[
    ("tion", "ʃən", false),
    ("sion", "ʒən", false),
    ("ture", "ʧəɹ", false),
    ("eigh", "A", true),
    ("igh", "I", true),
    ("tch", "ʧ", false),
    ("dge", "ʤ", false),
    ("sch", "sk", false),
    ("ch", "ʧ", false),
    ("sh", "ʃ", false),
    ("th", "θ", false),
    ("ph", "f", false),
    ("wh", "w", false),
    ("ck", "k", false),
    ("ng", "ŋ", false),
    ("qu", "kw", false),
    ("zh", "ʒ", false),
    ("kh", "k", false),
    ("gh", "ɡ", false),
    ("ee", "i", true),
    ("ea", "i", true),
    ("oo", "u", true),
    ("ou", "W", true),
    ("ai", "A", true),
    ("ay", "A", true),
    ("ei", "A", true),
    ("ey", "A", true),
    ("oi", "Y", true),
    ("oy", "Y", true),
    ("au", "ɔ", true),
    ("aw", "ɔ", true),
    ("oa", "O", true),
    ("ie", "i", true),
    ("ue", "u", true),
    ("ew", "u", true),
    ("ar", "ɑɹ", true),
    ("or", "ɔɹ", true),
    ("er", "ɜɹ", true),
    ("ir", "ɜɹ", true),
    ("ur", "ɜɹ", true),
];

fn consonant(c: char, next: Option<char>) -> &'static str {
    let soft = next.is_some_and(|n| matches!(n, 'e' | 'i' | 'y'));
    match c {
        'b' => "b",
        'c' if soft => "s",
        'c' | 'k' | 'q' => "k",
        'd' => "d",
        'f' => "f",
        'g' => "ɡ",
        'h' => "h",
        'j' => "ʤ",
        'l' => "l",
        'm' => "m",
        'n' => "n",
        'p' => "p",
        'r' => "ɹ",
        's' => "s",
        't' => "t",
        'v' => "v",
        'w' => "w",
        'x' => "ks",
        'y' => "j",
        _ => "z",
    }
}

fn graphemes(letters: &str) -> Vec<Grapheme> {
    let chars: Vec<char> = letters.chars().collect();
    let mut out: Vec<Grapheme> = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let rest: String = chars.get(i..).unwrap_or_default().iter().collect();
        // Silent starts: "kn", "wr", "gn".
        if i == 0 && (rest.starts_with("kn") || rest.starts_with("wr") || rest.starts_with("gn")) {
            i += 1;
            continue;
        }
        let fits = |from: &str| {
            // "ar", "er", ... before a vowel: the r starts the next syllable ("Nakamura").
            rest.starts_with(from)
                && !(from.len() == 2
                    && from.ends_with('r')
                    && rest.chars().nth(2).is_some_and(|n| "aeiouy".contains(n)))
        };
        if let Some((from, to, vowel)) = CLUSTERS.iter().find(|(from, _, _)| fits(from)) {
            // "gh" is silent after a vowel ("Leigh" handled above), "ng" + vowel keeps the g.
            out.push(Grapheme {
                phonemes: to,
                vowel: *vowel,
                plain: None,
            });
            i += from.chars().count();
            continue;
        }
        let Some(&c) = chars.get(i) else { break };
        let next = chars.get(i + 1).copied();
        // An initial "x" before a vowel is /z/ (Xavier, Xena); elsewhere /ks/ (Max, Alexa).
        if i == 0 && c == 'x' && next.is_some_and(|n| "aeiouy".contains(n)) {
            out.push(Grapheme {
                phonemes: "z",
                vowel: false,
                plain: None,
            });
            i += 1;
            continue;
        }
        let is_vowel = matches!(c, 'a' | 'e' | 'i' | 'o' | 'u')
            || (c == 'y' && i > 0 && !next.is_some_and(|n| "aeiou".contains(n)));
        if is_vowel {
            out.push(Grapheme {
                phonemes: "",
                vowel: true,
                plain: Some(c),
            });
        } else {
            // Doubled consonants sound once.
            if next == Some(c) {
                i += 1;
            }
            out.push(Grapheme {
                phonemes: consonant(c, chars.get(i + 1).copied()),
                vowel: false,
                plain: None,
            });
        }
        i += 1;
    }
    // A final silent "e" after a consonant, in words with another vowel ("Blake", "Rose").
    let vowels = out.iter().filter(|g| g.vowel).count();
    if vowels > 1
        && out.last().is_some_and(|g| g.plain == Some('e'))
        && out.len() >= 2
        && out.get(out.len() - 2).is_some_and(|g| !g.vowel)
    {
        out.pop();
    }
    out
}

/// Sounds out lowercase ASCII letters: one stress, on the first syllable, or on the
/// second-to-last for words of three or more syllables ending in a vowel (Nakamura, Okonkwo).
fn sound_out(letters: &str) -> String {
    let graphemes = graphemes(letters);
    let vowel_at: Vec<usize> = graphemes
        .iter()
        .enumerate()
        .filter(|(_, g)| g.vowel)
        .map(|(i, _)| i)
        .collect();
    let ends_in_vowel = graphemes.last().is_some_and(|g| g.plain.is_some());
    let stressed = if vowel_at.len() >= 3 && ends_in_vowel {
        vowel_at.get(vowel_at.len() - 2).copied()
    } else {
        vowel_at.first().copied()
    };
    let last = graphemes.len().saturating_sub(1);
    let mut out = String::new();
    for (i, g) in graphemes.iter().enumerate() {
        let is_stressed = Some(i) == stressed;
        if is_stressed {
            out.push('ˈ');
        }
        let Some(v) = g.plain else {
            out.push_str(g.phonemes);
            continue;
        };
        let open = graphemes
            .get(i + 1)
            .is_some_and(|n| !n.vowel && graphemes.get(i + 2).is_some_and(|m| m.vowel));
        let sound = match (v, is_stressed, i == last) {
            ('a', _, true) => "ə",
            ('e', _, true) => "i",
            ('i' | 'y', _, true) => "i",
            ('o', _, true) => "O",
            ('u', _, true) => "u",
            ('a', true, _) if open => "ɑ",
            ('a', true, _) => "æ",
            ('e', true, _) => "ɛ",
            ('i' | 'y', true, _) if open => "i",
            ('i' | 'y', true, _) => "ɪ",
            ('o', true, _) if open => "O",
            ('o', true, _) => "ɑ",
            ('u', true, _) => "u",
            ('i' | 'y', false, _) => "ɪ",
            ('o', false, _) if open => "O",
            _ => "ə",
        };
        out.push_str(sound);
    }
    if out.is_empty() || out == "ˈ" {
        // Only silent letters: say them as written.
        return letters.chars().map(|c| consonant(c, None)).collect();
    }
    out
}

/// The fallbacks tried in order for a word outside the lexicon: espeak-ng when installed (and
/// wanted), then the built-in [`LetterToSound`] rules. Never fails: a word without any
/// readable letter (emoji, other scripts) gets no phonemes and a warning.
pub struct FallbackChain {
    espeak: Option<EspeakFallback>,
    rules: LetterToSound,
}

impl FallbackChain {
    /// The chain for `dialect`; espeak-ng joins it when `use_espeak` and it runs here.
    pub fn new(dialect: Dialect, use_espeak: bool) -> Self {
        let espeak = if use_espeak {
            EspeakFallback::new(dialect)
        } else {
            None
        };
        Self {
            espeak,
            rules: LetterToSound::new(dialect),
        }
    }

    /// Whether espeak-ng is part of this chain.
    pub fn has_espeak(&self) -> bool {
        self.espeak.is_some()
    }
}

impl Fallback for FallbackChain {
    fn phonemize(&self, word: &str) -> Result<String, FallbackError> {
        if let Some(espeak) = &self.espeak {
            match espeak.phonemize(word) {
                Ok(ps) => {
                    tracing::debug!(word, phonemes = %ps, "pronounced by espeak-ng");
                    return Ok(ps);
                }
                Err(err) => tracing::debug!(word, %err, "espeak-ng fallback failed"),
            }
        }
        if let Some(ps) = self.rules.word(word) {
            tracing::debug!(word, phonemes = %ps, "pronounced by built-in letter-to-sound rules");
            return Ok(ps);
        }
        if word.chars().any(char::is_alphabetic) {
            tracing::warn!(word, "no fallback can pronounce this word: it is left out");
        }
        Ok(String::new())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn espeak_ipa_maps_to_misaki_symbols() {
        assert_eq!(
            espeak_to_misaki("nˌækɐmjˈʊɹɹə\n", Dialect::Us),
            "nˌækəmjˈʊɹɹə"
        );
        assert_eq!(espeak_to_misaki("θˈiːoʊ", Dialect::Us), "θˈiO");
        assert_eq!(espeak_to_misaki("mˈɑːɹkəs", Dialect::Us), "mˈɑɹkəs");
        assert_eq!(espeak_to_misaki("ˈælvɚɹˌɛz", Dialect::Us), "ˈælvəɹɹˌɛz");
        assert_eq!(espeak_to_misaki("dʒˈɛɹi", Dialect::Us), "ʤˈɛɹi");
        assert_eq!(espeak_to_misaki("θˈiːəʊ", Dialect::Gb), "θˈiːQ");
        assert_eq!(espeak_to_misaki("bˈʌʔn̩", Dialect::Us), "bˈʌtᵊn");
        assert_eq!(
            espeak_to_misaki("ʒˈuː (fr)vˈɛː(en)", Dialect::Us),
            "ʒˈu vˈɛ"
        );
    }

    #[test]
    fn letter_to_sound_reads_names() {
        let lts = LetterToSound::new(Dialect::Us);
        let cases = [
            ("Okafor", "ˈOkəfɔɹ"),
            ("Priya", "pɹˈijə"),
            ("Nakamura", "nəkəmˈuɹə"),
            ("Alvarez", "ˈælvəɹəz"),
            ("NPC", "ˈɛn pˈi sˈi"),
            ("José", "ʤˈOsA"),
        ];
        for (word, expected) in cases {
            assert_eq!(lts.word(word).as_deref(), Some(expected), "{word}");
        }
        assert_eq!(lts.word("😀"), None);
        assert_eq!(lts.word("Влад"), None);
    }

    #[test]
    fn irish_o_and_initial_x() {
        let lts = LetterToSound::new(Dialect::Us);
        let word = |w: &str| lts.word(w).unwrap_or_default();
        // "O'" + name: the O is said, then the name as it reads alone.
        for (name, rest) in [
            ("O'Brien", "Brien"),
            ("O’Malley", "Malley"),
            ("O'Dell", "Dell"),
        ] {
            assert_eq!(word(name), format!("O{}", word(rest)), "{name}");
        }
        assert_eq!(irish_o_name("O'clock"), None);
        assert_eq!(irish_o_name("O'"), None);
        assert_eq!(irish_o_name("Olive"), None);
        // Initial X before a vowel is /z/; elsewhere /ks/.
        assert!(word("Xavier").starts_with('z'), "{}", word("Xavier"));
        assert!(word("Xena").starts_with('z'), "{}", word("Xena"));
        assert!(word("Xiomara").starts_with('z'), "{}", word("Xiomara"));
        assert!(word("Maxine").contains("ks"), "{}", word("Maxine"));
        assert!(word("Axel").contains("ks"), "{}", word("Axel"));
    }

    #[test]
    fn chain_never_fails() {
        let chain = FallbackChain::new(Dialect::Us, false);
        assert!(!chain.has_espeak());
        assert_eq!(chain.phonemize("😀😀").ok().as_deref(), Some(""));
        assert!(chain.phonemize("Okafor").is_ok_and(|p| !p.is_empty()));
    }

    #[test]
    fn espeak_is_used_when_installed() {
        let Some(espeak) = EspeakFallback::new(Dialect::Us) else {
            eprintln!("SKIP espeak_is_used_when_installed: {ESPEAK_PROGRAM} is not on PATH");
            return;
        };
        let first = espeak.phonemize("Nakamura").ok();
        assert_eq!(first.as_deref(), Some("nˌækəmjˈʊɹɹə"));
        assert_eq!(espeak.cached(), 1);
        assert_eq!(espeak.phonemize("Nakamura").ok(), first);
        assert_eq!(espeak.cached(), 1, "a repeated word comes from the cache");
        let chain = FallbackChain::new(Dialect::Gb, true);
        assert!(chain.has_espeak());
        assert!(chain.phonemize("Okafor").is_ok_and(|p| p.contains('k')));
    }

    proptest! {
        #[test]
        fn letter_to_sound_never_empty_for_latin_words(word in "[a-zA-Zàéîöüñç]{1,24}") {
            let lts = LetterToSound::new(Dialect::Us);
            let ps = lts.word(&word);
            prop_assert!(ps.as_ref().is_some_and(|p| p.chars().any(char::is_alphabetic)), "{} -> {:?}", word, ps);
        }

        #[test]
        fn irish_names_keep_their_o(name in "[A-Z][a-z]{1,10}", curly in any::<bool>()) {
            let lts = LetterToSound::new(Dialect::Us);
            let word = format!("O{}{name}", if curly { '’' } else { '\'' });
            let ps = lts.word(&word).unwrap_or_default();
            prop_assert_eq!(ps, format!("O{}", lts.word(&name).unwrap_or_default()));
        }

        #[test]
        fn initial_x_before_a_vowel_is_z(rest in "[aeiou][a-z]{1,8}") {
            let lts = LetterToSound::new(Dialect::Us);
            let ps = lts.word(&format!("X{rest}")).unwrap_or_default();
            prop_assert!(ps.trim_start_matches('ˈ').starts_with('z'), "X{} -> {}", rest, ps);
        }

        #[test]
        fn chain_never_errors(word in "\\PC{0,16}") {
            let chain = FallbackChain::new(Dialect::Gb, false);
            prop_assert!(chain.phonemize(&word).is_ok());
        }
    }
}
