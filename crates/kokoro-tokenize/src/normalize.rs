//! Text normalization: numbers, money, times, dates, ranges, symbols and abbreviations become
//! the words a narrator says, before G2P.
//!
//! misaki reads most numbers itself, but gets some wrong (`"7:00"` -> "seven zero zero",
//! `"5-12"` as one word, `"1990s"` -> "nineteen ninety ess", `"St."` dropped). This pass
//! writes them all out as words so that no ASCII digit reaches G2P, and leaves misaki
//! `[text](/phonemes/)` markup untouched.

use std::sync::OnceLock;

use regex::{Captures, Regex};

use crate::Dialect;
use crate::markup::rewrite_outside_markup;
use crate::numbers::{cardinal, digits, integer, oh_cardinal, ordinal, plural, roman, year};

/// A number with optional thousands separators.
///
/// Every pattern here names ASCII digits (`[0-9]`), not `\d`: the number words read ASCII digits
/// only (other scripts' digits pass through to G2P rather than vanish), and `\d`, which is every
/// Unicode digit, made the compiled rules 1.7 MB larger (`docs/PERFORMANCE.md`, "Cold start").
const NUM: &str = r"[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+";

/// Normalizes `text` for speaking in `dialect`: digits, currency, times, dates, ranges,
/// percent, degrees and common abbreviations are written out as words; misaki markup
/// (`[word](/phonemes/)`) is kept as it is.
///
/// ```
/// use kokoro_tokenize::{normalize, Dialect};
/// assert_eq!(normalize("At 7:00 it cost $12.50.", Dialect::Us),
///            "At seven o'clock it cost twelve dollars and fifty cents.");
/// ```
pub fn normalize(text: &str, dialect: Dialect) -> String {
    rewrite_outside_markup(text, |plain, out| {
        out.push_str(&normalize_plain(plain, dialect));
    })
}

type Rule = fn(&Captures<'_>, Dialect, bool) -> String;

/// One rule: its pattern, compiled on first use, and what it writes for a match.
struct Compiled {
    pattern: String,
    re: OnceLock<Option<Regex>>,
    /// Every match of `pattern` holds an ASCII digit ([`requires_digit`]): the rule is skipped,
    /// and never compiled, for text without one. Most rules read numbers, and most narration
    /// has none, so a digit-free text compiles a handful of the rules.
    needs_digit: bool,
    rule: Rule,
}

impl Compiled {
    fn new(pattern: String, rule: Rule) -> Self {
        let needs_digit = regex_syntax::parse(&pattern).is_ok_and(|hir| requires_digit(&hir));
        Compiled {
            pattern,
            re: OnceLock::new(),
            needs_digit,
            rule,
        }
    }

    /// The compiled pattern for `text`, or `None` when the rule cannot match it.
    fn regex_for(&self, text: &str) -> Option<&Regex> {
        if self.needs_digit && !text.bytes().any(|b| b.is_ascii_digit()) {
            return None;
        }
        self.re
            .get_or_init(|| match Regex::new(&self.pattern) {
                Ok(re) => Some(re),
                Err(err) => {
                    let pattern = &self.pattern;
                    tracing::error!(%pattern, %err, "internal error: normalization rule skipped");
                    None
                }
            })
            .as_ref()
    }
}

/// Whether every match of `hir` holds an ASCII digit: a literal with one, a class of digits
/// only, a sequence with such a part, an alternation whose every branch has one, or a
/// repetition of at least one such item.
fn requires_digit(hir: &regex_syntax::hir::Hir) -> bool {
    use regex_syntax::hir::{Class, HirKind};
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => false,
        HirKind::Literal(lit) => lit.0.iter().any(u8::is_ascii_digit),
        HirKind::Class(Class::Unicode(class)) => class
            .ranges()
            .iter()
            .all(|r| r.start() >= '0' && r.end() <= '9'),
        HirKind::Class(Class::Bytes(class)) => class
            .ranges()
            .iter()
            .all(|r| r.start() >= b'0' && r.end() <= b'9'),
        HirKind::Repetition(rep) => rep.min >= 1 && requires_digit(&rep.sub),
        HirKind::Capture(cap) => requires_digit(&cap.sub),
        HirKind::Concat(parts) => parts.iter().any(requires_digit),
        HirKind::Alternation(branches) => branches.iter().all(requires_digit),
    }
}

