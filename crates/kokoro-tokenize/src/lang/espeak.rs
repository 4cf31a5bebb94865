//! Spanish, French, Italian, Brazilian Portuguese and Hindi: espeak-ng run as a separate program,
//! its IPA mapped to Kokoro's symbols as misaki's espeak front end (`EspeakG2P`) maps it.
//!
//! How misaki does it, and so how this does it:
//! - punctuation (`;:,.!?¡¿—…"«»“”`, parentheses turned into angle quotes first) is cut out of the
//!   text, each run of text between marks is phonemized on its own, and the marks are put back
//!   verbatim between the phonemized runs (the `phonemizer` package's `preserve_punctuation`);
//! - espeak-ng writes IPA with stress and a tie (`^`) inside multi-letter phonemes; the tied
//!   pairs become Kokoro's single symbols (`a^ɪ` → `I`, `t^ʃ` → `ʧ`, `t^s` → `ʦ`, `d^z` → `ʣ`,
//!   ...), the remaining ties and hyphens are deleted, language-switch flags such as `(en)` are
//!   removed;
//! - numbers are read by espeak-ng itself, in the language.
//!
//! No espeak-ng code is linked: the GPL program runs in its own process, once per call (all the
//! text's runs go through one process, one run per paragraph).

use std::io::Write;
use std::process::{Command, Stdio};

use crate::Error;
use crate::fallback::{ESPEAK_PROGRAM, espeak_version, program_version};
use crate::lang::{Language, LanguageFrontend};

/// The punctuation misaki keeps (phonemizer's default marks, parentheses excluded: they were
/// turned into angle quotes before).
const MARKS: &[char] = &[
    ';', ':', ',', '.', '!', '?', '¡', '¿', '—', '…', '"', '«', '»', '“', '”',
];

/// misaki's `EspeakG2P.e2m` (Kokoro v1.0): tied espeak-ng phonemes to Kokoro symbols.
const TIED: &[(&str, &str)] = &[
    ("a^ɪ", "I"),
    ("a^ʊ", "W"),
    ("d^z", "ʣ"),
    ("d^ʒ", "ʤ"),
    ("e^ɪ", "A"),
    ("o^ʊ", "O"),
    ("s^s", "S"),
    ("t^s", "ʦ"),
    ("t^ʃ", "ʧ"),
    ("ə^ʊ", "Q"),
    ("ɔ^ɪ", "Y"),
];

/// The espeak-ng voice misaki (and kokoro) use for `language`, or `None` when espeak-ng is not
/// its front end.
pub fn espeak_voice(language: Language) -> Option<&'static str> {
    Some(match language {
        Language::Spanish => "es",
        Language::French => "fr-fr",
        Language::Italian => "it",
        Language::PortugueseBr => "pt-br",
        Language::Hindi => "hi",
        _ => return None,
    })
}

/// The front end of Spanish, French, Italian, Brazilian Portuguese and Hindi: espeak-ng (run as
/// a separate program) with its IPA mapped to Kokoro's symbols as misaki maps it.
#[derive(Debug, Clone)]
pub struct EspeakG2P {
    language: Language,
    voice: &'static str,
    program: String,
    version: String,
}

impl EspeakG2P {
    /// The front end of `language`. Errors: [`crate::ErrorKind::LanguageUnavailable`] when
    /// espeak-ng does not run here (the message says how to install it) or when espeak-ng is not
    /// the front end of `language`.
    pub fn new(language: Language) -> Result<Self, Error> {
        Self::build(
            language,
            ESPEAK_PROGRAM,
            espeak_version().map(str::to_owned),
        )
    }

    /// The front end of `language` running `program` instead of `espeak-ng` (another build or
    /// path). Errors as [`EspeakG2P::new`].
    pub fn with_program(language: Language, program: &str) -> Result<Self, Error> {
        Self::build(language, program, program_version(program))
    }

    fn build(language: Language, program: &str, version: Option<String>) -> Result<Self, Error> {
        let Some(voice) = espeak_voice(language) else {
            return Err(Error::language_unavailable(format!(
                "{} ({}) is not read through espeak-ng",
                language.name(),
                language.code()
            )));
        };
        let Some(version) = version else {
            return Err(Error::language_unavailable(format!(
                "{} ({}) is read by espeak-ng, which is not installed (`{program}` does not \
                 run): install it (`apt-get install espeak-ng` on Debian or Ubuntu) and try again",
                language.name(),
                language.code()
            )));
        };
        Ok(Self {
            language,
            voice,
            program: program.to_owned(),
            version,
        })
    }

    /// The language this front end reads.
    pub fn language(&self) -> Language {
        self.language
    }

