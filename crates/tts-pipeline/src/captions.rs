//! Captions from word timings: WebVTT and SRT files.
//!
//! Words are grouped into cues a reader can follow: at most [`MAX_LINE_CHARS`] characters a
//! line, at most [`MAX_LINES`] lines, at most [`MAX_CUE_SECONDS`] a cue. When a cue must end, it
//! ends after the last sentence end it holds, else the last clause end, else the last word that
//! fits. Each cue shows the text as written (punctuation included) from its first word to its
//! last, and lasts from its first word's start to its last word's end, so cues never overlap.
//!
//! A small writer of its own (no crate needed): WebVTT as the W3C spec asks (`WEBVTT` header,
//! `hh:mm:ss.mmm --> hh:mm:ss.mmm` timings, `&`, `<` and `>` escaped, no blank line inside a
//! cue), SRT as players read it (numbered cues, `hh:mm:ss,mmm` timings). [`validate`] checks a file
//! against the same rules; the Python tests parse written files with `webvtt-py`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use crate::error::{Error, ErrorKind, Result};
use crate::words::WordTiming;

/// The most characters in one caption line.
pub const MAX_LINE_CHARS: usize = 42;
/// The most lines in one cue.
pub const MAX_LINES: usize = 2;
/// The longest a cue lasts, in seconds.
pub const MAX_CUE_SECONDS: f64 = 7.0;

/// A caption file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum CaptionFormat {
    /// WebVTT (`.vtt`), for the HTML `<track>` element.
    Vtt,
    /// SubRip (`.srt`), for video tools.
    Srt,
}

impl CaptionFormat {
    /// The file extension, without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            Self::Vtt => "vtt",
            Self::Srt => "srt",
        }
    }

    /// The captions' path for the audio file `audio`: the same path with this extension.
    pub fn path_for(self, audio: &Path) -> PathBuf {
        audio.with_extension(self.extension())
    }
}

impl FromStr for CaptionFormat {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "vtt" | "webvtt" => Ok(Self::Vtt),
            "srt" => Ok(Self::Srt),
            other => Err(Error::new(
                ErrorKind::Config,
                format!("unknown caption format {other:?}: use `vtt` or `srt`"),
            )),
        }
    }
}

impl std::fmt::Display for CaptionFormat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.extension())
    }
}

/// One caption cue: when it shows and its lines.
#[derive(Debug, Clone, PartialEq)]
pub struct Cue {
    /// When it appears, in seconds.
    pub start: f64,
    /// When it goes, in seconds.
    pub end: f64,
    /// Its lines (1 to [`MAX_LINES`]).
    pub lines: Vec<String>,
}

/// A timed word found in the text: the bytes it shows (with the punctuation around it) and
/// whether a sentence or a clause ends after it.
struct Placed<'a> {
    timing: &'a WordTiming,
    /// Where it shows from: back to the whitespace before it (opening quotes, brackets).
    from: usize,
    /// Where it shows to: up to the whitespace after it (its punctuation).
    to: usize,
    sentence_end: bool,
    clause_end: bool,
}

/// The words of `words` found in order in `text`.
fn place<'a>(text: &str, words: &'a [WordTiming]) -> Vec<Placed<'a>> {
    let mut at = 0;
    let mut spans = Vec::with_capacity(words.len());
    for w in words {
        let start = text
            .get(at..)
            .and_then(|rest| rest.find(w.text.as_str()))
            .map_or(at, |i| at + i);
        let end = (start + w.text.len()).min(text.len());
        spans.push((start, end));
        at = end;
    }
    let mut out = Vec::with_capacity(words.len());
    let mut previous_end = 0;
    for (i, w) in words.iter().enumerate() {
        let (start, end) = spans[i];
        let next = spans.get(i + 1).map_or(text.len(), |s| s.0).max(end);
        let before = text.get(previous_end..start).unwrap_or("");
        let from = before
            .rfind(char::is_whitespace)
            .map_or(previous_end, |k| previous_end + k + 1)
            .min(start);
        let between = text.get(end..next).unwrap_or("");
        let to = end + between.find(char::is_whitespace).unwrap_or(between.len());
        out.push(Placed {
            timing: w,
            from: from.max(previous_end),
            to,
            sentence_end: between.contains(['.', '!', '?', '…']),
            clause_end: between.contains([',', ';', ':', '—', '–', ')']),
        });
        previous_end = to.max(end);
    }
    out
}