fn rules() -> &'static [Compiled] {
    static RULES: OnceLock<Vec<Compiled>> = OnceLock::new();
    RULES.get_or_init(|| {
        let table: Vec<(String, Rule)> = vec![
            (r"--+".to_owned(), |_, _, _| "—".to_owned()),
            (r"\bWW(II|I)\b".to_owned(), |c, _, _| {
                format!("World War {}", if group(c, 1) == "II" { "two" } else { "one" })
            }),
            (format!(r"\b({NUMBERED})\s+([IVXLCDM]+)\b"), numbered_part),
            (
                format!(r"\b(?:({TITLES})\s+)?([A-Z][a-z]+)\s+([IVXLC]+)\b(\s+of\b|[,.;:!?)]|$)?"),
                regnal,
            ),
            (
                r"\b(Ave|Rd|Blvd|Mt|Ft|Jr|Sr|Capt|Lt|Sgt|Gen|Col|Gov|Sen|Rev|Hon|Fr|vs|etc|approx|Approx|Maj|Cpl|Pvt|Adm|Cmdr|Det|Insp|Supt|Msgr|Mme|Mlle|Pres|Ln|Ct|Hwy|Pkwy|Sq|Apt|Bldg|Dept|Univ|Bros|Corp|Ltd|Inc|doz|Tues|Thurs|Vol|vol)\.".to_owned(),
                abbreviation,
            ),
            (
                r"\b(?:(on|On|next|last|this|every|until|by|from|since|before|after|in|In)\s+)?(Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec|Mon|Tue|Wed|Thu|Thur|Fri|Sat|Sun)\.(,|\s+(?:[a-z]|[0-9]+))?".to_owned(),
                month_or_day,
            ),
            (
                r"\b(January|February|March|April|June|July|August|September|October|November|December)\s+([0-9]{1,2})\b([:.,][0-9])?".to_owned(),
                month_day,
            ),
            (r"\b(?:([A-Z][a-z]+)\s+)?St\.(\s+[A-Z])?".to_owned(), saint_or_street),
            (r"\b([A-Z][a-z]+)\s+Dr\.(\s+[A-Z])?".to_owned(), |c, _, end| {
                // "Mulholland Dr." is Drive; "Then Dr. Lee" stays for misaki (Doctor).
                match c.get(2) {
                    Some(_) => group(c, 0).to_owned(),
                    None => period(&format!("{} Drive", group(c, 1)), end),
                }
            }),
            (r"\b(?:e\.g|E\.g)\.".to_owned(), |_, _, end| period("for example", end)),
            (r"\b(?:i\.e|I\.e)\.".to_owned(), |_, _, end| period("that is", end)),
            (r"\b(No|no|Nos)\.\s?([0-9])".to_owned(), |c, _, _| {
                format!("number {}", group(c, 2))
            }),
            (r"#\s?([0-9])".to_owned(), |c, _, _| format!("number {}", group(c, 1))),
            (r"\b([0-9]{1,2})/([0-9]{1,2})/([0-9]{4}|[0-9]{2})\b".to_owned(), date),
            (r"\b([0-9]{4})-([0-9]{2})-([0-9]{2})\b".to_owned(), iso_date),
            (
                format!(r"([$£€¥])\s?({NUM})(?:\.([0-9]+))?(?:\s?(thousand|million|billion|trillion)\b)?"),
                currency,
            ),
            (format!(r"\b({NUM})\s?¢"), |c, _, _| {
                let n = group(c, 1).replace(',', "");
                let one = n == "1";
                format!("{} {}", integer(&n), if one { "cent" } else { "cents" })
            }),
            (
                r"\b([01]?[0-9]|2[0-3]):([0-5][0-9])\b(\s*[AaPp]\.?\s?[Mm]\b)?".to_owned(),
                time,
            ),
            (r#"\b([0-9]{1,2})['’′]\s?([0-9]{1,2})(?:"|”|″|'')"#.to_owned(), |c, _, _| {
                format!("{} foot {}", integer(group(c, 1)), integer(group(c, 2)))
            }),
            (r"\b[0-9]{3}-[0-9]{3}-[0-9]{4}\b|\b[0-9]{3}-[0-9]{4}\b".to_owned(), phone),
            // A minus sign after a word, an opening bracket or quote, or at the start ("-12", "−40"),
            // not between two numbers ("5 -12" is a range).
            (format!(r"(^\s*|[^0-9\s]\s+|[(\[{{“\x22'‘=~≈]\s*)[-−]((?:{NUM})(?:\.[0-9]+)?)\b"), |c, _, _| {
                format!("{}minus {}", group(c, 1), group(c, 2))
            }),
            (
                format!(r"(?:\b([Aa]n?)\s+)?(?:((?:{NUM})(?:\.[0-9]+)?)\s?(?:[-–]|\s(?:to|or)\s)\s?)?(\b(?:{NUM})(?:\.[0-9]+)?)(\s?|-)({UNITS})\b(?:\.(,|\s+[a-z0-9]))?"),
                unit,
            ),
            (r"\b([0-9]{1,4})\s?[-–]\s?([0-9]{1,4})\b".to_owned(), range),
            (r"['’]([0-9]0)s\b".to_owned(), |c, _, _| plural(&integer(group(c, 1)))),
            (r"\b([0-9]{1,3}0)s\b".to_owned(), |c, _, _| {
                let n = group(c, 1);
                let words = match n.parse::<u64>() {
                    Ok(v) if n.len() == 4 => year(v),
                    _ => integer(n),
                };
                plural(&words)
            }),
            (r"\b([0-9]+)\s?(?i:st|nd|rd|th)\b".to_owned(), |c, _, _| {
                match group(c, 1).parse::<u64>() {
                    Ok(n) => ordinal(n),
                    Err(_) => digits(group(c, 1)),
                }
            }),
            (format!(r"({NUM}(?:\.[0-9]+)?)\s?%"), |c, _, _| {
                format!("{} percent", decimal_words(group(c, 1)))
            }),
            (format!(r"({NUM}(?:\.[0-9]+)?)\s?°\s?([CcFf])\b"), |c, _, _| {
                let scale = if group(c, 2).eq_ignore_ascii_case("c") {
                    "Celsius"
                } else {
                    "Fahrenheit"
                };
                format!("{} degrees {scale}", decimal_words(group(c, 1)))
            }),
            (format!(r"({NUM}(?:\.[0-9]+)?)\s?°"), |c, _, _| {
                format!("{} degrees", decimal_words(group(c, 1)))
            }),
            (r"\b([0-9]{1,2})/([0-9]{1,2})\b".to_owned(), fraction),
            (format!(r"({NUM})\.([0-9]+)\b"), |c, _, _| {
                decimal_words(&format!("{}.{}", group(c, 1), group(c, 2)))
            }),
            (r"\b[0-9]{1,3}(?:,[0-9]{3})+\b".to_owned(), |c, _, _| {
                integer(&group(c, 0).replace(',', ""))
            }),
            (r"[0-9]+".to_owned(), |c, _, _| {
                let n = group(c, 0);
                match n.parse::<u64>() {
                    Ok(v) if n.len() == 4 && (1100..2100).contains(&v) => year(v),
                    _ => integer(n),
                }
            }),
        ];
        table
            .into_iter()
            .map(|(pattern, rule)| Compiled::new(pattern, rule))
            .collect()
    })
}

fn group<'t>(c: &Captures<'t>, i: usize) -> &'t str {
    c.get(i).map_or("", |m| m.as_str())
}

fn period(words: &str, end: bool) -> String {
    if end {
        format!("{words}.")
    } else {
        words.to_owned()
    }
}

