//! Kana to Kokoro phonemes, as misaki's cutlet-based `ja` front end maps them (its `HEPBURN`
//! table and `_get_single_mapping`, rewritten here).

/// misaki's cutlet table (`HEPBURN`): one kana or symbol -> phonemes. Sorted by key.
pub(crate) const SINGLE: &[(char, &str)] = &[
    ('«', "“"),
    ('»', "”"),
    ('—', "—"),
    ('、', ","),
    ('。', "."),
    ('《', "("),
    ('》', ")"),
    ('「', "“"),
    ('」', "”"),
    ('『', "“"),
    ('』', "”"),
    ('【', "["),
    ('】', "]"),
    ('〜', "—"),
    ('ぁ', "a"),
    ('あ', "a"),
    ('ぃ', "i"),
    ('い', "i"),
    ('ぅ', "ɯ"),
    ('う', "ɯ"),
    ('ぇ', "e"),
    ('え', "e"),
    ('ぉ', "o"),
    ('お', "o"),
    ('か', "ka"),
    ('が', "ɡa"),
    ('き', "kʲi"),
    ('ぎ', "ɡʲi"),
    ('く', "kɯ"),
    ('ぐ', "ɡɯ"),
    ('け', "ke"),
    ('げ', "ɡe"),
    ('こ', "ko"),
    ('ご', "ɡo"),
    ('さ', "sa"),
    ('ざ', "ʣa"),
    ('し', "ɕi"),
    ('じ', "ʥi"),
    ('す', "sɨ"),
    ('ず', "zɨ"),
    ('せ', "se"),
    ('ぜ', "ʣe"),
    ('そ', "so"),
    ('ぞ', "ʣo"),
    ('た', "ta"),
    ('だ', "da"),
    ('ち', "ʨi"),
    ('ぢ', "ʥi"),
    ('つ', "ʦɨ"),
    ('づ', "zɨ"),
    ('て', "te"),
    ('で', "de"),
    ('と', "to"),
    ('ど', "do"),
    ('な', "na"),
    ('に', "ɲi"),
    ('ぬ', "nɯ"),
    ('ね', "ne"),
    ('の', "no"),
    ('は', "ha"),
    ('ば', "ba"),
    ('ぱ', "pa"),
    ('ひ', "çi"),
    ('び', "bʲi"),
    ('ぴ', "pʲi"),
    ('ふ', "ɸɯ"),
    ('ぶ', "bɯ"),
    ('ぷ', "pɯ"),
    ('へ', "he"),
    ('べ', "be"),
    ('ぺ', "pe"),
    ('ほ', "ho"),
    ('ぼ', "bo"),
    ('ぽ', "po"),
    ('ま', "ma"),
    ('み', "mʲi"),
    ('む', "mɯ"),
    ('め', "me"),
    ('も', "mo"),
    ('ゃ', "ja"),
    ('や', "ja"),
    ('ゅ', "jɯ"),
    ('ゆ', "jɯ"),
    ('ょ', "jo"),
    ('よ', "jo"),
    ('ら', "ɾa"),
    ('り', "ɾʲi"),
    ('る', "ɾɯ"),
    ('れ', "ɾe"),
    ('ろ', "ɾo"),
    ('ゎ', "βa"),
    ('わ', "βa"),
    ('ゐ', "i"),
    ('ゑ', "e"),
    ('を', "o"),
    ('ゔ', "vɯ"),
    ('ゕ', "ka"),
    ('ゖ', "ke"),
    ('゙', ""),
    ('゚', ""),
    ('ヷ', "va"),
    ('ヸ', "vʲi"),
    ('ヹ', "ve"),
    ('ヺ', "vo"),
    ('・', " "),
    ('！', "!"),
    ('（', "("),
    ('）', ")"),
    ('，', ","),
    ('：', ":"),
    ('；', ";"),
    ('？', "?"),
    ('～', "—"),
];
/// Two-kana digraphs (kana + small kana) -> phonemes. Sorted by key.
pub(crate) const DIGRAPH: &[(&str, &str)] = &[
    ("いぇ", "je"),
    ("うぃ", "βi"),
    ("うぇ", "βe"),
    ("うぉ", "βo"),
    ("きぇ", "kʲe"),
    ("きゃ", "kʲa"),
    ("きゅ", "kʲɨ"),
    ("きょ", "kʲo"),
    ("ぎゃ", "ɡʲa"),
    ("ぎゅ", "ɡʲɨ"),
    ("ぎょ", "ɡʲo"),
    ("くぁ", "kᵝa"),
    ("くぃ", "kᵝi"),
    ("くぇ", "kᵝe"),
    ("くぉ", "kᵝo"),
    ("ぐぁ", "ɡᵝa"),
    ("ぐぃ", "ɡᵝi"),
    ("ぐぇ", "ɡᵝe"),
    ("ぐぉ", "ɡᵝo"),
    ("しぇ", "ɕe"),
    ("しゃ", "ɕa"),
    ("しゅ", "ɕɨ"),
    ("しょ", "ɕo"),
    ("じぇ", "ʥe"),
    ("じゃ", "ʥa"),
    ("じゅ", "ʥɨ"),
    ("じょ", "ʥo"),
    ("ちぇ", "ʨe"),
    ("ちゃ", "ʨa"),
    ("ちゅ", "ʨɨ"),
    ("ちょ", "ʨo"),
    ("ぢゃ", "ʥa"),
    ("ぢゅ", "ʥɨ"),
    ("ぢょ", "ʥo"),
    ("つぁ", "ʦa"),
    ("つぃ", "ʦʲi"),
    ("つぇ", "ʦe"),
    ("つぉ", "ʦo"),
    ("てぃ", "tʲi"),
    ("てゅ", "tʲɨ"),
    ("でぃ", "dʲi"),
    ("でゅ", "dʲɨ"),
    ("とぅ", "tɯ"),
    ("どぅ", "dɯ"),
    ("にぇ", "ɲe"),
    ("にゃ", "ɲa"),
    ("にゅ", "ɲɨ"),
    ("にょ", "ɲo"),
    ("ひぇ", "çe"),
    ("ひゃ", "ça"),
    ("ひゅ", "çɨ"),
    ("ひょ", "ço"),
    ("びゃ", "bʲa"),
    ("びゅ", "bʲɨ"),
    ("びょ", "bʲo"),
    ("ぴゃ", "pʲa"),
    ("ぴゅ", "pʲɨ"),
    ("ぴょ", "pʲo"),
    ("ふぁ", "ɸa"),
    ("ふぃ", "ɸʲi"),
    ("ふぇ", "ɸe"),
    ("ふぉ", "ɸo"),
    ("ふゅ", "ɸʲɨ"),
    ("ふょ", "ɸʲo"),
    ("みゃ", "mʲa"),
    ("みゅ", "mʲɨ"),
    ("みょ", "mʲo"),
    ("りゃ", "ɾʲa"),
    ("りゅ", "ɾʲɨ"),
    ("りょ", "ɾʲo"),
    ("ゔぁ", "va"),
    ("ゔぃ", "vʲi"),
    ("ゔぇ", "ve"),
    ("ゔぉ", "vo"),
    ("ゔゅ", "bʲɨ"),
    ("ゔょ", "bʲo"),
];