    /// Runs espeak-ng once over `runs` (each one line, runs separated by an empty line) and
    /// returns each run's IPA, or `None` when the output does not line up with the runs.
    fn espeak(&self, runs: &[&str]) -> Result<Option<Vec<String>>, Error> {
        let input: String = runs.iter().map(|run| format!("{run}\n\n")).collect();
        let program = &self.program;
        let failed = |what: String, e: std::io::Error| {
            Error::phonemizer_with_source(format!("{program} ({}) {what}", self.voice), e)
        };
        let mut child = Command::new(program)
            .args(["-q", "--ipa", "--tie=^", "-v", self.voice])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| failed("could not start".into(), e))?;
        // Write from another thread so that a large input cannot deadlock against the output.
        let writer = child
            .stdin
            .take()
            .map(|mut stdin| std::thread::spawn(move || stdin.write_all(input.as_bytes())));
        let output = child
            .wait_with_output()
            .map_err(|e| failed("failed".into(), e))?;
        if let Some(writer) = writer {
            match writer.join() {
                Ok(Ok(())) => {}
                Ok(Err(e)) => return Err(failed("did not take the text".into(), e)),
                Err(_) => {
                    return Err(Error::phonemizer(format!(
                        "{program} ({}): the thread writing its input failed",
                        self.voice
                    )));
                }
            }
        }
        if !output.status.success() {
            return Err(Error::phonemizer(format!(
                "{program} ({}) exited with {}: check that `{program} -v {} hello` works",
                self.voice, output.status, self.voice
            )));
        }
        let text = String::from_utf8_lossy(&output.stdout);
        let mut groups = Vec::with_capacity(runs.len());
        let mut current: Vec<&str> = Vec::new();
        let mut blank = false;
        for line in text.lines() {
            if line.trim().is_empty() {
                blank = true;
                continue;
            }
            if blank && !current.is_empty() {
                groups.push(current.join(" "));
                current.clear();
            }
            blank = false;
            current.push(line.trim());
        }
        if !current.is_empty() {
            groups.push(current.join(" "));
        }
        Ok((groups.len() == runs.len()).then_some(groups))
    }

    /// Each run's IPA: one espeak-ng process for all of them, or one per run when the joint
    /// output cannot be lined up with the runs.
    fn ipa_of_runs(&self, runs: &[&str]) -> Result<Vec<String>, Error> {
        if runs.is_empty() {
            return Ok(Vec::new());
        }
        if let Some(all) = self.espeak(runs)? {
            return Ok(all);
        }
        tracing::debug!(
            runs = runs.len(),
            "espeak-ng output did not line up: one process per run"
        );
        let mut out = Vec::with_capacity(runs.len());
        for run in runs {
            let one = self.espeak(std::slice::from_ref(run))?;
            out.push(one.and_then(|v| v.into_iter().next()).unwrap_or_default());
        }
        Ok(out)
    }
}

impl LanguageFrontend for EspeakG2P {
    fn phonemize(&self, text: &str) -> Result<String, Error> {
        // misaki: angle quotes to curly quotes, then parentheses to angle quotes (marks).
        let text = text
            .replace('«', "\u{201c}")
            .replace('»', "\u{201d}")
            .replace('(', "«")
            .replace(')', "»");
        let parts = split_marks(&text);
        let runs: Vec<&str> = parts
            .iter()
            .filter_map(|part| match part {
                Part::Run(run) => Some(run.as_str()),
                Part::Mark(_) => None,
            })
            .collect();
        let mut ipa = self.ipa_of_runs(&runs)?.into_iter();
        let mut out = String::with_capacity(text.len() * 2);
        for part in &parts {
            match part {
                Part::Run(_) => out.push_str(&espeak_to_kokoro(&ipa.next().unwrap_or_default())),
                Part::Mark(mark) => out.push_str(mark),
            }
        }
        let out = out.replace('«', "(").replace('»', ")");
        // Kokoro v1.0 has no `¡ ¿`; misaki keeps them and the model's vocabulary drops them.
        let out: String = out.chars().filter(|c| !matches!(c, '¡' | '¿')).collect();
        Ok(out.split_whitespace().collect::<Vec<_>>().join(" "))
    }

    fn describe(&self) -> String {
        format!(
            "{} ({}): espeak-ng subprocess ({}, voice {}), IPA mapped to Kokoro symbols as misaki does",
            self.language.name(),
            self.language.code(),
            self.version,
            self.voice
        )
    }
}

/// A piece of text between punctuation, or a run of punctuation with its spaces.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Run(String),
    Mark(String),
}