fn normalize_plain(text: &str, dialect: Dialect) -> String {
    if text.is_empty() {
        return String::new();
    }
    let mut current = text.to_owned();
    for rule in rules() {
        let Some(re) = rule.regex_for(&current) else {
            continue;
        };
        if !re.is_match(&current) {
            continue;
        }
        let len = current.trim_end().len();
        let mut out = String::with_capacity(current.len() + 16);
        let mut last = 0;
        for caps in re.captures_iter(&current) {
            let Some(whole) = caps.get(0) else { continue };
            out.push_str(current.get(last..whole.start()).unwrap_or(""));
            let at_end = whole.end() >= len;
            let words = (rule.rule)(&caps, dialect, at_end);
            // Keep words apart from letters they now touch ("3D" -> "three D").
            let digit_edges = (
                whole.as_str().starts_with(|c: char| c.is_ascii_digit()),
                whole.as_str().ends_with(|c: char| c.is_ascii_digit()),
            );
            if digit_edges.0
                && out.chars().last().is_some_and(char::is_alphanumeric)
                && words.chars().next().is_some_and(char::is_alphanumeric)
            {
                out.push(' ');
            }
            out.push_str(&words);
            if current
                .get(whole.end()..)
                .and_then(|rest| rest.chars().next())
                .is_some_and(char::is_alphanumeric)
                && digit_edges.1
                && words.chars().last().is_some_and(char::is_alphanumeric)
            {
                out.push(' ');
            }
            last = whole.end();
        }
        out.push_str(current.get(last..).unwrap_or(""));
        current = out;
    }
    current
}

/// `"37.5"` -> `"thirty seven point five"`, `"3,500"` -> `"three thousand five hundred"`.
fn decimal_words(number: &str) -> String {
    let number = number.replace(',', "");
    match number.split_once('.') {
        Some((whole, fraction)) if !fraction.is_empty() => {
            let whole = if whole.is_empty() { "0" } else { whole };
            format!("{} point {}", integer(whole), digits(fraction))
        }
        _ => integer(number.trim_end_matches('.')),
    }
}

fn abbreviation(c: &Captures<'_>, _: Dialect, end: bool) -> String {
    let words = match group(c, 1) {
        "Ave" => "Avenue",
        "Rd" => "Road",
        "Blvd" => "Boulevard",
        "Mt" => "Mount",
        "Ft" => "Fort",
        "Jr" => "Junior",
        "Sr" => "Senior",
        "Capt" => "Captain",
        "Lt" => "Lieutenant",
        "Sgt" => "Sergeant",
        "Gen" => "General",
        "Col" => "Colonel",
        "Gov" => "Governor",
        "Sen" => "Senator",
        "Rev" => "Reverend",
        "Hon" => "Honorable",
        "Fr" => "Father",
        "vs" => "versus",
        "etc" => "et cetera",
        "Maj" => "Major",
        "Cpl" => "Corporal",
        "Pvt" => "Private",
        "Adm" => "Admiral",
        "Cmdr" => "Commander",
        "Det" => "Detective",
        "Insp" => "Inspector",
        "Supt" => "Superintendent",
        "Msgr" => "Monsignor",
        "Mme" => "Madame",
        "Mlle" => "Mademoiselle",
        "Pres" => "President",
        "Ln" => "Lane",
        "Ct" => "Court",
        "Hwy" => "Highway",
        "Pkwy" => "Parkway",
        "Sq" => "Square",
        "Apt" => "Apartment",
        "Bldg" => "Building",
        "Dept" => "Department",
        "Univ" => "University",
        "Bros" => "Brothers",
        "Corp" => "Corporation",
        "Ltd" => "Limited",
        "Inc" => "Incorporated",
        "doz" => "dozen",
        "Vol" => "Volume",
        "vol" => "volume",
        "Tues" => "Tuesday",
        "Thurs" => "Thursday",
        _ => "approximately",
    };
    period(words, end)
}

/// Words before a Roman numeral that make it a number read as a cardinal: "Chapter IX" ->
/// "Chapter nine", "World War I" -> "World War one", "Super Bowl LVII".
const NUMBERED: &str = "Chapters?|Books?|Parts?|Acts?|Scenes?|Volumes?|Vol\\.|Cantos?|Psalms?|Articles?|\
     Episodes?|Seasons?|Phases?|World War|Super Bowl|chapters?|books?|parts?|acts?|scenes?|volumes?|vol\\.|\
     cantos?|psalms?|articles?|episodes?|seasons?|phases?";

/// Titles before a name that make a following Roman numeral regnal ("King Henry V").
const TITLES: &str = "King|Queen|Pope|Emperor|Empress|Tsar|Czar|Tsarina|Kaiser|Sultan|Pharaoh|Prince|\
     Princess|Duke|Duchess|Archduke|Grand Duke|Shah|Khan";

/// Given names of kings, queens, popes and emperors, after which a Roman numeral is regnal
/// even without a title ("Louis XIV" -> "Louis the fourteenth").
const REGNAL_NAMES: &[&str] = &[
    "Alexander",
    "Alfonso",
    "Amenhotep",
    "Anne",
    "Antiochus",
    "Augustus",
    "Baldwin",
    "Basil",
    "Benedict",
    "Boniface",
    "Carlos",
    "Casimir",
    "Catherine",
    "Charles",
    "Christian",
    "Clement",
    "Constantine",
    "Cyrus",
    "Darius",
    "David",
    "Edmund",
    "Edward",
    "Elizabeth",
    "Eric",
    "Erik",
    "Ferdinand",
    "Francis",
    "Franz",
    "Frederick",
    "Friedrich",
    "George",
    "Gregory",
    "Gustav",
    "Gustavus",
    "Haakon",
    "Harald",
    "Henry",
    "Innocent",
    "Isabella",
    "Ivan",
    "James",
    "Joanna",
    "John",
    "Joseph",
    "Juan",
    "Julius",
    "Leo",
    "Leopold",
    "Louis",
    "Ludwig",
    "Margaret",
    "Mary",
    "Mehmed",
    "Napoleon",
    "Nicholas",
    "Olaf",
    "Otto",
    "Paul",
    "Pedro",
    "Peter",
    "Philip",
    "Pius",
    "Ptolemy",
    "Ramesses",
    "Ramses",
    "Richard",
    "Robert",
    "Rudolf",
    "Sixtus",
    "Stephen",
    "Thutmose",
    "Victoria",
    "William",
];

