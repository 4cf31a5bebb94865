//! Arabic numerals to Chinese numerals, as misaki's Mandarin front end has `cn2an` do it
//! (`cn2an.transform(text, "an2cn")`): ranges before a measure word are left to the number rule,
//! years are read digit by digit (`2024年` → 二零二四年), fractions (`1/2` → 二分之一), percentages
//! (`50%` → 百分之五十), degrees Celsius (`30℃` → 三十摄氏度), and any other number in full
//! (`-3.25` → 负三点二五, `10` → 十, `1001` → 一千零一).

const DIGITS: [char; 10] = ['零', '一', '二', '三', '四', '五', '六', '七', '八', '九'];

/// Writes the numbers of `text` as Chinese numerals.
pub fn numbers_to_chinese(text: &str) -> String {
    if !text.chars().any(|c| c.is_ascii_digit()) {
        return text.to_owned();
    }
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len() * 2);
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        let negative = c == '-'
            && chars.get(i + 1).is_some_and(char::is_ascii_digit)
            && !i
                .checked_sub(1)
                .and_then(|p| chars.get(p))
                .is_some_and(char::is_ascii_digit);
        if !c.is_ascii_digit() && !negative {
            out.push(c);
            i += 1;
            continue;
        }
        let start = i + usize::from(negative);
        let mut end = start;
        while chars.get(end).is_some_and(char::is_ascii_digit) {
            end += 1;
        }
        let integer: String = chars[start..end].iter().collect();
        let mut fraction = String::new();
        if chars.get(end) == Some(&'.') && chars.get(end + 1).is_some_and(char::is_ascii_digit) {
            let mut f = end + 1;
            while chars.get(f).is_some_and(char::is_ascii_digit) {
                f += 1;
            }
            fraction = chars[end + 1..f].iter().collect();
            end = f;
        }
        let next = chars.get(end).copied();
        // Year: 2 to 4 digits before 年, read digit by digit.
        if !negative
            && fraction.is_empty()
            && next == Some('年')
            && (2..=4).contains(&integer.len())
        {
            out.extend(integer.chars().map(digit));
            i = end;
            continue;
        }
        // Fraction a/b: b分之a.
        if !negative
            && fraction.is_empty()
            && next == Some('/')
            && chars.get(end + 1).is_some_and(char::is_ascii_digit)
        {
            let mut d = end + 1;
            while chars.get(d).is_some_and(char::is_ascii_digit) {
                d += 1;
            }
            let denominator: String = chars[end + 1..d].iter().collect();
            out.push_str(&integer_words(&denominator));
            out.push_str("分之");
            out.push_str(&integer_words(&integer));
            i = d;
            continue;
        }
        let mut words = String::new();
        if negative {
            words.push('负');
        }
        words.push_str(&integer_words(&integer));
        if !fraction.is_empty() {
            words.push('点');
            words.extend(fraction.chars().map(digit));
        }
        match next {
            Some('%') => {
                out.push_str("百分之");
                out.push_str(&words);
                i = end + 1;
            }
            Some('℃') => {
                out.push_str(&words);
                out.push_str("摄氏度");
                i = end + 1;
            }
            _ => {
                out.push_str(&words);
                i = end;
            }
        }
    }
    out
}

fn digit(c: char) -> char {
    c.to_digit(10)
        .and_then(|d| DIGITS.get(d as usize))
        .copied()
        .unwrap_or(c)
}

/// An integer in words (`cn2an`'s "low" reading): 十 for 10 to 19, 零 for each run of zeros
/// inside, 万 and 亿 groups. Longer than 16 digits: digit by digit.
fn integer_words(digits: &str) -> String {
    let digits = digits.trim_start_matches('0');
    if digits.is_empty() {
        return "零".to_owned();
    }
    if digits.len() > 16 {
        return digits.chars().map(digit).collect();
    }
    // Groups of four from the right: 亿, 万, units.
    let values: Vec<u8> = digits.bytes().map(|b| b - b'0').collect();
    let groups: Vec<&[u8]> = {
        let mut groups = Vec::new();
        let mut end = values.len();
        while end > 0 {
            let start = end.saturating_sub(4);
            groups.push(&values[start..end]);
            end = start;
        }
        groups.reverse();
        groups
    };
    let group_units = ["", "万", "亿", "万亿"];
    let mut out = String::new();
    let mut pending_zero = false;
    let count = groups.len();
    for (index, group) in groups.iter().enumerate() {
        let unit = group_units[count - 1 - index];
        if group.iter().all(|&d| d == 0) {
            pending_zero = !out.is_empty();
            continue;
        }
        // A group of fewer than four digits after a non-empty one starts with 零.
        let padded: Vec<u8> = std::iter::repeat_n(0, 4 - group.len())
            .chain(group.iter().copied())
            .collect();
        let mut group_text = String::new();
        let mut zero = pending_zero || (!out.is_empty() && padded[0] == 0);
        for (place, &d) in padded.iter().enumerate() {
            if d == 0 {
                zero = zero || !group_text.is_empty();
                continue;
            }
            if zero && (!group_text.is_empty() || !out.is_empty()) {
                group_text.push('零');
            }
            zero = false;
            group_text.push(DIGITS[usize::from(d)]);
            group_text.push_str(["千", "百", "十", ""][place]);
        }
        out.push_str(&group_text);
        out.push_str(unit);
        pending_zero = false;
    }
    // 一十X at the very start reads 十X.
    if out.starts_with("一十") {
        out.replace_range(..'一'.len_utf8(), "");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_in_words() {
        for (n, words) in [
            ("0", "零"),
            ("7", "七"),
            ("10", "十"),
            ("12", "十二"),
            ("20", "二十"),
            ("25", "二十五"),
            ("100", "一百"),
            ("101", "一百零一"),
            ("110", "一百一十"),
            ("1001", "一千零一"),
            ("1010", "一千零一十"),
            ("10000", "一万"),
            ("10001", "一万零一"),
            ("12345", "一万二千三百四十五"),
            ("100000000", "一亿"),
            ("100010000", "一亿零一万"),
        ] {
            assert_eq!(integer_words(n), words, "{n}");
        }
    }

    #[test]
    fn numbers_in_text_as_cn2an_writes_them() {
        for (text, expected) in [
            ("我有3个苹果", "我有三个苹果"),
            ("花了25.5元", "花了二十五点五元"),
            ("2024年", "二零二四年"),
            ("1/2", "二分之一"),
            ("50%", "百分之五十"),
            ("-3度", "负三度"),
            ("30℃", "三十摄氏度"),
            ("没有数字", "没有数字"),
        ] {
            assert_eq!(numbers_to_chinese(text), expected, "{text}");
        }
    }
}