/// Cuts `text` into runs of text and runs of marks (each mark run keeps the whitespace around
/// it), as the `phonemizer` package's `Punctuation.preserve` does. Whitespace inside a run is
/// collapsed to one space (a run is one line for espeak-ng).
fn split_marks(text: &str) -> Vec<Part> {
    let mut parts = Vec::new();
    let mut run = String::new();
    let mut mark = String::new();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        if MARKS.contains(&c) {
            // Trailing whitespace of the run belongs to the mark.
            let trimmed = run.trim_end().len();
            mark.push_str(&run[trimmed..]);
            run.truncate(trimmed);
            if !run.trim().is_empty() {
                parts.push(Part::Run(collapse(&run)));
            }
            run.clear();
            mark.push(c);
            // The mark run: marks and whitespace up to the next other character.
            i += 1;
            while let Some(&n) = chars.get(i) {
                if MARKS.contains(&n) || n.is_whitespace() {
                    mark.push(n);
                    i += 1;
                } else {
                    break;
                }
            }
            parts.push(Part::Mark(collapse_spaces(&mark)));
            mark.clear();
            continue;
        }
        run.push(c);
        i += 1;
    }
    if !run.trim().is_empty() {
        parts.push(Part::Run(collapse(&run)));
    }
    parts
}

fn collapse(run: &str) -> String {
    run.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Whitespace in a mark run becomes single spaces (line breaks included).
fn collapse_spaces(mark: &str) -> String {
    let mut out = String::with_capacity(mark.len());
    let mut space = false;
    for c in mark.chars() {
        if c.is_whitespace() {
            if !space {
                out.push(' ');
            }
            space = true;
        } else {
            out.push(c);
            space = false;
        }
    }
    out
}

/// Maps espeak-ng's IPA (`--ipa --tie=^`) to Kokoro v1.0 symbols as misaki's `EspeakG2P` does
/// (version 1.0): tied pairs to single symbols, other ties and hyphens deleted, language-switch
/// flags such as `(en)` removed.
pub fn espeak_to_kokoro(ipa: &str) -> String {
    let mut ps = remove_language_flags(ipa);
    for (from, to) in TIED {
        if ps.contains(from) {
            ps = ps.replace(from, to);
        }
    }
    ps.chars().filter(|c| !matches!(c, '^' | '-')).collect()
}

/// Removes espeak-ng's language-switch flags: `(en)wˈiːkɛnd(es)` -> `wˈiːkɛnd`.
fn remove_language_flags(ipa: &str) -> String {
    let mut out = String::with_capacity(ipa.len());
    let mut rest = ipa;
    while let Some(open) = rest.find('(') {
        let (head, tail) = rest.split_at(open);
        out.push_str(head);
        match tail.find(')') {
            Some(close)
                if tail[1..close]
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-') =>
            {
                rest = &tail[close + 1..];
            }
            _ => {
                out.push('(');
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(parts: &[Part]) -> Vec<String> {
        parts
            .iter()
            .map(|p| match p {
                Part::Run(r) => format!("R{r}"),
                Part::Mark(m) => format!("M{m}"),
            })
            .collect()
    }

    #[test]
    fn marks_are_cut_out_with_their_spaces() {
        assert_eq!(
            texts(&split_marks("Hola, ¿cómo  estás? Me llamo Dora.")),
            vec![
                "RHola",
                "M, ¿",
                "Rcómo estás",
                "M? ",
                "RMe llamo Dora",
                "M."
            ]
        );
        assert_eq!(
            texts(&split_marks("« Oui »\n dit-il…")),
            vec!["M« ", "ROui", "M » ", "Rdit-il", "M…"]
        );
        assert_eq!(texts(&split_marks("  ")), Vec::<String>::new());
    }

    #[test]
    fn tied_phonemes_become_kokoro_symbols() {
        assert_eq!(espeak_to_kokoro("t^ʃˈao"), "ʧˈao");
        assert_eq!(espeak_to_kokoro("βˌe^ɪntiθˈinko"), "βˌAntiθˈinko");
        assert_eq!(espeak_to_kokoro("ʒə- mapˈɛl"), "ʒə mapˈɛl");
        assert_eq!(espeak_to_kokoro("ɡˈɔstʊ d^ʒy"), "ɡˈɔstʊ ʤy");
        assert_eq!(espeak_to_kokoro("pit^sa ad^zuro"), "piʦa aʣuro");
        assert_eq!(espeak_to_kokoro("(en)wˈiːkɛnd(es) ok"), "wˈiːkɛnd ok");
        assert_eq!(espeak_to_kokoro("a (b c"), "a (b c");
    }

    #[test]
    fn every_espeak_language_has_a_voice_and_english_has_none() {
        for language in Language::ALL {
            let expected = matches!(
                language,
                Language::Spanish
                    | Language::French
                    | Language::Italian
                    | Language::PortugueseBr
                    | Language::Hindi
            );
            assert_eq!(espeak_voice(language).is_some(), expected, "{language}");
        }
    }
}
