//! Numbers as English words: cardinals, ordinals, years, digit strings.
//!
//! Words are joined by single spaces without hyphens or "and" (`"214"` -> `"two hundred
//! fourteen"`), the form misaki reads numbers in.

const ONES: [&str; 20] = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
];

const TENS: [&str; 10] = [
    "", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety",
];

const SCALES: [(u64, &str); 5] = [
    (1_000_000_000_000_000, "quadrillion"),
    (1_000_000_000_000, "trillion"),
    (1_000_000_000, "billion"),
    (1_000_000, "million"),
    (1_000, "thousand"),
];

fn push(out: &mut String, word: &str) {
    if !out.is_empty() {
        out.push(' ');
    }
    out.push_str(word);
}

/// Words for 0..1000 appended to `out` (nothing for 0 unless `out` would stay empty).
fn below_thousand(n: u64, out: &mut String) {
    let hundreds = n / 100;
    let rest = n % 100;
    if hundreds > 0 {
        push(out, ONES.get(hundreds as usize).copied().unwrap_or(""));
        push(out, "hundred");
    }
    if rest >= 20 {
        push(out, TENS.get((rest / 10) as usize).copied().unwrap_or(""));
        if !rest.is_multiple_of(10) {
            push(out, ONES.get((rest % 10) as usize).copied().unwrap_or(""));
        }
    } else if rest > 0 {
        push(out, ONES.get(rest as usize).copied().unwrap_or(""));
    }
}

/// The cardinal `n` in words: `1200` -> `"one thousand two hundred"`.
pub fn cardinal(n: u64) -> String {
    if n == 0 {
        return ONES[0].to_owned();
    }
    let mut out = String::new();
    let mut rest = n;
    for (scale, name) in SCALES {
        if rest >= scale {
            let count = rest / scale;
            if count >= 1000 {
                // Only above 10^18: say the leading part as a cardinal of its own.
                push(&mut out, &cardinal(count));
            } else {
                below_thousand(count, &mut out);
            }
            push(&mut out, name);
            rest %= scale;
        }
    }
    below_thousand(rest, &mut out);
    out
}

/// The ordinal `n` in words: `3` -> `"third"`, `19` -> `"nineteenth"`, `101` -> `"one hundred first"`.
pub fn ordinal(n: u64) -> String {
    let words = cardinal(n);
    let (head, last) = match words.rsplit_once(' ') {
        Some((head, last)) => (Some(head), last),
        None => (None, words.as_str()),
    };
    let last = match last {
        "one" => "first".to_owned(),
        "two" => "second".to_owned(),
        "three" => "third".to_owned(),
        "five" => "fifth".to_owned(),
        "eight" => "eighth".to_owned(),
        "nine" => "ninth".to_owned(),
        "twelve" => "twelfth".to_owned(),
        w if w.ends_with('y') => format!("{}ieth", w.trim_end_matches('y')),
        w => format!("{w}th"),
    };
    match head {
        Some(head) => format!("{head} {last}"),
        None => last,
    }
}

/// The plural of a number's words, for decades: `"nineteen ninety"` -> `"nineteen nineties"`.
pub fn plural(words: &str) -> String {
    let (head, last) = match words.rsplit_once(' ') {
        Some((head, last)) => (Some(head), last),
        None => (None, words),
    };
    let last = if let Some(stem) = last.strip_suffix('y') {
        format!("{stem}ies")
    } else if last.ends_with('x') {
        format!("{last}es")
    } else {
        format!("{last}s")
    };
    match head {
        Some(head) => format!("{head} {last}"),
        None => last,
    }
}

/// A year read the usual way: `1976` -> `"nineteen seventy six"`, `2005` -> `"two thousand
/// five"`, `1900` -> `"nineteen hundred"`, `1805` -> `"eighteen oh five"`, `2024` -> `"twenty
/// twenty four"`. Other values read as cardinals.
pub fn year(n: u64) -> String {
    if !(1000..10_000).contains(&n) {
        return cardinal(n);
    }
    let high = n / 100;
    let low = n % 100;
    if (2000..2010).contains(&n) || n.is_multiple_of(1000) {
        return cardinal(n);
    }
    let mut out = cardinal(high);
    if low == 0 {
        out.push_str(" hundred");
    } else {
        out.push(' ');
        out.push_str(&oh_cardinal(low));
    }
    out
}

/// The second half of a year or a time of day (`n` under 100, not 0): `5` -> `"oh five"`,
/// `20` -> `"twenty"`.
pub(crate) fn oh_cardinal(n: u64) -> String {
    if n < 10 {
        format!("oh {}", cardinal(n))
    } else {
        cardinal(n)
    }
}

/// Each digit of `digits` as a word (other characters skipped): `"042"` -> `"zero four two"`.
pub fn digits(digits: &str) -> String {
    let mut out = String::new();
    for d in digits.chars().filter_map(|c| c.to_digit(10)) {
        push(&mut out, ONES.get(d as usize).copied().unwrap_or(""));
    }
    out
}