/// "Chapter IX" -> "Chapter nine": a numbered part, read as a cardinal. A lone "I" counts only
/// after a capitalized word ("World War I", "Book I"), never after "the book I read".
fn numbered_part(c: &Captures<'_>, _: Dialect, _: bool) -> String {
    let (context, numeral) = (group(c, 1), group(c, 2));
    let single_letter_ok = numeral != "I" || context.starts_with(|ch: char| ch.is_uppercase());
    let single = numeral.len() == 1 && !matches!(numeral, "I" | "V" | "X");
    match roman(numeral) {
        Some(n) if single_letter_ok && !single => format!("{context} {}", cardinal(n)),
        _ => group(c, 0).to_owned(),
    }
}

/// "Louis XIV" -> "Louis the fourteenth", "King Henry V" -> "King Henry the fifth": a Roman
/// numeral after a title and a name, or after a known regnal name. A lone "I" counts after a
/// title, or when "of", punctuation or the end follows ("Elizabeth I of England"), so that the
/// pronoun in "when Henry I went" is left alone; a lone letter with a period inside a sentence
/// is a middle initial ("John C. Calhoun", "Henry V. Jones").
fn regnal(c: &Captures<'_>, _: Dialect, end: bool) -> String {
    let (title, name, numeral, after) = (group(c, 1), group(c, 2), group(c, 3), c.get(4));
    let titled = !title.is_empty();
    let known = titled || REGNAL_NAMES.contains(&name);
    let pronoun_risk = numeral == "I" && !titled && after.is_none();
    // "John C. Calhoun", "Mary L. Smith": a middle initial, not a numeral.
    let single = numeral.len() == 1;
    let initial_risk = single
        && (matches!(numeral, "L" | "C")
            || (!titled && !end && after.is_some_and(|m| m.as_str() == ".")));
    match roman(numeral) {
        Some(n) if known && !pronoun_risk && !initial_risk => {
            let title = if titled {
                format!("{title} ")
            } else {
                String::new()
            };
            let after = after.map_or("", |m| m.as_str());
            format!("{title}{name} the {}{after}", ordinal(n))
        }
        _ => group(c, 0).to_owned(),
    }
}

/// Months and days: "Sept." -> "September", "Fri." -> "Friday". Those that are also words or
/// names ("Jan.", "Mar.", "Sun.", "Sat.", "Wed.", "Mon.") are read only when something
/// date-like is around them: "on", "next", ... before, or a comma, number or lower-case word
/// after ("on Sun. night", "Jan. 9"), so that "I met Jan." and "the Sun." stay as they are.
fn month_or_day(c: &Captures<'_>, _: Dialect, end: bool) -> String {
    let (before, short, after) = (group(c, 1), group(c, 2), group(c, 3));
    let word = match short {
        "Jan" => "January",
        "Feb" => "February",
        "Mar" => "March",
        "Apr" => "April",
        "Jun" => "June",
        "Jul" => "July",
        "Aug" => "August",
        "Sep" | "Sept" => "September",
        "Oct" => "October",
        "Nov" => "November",
        "Dec" => "December",
        "Mon" => "Monday",
        "Tue" => "Tuesday",
        "Wed" => "Wednesday",
        "Thu" | "Thur" => "Thursday",
        "Fri" => "Friday",
        "Sat" => "Saturday",
        _ => "Sunday",
    };
    let ambiguous = matches!(short, "Jan" | "Mar" | "Mon" | "Wed" | "Sat" | "Sun");
    if ambiguous && before.is_empty() && after.is_empty() {
        return group(c, 0).to_owned();
    }
    let before = if before.is_empty() {
        String::new()
    } else {
        format!("{before} ")
    };
    if after.is_empty() {
        format!("{before}{}", period(word, end))
    } else {
        format!("{before}{word}{after}")
    }
}

/// "March 9" -> "March ninth": a day of the month is said as an ordinal ("May" is left out:
/// "May 5 of them come?").
fn month_day(c: &Captures<'_>, _: Dialect, _: bool) -> String {
    let day = group(c, 2)
        .parse::<u64>()
        .ok()
        .filter(|d| (1..=31).contains(d));
    match day {
        Some(day) if c.get(3).is_none() => format!("{} {}", group(c, 1), ordinal(day)),
        _ => group(c, 0).to_owned(),
    }
}

/// Units after a number, as alternatives of one pattern (longest first).
const UNITS: &str = "mph|km/h|kph|mpg|km|cm|mm|mi|yds|yd|ft|kgs|kg|mg|lbs|lb|oz|ml|mL|gal|hrs|hr|\
     mins|min|secs|sec|sq ft|tsp|tbsp|m|g|L";

/// A unit's singular and plural, in `dialect`'s spelling.
fn unit_words(unit: &str, dialect: Dialect) -> (&'static str, &'static str) {
    let gb = dialect == Dialect::Gb;
    match unit {
        "mph" => ("mile per hour", "miles per hour"),
        "km/h" | "kph" if gb => ("kilometre per hour", "kilometres per hour"),
        "km/h" | "kph" => ("kilometer per hour", "kilometers per hour"),
        "mpg" => ("mile per gallon", "miles per gallon"),
        "km" if gb => ("kilometre", "kilometres"),
        "km" => ("kilometer", "kilometers"),
        "cm" if gb => ("centimetre", "centimetres"),
        "cm" => ("centimeter", "centimeters"),
        "mm" if gb => ("millimetre", "millimetres"),
        "mm" => ("millimeter", "millimeters"),
        "m" if gb => ("metre", "metres"),
        "m" => ("meter", "meters"),
        "mi" => ("mile", "miles"),
        "yd" | "yds" => ("yard", "yards"),
        "ft" => ("foot", "feet"),
        "sq ft" => ("square foot", "square feet"),
        "kg" | "kgs" => ("kilogram", "kilograms"),
        "g" => ("gram", "grams"),
        "mg" => ("milligram", "milligrams"),
        "lb" | "lbs" => ("pound", "pounds"),
        "oz" => ("ounce", "ounces"),
        "ml" | "mL" if gb => ("millilitre", "millilitres"),
        "ml" | "mL" => ("milliliter", "milliliters"),
        "L" if gb => ("litre", "litres"),
        "L" => ("liter", "liters"),
        "gal" => ("gallon", "gallons"),
        "hr" | "hrs" => ("hour", "hours"),
        "min" | "mins" => ("minute", "minutes"),
        "sec" | "secs" => ("second", "seconds"),
        "tsp" => ("teaspoon", "teaspoons"),
        _ => ("tablespoon", "tablespoons"),
    }
}

