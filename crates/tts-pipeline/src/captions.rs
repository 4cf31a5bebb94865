//! Captions from word timings: WebVTT and SRT files.
//!
//! Words are grouped into cues a reader can follow: at most [`MAX_LINE_CHARS`] characters a
//! line, at most [`MAX_LINES`] lines, at most [`MAX_CUE_SECONDS`] a cue. When a cue must end, it
//! ends after the last sentence end it holds, else the last clause end, else the last word that
//! fits (`. ! ? …` and `。！？` end sentences, `, ; : — –` and `，、；：` clauses). Each cue shows
//! the text as written (punctuation included) from its first word to its last, and lasts from
//! its first word's start to its last word's end, so cues never overlap.
//!
//! Lines break only between words, never inside one: at whitespace, and between Chinese or
//! Japanese words (which the front ends' segmenters find; no space is put between them). Lengths
//! count characters. A word longer than a line breaks at its own hyphens, and a part still longer
//! stands alone on its line; a lone word that needs more lines than a cue holds is shown over
//! several cues, its time shared by their characters.
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
            sentence_end: between.contains(['.', '!', '?', '…', '。', '！', '？']),
            clause_end: between.contains([',', ';', ':', '—', '–', ')', '，', '、', '；', '：']),
        });
        previous_end = to.max(end);
    }
    out
}

/// A stretch of caption text that a line never cuts: a word as written with the punctuation
/// around it (or text between words), and whether whitespace comes before it in the input.
/// Words not separated by whitespace (Chinese, Japanese) are separate atoms with no space.
struct Atom<'t> {
    text: &'t str,
    space: bool,
}