/// A run of ASCII digits read as a number: a cardinal when it fits (and has no leading zero),
/// else digit by digit.
pub fn integer(text: &str) -> String {
    let trimmed: String = text.chars().filter(char::is_ascii_digit).collect();
    if trimmed.len() > 1 && trimmed.starts_with('0') {
        return digits(&trimmed);
    }
    match trimmed.parse::<u64>() {
        Ok(n) if trimmed.len() <= 18 => cardinal(n),
        _ => digits(&trimmed),
    }
}

/// The value of a Roman numeral in canonical form (`"XIV"` -> 14, `"MCMXC"` -> 1990), 1..=3999;
/// `None` for anything else (`"IIII"`, `"IC"`, `"MIX"` is 1009 but `"MIXX"` is not a numeral).
///
/// Only upper-case numerals count: whether a numeral is read at all is decided by its context
/// (`crate::normalize`).
pub fn roman(text: &str) -> Option<u64> {
    if text.is_empty() || text.len() > 15 {
        return None;
    }
    let value = |c: char| match c {
        'I' => Some(1),
        'V' => Some(5),
        'X' => Some(10),
        'L' => Some(50),
        'C' => Some(100),
        'D' => Some(500),
        'M' => Some(1000),
        _ => None,
    };
    let values: Vec<u64> = text.chars().map(value).collect::<Option<_>>()?;
    let mut total: i64 = 0;
    for (i, v) in values.iter().enumerate() {
        match values.get(i + 1) {
            Some(next) if next > v => total -= i64::try_from(*v).unwrap_or(0),
            _ => total += i64::try_from(*v).unwrap_or(0),
        }
    }
    let total = u64::try_from(total)
        .ok()
        .filter(|t| (1..4000).contains(t))?;
    // Canonical only: writing the value back must give the same letters.
    (to_roman(total) == text).then_some(total)
}

/// `n` (1..=3999) as a canonical Roman numeral.
fn to_roman(mut n: u64) -> String {
    const TABLE: [(u64, &str); 13] = [
        (1000, "M"),
        (900, "CM"),
        (500, "D"),
        (400, "CD"),
        (100, "C"),
        (90, "XC"),
        (50, "L"),
        (40, "XL"),
        (10, "X"),
        (9, "IX"),
        (5, "V"),
        (4, "IV"),
        (1, "I"),
    ];
    let mut out = String::new();
    for (value, letters) in TABLE {
        while n >= value {
            out.push_str(letters);
            n -= value;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn cardinals() {
        assert_eq!(cardinal(0), "zero");
        assert_eq!(cardinal(7), "seven");
        assert_eq!(cardinal(19), "nineteen");
        assert_eq!(cardinal(45), "forty five");
        assert_eq!(cardinal(214), "two hundred fourteen");
        assert_eq!(cardinal(1200), "one thousand two hundred");
        assert_eq!(cardinal(3500), "three thousand five hundred");
        assert_eq!(cardinal(1_000_001), "one million one");
        assert_eq!(
            cardinal(u64::MAX),
            "eighteen thousand four hundred forty six quadrillion seven hundred forty four \
             trillion seventy three billion seven hundred nine million five hundred fifty one \
             thousand six hundred fifteen"
        );
    }

    #[test]
    fn ordinals_years_plurals() {
        assert_eq!(ordinal(1), "first");
        assert_eq!(ordinal(3), "third");
        assert_eq!(ordinal(4), "fourth");
        assert_eq!(ordinal(12), "twelfth");
        assert_eq!(ordinal(19), "nineteenth");
        assert_eq!(ordinal(20), "twentieth");
        assert_eq!(ordinal(22), "twenty second");
        assert_eq!(ordinal(101), "one hundred first");
        assert_eq!(year(1976), "nineteen seventy six");
        assert_eq!(year(2024), "twenty twenty four");
        assert_eq!(year(2000), "two thousand");
        assert_eq!(year(2005), "two thousand five");
        assert_eq!(year(1900), "nineteen hundred");
        assert_eq!(year(1805), "eighteen oh five");
        assert_eq!(plural(&year(1990)), "nineteen nineties");
        assert_eq!(plural(&cardinal(80)), "eighties");
        assert_eq!(integer("007"), "zero zero seven");
        assert_eq!(digits("555"), "five five five");
    }

    #[test]
    fn roman_numerals() {
        for (text, value) in [
            ("I", 1),
            ("IV", 4),
            ("IX", 9),
            ("XIV", 14),
            ("XLIX", 49),
            ("LVII", 57),
            ("MCMXC", 1990),
            ("MMMCMXCIX", 3999),
        ] {
            assert_eq!(roman(text), Some(value), "{text}");
        }
        for text in [
            "", "IIII", "IC", "VX", "MIXX", "iv", "CIVIL", "DIM", "A", "MMMM",
        ] {
            assert_eq!(roman(text), None, "{text}");
        }
    }

    proptest! {
        #[test]
        fn words_have_no_digits_and_are_never_empty(n in any::<u64>()) {
            for words in [cardinal(n), ordinal(n), year(n), integer(&n.to_string())] {
                prop_assert!(!words.is_empty());
                prop_assert!(!words.chars().any(|c| c.is_ascii_digit()), "{}", words);
                prop_assert!(!words.contains("  "), "{}", words);
            }
        }

        #[test]
        fn roman_round_trips(n in 1u64..4000) {
            prop_assert_eq!(roman(&to_roman(n)), Some(n));
        }
    }
}