/// `30 mph` -> "thirty miles per hour", `1 km` -> "one kilometer", `5 lbs.` -> "five pounds",
/// `10-12 ft` -> "ten to twelve feet". A hyphen, or "a" before the number, makes a compound
/// adjective, always singular (`a 5-mile walk`, `a 2 kg bag` "a two kilogram bag").
fn unit(c: &Captures<'_>, dialect: Dialect, _: bool) -> String {
    let (article, from, number) = (group(c, 1), group(c, 2), group(c, 3));
    let (joint, short) = (group(c, 4), group(c, 5));
    let (one, many) = unit_words(short, dialect);
    let singular = joint == "-" || !article.is_empty() || (from.is_empty() && number == "1");
    let unit_word = if singular { one } else { many };
    let number = decimal_words(number);
    let mut out = if article.is_empty() {
        String::new()
    } else {
        format!("{article} ")
    };
    if !from.is_empty() {
        out.push_str(&format!("{} to ", decimal_words(from)));
    }
    out.push_str(&format!("{number} {unit_word}"));
    // "5 lbs. of": the period belonged to the unit; "5 lbs." at the end keeps it (not matched).
    out.push_str(group(c, 6));
    out
}

/// `St. Paul` -> "Saint Paul", `Baker St.` -> "Baker Street".
fn saint_or_street(c: &Captures<'_>, _: Dialect, end: bool) -> String {
    let before = c
        .get(1)
        .map(|m| format!("{} ", m.as_str()))
        .unwrap_or_default();
    match c.get(2) {
        Some(next) => format!("{before}Saint{}", next.as_str()),
        None if before.is_empty() => period("Street", end),
        None => period(&format!("{before}Street"), end),
    }
}

