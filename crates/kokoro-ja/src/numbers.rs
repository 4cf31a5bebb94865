//! Digits to a hiragana reading, as misaki's `num2kana.Convert` writes them (up to nine digits:
//! `123` -> ひゃくにじゅうさん, `10000` -> いちまん), so that the dictionary then reads the words.
//! Longer digit runs, which misaki answers with an English error sentence, are read digit by digit.

const DIGITS: [&str; 10] = [
    "ゼロ",
    "いち",
    "に",
    "さん",
    "よん",
    "ご",
    "ろく",
    "なな",
    "はち",
    "きゅう",
];

fn digit(c: u8) -> &'static str {
    DIGITS[usize::from(c.saturating_sub(b'0')).min(9)]
}

fn len_two(n: &[u8]) -> String {
    if n[0] == b'0' {
        return digit(n[1]).to_string();
    }
    if n == b"10" {
        return "じゅう".to_string();
    }
    if n[0] == b'1' {
        return format!("じゅう{}", digit(n[1]));
    }
    if n[1] == b'0' {
        return format!("{}じゅう", digit(n[0]));
    }
    format!("{}じゅう{}", digit(n[0]), digit(n[1]))
}

fn len_three(n: &[u8]) -> String {
    let mut out = match n[0] {
        b'1' => "ひゃく".to_string(),
        b'3' => "さんびゃく".to_string(),
        b'6' => "ろっぴゃく".to_string(),
        b'8' => "はっぴゃく".to_string(),
        d => format!("{}ひゃく", digit(d)),
    };
    if &n[1..] != b"00" {
        if n[1] == b'0' {
            out.push_str(digit(n[2]));
        } else {
            out.push_str(&len_two(&n[1..]));
        }
    }
    out
}

fn len_four(n: &[u8], stand_alone: bool) -> String {
    if n == b"0000" {
        return String::new();
    }
    let mut n = n;
    while n.first() == Some(&b'0') {
        n = &n[1..];
    }
    match n.len() {
        1 => return digit(n[0]).to_string(),
        2 => return len_two(n),
        3 => return len_three(n),
        _ => {}
    }
    let mut out = match n[0] {
        b'1' if stand_alone => "せん".to_string(),
        b'1' => "いっせん".to_string(),
        b'3' => "さんぜん".to_string(),
        b'8' => "はっせん".to_string(),
        d => format!("{}せん", digit(d)),
    };
    if &n[1..] != b"000" {
        if n[1] == b'0' {
            out.push_str(&len_two(&n[2..]));
        } else {
            out.push_str(&len_three(&n[1..]));
        }
    }
    out
}

fn len_x(n: &[u8]) -> String {
    let (high, low) = n.split_at(n.len() - 4);
    let mut out = match high.len() {
        1 => format!("{}まん", digit(high[0])),
        2 => format!("{}まん", len_two(high)),
        3 => format!("{}まん", len_three(high)),
        4 => format!("{}まん", len_four(high, false)),
        _ => {
            let mut s = format!("{}おく{}", digit(high[0]), len_four(&high[1..], false));
            if &high[1..] != b"0000" {
                s.push_str("まん");
            }
            s
        }
    };
    out.push_str(&len_four(low, false));
    out
}

/// The hiragana reading of a run of ASCII digits.
pub(crate) fn digits_to_kana(run: &str) -> String {
    let mut n = run.as_bytes();
    while n.len() > 1 && n[0] == b'0' {
        n = &n[1..];
    }
    match n.len() {
        0 => String::new(),
        1 => digit(n[0]).to_string(),
        2 => len_two(n),
        3 => len_three(n),
        4 => len_four(n, true),
        5..=9 => len_x(n),
        _ => n.iter().map(|&d| digit(d)).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readings_follow_misaki() {
        let cases = [
            ("0", "ゼロ"),
            ("7", "なな"),
            ("10", "じゅう"),
            ("15", "じゅうご"),
            ("40", "よんじゅう"),
            ("99", "きゅうじゅうきゅう"),
            ("100", "ひゃく"),
            ("300", "さんびゃく"),
            ("608", "ろっぴゃくはち"),
            ("1000", "せん"),
            ("2026", "にせんにじゅうろく"),
            ("8000", "はっせん"),
            ("10000", "いちまん"),
            ("11000", "いちまんいっせん"),
            (
                "123456789",
                "いちおくにせんさんびゃくよんじゅうごまんろくせんななひゃくはちじゅうきゅう",
            ),
            ("007", "なな"),
            ("12345678901", "いちにさんよんごろくななはちきゅうゼロいち"),
        ];
        for (n, want) in cases {
            assert_eq!(digits_to_kana(n), want, "{n}");
        }
    }
}
