//! One pinyin syllable to Kokoro's phonemes: misaki's `transcription.pinyin_to_ipa` (adapted by
//! misaki from pinyin-to-ipa, MIT), first variant, then misaki's `retone` (tones as arrows,
//! syllabic `ɻ̩`/`ɹ̩` as `ɨ`) and the non-syllabic mark removed, as `ZHG2P` does for v1.0.

/// Initials, longest first (`zh` before `z`).
const INITIALS: &[(&str, &str)] = &[
    ("zh", "ꭧ"),
    ("ch", "ꭧʰ"),
    ("sh", "ʂ"),
    ("b", "p"),
    ("c", "ʦʰ"),
    ("d", "t"),
    ("f", "f"),
    ("g", "k"),
    ("h", "x"),
    ("j", "ʨ"),
    ("k", "kʰ"),
    ("l", "l"),
    ("m", "m"),
    ("n", "n"),
    ("p", "pʰ"),
    ("q", "ʨʰ"),
    ("r", "ɻ"),
    ("s", "s"),
    ("t", "tʰ"),
    ("x", "ɕ"),
    ("z", "ʦ"),
];

/// Finals (strict pinyin spelling, `ü` for `v`): the phonemes before the tone, the tone, and
/// the phonemes after it.
fn final_phonemes(final_: &str) -> Option<(&'static str, &'static str)> {
    Some(match final_ {
        "a" => ("a", ""),
        "ai" => ("ai", ""),
        "an" => ("a", "n"),
        "ang" => ("a", "ŋ"),
        "ao" => ("au", ""),
        "e" => ("ɤ", ""),
        "ei" => ("ei", ""),
        "en" => ("ə", "n"),
        "eng" => ("ə", "ŋ"),
        "i" => ("i", ""),
        "ia" => ("ja", ""),
        "ian" => ("jɛ", "n"),
        "iang" => ("ja", "ŋ"),
        "iao" => ("jau", ""),
        "ie" => ("je", ""),
        "in" => ("i", "n"),
        "iou" => ("jou", ""),
        "ing" => ("i", "ŋ"),
        "iong" => ("jʊ", "ŋ"),
        "ong" => ("ʊ", "ŋ"),
        "ou" => ("ou", ""),
        "u" => ("u", ""),
        "uei" => ("wei", ""),
        "ua" => ("wa", ""),
        "uai" => ("wai", ""),
        "uan" => ("wa", "n"),
        "uen" => ("wə", "n"),
        "uang" => ("wa", "ŋ"),
        "ueng" => ("wə", "ŋ"),
        "uo" | "o" => ("wo", ""),
        "ü" => ("y", ""),
        "üe" => ("ɥe", ""),
        "üan" => ("ɥɛ", "n"),
        "ün" => ("y", "n"),
        _ => return None,
    })
}

fn tone_mark(tone: u8) -> &'static str {
    match tone {
        1 => "→",
        2 => "↗",
        3 => "↓",
        4 => "↘",
        _ => "",
    }
}

/// The strict final of a syllable written without its initial (`y`/`w` spellings and the
/// short forms `iu ui un` restored; `u` after `j q x y` is `ü`).
fn strict_final(initial: &str, rest: &str) -> String {
    let rest = rest.replace('v', "ü");
    let spelled = match (initial, rest.as_str()) {
        ("y", "i" | "in" | "ing") => rest.clone(),
        ("y", r) if r.starts_with('u') => format!("ü{}", &r[1..]),
        ("y", r) => format!("i{r}"),
        ("w", "u") => "u".to_owned(),
        ("w", r) => format!("u{r}"),
        ("j" | "q" | "x", r) if r.starts_with('u') => format!("ü{}", &r[1..]),
        _ => rest,
    };
    match spelled.as_str() {
        "iu" => "iou".to_owned(),
        "ui" => "uei".to_owned(),
        "un" => "uen".to_owned(),
        "iuo" => "io".to_owned(),
        _ => spelled,
    }
}