/// `2021-03-04` -> "March fourth, twenty twenty one".
fn iso_date(c: &Captures<'_>, dialect: Dialect, _: bool) -> String {
    let y: u64 = group(c, 1).parse().unwrap_or(0);
    let m: u64 = group(c, 2).parse().unwrap_or(0);
    let d: u64 = group(c, 3).parse().unwrap_or(0);
    match m.checked_sub(1).and_then(|i| MONTHS.get(i as usize)) {
        Some(name) if (1..=31).contains(&d) => match dialect {
            Dialect::Us => format!("{name} {}, {}", ordinal(d), year(y)),
            Dialect::Gb => format!("the {} of {name}, {}", ordinal(d), year(y)),
        },
        _ => format!(
            "{} {} {}",
            year(y),
            digits(group(c, 2)),
            digits(group(c, 3))
        ),
    }
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// `3/4/2021`: month first in American English, day first in British (swapped when the
/// first number cannot be a month).
fn date(c: &Captures<'_>, dialect: Dialect, _: bool) -> String {
    let a: u64 = group(c, 1).parse().unwrap_or(0);
    let b: u64 = group(c, 2).parse().unwrap_or(0);
    let y = group(c, 3);
    let (mut month, mut day) = match dialect {
        Dialect::Us => (a, b),
        Dialect::Gb => (b, a),
    };
    if month > 12 && day <= 12 {
        std::mem::swap(&mut month, &mut day);
    }
    let year_words = match y.parse::<u64>() {
        Ok(v) if y.len() == 4 => year(v),
        _ => integer(y),
    };
    let Some(name) = month
        .checked_sub(1)
        .and_then(|m| MONTHS.get(m as usize))
        .filter(|_| (1..=31).contains(&day))
    else {
        return format!(
            "{} {} {}",
            integer(group(c, 1)),
            integer(group(c, 2)),
            year_words
        );
    };
    match dialect {
        Dialect::Us => format!("{name} {}, {year_words}", ordinal(day)),
        Dialect::Gb => format!("the {} of {name}, {year_words}", ordinal(day)),
    }
}

fn currency(c: &Captures<'_>, _: Dialect, _: bool) -> String {
    let (unit, units, sub, subs) = match group(c, 1) {
        "$" => ("dollar", "dollars", "cent", "cents"),
        "£" => ("pound", "pounds", "penny", "pence"),
        "€" => ("euro", "euros", "cent", "cents"),
        _ => ("yen", "yen", "sen", "sen"),
    };
    let whole = group(c, 2).replace(',', "");
    let fraction = group(c, 3);
    let scale = group(c, 4);
    if !scale.is_empty() {
        let number = if fraction.is_empty() {
            integer(&whole)
        } else {
            decimal_words(&format!("{whole}.{fraction}"))
        };
        return format!("{number} {scale} {units}");
    }
    let main = if whole == "1" { unit } else { units };
    let cents: Option<u64> = match fraction.len() {
        0 => None,
        1 => fraction.parse::<u64>().ok().map(|d| d * 10),
        2 => fraction.parse().ok(),
        // "$3.14159": not money, read the number.
        _ => return format!("{} {units}", decimal_words(&format!("{whole}.{fraction}"))),
    };
    match cents {
        None | Some(0) => format!("{} {main}", integer(&whole)),
        Some(cents) => {
            let small = if cents == 1 { sub } else { subs };
            if whole.trim_start_matches('0').is_empty() {
                format!("{} {small}", cardinal(cents))
            } else {
                format!("{} {main} and {} {small}", integer(&whole), cardinal(cents))
            }
        }
    }
}

/// `6:15` -> "six fifteen", `7:00` -> "seven o'clock" ("seven" before a.m./p.m.),
/// `6:05` -> "six oh five".
fn time(c: &Captures<'_>, _: Dialect, _: bool) -> String {
    let hour = integer(group(c, 1).trim_start_matches('0'));
    let hour = if hour.is_empty() { cardinal(0) } else { hour };
    let minutes: u64 = group(c, 2).parse().unwrap_or(0);
    let suffix = group(c, 3);
    let mut out = hour;
    if minutes == 0 {
        if suffix.is_empty() {
            out.push_str(" o'clock");
        }
    } else {
        out.push(' ');
        out.push_str(&oh_cardinal(minutes));
    }
    out.push_str(suffix);
    out
}

/// `555-1234` -> digit by digit, groups apart.
fn phone(c: &Captures<'_>, _: Dialect, _: bool) -> String {
    group(c, 0)
        .split('-')
        .map(digits)
        .collect::<Vec<_>>()
        .join(", ")
}

/// `5-12` -> "five to twelve"; `1990-1995` -> years.
fn range(c: &Captures<'_>, _: Dialect, _: bool) -> String {
    let (a, b) = (group(c, 1), group(c, 2));
    let read = |s: &str| match s.parse::<u64>() {
        Ok(v) if s.len() == 4 && (1100..2100).contains(&v) => year(v),
        _ => integer(s),
    };
    format!("{} to {}", read(a), read(b))
}

/// `1/2` -> "one half", `3/4` -> "three quarters", `2/3` -> "two thirds".
fn fraction(c: &Captures<'_>, _: Dialect, _: bool) -> String {
    let num: u64 = group(c, 1).parse().unwrap_or(0);
    let den: u64 = group(c, 2).parse().unwrap_or(0);
    let denominator = match den {
        0 => return format!("{} over zero", cardinal(num)),
        1 => return cardinal(num),
        2 => "half".to_owned(),
        4 => "quarter".to_owned(),
        d => ordinal(d),
    };
    let denominator = if num == 1 {
        denominator
    } else if denominator == "half" {
        "halves".to_owned()
    } else {
        format!("{denominator}s")
    };
    format!("{} {denominator}", cardinal(num))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn us(text: &str) -> String {
        normalize(text, Dialect::Us)
    }

    #[test]
    fn numbers_of_every_kind() {
        let cases = [
            (
                "He lived at 214 Baker St.",
                "He lived at two hundred fourteen Baker Street.",
            ),
            (
                "She came 3rd, he came 19th.",
                "She came third, he came nineteenth.",
            ),
            (
                "In 1987 and 2024.",
                "In nineteen eighty seven and twenty twenty four.",
            ),
            (
                "It was 37.5 or 3.14.",
                "It was thirty seven point five or three point one four.",
            ),
            (
                "About 3,500 people.",
                "About three thousand five hundred people.",
            ),
            ("Only 98% of them.", "Only ninety eight percent of them."),
            ("It cost $12.50.", "It cost twelve dollars and fifty cents."),
            ("It cost £3 or €40.", "It cost three pounds or forty euros."),
            ("Just $0.99 or £1.", "Just ninety nine cents or one pound."),
            (
                "It cost $2.5 million.",
                "It cost two point five million dollars.",
            ),
            ("At 6:15 and 7:00.", "At six fifteen and seven o'clock."),
            ("At 10 p.m. or 8 a.m.", "At ten p.m. or eight a.m."),
            (
                "At 7:00 a.m. or 6:05 pm.",
                "At seven a.m. or six oh five pm.",
            ),
            ("Read chapters 5-12.", "Read chapters five to twelve."),
            (
                "From 1990–1995.",
                "From nineteen ninety to nineteen ninety five.",
            ),
            ("Call 555-1234.", "Call five five five, one two three four."),
            (
                "In the 1990s and the '80s.",
                "In the nineteen nineties and the eighties.",
            ),
            ("It was -5 out.", "It was minus five out."),
            ("Add 1/2 or 3/4 cup.", "Add one half or three quarters cup."),
            (
                "Bake at 180°C.",
                "Bake at one hundred eighty degrees Celsius.",
            ),
            ("Room #4, No. 7.", "Room number four, number seven."),
            (
                "A 3D film in 1080p.",
                "A three D film in one thousand eighty p.",
            ),
            ("St. Paul met Dr. Who.", "Saint Paul met Dr. Who."),
            (
                "Then St. Ives, then Main St. and home.",
                "Then Saint Ives, then Main Street and home.",
            ),
            ("On 2021-03-04.", "On March fourth, twenty twenty one."),
            ("Wait -- what?", "Wait — what?"),
            ("He was 5'10\" tall.", "He was five foot ten tall."),
            ("Apples, pears, etc.", "Apples, pears, et cetera."),
        ];
        for (text, expected) in cases {
            assert_eq!(us(text), expected, "{text}");
        }
    }

    #[test]
    fn roman_numerals_in_context() {
        let cases = [
            ("Read Chapter XI first.", "Read Chapter eleven first."),
            ("In Book IV and Part I.", "In Book four and Part one."),
            ("See Vol. III.", "See Volume three."),
            ("Act V, Scene II.", "Act five, Scene two."),
            (
                "After World War II and WWI.",
                "After World War two and World War one.",
            ),
            (
                "They won Super Bowl XLII.",
                "They won Super Bowl forty two.",
            ),
            ("Charles II fled.", "Charles the second fled."),
            ("Catherine II ruled.", "Catherine the second ruled."),
            ("Queen Mary I of Scots.", "Queen Mary the first of Scots."),
            ("Emperor Otto III died.", "Emperor Otto the third died."),
            ("It was Edward I.", "It was Edward the first."),
            // Left alone: the pronoun, words that look like numerals, letters as labels.
            ("Then Edward I said no.", "Then Edward I said no."),
            ("The part I liked best.", "The part I liked best."),
            ("I MIX the CIVIL DIM paint.", "I MIX the CIVIL DIM paint."),
            ("Plan B, Type C and Part D.", "Plan B, Type C and Part D."),
            ("Rocky II and Apollo XI.", "Rocky II and Apollo XI."),
            (
                "John C. Calhoun and Mary V. Lee.",
                "John C. Calhoun and Mary V. Lee.",
            ),
            ("Henry V led them.", "Henry the fifth led them."),
            ("Chapter IIII is no numeral.", "Chapter IIII is no numeral."),
        ];
        for (text, expected) in cases {
            assert_eq!(us(text), expected, "{text}");
        }
    }

    #[test]
    fn units_agree_with_their_number() {
        let cases = [
            ("It went 55 mph.", "It went fifty five miles per hour."),
            ("Only 1 km left.", "Only one kilometer left."),
            ("Dig 3 m down.", "Dig three meters down."),
            ("Add 1 lb. of sugar.", "Add one pound of sugar."),
            ("Add 7 lbs. of sugar.", "Add seven pounds of sugar."),
            ("It weighs 9 lbs.", "It weighs nine pounds."),
            (
                "A 1 ft gap and 6 ft walls.",
                "A one foot gap and six feet walls.",
            ),
            (
                "Pour 250 ml and 2 L.",
                "Pour two hundred fifty milliliters and two liters.",
            ),
            (
                "Use 2 tsp or 1 tbsp.",
                "Use two teaspoons or one tablespoon.",
            ),
            ("Run 1 mi, then 2 mi.", "Run one mile, then two miles."),
            ("A 10-mile hike.", "A ten-mile hike."),
            ("Go 2-3 km.", "Go two to three kilometers."),
            ("Go 1.5 km.", "Go one point five kilometers."),
            ("Wait 5 min.", "Wait five minutes."),
            (
                "It was 4 oz, 30 g, 2 kg.",
                "It was four ounces, thirty grams, two kilograms.",
            ),
        ];
        for (text, expected) in cases {
            assert_eq!(us(text), expected, "{text}");
        }
        assert_eq!(
            normalize("Only 5 km and 20 m.", Dialect::Gb),
            "Only five kilometres and twenty metres."
        );
    }

    #[test]
    fn months_days_and_abbreviations() {
        let cases = [
            (
                "Due Feb. 2 or Oct. 31.",
                "Due February second or October thirty first.",
            ),
            (
                "It rained in Aug. and Sept.",
                "It rained in August and September.",
            ),
            ("On Tues. we rest.", "On Tuesday we rest."),
            ("Every Sat. morning.", "Every Saturday morning."),
            ("See you on Sun.", "See you on Sunday."),
            ("She was born in Jan.", "She was born in January."),
            ("Born March 9 in Ohio.", "Born March ninth in Ohio."),
            // Words or names as well as abbreviations: only where a date is meant.
            ("We met Jan. She smiled.", "We met Jan. She smiled."),
            (
                "They watched the Sun. It set.",
                "They watched the Sun. It set.",
            ),
            (
                "Climb Mt. Hood on Elm Ave.",
                "Climb Mount Hood on Elm Avenue.",
            ),
            ("It is approx. ten.", "It is approximately ten."),
            (
                "Ask Det. Ruiz or Maj. Hale.",
                "Ask Detective Ruiz or Major Hale.",
            ),
            (
                "St. Agnes lives on Oak St.",
                "Saint Agnes lives on Oak Street.",
            ),
            ("At 10:30 on June 5.", "At ten thirty on June fifth."),
        ];
        for (text, expected) in cases {
            assert_eq!(us(text), expected, "{text}");
        }
    }

    #[test]
    fn negative_numbers_and_minus_signs() {
        let cases = [
            ("It was -12 today.", "It was minus twelve today."),
            ("It was −40 today.", "It was minus forty today."),
            ("-7 at dawn.", "minus seven at dawn."),
            (
                "Down to -2.5 or (-3).",
                "Down to minus two point five or (minus three).",
            ),
            (
                "A debt of -1,500.",
                "A debt of minus one thousand five hundred.",
            ),
            (
                "It was -5° and -10 km.",
                "It was minus five degrees and minus ten kilometers.",
            ),
            // Between two numbers a dash is a range, not a sign.
            ("Pages 3 -9.", "Pages three to nine."),
        ];
        for (text, expected) in cases {
            assert_eq!(us(text), expected, "{text}");
        }
    }

    #[test]
    fn dates_follow_the_dialect() {
        assert_eq!(us("On 3/4/2021."), "On March fourth, twenty twenty one.");
        assert_eq!(
            normalize("On 3/4/2021.", Dialect::Gb),
            "On the third of April, twenty twenty one."
        );
    }

    #[test]
    fn markup_is_left_alone() {
        assert_eq!(
            us("[Room 101](/ɹˈum/) is 101."),
            "[Room 101](/ɹˈum/) is one hundred one."
        );
    }

    #[test]
    fn digits_of_other_scripts_pass_through_rather_than_vanish() {
        // The number words read ASCII digits; `\d` used to match these and write them as "".
        assert_eq!(
            us("Page ٣٤ and ３ and 42."),
            "Page ٣٤ and ３ and forty two."
        );
        assert_eq!(us("Room ४२."), "Room ४२.");
    }

    fn needs(pattern: &str) -> bool {
        requires_digit(&regex_syntax::parse(pattern).unwrap())
    }

    #[test]
    fn which_patterns_need_a_digit() {
        for yes in [
            r"[0-9]+",
            r"x?[0-9]",
            r"2[0-3]",
            r"(a|b)[0-9]{2}",
            r"[0-9]|1",
            r"\b([0-9])\b",
        ] {
            assert!(needs(yes), "{yes}");
        }
        for no in [
            r"--+",
            r"\d",
            r"a|[0-9]",
            r"[0-9]*",
            r"[0-9a]",
            r"(?:[0-9])?x",
            r"\bWW(II|I)\b",
        ] {
            assert!(!needs(no), "{no}");
        }
        let digit_rules = rules().iter().filter(|r| r.needs_digit).count();
        assert!(
            digit_rules >= 20,
            "only {digit_rules} rules are skipped for digit-free text"
        );
        assert!(
            rules().iter().any(|r| !r.needs_digit),
            "the word rules always run"
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        /// The skip is sound: a rule said to need a digit matches no digit-free text.
        #[test]
        fn a_rule_that_needs_a_digit_never_matches_without_one(
            text in "[a-zA-Z٣४ ,.:;/$£%°#'’()—–-]{0,40}"
        ) {
            for rule in rules().iter().filter(|r| r.needs_digit) {
                let re = Regex::new(&rule.pattern).unwrap();
                prop_assert!(!re.is_match(&text), "{} matched {:?}", rule.pattern, text);
            }
        }
    }

    fn numeric() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            "[0-9]{1,20}",
            "[0-9]{1,3}(,[0-9]{3}){1,4}",
            "[0-9]{1,6}\\.[0-9]{1,6}",
            "[$£€¥][0-9]{1,7}(\\.[0-9]{1,3})?( million)?",
            "[0-9]{1,2}:[0-9]{2}( ?[ap]\\.?m\\.?)?",
            "[0-9]{1,3}(\\.[0-9])? ?%",
            "[0-9]{1,4}(st|nd|rd|th|s)",
            "[0-9]{1,4} ?[-–] ?[0-9]{1,4}",
            "[0-9]{1,2}/[0-9]{1,2}(/[0-9]{2,4})?",
            "-[0-9]{1,3}",
            "#[0-9]{1,3}",
            "[0-9]{1,3}°[CF]?",
        ];
        let sep = prop_oneof![
            Just(" "),
            Just(", "),
            Just(". "),
            Just(" and "),
            Just("-"),
            Just("")
        ];
        prop::collection::vec((piece, sep), 1..8)
            .prop_map(|parts| parts.into_iter().map(|(p, s)| format!("{p}{s}")).collect())
    }

    /// Ordinary words, among them the pronoun "I" and words that look like Roman numerals,
    /// unit symbols or abbreviations without their context.
    const PROSE: &[&str] = &[
        "I", "MIX", "CIVIL", "DIM", "VIVID", "LID", "said", "the", "old", "man", "walked", "home",
        "and", "she", "was", "close", "to", "tears", "Jan", "Sun", "Mark", "in", "m", "ft", "km",
        "lead", "bass", "Main", "street", "a", "mile", "went", "dove", "Saint", "Mount", "It",
        "over", "minus", "X", "V", "C", "We", "ran", "up",
    ];

    /// Numbers, numerals, units, abbreviations and minus signs in their context.
    const CONSTRUCTS: &[&str] = &[
        "Chapter IX",
        "Louis XIV",
        "World War I",
        "Super Bowl LVII",
        "30 mph",
        "5 lbs.",
        "1 km",
        "2 kg",
        "200 m",
        "12 ft",
        "Feb.",
        "Sept. 9",
        "on Sun.",
        "-12",
        "−40",
        "Mt. Fuji",
        "approx. 3",
        "Ave.",
        "St. Mark",
        "Main St.",
        "-3.5 km",
        "10-12 ft",
    ];

    fn parts(
        extra: &'static [&'static str],
    ) -> impl Strategy<Value = Vec<(&'static str, &'static str)>> {
        let mut pool: Vec<&'static str> = PROSE.to_vec();
        pool.extend_from_slice(extra);
        let word = prop::sample::select(pool);
        let sep = prop::sample::select(vec![" ", ", ", "; ", " — "]);
        prop::collection::vec((word, sep), 1..14)
    }

    /// The parts as one sentence. It ends with a period, except after "in Jan" or "in Sun": a
    /// period there makes a date ("in Jan." is "in January.", as `month_or_day` documents), a
    /// construct the prose must not hold by chance.
    fn join(parts: &[(&str, &str)]) -> String {
        let mut text: String = parts.iter().map(|(w, s)| format!("{w}{s}")).collect();
        text.truncate(text.trim_end().len());
        let dated = matches!(parts, [.., ("in", " "), ("Jan" | "Sun", _)]);
        text.push(if dated { '!' } else { '.' });
        text
    }

    fn prose(extra: &'static [&'static str]) -> impl Strategy<Value = String> {
        parts(extra).prop_map(|parts| join(&parts))
    }

    proptest! {
        #[test]
        fn never_panics(text in "\\PC{0,200}|[0-9$£€%:.,/ #°'-]{0,80}") {
            let _ = normalize(&text, Dialect::Us);
            let _ = normalize(&text, Dialect::Gb);
        }

        #[test]
        fn no_digit_survives(text in numeric()) {
            for dialect in [Dialect::Us, Dialect::Gb] {
                let out = normalize(&text, dialect);
                prop_assert!(!out.chars().any(|c| c.is_ascii_digit()), "{:?} -> {:?}", text, out);
            }
        }

        #[test]
        fn idempotent(text in numeric()) {
            let once = normalize(&text, Dialect::Us);
            prop_assert_eq!(normalize(&once, Dialect::Us), once.clone());
        }

        #[test]
        fn plain_words_are_unchanged(text in "[a-zA-Z ,;!?]{0,80}") {
            prop_assert_eq!(normalize(&text, Dialect::Us), text);
        }

        #[test]
        fn prose_without_constructs_is_unchanged(text in prose(&[])) {
            prop_assert_eq!(normalize(&text, Dialect::Us), text.clone());
            prop_assert_eq!(normalize(&text, Dialect::Gb), text);
        }

        #[test]
        fn no_word_is_dropped_around_constructs(parts in parts(CONSTRUCTS)) {
            let text = join(&parts);
            let out = normalize(&text, Dialect::Us);
            // Every ordinary word of the input is in the output, in order (unit-like words
            // may become a number's unit: "3" + "m").
            let mut rest = out.split(|c: char| !c.is_alphanumeric() && c != '\'');
            for (word, _) in parts
                .iter()
                .filter(|(w, _)| PROSE.contains(w) && !matches!(*w, "m" | "ft" | "km"))
            {
                prop_assert!(rest.any(|w| w == *word), "{:?} lost from {:?} -> {:?}", word, text, out);
            }
            prop_assert!(!out.chars().any(|c| c.is_ascii_digit()), "{:?} -> {:?}", text, out);
        }
    }
}