/// Small kana that modify the kana before them.
const SUTEGANA: &[char] = &['ゃ', 'ゅ', 'ょ', 'ぁ', 'ぃ', 'ぅ', 'ぇ', 'ぉ'];

/// The phonemes of one kana or symbol.
pub(crate) fn single(c: char) -> Option<&'static str> {
    SINGLE
        .binary_search_by(|(k, _)| k.cmp(&c))
        .ok()
        .map(|i| SINGLE[i].1)
}

fn digraph(a: char, b: char) -> Option<&'static str> {
    let mut key = [0u8; 8];
    let n = a.encode_utf8(&mut key[..4]).len();
    let m = b.encode_utf8(&mut key[n..]).len();
    let key = std::str::from_utf8(&key[..n + m]).ok()?;
    DIGRAPH
        .binary_search_by(|(k, _)| (*k).cmp(key))
        .ok()
        .map(|i| DIGRAPH[i].1)
}

/// Katakana to hiragana (jaconv's `kata2hira`): ァ..ヶ and the iteration marks ヽヾ; ヷ..ヺ and ー
/// have no hiragana and stay.
pub(crate) fn kata2hira(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            'ァ'..='ヶ' | 'ヽ' | 'ヾ' => char::from_u32(c as u32 - 0x60).unwrap_or(c),
            _ => c,
        })
        .collect()
}

/// The voiced kana of `c` (for ゞ), if it has one.
fn add_dakuten(c: char) -> Option<char> {
    const PLAIN: &str = "かきくけこさしすせそたちつてとはひふへほ";
    const VOICED: &str = "がぎぐげござじずぜぞだぢづでどばびぶべぼ";
    let i = PLAIN.chars().position(|p| p == c)?;
    VOICED.chars().nth(i)
}