/// The Kokoro phonemes of one pinyin syllable in `TONE3` style (`zhong1`, `lv4`, `de5`, `er2`);
/// an empty string for anything that is not a syllable.
pub fn pinyin_to_phonemes(syllable: &str) -> String {
    let (body, tone) = match syllable.char_indices().last() {
        Some((at, c)) if c.is_ascii_digit() => (&syllable[..at], c as u8 - b'0'),
        _ => (syllable, 5),
    };
    let tone = tone_mark(tone);
    // Interjections and syllabic consonants (whole syllables).
    let whole = match body {
        "er" => Some(("ɚ", "")),
        "o" => Some(("ɔ", "")),
        "ê" => Some(("ɛ", "")),
        "io" => Some(("jɔ", "")),
        "m" => Some(("m", "")),
        "n" => Some(("n", "")),
        "ng" => Some(("ŋ", "")),
        "hm" => Some(("hm", "")),
        "hng" => Some(("hŋ", "")),
        _ => None,
    };
    if let Some((before, after)) = whole {
        return format!("{before}{tone}{after}");
    }
    let (initial, rest) = INITIALS
        .iter()
        .find(|(spelled, _)| body.starts_with(spelled) && body.len() > spelled.len())
        .map_or_else(
            || {
                let y_or_w = body
                    .chars()
                    .next()
                    .filter(|c| matches!(c, 'y' | 'w'))
                    .map_or("", |c| if c == 'y' { "y" } else { "w" });
                (y_or_w, &body[y_or_w.len()..])
            },
            |(spelled, _)| (*spelled, &body[spelled.len()..]),
        );
    let final_ = strict_final(initial, rest);
    let (before, after) = match (initial, final_.as_str()) {
        ("zh" | "ch" | "sh" | "r" | "z" | "c" | "s", "i") => ("ɨ", ""),
        (_, f) => match final_phonemes(f) {
            Some(found) => found,
            None => return String::new(),
        },
    };
    let onset = INITIALS
        .iter()
        .find(|(spelled, _)| *spelled == initial)
        .map_or("", |(_, ipa)| *ipa);
    format!("{onset}{before}{tone}{after}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syllables_as_misaki_writes_them() {
        for (pinyin, expected) in [
            ("zhong1", "ꭧʊ→ŋ"),
            ("guo2", "kwo↗"),
            ("ni3", "ni↓"),
            ("hao3", "xau↓"),
            ("shi4", "ʂɨ↘"),
            ("zi5", "ʦɨ"),
            ("ci2", "ʦʰɨ↗"),
            ("ri4", "ɻɨ↘"),
            ("er2", "ɚ↗"),
            ("yi1", "i→"),
            ("yu2", "y↗"),
            ("yuan2", "ɥɛ↗n"),
            ("yue4", "ɥe↘"),
            ("yun2", "y↗n"),
            ("you3", "jou↓"),
            ("ye3", "je↓"),
            ("yan2", "jɛ↗n"),
            ("ying1", "i→ŋ"),
            ("yong3", "jʊ↓ŋ"),
            ("wu3", "u↓"),
            ("wo3", "wo↓"),
            ("wei4", "wei↘"),
            ("wen2", "wə↗n"),
            ("ju2", "ʨy↗"),
            ("que4", "ʨʰɥe↘"),
            ("xuan3", "ɕɥɛ↓n"),
            ("jun1", "ʨy→n"),
            ("lv4", "ly↘"),
            ("nve4", "nɥe↘"),
            ("liu2", "ljou↗"),
            ("gui4", "kwei↘"),
            ("dun4", "twə↘n"),
            ("bo1", "pwo→"),
            ("de5", "tɤ"),
            ("men5", "mən"),
            ("chuan2", "ꭧʰwa↗n"),
            ("xiong2", "ɕjʊ↗ŋ"),
            ("a1", "a→"),
            ("ang2", "a↗ŋ"),
            ("ou3", "ou↓"),
            ("n2", "n↗"),
            ("xyz", ""),
        ] {
            assert_eq!(pinyin_to_phonemes(pinyin), expected, "{pinyin}");
        }
    }
}