/// The atoms of `run`'s text as written, from its first word to its last.
fn atoms<'t>(text: &'t str, run: &[Placed<'_>]) -> Vec<Atom<'t>> {
    let (Some(first), Some(last)) = (run.first(), run.last()) else {
        return Vec::new();
    };
    let shown = first.from..last.to.max(first.from);
    // Cuts where one word's shown text meets the next without whitespace.
    let mut cuts: Vec<usize> = run.iter().skip(1).map(|p| p.from).collect();
    cuts.push(shown.end);
    let mut out = Vec::new();
    let mut at = shown.start;
    for cut in cuts {
        let cut = cut.clamp(at, shown.end);
        let segment = text.get(at..cut).unwrap_or("");
        let mut offset = at;
        for chunk in segment.split_inclusive(char::is_whitespace) {
            let word = chunk.trim_end();
            if !word.is_empty() {
                let space = offset > shown.start
                    && text
                        .get(..offset)
                        .and_then(|before| before.chars().next_back())
                        .is_some_and(char::is_whitespace);
                out.push(Atom { text: word, space });
            }
            offset += chunk.len();
        }
        at = cut;
    }
    out
}

/// The parts of a word longer than a line: cut after each of its own hyphens (the hyphen stays
/// at the end of its part), nowhere else.
fn hyphen_parts(word: &str) -> Vec<&str> {
    word.split_inclusive(['-', '\u{2010}']).collect()
}

/// `atoms` laid out in lines of at most [`MAX_LINE_CHARS`] characters, breaking only between
/// atoms (a space between them is dropped at the break): an atom longer than a line breaks at
/// its own hyphens, and a part still longer stands alone on its line. No atom is cut otherwise.
fn layout(atoms: &[Atom<'_>]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut len = 0;
    let mut add = |piece: &str, space: bool, out: &mut Vec<String>| {
        let n = piece.chars().count();
        if let Some(line) = out.last_mut()
            && len + usize::from(space) + n <= MAX_LINE_CHARS
        {
            if space {
                line.push(' ');
            }
            line.push_str(piece);
            len += usize::from(space) + n;
        } else {
            out.push(piece.to_owned());
            len = n;
        }
    };
    for atom in atoms {
        if atom.text.chars().count() <= MAX_LINE_CHARS {
            add(atom.text, atom.space, &mut out);
            continue;
        }
        for (i, part) in hyphen_parts(atom.text).into_iter().enumerate() {
            add(part, atom.space && i == 0, &mut out);
        }
    }
    out
}

/// The lines of `run` (see [`layout`]); `None` when they are more than [`MAX_LINES`].
fn lines(text: &str, run: &[Placed<'_>]) -> Option<Vec<String>> {
    let out = layout(&atoms(text, run));
    (out.len() <= MAX_LINES).then_some(out)
}

/// The cues of one word whose lines are more than [`MAX_LINES`] (a very long word broken at its
/// hyphens): its lines, [`MAX_LINES`] a cue, its time shared by their characters, each cue at
/// least a millisecond.
fn lone_word_cues(start: f64, end: f64, lines: Vec<String>, out: &mut Vec<Cue>) {
    let groups: Vec<Vec<String>> = lines.chunks(MAX_LINES).map(<[String]>::to_vec).collect();
    let weights: Vec<usize> = groups
        .iter()
        .map(|g| g.iter().map(|l| l.chars().count()).sum::<usize>().max(1))
        .collect();
    let total: usize = weights.iter().sum();
    // Whole milliseconds (as the files write them), strictly increasing.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let (from, to) = (
        (start.max(0.0) * 1000.0).round() as u64,
        (end.max(0.0) * 1000.0).round() as u64,
    );
    let count = groups.len() as u64;
    let stretched = to < from + count;
    let to = to.max(from + count);
    #[allow(clippy::cast_precision_loss)]
    let seconds = |ms: u64| ms as f64 / 1000.0;
    let mut at = from;
    let mut before = 0;
    for (i, (group, weight)) in groups.into_iter().zip(weights).enumerate() {
        before += weight;
        let left = count - i as u64 - 1;
        let share = from + (to - from) * before as u64 / total.max(1) as u64;
        let next = share.max(at + 1).min(to - left);
        // The first cue starts with the word, the last ends with it (to the microsecond).
        let cue_start = if i == 0 { start } else { seconds(at) };
        let cue_end = if left == 0 && !stretched {
            end
        } else {
            seconds(next)
        };
        out.push(Cue {
            start: cue_start,
            end: cue_end,
            lines: group,
        });
        at = next;
    }
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
        let (start, stop) = (run[0].timing.start, run[run.len() - 1].timing.end);
        let shown = layout(&atoms(text, run));
        if shown.len() > MAX_LINES {
            // Only a lone word can need more lines than a cue holds.
            lone_word_cues(start, stop, shown, &mut out);
        } else {
            out.push(Cue {
                start,
                end: stop.max(start + 0.001),
                lines: shown,
            });
        }
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
/// 1 to [`MAX_LINES`] lines of at most [`MAX_LINE_CHARS`] characters (but for a line holding one
/// word alone, which may be longer), no `-->` in the text.
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
            // A line longer than the limit is a word alone that could not be broken.
            let too_long = shown.chars().count() > MAX_LINE_CHARS
                && shown.trim().contains(char::is_whitespace);
            if line.contains("-->") || too_long {
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
    use proptest::prelude::*;

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
        let long = |line: &str| format!("WEBVTT\n\n1\n00:00:01.000 --> 00:00:02.000\n{line}\n");
        assert!(validate(&long(&"x ".repeat(22)), CaptionFormat::Vtt).is_err());
        // A word alone on its line may be longer than a line: it is never cut.
        validate(&long(&"x".repeat(50)), CaptionFormat::Vtt).unwrap();
        assert_eq!("SRT".parse::<CaptionFormat>().unwrap(), CaptionFormat::Srt);
        assert!("ass".parse::<CaptionFormat>().is_err());
    }
    /// Lines holding more than a line's characters are one word alone, without whitespace.
    fn check_lines(c: &[Cue]) {
        for cue in c {
            for line in &cue.lines {
                assert!(
                    line.chars().count() <= MAX_LINE_CHARS || !line.contains(char::is_whitespace),
                    "{c:?}"
                );
            }
        }
    }

    #[test]
    fn a_word_longer_than_a_line_breaks_only_at_its_own_hyphens() {
        let text = "She said pneumonoultramicroscopicsilicovolcanoconiosis-and-silicosis were \
                    the longest words she knew.";
        let c = cues(text, &timed(text, 0.4));
        check_lines(&c);
        let lines: Vec<&str> = c
            .iter()
            .flat_map(|c| &c.lines)
            .map(String::as_str)
            .collect();
        assert!(
            lines.contains(&"pneumonoultramicroscopicsilicovolcanoconiosis-"),
            "{lines:?}"
        );
        assert!(
            lines.iter().any(|l| l.starts_with("and-silicosis")),
            "{lines:?}"
        );
        // Without a hyphen, the word stands alone on its line, whole.
        let word = "a".repeat(60);
        let text = format!("one two {word} three four");
        let c = cues(&text, &timed(&text, 0.4));
        check_lines(&c);
        let lines: Vec<&str> = c
            .iter()
            .flat_map(|c| &c.lines)
            .map(String::as_str)
            .collect();
        assert_eq!(lines, ["one two", word.as_str(), "three four"]);
        let vtt = render(&c, CaptionFormat::Vtt);
        validate(&vtt, CaptionFormat::Vtt).unwrap();
    }

    #[test]
    fn a_lone_word_of_many_lines_is_shown_over_several_cues() {
        let word = ["abcdefghijklmnopqrstuvwxyz0123456789"; 5].join("-");
        let words = [WordTiming {
            text: word.clone(),
            start: 1.0,
            end: 2.0,
        }];
        let c = cues(&word, &words);
        assert_eq!(c.len(), 3, "{c:?}");
        assert_eq!((c[0].start, c[2].end), (1.0, 2.0));
        assert_eq!(
            c.iter().flat_map(|c| c.lines.clone()).collect::<String>(),
            word
        );
        validate(&render(&c, CaptionFormat::Srt), CaptionFormat::Srt).unwrap();
    }

    #[test]
    fn chinese_words_break_between_them_without_spaces_and_end_at_their_punctuation() {
        let words = [
            "孩子们",
            "跑到",
            "海边",
            "去",
            "看",
            "船",
            "他们",
            "看见",
            "一条",
            "很大",
            "的",
            "白色",
            "帆船",
            "慢慢",
            "地",
            "开",
            "进",
            "了",
            "港口",
            "大家",
            "都",
            "非常",
            "高兴",
            "地",
            "拍手",
            "欢迎",
            "它",
            "回来",
        ];
        let text = "孩子们跑到海边去看船。他们看见一条很大的白色帆船慢慢地开进了港口，\
                    大家都非常高兴地拍手欢迎它回来。";
        let timed: Vec<WordTiming> = words
            .iter()
            .enumerate()
            .map(|(i, w)| WordTiming {
                text: (*w).to_owned(),
                start: i as f64 * 0.5,
                end: i as f64 * 0.5 + 0.4,
            })
            .collect();
        let c = cues(text, &timed);
        check_lines(&c);
        let lines: Vec<&str> = c
            .iter()
            .flat_map(|c| &c.lines)
            .map(String::as_str)
            .collect();
        assert_eq!(lines.concat(), text);
        assert!(lines.iter().all(|l| !l.contains(' ')), "{lines:?}");
        // The first cue ends at the first sentence's 。 rather than in a word.
        assert_eq!(c[0].lines, ["孩子们跑到海边去看船。"], "{c:?}");
        assert!(c.len() >= 2);
    }

    /// Words of the property test: Latin (some long, some hyphenated) or Chinese, and what
    /// follows each.
    fn story() -> impl Strategy<Value = Vec<(String, &'static str)>> {
        let latin = "[a-z]{1,12}(-[a-z]{1,30}){0,3}|[a-z]{40,70}";
        let chinese = "[\u{4e00}-\u{4e40}]{1,4}";
        let word = prop_oneof![3 => latin, 2 => chinese];
        let after = prop_oneof![
            Just(" "),
            Just(""),
            Just(", "),
            Just(". "),
            Just("，"),
            Just("。")
        ];
        proptest::collection::vec((word, after), 1..40)
    }

    proptest! {
        /// Lines never exceed the limit but for one word alone; no word is cut but at its own
        /// hyphens; the lines show the text as written (nothing dropped, no space added); cues
        /// hold at most two lines and never overlap.
        #[test]
        fn captions_never_cut_a_word_and_show_the_text_as_written(story in story()) {
            let mut text = String::new();
            let mut spans = Vec::new();
            for (word, after) in &story {
                spans.push(text.len()..text.len() + word.len());
                text.push_str(word);
                text.push_str(after);
            }
            let text = text.trim_end().to_owned();
            let words: Vec<WordTiming> = spans
                .iter()
                .enumerate()
                .map(|(i, r)| WordTiming {
                    text: text[r.clone()].to_owned(),
                    start: i as f64 * 0.3,
                    end: i as f64 * 0.3 + 0.2,
                })
                .collect();
            let c = cues(&text, &words);
            // Where a line may end: not inside a word, unless after a hyphen of a long word.
            let mut inside = vec![false; text.len() + 1];
            for (k, r) in spans.iter().enumerate() {
                // The word as shown: with what follows it up to whitespace or the next word.
                let next = spans.get(k + 1).map_or(text.len(), |n| n.start);
                let shown = text[r.start..next].split(char::is_whitespace).next().unwrap_or("");
                let long = shown.chars().count() > MAX_LINE_CHARS;
                for (i, _) in text[r.clone()].char_indices().skip(1) {
                    let after_hyphen = text[r.start..r.start + i].ends_with('-');
                    inside[r.start + i] = !(long && after_hyphen);
                }
            }
            let mut at = 0;
            let mut last_end = 0.0;
            for cue in &c {
                prop_assert!(!cue.lines.is_empty() && cue.lines.len() <= MAX_LINES, "{cue:?}");
                prop_assert!(cue.start < cue.end && cue.start >= last_end, "{c:?}");
                last_end = cue.end;
                for line in &cue.lines {
                    prop_assert!(
                        line.chars().count() <= MAX_LINE_CHARS
                            || !line.contains(char::is_whitespace),
                        "{line:?}"
                    );
                    // The line is the text as written from where the last one ended.
                    let rest = text[at..].trim_start();
                    at = text.len() - rest.len();
                    prop_assert!(rest.starts_with(line.as_str()), "{line:?} at {at} of {text:?}");
                    at += line.len();
                    prop_assert!(!inside[at], "{line:?} cuts a word of {text:?}");
                }
            }
            prop_assert_eq!(at, text.len());
            for format in [CaptionFormat::Vtt, CaptionFormat::Srt] {
                let file = render(&c, format);
                prop_assert!(validate(&file, format).is_ok(), "{file}");
            }
        }
    }
}