/// The phonemes of kana `kk` between `pk` and `nk` (hiragana, as from [`kata2hira`]).
fn mapping(pk: Option<char>, kk: char, nk: Option<char>) -> String {
    // Iteration marks: repeat the kana before, voiced for ゞ; 々 and 〃 cannot be followed.
    match kk {
        // (misaki returns the kana itself here, which no vocabulary holds; its phonemes are meant)
        'ゝ' | 'ヽ' => return pk.and_then(single).unwrap_or_default().to_string(),
        'ゞ' | 'ヾ' => {
            return pk
                .and_then(add_dakuten)
                .and_then(single)
                .unwrap_or_default()
                .to_string();
        }
        '〃' | '々' => return String::new(),
        _ => {}
    }
    if let Some(p) = pk
        && let Some(ps) = digraph(p, kk)
    {
        return ps.to_string();
    }
    if let Some(n) = nk
        && digraph(kk, n).is_some()
    {
        return String::new();
    }
    if let Some(n) = nk
        && SUTEGANA.contains(&n)
    {
        if kk == 'っ' {
            return String::new();
        }
        let mut own = single(kk).unwrap_or_default().to_string();
        own.pop();
        own.push_str(single(n).unwrap_or_default());
        return own;
    }
    if SUTEGANA.contains(&kk) {
        // Joined to the kana before it (above). misaki drops one that has none (at the start,
        // after っ or a symbol); it is read on its own here, so that no kana goes unspoken.
        let joined = pk.is_some_and(|p| p != 'っ' && single(p).is_some_and(|s| !s.is_empty()));
        return if joined {
            String::new()
        } else {
            single(kk).unwrap_or_default().to_string()
        };
    }
    match kk {
        'ー' => "ː".to_string(),
        'っ' => "ʔ".to_string(),
        'ん' => {
            let next = nk.and_then(single).unwrap_or_default();
            let ps = if next.starts_with(['m', 'p', 'b']) {
                "m"
            } else if next.starts_with(['k', 'ɡ']) {
                "ŋ"
            } else if next.starts_with(['ɲ', 'ʨ', 'ʥ']) {
                "ɲ"
            } else if next.starts_with(['n', 't', 'd', 'ɾ', 'z']) {
                "n"
            } else {
                "ɴ"
            };
            ps.to_string()
        }
        _ => single(kk).unwrap_or_default().to_string(),
    }
}

/// The phonemes of a word's reading in hiragana, kana by kana with its neighbours.
pub(crate) fn reading_to_phonemes(hira: &str) -> String {
    let chars: Vec<char> = hira.chars().collect();
    let mut out = String::new();
    for (i, &c) in chars.iter().enumerate() {
        let pk = i.checked_sub(1).map(|j| chars[j]);
        let nk = chars.get(i + 1).copied();
        out.push_str(&mapping(pk, c, nk));
    }
    out
}

/// A symbol mapped character by character (unknown characters stay as they are).
pub(crate) fn symbol_to_phonemes(surface: &str) -> String {
    surface
        .chars()
        .map(|c| single(c).map_or_else(|| c.to_string(), str::to_string))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_are_sorted_for_binary_search() {
        assert!(SINGLE.windows(2).all(|w| w[0].0 < w[1].0));
        assert!(DIGRAPH.windows(2).all(|w| w[0].0 < w[1].0));
        assert_eq!(SINGLE.len(), 113);
        assert_eq!(DIGRAPH.len(), 76);
    }

    #[test]
    fn readings_map_as_misaki_does() {
        assert_eq!(reading_to_phonemes("こんにちは"), "koɲɲiʨiha");
        assert_eq!(reading_to_phonemes("とーきょー"), "toːkʲoː");
        assert_eq!(reading_to_phonemes("きゃっと"), "kʲaʔto");
        assert_eq!(reading_to_phonemes("しんぶん"), "ɕimbɯɴ");
        assert_eq!(reading_to_phonemes("さんか"), "saŋka");
        assert_eq!(reading_to_phonemes("ふぁいる"), "ɸaiɾɯ");
        assert_eq!(reading_to_phonemes("しぃ"), "ɕi");
        assert_eq!(reading_to_phonemes("ぁ"), "a");
        assert_eq!(reading_to_phonemes("っゃ"), "ja");
    }

    #[test]
    fn katakana_becomes_hiragana() {
        assert_eq!(kata2hira("トーキョー"), "とーきょー");
        assert_eq!(kata2hira("ヴァヷ"), "ゔぁヷ");
    }
}