/// The text of `run` (as written, from its first word to its last, whitespace collapsed) laid
/// out in lines of at most [`MAX_LINE_CHARS`] characters; `None` when it needs more than
/// [`MAX_LINES`] lines. A single word longer than a line is cut.
fn lines(text: &str, run: &[Placed<'_>]) -> Option<Vec<String>> {
    let (Some(first), Some(last)) = (run.first(), run.last()) else {
        return Some(Vec::new());
    };
    let shown = text.get(first.from..last.to.max(first.from)).unwrap_or("");
    let mut out: Vec<String> = Vec::new();
    for token in shown.split_whitespace() {
        let mut word: Vec<char> = token.chars().collect();
        if let Some(line) = out.last_mut()
            && line.chars().count() + 1 + word.len() <= MAX_LINE_CHARS
        {
            line.push(' ');
            line.extend(word);
            continue;
        }
        while !word.is_empty() {
            let rest = word.split_off(word.len().min(MAX_LINE_CHARS));
            out.push(word.into_iter().collect());
            word = rest;
        }
        if out.len() > MAX_LINES {
            return None;
        }
    }
    (out.len() <= MAX_LINES).then_some(out)
}

/// Groups the timed `words` of `text` into cues (see the module's rules).
pub fn cues(text: &str, words: &[WordTiming]) -> Vec<Cue> {
    let placed = place(text, words);
    let mut out = Vec::new();
    let mut from = 0;
    while from < placed.len() {
        // The longest run from `from` that fits, and the best place to end within it.
        let mut fits = from;
        for to in from..placed.len() {
            let run = &placed[from..=to];
            let long = run[run.len() - 1].timing.end - run[0].timing.start > MAX_CUE_SECONDS;
            if to > from && (long || lines(text, run).is_none()) {
                break;
            }
            fits = to;
        }
        let end = if fits + 1 == placed.len() {
            fits
        } else {
            let run = &placed[from..=fits];
            run.iter()
                .rposition(|p| p.sentence_end)
                .or_else(|| run.iter().rposition(|p| p.clause_end))
                .map_or(fits, |i| from + i)
        };
        let run = &placed[from..=end];
        out.push(Cue {
            start: run[0].timing.start,
            end: run[run.len() - 1]
                .timing
                .end
                .max(run[0].timing.start + 0.001),
            lines: lines(text, run).unwrap_or_default(),
        });
        from = end + 1;
    }
    out
}

/// `seconds` as `hh:mm:ss` and milliseconds after `separator`.
fn timestamp(seconds: f64, separator: char) -> String {
    // Non-negative and far below u64::MAX milliseconds.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let ms = (seconds.max(0.0) * 1000.0).round() as u64;
    format!(
        "{:02}:{:02}:{:02}{separator}{:03}",
        ms / 3_600_000,
        ms / 60_000 % 60,
        ms / 1000 % 60,
        ms % 1000
    )
}

/// WebVTT cue text: `&`, `<`, `>` escaped; an arrow broken up.
fn vtt_text(line: &str) -> String {
    line.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The file of `cues` in `format`.
pub fn render(cues: &[Cue], format: CaptionFormat) -> String {
    let mut out = String::new();
    if format == CaptionFormat::Vtt {
        out.push_str("WEBVTT\n\n");
    }
    for (i, cue) in cues.iter().enumerate() {
        let sep = if format == CaptionFormat::Vtt {
            '.'
        } else {
            ','
        };
        let _ = writeln!(out, "{}", i + 1);
        let _ = writeln!(
            out,
            "{} --> {}",
            timestamp(cue.start, sep),
            timestamp(cue.end, sep)
        );
        for line in &cue.lines {
            let line = line.trim();
            let line = if format == CaptionFormat::Vtt {
                vtt_text(line)
            } else {
                line.replace("-->", "->")
            };
            let _ = writeln!(out, "{line}");
        }
        out.push('\n');
    }
    out
}

/// Parses `hh:mm:ss<sep>mmm` (WebVTT also allows `mm:ss.mmm`).
fn parse_timestamp(s: &str, separator: char) -> Option<f64> {
    let (clock, ms) = s.split_once(separator)?;
    if ms.len() != 3 || !ms.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let parts: Vec<&str> = clock.split(':').collect();
    if parts.len() < 2 || parts.len() > 3 || parts.iter().any(|p| p.len() < 2) {
        return None;
    }
    let mut seconds = 0.0;
    for p in &parts {
        seconds = seconds * 60.0 + p.parse::<u32>().ok().map(f64::from)?;
    }
    Some(seconds + ms.parse::<u32>().ok().map(f64::from)? / 1000.0)
}

/// Checks a caption file against the format's rules and this module's layout: the header
/// (WebVTT), numbered cues, well-formed timings that start before they end and never go back,
/// 1 to [`MAX_LINES`] lines of at most [`MAX_LINE_CHARS`] characters, no `-->` in the text.
/// Returns what is wrong.
pub fn validate(file: &str, format: CaptionFormat) -> std::result::Result<(), String> {
    let body = match format {
        CaptionFormat::Vtt => file
            .strip_prefix("WEBVTT")
            .filter(|rest| rest.starts_with(['\n', ' ', '\t']) || rest.is_empty())
            .ok_or("a webvtt file starts with `WEBVTT`")?,
        CaptionFormat::Srt => file,
    };
    let sep = if format == CaptionFormat::Vtt {
        '.'
    } else {
        ','
    };
    let mut last_end = 0.0;
    for (n, block) in body
        .split("\n\n")
        .map(|b| b.trim_matches('\n'))
        .filter(|b| !b.is_empty())
        .enumerate()
    {
        let mut lines = block.lines();
        let number = lines.next().unwrap_or("");
        if number.trim() != (n + 1).to_string() {
            return Err(format!("cue {} is numbered {number:?}", n + 1));
        }
        let timing = lines.next().unwrap_or("");
        let (start, end) = timing
            .split_once(" --> ")
            .and_then(|(a, b)| Some((parse_timestamp(a, sep)?, parse_timestamp(b, sep)?)))
            .ok_or_else(|| format!("cue {} has the timing line {timing:?}", n + 1))?;
        if !(start < end && start >= last_end - 1e-9) {
            return Err(format!(
                "cue {} runs {start} to {end} after a cue ending at {last_end}",
                n + 1
            ));
        }
        last_end = end;
        let text: Vec<&str> = lines.collect();
        if text.is_empty() || text.len() > MAX_LINES {
            return Err(format!("cue {} has {} lines", n + 1, text.len()));
        }
        for line in text {
            let shown = line
                .replace("&amp;", "&")
                .replace("&lt;", "<")
                .replace("&gt;", ">");
            if line.contains("-->") || shown.chars().count() > MAX_LINE_CHARS {
                return Err(format!("cue {} has the line {line:?}", n + 1));
            }
        }
    }
    Ok(())
}

/// Writes the captions of `words` (the timed words of `text`) next to the WAV file `audio`, in
/// `format`, atomically and validated: `s1.wav` gets `s1.vtt` or `s1.srt`. Returns the path.
pub(crate) fn write_for(
    audio: &Path,
    text: &str,
    words: &[WordTiming],
    format: CaptionFormat,
) -> Result<PathBuf> {
    let path = format.path_for(audio);
    let file = render(&cues(text, words), format);
    wav_store::write_text(&path, &file, |back| validate(back, format))
        .map_err(|e| Error::wrap(ErrorKind::Storage, e))?;
    tracing::info!(path = %path.display(), "captions written");
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The words of `text` (split at spaces, punctuation trimmed), each `step` seconds long.
    fn timed(text: &str, step: f64) -> Vec<WordTiming> {
        text.split_whitespace()
            .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric() && c != '$'))
            .filter(|w| !w.is_empty())
            .enumerate()
            .map(|(i, w)| WordTiming {
                text: w.to_owned(),
                start: i as f64 * step,
                end: i as f64 * step + step * 0.8,
            })
            .collect()
    }

    #[test]
    fn short_text_is_one_cue_with_its_punctuation() {
        let text = "Hello, world. It paid $214!";
        let c = cues(text, &timed(text, 0.4));
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].lines, ["Hello, world. It paid $214!"]);
        assert_eq!(c[0].start, 0.0);
    }

    #[test]
    fn cues_keep_to_the_line_length_lines_and_duration_and_break_at_sentences_first() {
        let text = "The harbor was quiet at dawn. Gulls circled over the old boats, \
                    and the fishermen mended their nets in silence while the tide came in. \
                    Nobody spoke; the sea said enough for all of them, as it always had.";
        let words = timed(text, 0.35);
        let c = cues(text, &words);
        for cue in &c {
            assert!(
                !cue.lines.is_empty() && cue.lines.len() <= MAX_LINES,
                "{cue:?}"
            );
            assert!(
                cue.lines
                    .iter()
                    .all(|l| l.chars().count() <= MAX_LINE_CHARS),
                "{cue:?}"
            );
            assert!(cue.end - cue.start <= MAX_CUE_SECONDS, "{cue:?}");
        }
        // The first cue ends at the first sentence's end rather than mid-sentence.
        assert_eq!(c[0].lines.join(" "), "The harbor was quiet at dawn.");
        // Every word shows once, in order.
        let shown: Vec<String> = c.iter().flat_map(|c| c.lines.clone()).collect();
        assert_eq!(
            shown.join(" "),
            text.split_whitespace().collect::<Vec<_>>().join(" ")
        );
        for pair in c.windows(2) {
            assert!(pair[0].end <= pair[1].start);
        }
    }

    #[test]
    fn a_long_clause_breaks_at_its_comma_and_slow_words_at_seven_seconds() {
        let text = "one two three four five six seven eight nine ten, eleven twelve thirteen";
        let c = cues(text, &timed(text, 1.0));
        assert!(c.iter().all(|c| c.end - c.start <= MAX_CUE_SECONDS));
        assert!(c.len() >= 2);
    }

    #[test]
    fn rendered_files_follow_the_formats_and_validate() {
        let text = "Tom & Jerry <3 --> forever. Second sentence here.";
        let words = timed(text, 2.0);
        let c = cues(text, &words);
        let vtt = render(&c, CaptionFormat::Vtt);
        assert!(vtt.starts_with("WEBVTT\n\n1\n00:00:00.000 --> "), "{vtt}");
        assert!(vtt.contains("Tom &amp; Jerry &lt;3"), "{vtt}");
        validate(&vtt, CaptionFormat::Vtt).unwrap();
        let srt = render(&c, CaptionFormat::Srt);
        assert!(srt.starts_with("1\n00:00:00,000 --> "), "{srt}");
        assert_eq!(srt.matches("-->").count(), c.len(), "{srt}");
        validate(&srt, CaptionFormat::Srt).unwrap();
        assert_eq!(timestamp(3_723.456_4, '.'), "01:02:03.456");
        // What validation refuses.
        assert!(validate("1\n00:00:01.000 --> 00:00:02.000\nx\n", CaptionFormat::Vtt).is_err());
        assert!(
            validate(
                "WEBVTT\n\n1\n00:00:02.000 --> 00:00:01.000\nx\n",
                CaptionFormat::Vtt
            )
            .is_err()
        );
        assert!(validate("1\n00:00:01.000 --> 00:00:02.000\nx\n", CaptionFormat::Srt).is_err());
        let long = format!(
            "WEBVTT\n\n1\n00:00:01.000 --> 00:00:02.000\n{}\n",
            "x".repeat(43)
        );
        assert!(validate(&long, CaptionFormat::Vtt).is_err());
        assert_eq!("SRT".parse::<CaptionFormat>().unwrap(), CaptionFormat::Srt);
        assert!("ass".parse::<CaptionFormat>().is_err());
    }
}
