//! Patient identifier guard.
//!
//! Anything the bot would post publicly (shout-outs, event descriptions,
//! introductions) goes through [`check`] first; on a hit the text is held back
//! and the author is told privately why. Society news is full of dates, DOIs,
//! ORCIDs, room and phone numbers, so every rule needs either a checksum or an
//! explicit keyword: a bare number or a bare date never stops a post.
//!
//! Before any rule runs the text is normalised (see `normalise`), so invisible
//! characters, fullwidth forms and unusual dashes or spaces cannot hide a number
//! or a keyword from the rules.
//!
//! The text is split into tokens (letter runs, ASCII digit runs, single other
//! characters; whitespace only separates), and all positions are char
//! offsets, so no input can make a rule slice inside a UTF-8 character.

use std::ops::Range;

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Why a text was stopped. Display is one short clause that follows
/// "I did not post that because ".
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Identifier {
    #[error("it contains what looks like a patient's date of birth")]
    DateOfBirth,
    #[error("it contains what looks like a hospital record number (MRN / UR number)")]
    RecordNumber,
    #[error("it contains what looks like a Medicare number")]
    Medicare,
    #[error("it contains what looks like an Individual Healthcare Identifier (IHI)")]
    Ihi,
    #[error("it contains what looks like an NHS number")]
    Nhs,
    #[error("it contains what looks like a US Social Security number")]
    Ssn,
}

impl Identifier {
    /// What the author can change so the text goes through: follows "because {self}; ".
    pub fn what_to_change(&self) -> &'static str {
        match self {
            Identifier::DateOfBirth => "remove the date",
            _ => "remove it, or write it without the number",
        }
    }
}

/// Dates in or before this year are birth dates of people who are now adults;
/// later ones are usually events (exams, start dates, newborn announcements).
const BIRTH_YEAR_MAX: u32 = 2010;
/// How far (in chars) a name may be from a date to count as "next to" it.
const NAME_RADIUS: usize = 40;
/// How far (in chars) a patient cue may be from a date.
const CUE_RADIUS: usize = 80;
/// How many tokens a label ("Medicare", "MRN", "phone") may be before its number.
const LABEL_REACH: usize = 4;
/// How many tokens a date may be after "DOB" or "born".
const DATE_REACH: usize = 5;
/// Words that put a person next to a number that only a checksum marks: about
/// one random 10-digit number in ten passes the NHS or Medicare check, so a
/// checksum alone is not enough.
const PERSON_WORDS: [&str; 20] = [
    "nhs",
    "medicare",
    "ihi",
    "dob",
    "birthdate",
    "born",
    "card",
    "mr",
    "mrs",
    "ms",
    "miss",
    "mx",
    "referral",
    "referred",
    "admitted",
    "discharged",
    "transferred",
    "handover",
    "caring",
    "cared",
];

/// Months match by any prefix of three or more letters ("Mar", "Sept").
const MONTHS: &str =
    "january february march april may june july august september october november december";
const ORDINALS: [&str; 4] = ["st", "nd", "rd", "th"];
/// A date right after one of these is when something happened, not a birthday.
const EVENT_WORDS: [&str; 15] = [
    "on", "since", "from", "in", "until", "till", "to", "by", "at", "before", "after", "between",
    "dated", "due", "of",
];

/// The first identifier found in `text` (by position), or `None` when it is
/// safe to post. Matching is case-insensitive. Rules:
///
/// * **Record number**: the word `MRN`, `URN` or `UR` (whole words, so "your"
///   is fine), or `hospital number`, `hospital no`, `hosp no`, `record
///   number`, `record no` (so "medical record number" too), followed within 4
///   tokens (skipping `no`, `number`, `num`, `nbr`, `is`, `:#-.=(`)
///   by a number of at least 5 digits, optionally with a 1–3 letter prefix
///   glued on ("RMH1234567") or a 1–5 letter site code before it ("RMH
///   1234567"), and possibly grouped by single spaces, hyphens, dots or
///   thousands commas ("1,234,567").
/// * **Numbers**: digit groups joined by one space, hyphen or dot (the same
///   joiner throughout) are read as one number; any run of whole groups is a
///   candidate. Groups glued to letters, or to `.` `/` `_` `@` `=` `?` `&` `%`
///   `~` plus more text (DOIs, URLs, decimals), or to `:` `,` `-` plus digits
///   (times, thousands) cannot start/end a candidate; a number glued to a
///   leading `+` is an international phone number and is skipped whole.
///   Checksum-only matches are ignored when `phone`, `tel`, `ph`, `mobile`,
///   `mob`, `pager`, `bleep`, `ext`, `code`, `fax`, `zoom`, `teams`, `webex`, `meeting`, `webinar`,
///   `passcode`, `pin`, `abn`, `acn`, `isbn`, `issn`, `pmid`, `orcid`, `doi`,
///   `invoice`, `order`, `booking` or `ticket` is within 4 tokens before it.
///   An NHS or Medicare match found by its checksum alone, without its
///   keyword before it, also needs a person nearby: a name within 40 chars,
///   or within 80 chars a patient cue, a birth-year date, `looking after`,
///   `date of birth` or one of `PERSON_WORDS` (`NHS`, `DOB`, `Mrs`,
///   `referral`, ...).
///   - **IHI**: 16 digits starting `800360` that pass Luhn, or any 16 digits
///     after the word `IHI`.
///   - **Medicare**: 10 digits (11 with the individual reference number),
///     first digit 2–6, and digit 9 = Σ(digits 1–8 × 1,3,7,9,1,3,7,9) mod 10;
///     after the word `Medicare` the checksum is not needed.
///   - **NHS**: 10 digits, first digit 3–9 (issued numbers start 3, 4, 6, 7 or
///     9; phone numbers start 0 or 1), check = 11 − (Σ digits 1–9 × 10..2 mod
///     11), 11 → 0, 10 → invalid. If both Medicare and NHS checksums pass, NHS
///     wins when grouped 3-3-4 or after the word `NHS`, otherwise Medicare.
///   - **SSN**: exactly `ddd-dd-dddd` or `ddd dd dddd`, not area 000, 666 or
///     9xx, group 00 or serial 0000.
/// * **Date of birth**: a date is `d/m/yy(yy)`, `m/d/yyyy`, `yyyy-m-d` (any of
///   `/ - .`), `3 March 1950`, `3rd of Mar 1950`, `03-Mar-1950` or `March 3,
///   1950`; two-digit years ≤ 30 are 20xx, others 19xx. Stopped when
///   - `DOB`, `D.O.B`, `birthdate` or `date of birth` is followed within 5
///     tokens by any date; or
///   - `born` is followed within 5 tokens by a date whose year is ≤ 2010 or
///     that has a patient cue within 80 chars; or
///   - a date with year ≤ 2010, not right after an event word (`on`, `since`,
///     `from`, `in`, ...), has a name within 40 chars and a patient cue within
///     80 chars. A name is two capitalised words ("John Citizen", "Mrs Brown",
///     "Dr Lee", "CITIZEN, John"). A patient cue is `pt`, `patient`, `bed`,
///     `ward`, `MRN`, `URN`, or an age/sex: `45yo`, `45 y/o`, `aged 45`,
///     `72M`, `F 34`, `45 years old`.
pub fn check(text: &str) -> Option<Identifier> {
    let toks = tokenize(&normalise(text));
    [record_number(&toks), numbers(&toks), date_of_birth(&toks)]
        .into_iter()
        .flatten()
        .min_by_key(|(pos, _)| *pos)
        .map(|(_, id)| id)
}

/// The text as the rules read it: format characters (zero-width space and
/// joiners, word joiner, soft hyphen, byte order mark, bidi controls) dropped,
/// Unicode NFKC applied (fullwidth letters and digits become ASCII, NBSP a
/// space), other scripts' decimal digits read as ASCII digits, every dash and
/// minus read as `-`, combining marks on ASCII letters and digits dropped, and
/// each run of whitespace read as one space.
fn normalise(text: &str) -> String {
    let visible = text.chars().filter(|&c| !is_format(c));
    let mut out = String::with_capacity(text.len());
    for c in visible.nfkc() {
        let c = match c {
            '\u{2010}'..='\u{2015}' | '\u{2212}' | '\u{FE58}' | '\u{FE63}' => '-',
            _ if c.is_whitespace() => ' ',
            _ => ascii_digit(c).unwrap_or(c),
        };
        let last = out.chars().next_back();
        let on_ascii = last.is_some_and(|l| l.is_ascii_alphanumeric());
        if (c == ' ' && last == Some(' ')) || (on_ascii && is_combining_mark(c)) {
            continue;
        }
        out.push(c);
    }
    out
}

/// Unicode format characters (category Cf) that render as nothing, plus the
/// combining grapheme joiner and Mongolian vowel separator, which behave alike.
fn is_format(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{034F}'
            | '\u{061C}'
            | '\u{180E}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{206F}'
            | '\u{FEFF}'
            | '\u{FFF9}'..='\u{FFFB}'
            | '\u{E0000}'..='\u{E007F}'
    )
}

/// A decimal digit of another script (Arabic-Indic, Devanagari, Bengali, Thai...)
/// as an ASCII digit; NFKC leaves these as they are.
fn ascii_digit(c: char) -> Option<char> {
    const ZEROS: [u32; 12] = [
        0x0660, 0x06F0, 0x07C0, 0x0966, 0x09E6, 0x0A66, 0x0AE6, 0x0B66, 0x0BE6, 0x0C66, 0x0D66,
        0x0E50,
    ];
    let code = u32::from(c);
    ZEROS
        .iter()
        .find(|&&zero| (zero..zero + 10).contains(&code))
        .and_then(|&zero| char::from_digit(code - zero, 10))
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Word,
    Num,
    Sym(char),
}

#[derive(Debug)]
struct Tok {
    kind: Kind,
    /// Char offsets, end exclusive.
    start: usize,
    end: usize,
    /// Lowercased letters, the digits, or the symbol.
    text: String,
    /// Starts with an uppercase letter.
    cap: bool,
}

impl Tok {
    fn is_any(&self, words: &[&str]) -> bool {
        self.kind == Kind::Word && words.contains(&self.text.as_str())
    }
    fn num(&self) -> Option<&str> {
        (self.kind == Kind::Num).then_some(self.text.as_str())
    }
}

fn tokenize(text: &str) -> Vec<Tok> {
    let mut toks: Vec<Tok> = Vec::new();
    for (i, c) in text.chars().enumerate() {
        let kind = match c {
            _ if c.is_whitespace() => continue,
            '0'..='9' => Kind::Num,
            _ if c.is_alphabetic() => Kind::Word,
            _ => Kind::Sym(c),
        };
        match toks.last_mut() {
            // Letters and digits extend the run they touch; symbols stand alone.
            Some(t) if t.end == i && t.kind == kind && !matches!(kind, Kind::Sym(_)) => {
                t.text.extend(c.to_lowercase());
                t.end += 1;
            }
            _ => toks.push(Tok {
                kind,
                start: i,
                end: i + 1,
                text: c.to_lowercase().collect(),
                cap: c.is_uppercase(),
            }),
        }
    }
    toks
}

/// The token after the first of `phrases` ("|"-separated, tokens split by
/// spaces, e.g. "dob|d . o . b") that starts at token `i`.
fn phrase_at(toks: &[Tok], i: usize, phrases: &str) -> Option<usize> {
    phrases.split('|').find_map(|p| {
        let mut words = p.split(' ').enumerate();
        let whole = words.all(|(o, w)| toks.get(i + o).is_some_and(|t| t.text == w));
        whole.then(|| i + p.split(' ').count())
    })
}

fn glued(toks: &[Tok], a: usize, b: usize) -> bool {
    toks.get(a)
        .zip(toks.get(b))
        .is_some_and(|(x, y)| x.end == y.start)
}
fn is_word(toks: &[Tok], k: usize, words: &[&str]) -> bool {
    toks.get(k).is_some_and(|t| t.is_any(words))
}
fn is_sym(toks: &[Tok], k: usize, chars: &str) -> bool {
    toks.get(k)
        .is_some_and(|t| matches!(t.kind, Kind::Sym(c) if chars.contains(c)))
}

/// Whether token `i` is glued, on one side, into a larger token such as a
/// DOI, URL, decimal, time or longer code, so it is not a standalone number.
fn embedded(toks: &[Tok], i: usize, left: bool) -> bool {
    let step = |j: usize| if left { j.checked_sub(1) } else { Some(j + 1) };
    let touching = |a: usize, b: usize| glued(toks, a.min(b), a.max(b));
    let Some(n) = step(i).filter(|&n| touching(i, n)) else {
        return false;
    };
    let far = step(n).filter(|&m| touching(n, m)).map(|m| toks[m].kind);
    match toks[n].kind {
        Kind::Word | Kind::Num => true,
        Kind::Sym('.' | '/' | '_' | '@' | '=' | '\\' | '&' | '?' | '%' | '~') => {
            matches!(far, Some(Kind::Word | Kind::Num))
        }
        Kind::Sym(':' | ',' | '-') => far == Some(Kind::Num),
        Kind::Sym(_) => false,
    }
}

/// Digit groups joined by a single space or by one of the `joiners` glued on
/// both sides ("943 476 5919", "123-45-6789", "640.123.4563"): the token index
/// of each group and the joiner after each. A comma joins only thousands
/// ("1,234,567").
fn cluster(toks: &[Tok], first: usize, joiners: &str) -> (Vec<usize>, Vec<char>) {
    let (mut groups, mut joins) = (vec![first], Vec::new());
    let is_num = |k: usize| toks.get(k).is_some_and(|t| t.kind == Kind::Num);
    let mut k = first;
    loop {
        let joiner = match toks.get(k + 1).map(|t| t.kind) {
            Some(Kind::Sym(c)) if joiners.contains(c) => Some(c),
            _ => None,
        };
        let (next, join) = if let Some(c) = joiner.filter(|&c| {
            glued(toks, k, k + 1)
                && glued(toks, k + 1, k + 2)
                && is_num(k + 2)
                && (c != ',' || toks[k + 2].text.len() == 3)
        }) {
            (k + 2, c)
        } else if is_num(k + 1) && toks[k + 1].start == toks[k].end + 1 {
            (k + 1, ' ')
        } else {
            return (groups, joins);
        };
        groups.push(next);
        joins.push(join);
        k = next;
    }
}

fn record_number(toks: &[Tok]) -> Option<(usize, Identifier)> {
    const KEYWORDS: &str = "mrn|urn|ur|hospital number|hospital no|hosp no|record number|record no";
    let hit = |i: usize| {
        let Some(after) = phrase_at(toks, i, KEYWORDS) else {
            return false;
        };
        record_digits(toks, after) >= 5
    };
    (0..toks.len())
        .find(|&i| hit(i))
        .map(|i| (toks[i].start, Identifier::RecordNumber))
}

/// How many digits the number after a record keyword has (0 if none follows).
fn record_digits(toks: &[Tok], from: usize) -> usize {
    let count = |k: usize| {
        cluster(toks, k, "-.,")
            .0
            .iter()
            .map(|&g| toks[g].text.len())
            .sum()
    };
    for k in from..toks.len().min(from + LABEL_REACH) {
        let t = &toks[k];
        match t.kind {
            Kind::Num => return count(k),
            // A short site prefix glued to the digits, as in "RMH1234567".
            Kind::Word
                if t.text.len() <= 3 && glued(toks, k, k + 1) && toks[k + 1].kind == Kind::Num =>
            {
                return count(k + 1);
            }
            Kind::Word if t.is_any(&["no", "number", "num", "nbr", "is"]) => {}
            // A site code before the digits, as in "MRN: RMH 1234567".
            Kind::Word
                if t.text.chars().count() <= 5
                    && toks.get(k + 1).is_some_and(|n| n.kind == Kind::Num) =>
            {
                return count(k + 1);
            }
            Kind::Sym(':' | '#' | '-' | '.' | '=' | '(') => {}
            _ => return 0,
        }
    }
    0
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Label {
    Medicare,
    Ihi,
    Nhs,
    /// Phones, meeting IDs, business numbers: digits that may hit a checksum by chance.
    Benign,
}

/// The label just before the number starting at token `i`, if any: a
/// preceding number ends the search, so labels apply to whole clusters only.
fn label_before(toks: &[Tok], i: usize) -> Option<Label> {
    let label = |t: &Tok| match t.text.as_str() {
        "medicare" => Some(Label::Medicare),
        "ihi" => Some(Label::Ihi),
        "nhs" => Some(Label::Nhs),
        "phone" | "tel" | "ph" | "mobile" | "mob" | "pager" | "bleep" | "ext" | "code" | "fax"
        | "zoom" | "teams" | "webex" | "meeting" | "webinar" | "passcode" | "pin" | "abn"
        | "acn" | "isbn" | "issn" | "pmid" | "orcid" | "doi" | "invoice" | "order" | "booking"
        | "ticket" => Some(Label::Benign),
        _ => None,
    };
    toks[..i]
        .iter()
        .rev()
        .take(LABEL_REACH)
        .take_while(|t| t.kind != Kind::Num)
        .find_map(label)
}

fn numbers(toks: &[Tok]) -> Option<(usize, Identifier)> {
    let mut i = 0;
    while i < toks.len() {
        if toks[i].kind != Kind::Num {
            i += 1;
            continue;
        }
        let (groups, joins) = cluster(toks, i, "-.");
        let (first, last) = (i, groups[groups.len() - 1]);
        i = last + 1;
        // "+61 412 ..." and "+44 20 ...": international phone numbers.
        if first > 0 && glued(toks, first - 1, first) && toks[first - 1].kind == Kind::Sym('+') {
            continue;
        }
        let (left_free, right_free) = (!embedded(toks, first, true), !embedded(toks, last, false));
        for s in 0..groups.len() {
            if s == 0 && !left_free {
                continue;
            }
            let label = label_before(toks, groups[s]);
            let (mut digits, mut shape) = (String::new(), Vec::new());
            for e in s..groups.len() {
                let group = &toks[groups[e]].text;
                if (e > s && joins[e - 1] != joins[s]) || digits.len() + group.len() > 16 {
                    break;
                }
                // The last group may only end a candidate if nothing is glued on.
                if e + 1 == groups.len() && !right_free {
                    break;
                }
                digits.push_str(group);
                shape.push(group.len());
                let Some(id) = classify(&digits, &shape, label) else {
                    continue;
                };
                let by_keyword = matches!(
                    (&id, label),
                    (Identifier::Nhs, Some(Label::Nhs))
                        | (Identifier::Medicare, Some(Label::Medicare))
                );
                let checksum_only = matches!(id, Identifier::Nhs | Identifier::Medicare);
                if !checksum_only || by_keyword || person_near(toks, groups[s], groups[e]) {
                    return Some((toks[groups[s]].start, id));
                }
            }
        }
    }
    None
}

fn classify(digits: &str, shape: &[usize], label: Option<Label>) -> Option<Identifier> {
    if label == Some(Label::Benign) {
        return None;
    }
    let d: Vec<u32> = digits.bytes().map(|b| u32::from(b - b'0')).collect();
    match d.len() {
        16 if label == Some(Label::Ihi) || (digits.starts_with("800360") && luhn_valid(&d)) => {
            Some(Identifier::Ihi)
        }
        10 | 11 => {
            let medicare =
                (2..=6).contains(&d[0]) && (label == Some(Label::Medicare) || medicare_valid(&d));
            let nhs = d.len() == 10 && d[0] >= 3 && nhs_valid(&d);
            let nhs_first = shape == [3, 3, 4] || label == Some(Label::Nhs);
            match (medicare, nhs) {
                (_, true) if nhs_first => Some(Identifier::Nhs),
                (true, _) => Some(Identifier::Medicare),
                (false, true) => Some(Identifier::Nhs),
                (false, false) => None,
            }
        }
        9 if shape == [3, 2, 4] && ssn_valid(&d) => Some(Identifier::Ssn),
        _ => None,
    }
}

/// Australian Medicare card number: 10 digits (11 with the IRN), first 2–6,
/// digit 9 is the weighted sum of digits 1–8 mod 10.
fn medicare_valid(d: &[u32]) -> bool {
    let sum: u32 = d
        .iter()
        .zip([1, 3, 7, 9, 1, 3, 7, 9])
        .map(|(x, w)| x * w)
        .sum();
    matches!(d.len(), 10 | 11) && (2..=6).contains(&d[0]) && sum % 10 == d[8]
}

/// NHS number modulus 11 check.
fn nhs_valid(d: &[u32]) -> bool {
    let sum: u32 = d.iter().zip((2..=10).rev()).map(|(x, w)| x * w).sum();
    d.len() == 10
        && match 11 - sum % 11 {
            11 => d[9] == 0,
            10 => false,
            check => d[9] == check,
        }
}

fn luhn_valid(d: &[u32]) -> bool {
    let double = |x: u32| if x * 2 > 9 { x * 2 - 9 } else { x * 2 };
    let sum: u32 = d
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &x)| if i % 2 == 1 { double(x) } else { x })
        .sum();
    !d.is_empty() && sum.is_multiple_of(10)
}

/// SSA never issues area 000, 666 or 9xx, group 00 or serial 0000.
fn ssn_valid(d: &[u32]) -> bool {
    let part = |r: Range<usize>| d.get(r).map(|p| p.iter().fold(0, |n, x| n * 10 + x));
    d.len() == 9
        && !matches!(part(0..3), Some(0 | 666 | 900..))
        && part(3..5) != Some(0)
        && part(5..9) != Some(0)
}

/// Whether something near tokens `first..=last` points to a person, so that a
/// number passing a checksum is likely theirs rather than a code or a phone.
fn person_near(toks: &[Tok], first: usize, last: usize) -> bool {
    let cue = |k: usize| {
        patient_cue(toks, k)
            || toks[k].is_any(&PERSON_WORDS)
            || phrase_at(toks, k, "looking after|date of birth|d . o . b").is_some()
            || date_at(toks, k).is_some_and(|(_, year)| year <= BIRTH_YEAR_MAX)
    };
    near(toks, first, last, CUE_RADIUS).any(cue)
        || near(toks, first, last, NAME_RADIUS).any(|k| name_at(toks, k))
}

fn date_of_birth(toks: &[Tok]) -> Option<(usize, Identifier)> {
    (0..toks.len())
        .find(|&i| dob_keyword(toks, i) || dated_name(toks, i))
        .map(|i| (toks[i].start, Identifier::DateOfBirth))
}

/// "DOB"/"date of birth" + any date. "born" alone is weaker (babies and
/// societies are born too), so it needs an adult's birth year or a patient cue.
fn dob_keyword(toks: &[Tok], i: usize) -> bool {
    let strong = phrase_at(toks, i, "dob|birthdate|date of birth|d . o . b|d / o / b");
    let Some(after) = strong.or_else(|| phrase_at(toks, i, "born")) else {
        return false;
    };
    let date = (after..toks.len().min(after + DATE_REACH))
        .find_map(|j| date_at(toks, j).map(|(last, year)| (j, last, year)));
    date.is_some_and(|(j, last, year)| {
        strong.is_some()
            || year <= BIRTH_YEAR_MAX
            || near(toks, j, last, CUE_RADIUS).any(|k| patient_cue(toks, k))
    })
}

/// A birth-year date next to a name in a clinical context, as in a handover
/// line "John Citizen 12/03/1951 bed 4".
fn dated_name(toks: &[Tok], i: usize) -> bool {
    let Some((last, year)) = date_at(toks, i) else {
        return false;
    };
    year <= BIRTH_YEAR_MAX
        && !(i > 0 && toks[i - 1].is_any(&EVENT_WORDS))
        && near(toks, i, last, NAME_RADIUS).any(|k| name_at(toks, k))
        && near(toks, i, last, CUE_RADIUS).any(|k| patient_cue(toks, k))
}

/// Indices of the tokens within `radius` chars of tokens `first..=last`.
fn near(toks: &[Tok], first: usize, last: usize, radius: usize) -> Range<usize> {
    let (from, to) = (
        toks[first].start.saturating_sub(radius),
        toks[last].end + radius,
    );
    toks.partition_point(|t| t.end < from)..toks.partition_point(|t| t.start <= to)
}

/// Two capitalised words, optionally split by "." or "," ("John Citizen",
/// "Mrs Brown", "Mr. Lee", "CITIZEN, John").
fn name_at(toks: &[Tok], k: usize) -> bool {
    let cap = |j: usize| {
        toks.get(j)
            .is_some_and(|t| t.kind == Kind::Word && t.cap && t.text.chars().count() >= 2)
    };
    cap(k) && (cap(k + 1) || (is_sym(toks, k + 1, ".,") && cap(k + 2)))
}

fn patient_cue(toks: &[Tok], k: usize) -> bool {
    let t = &toks[k];
    let age = |j: usize| {
        toks.get(j)
            .is_some_and(|n| n.kind == Kind::Num && n.text.len() <= 3)
    };
    match t.kind {
        Kind::Word => match t.text.as_str() {
            "pt" | "patient" | "bed" | "ward" | "mrn" | "urn" | "yo" => true,
            "aged" | "age" => age(k + 1),
            // "F 34", "M72"
            "m" | "f" => age(k + 1) && toks[k + 1].start <= t.end + 1,
            // "y/o", "y.o."
            "y" => is_sym(toks, k + 1, "/.") && is_word(toks, k + 2, &["o"]),
            _ => false,
        },
        Kind::Num if t.text.len() <= 3 => {
            (is_word(toks, k + 1, &["m", "f"]) && glued(toks, k, k + 1))
                || (is_word(toks, k + 1, &["years", "year", "yrs", "yr"])
                    && is_word(toks, k + 2, &["old"]))
        }
        _ => false,
    }
}

/// A date starting at token `j`: its last token and its year.
fn date_at(toks: &[Tok], j: usize) -> Option<(usize, u32)> {
    if embedded(toks, j, true) {
        return None;
    }
    let (last, year) = numeric_date(toks, j)
        .or_else(|| day_month_year(toks, j))
        .or_else(|| month_day_year(toks, j))?;
    (!embedded(toks, last, false)).then_some((last, year))
}

fn numeric_date(toks: &[Tok], j: usize) -> Option<(usize, u32)> {
    let Kind::Sym(sep @ ('/' | '-' | '.')) = toks.get(j + 1)?.kind else {
        return None;
    };
    if !(j..j + 4).all(|k| glued(toks, k, k + 1)) || toks[j + 3].kind != Kind::Sym(sep) {
        return None;
    }
    let (a, b, c) = (toks[j].num()?, toks[j + 2].num()?, toks[j + 4].num()?);
    let (year, x, y) = match (a.len(), b.len(), c.len()) {
        (4, 1..=2, 1..=2) => (a, c, b),
        (1..=2, 1..=2, 2 | 4) => (c, a, b),
        _ => return None,
    };
    let (x, y): (u32, u32) = (x.parse().ok()?, y.parse().ok()?);
    let day_month = |d: u32, m: u32| (1..=31).contains(&d) && (1..=12).contains(&m);
    // Either order, as US texts write month first.
    (day_month(x, y) || day_month(y, x)).then_some(())?;
    Some((j + 4, full_year(year)?))
}

fn day_month_year(toks: &[Tok], j: usize) -> Option<(usize, u32)> {
    day(toks, j)?;
    let mut k = j + 1 + usize::from(is_word(toks, j + 1, &ORDINALS) && glued(toks, j, j + 1));
    k += usize::from(is_word(toks, k, &["of"]) || is_sym(toks, k, "-"));
    if !is_month(toks, k) {
        return None;
    }
    k += 1 + usize::from(is_sym(toks, k + 1, ".-,"));
    Some((k, year4(toks, k)?))
}

fn month_day_year(toks: &[Tok], j: usize) -> Option<(usize, u32)> {
    if !is_month(toks, j) {
        return None;
    }
    let mut k = j + 1 + usize::from(is_sym(toks, j + 1, "."));
    day(toks, k)?;
    k += usize::from(is_word(toks, k + 1, &ORDINALS) && glued(toks, k, k + 1));
    k += 1 + usize::from(is_sym(toks, k + 1, ","));
    Some((k, year4(toks, k)?))
}

fn is_month(toks: &[Tok], k: usize) -> bool {
    let month = |w: &str| w.len() >= 3 && MONTHS.split(' ').any(|m| m.starts_with(w));
    toks.get(k)
        .is_some_and(|t| t.kind == Kind::Word && month(&t.text))
}

fn day(toks: &[Tok], k: usize) -> Option<u32> {
    let n: u32 = toks.get(k)?.num().filter(|n| n.len() <= 2)?.parse().ok()?;
    (1..=31).contains(&n).then_some(n)
}

fn year4(toks: &[Tok], k: usize) -> Option<u32> {
    toks.get(k)?
        .num()
        .filter(|n| n.len() == 4)
        .and_then(full_year)
}

/// Two-digit years up to 30 are this century, the rest last century.
fn full_year(y: &str) -> Option<u32> {
    let n: u32 = y.parse().ok()?;
    match y.len() {
        2 if n <= 30 => Some(2000 + n),
        2 => Some(1900 + n),
        4 if (1880..=2100).contains(&n) => Some(n),
        _ => None,
    }
}

/// Refuses text that would be shown publicly (a shout-out, an event's title or place, a
/// profile field shown in introductions) if it looks like it holds a patient identifier.
/// `what` names it for the author: "shout-out", "event title".
pub fn guard(text: &str, what: &str) -> Result<(), super::error::Refusal> {
    match check(text) {
        Some(found) => Err(super::error::Refusal::Withheld(format!(
            "I did not use that {what} because {found}; {}. Patient details never go in anything Rounds shows others; nothing was posted or changed.",
            found.what_to_change()
        ))),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn digits(s: &str) -> Vec<u32> {
        s.chars().filter_map(|c| c.to_digit(10)).collect()
    }

    #[test]
    fn nhs_checksum() {
        assert!(nhs_valid(&digits("943 476 5919")));
        assert!(!nhs_valid(&digits("943 476 5910")));
        assert!(!nhs_valid(&digits("943 476 591")));
    }

    #[test]
    fn medicare_checksum() {
        assert!(medicare_valid(&digits("2123 45670 1")));
        assert!(medicare_valid(&digits("2123 45670 1 2")));
        assert!(!medicare_valid(&digits("2123 45671 1")));
        assert!(!medicare_valid(&digits("1123 45670 1")));
    }

    #[test]
    fn luhn_checksum() {
        assert!(luhn_valid(&digits("79927398713")));
        assert!(!luhn_valid(&digits("79927398710")));
        assert!(luhn_valid(&digits("8003 6012 3456 7894")));
        assert!(!luhn_valid(&[]));
    }

    #[test]
    fn ssn_shape() {
        assert!(ssn_valid(&digits("123-45-6789")));
        for bad in [
            "000-12-3456",
            "666-12-3456",
            "900-12-3456",
            "123-00-4567",
            "123-45-0000",
        ] {
            assert!(!ssn_valid(&digits(bad)), "{bad}");
        }
    }

    #[test]
    fn keywords_relax_checksums() {
        assert_eq!(check("IHI 1234 5678 9012 3456"), Some(Identifier::Ihi));
        assert_eq!(check("Medicare 2123 45671 1"), Some(Identifier::Medicare));
        // The leading digit still rules out Medicare's own 1800 phone line.
        assert_eq!(check("Medicare 1800 700 199"), None);
    }

    #[test]
    fn first_identifier_by_position_wins() {
        assert_eq!(check("MRN 9434765919"), Some(Identifier::RecordNumber));
        assert_eq!(check("943 476 5919 MRN 1234567"), Some(Identifier::Nhs));
        assert_eq!(
            check("Zoom 943 476 5919, pt 2123 45670 1"),
            Some(Identifier::Medicare)
        );
    }

    #[test]
    fn message_follows_the_callers_sentence() {
        let message = format!("I did not post that because {}.", Identifier::Nhs);
        assert_eq!(
            message,
            "I did not post that because it contains what looks like an NHS number."
        );
    }

    #[test]
    fn normalising_reveals_what_was_hidden() {
        assert_eq!(normalise("D\u{200B}O\u{00AD}B"), "DOB");
        assert_eq!(normalise("ＮＨＳ　６４０"), "NHS 640");
        assert_eq!(normalise("640\u{2011}123\u{2013}4563"), "640-123-4563");
        assert_eq!(normalise("640\u{00A0}\u{00A0}123\n\t4563"), "640 123 4563");
        assert_eq!(normalise("٦٤٠ १२३"), "640 123");
        assert_eq!(normalise("9\u{0336}4\u{FE0F}3 café"), "943 café");
    }

    #[test]
    fn a_checksum_alone_needs_a_person_nearby() {
        assert_eq!(check("ref 4010234563"), None);
        assert_eq!(check("NHS 4010234563"), Some(Identifier::Nhs));
        assert_eq!(check("ref 4010234563 for Mrs Jones"), Some(Identifier::Nhs));
        assert_eq!(check("Jane Citizen 401 023 4563"), Some(Identifier::Nhs));
        // Medicare by checksum has the same one-in-ten chance, so the same rule.
        assert_eq!(check("Confirmation 3025187973"), None);
        assert_eq!(check("Medicare 3025187973"), Some(Identifier::Medicare));
        assert_eq!(check("pt 3025187973"), Some(Identifier::Medicare));
        // An IHI's prefix is rare enough in itself.
        assert_eq!(check("Record 8003609900001239"), Some(Identifier::Ihi));
    }

    #[test]
    fn never_panics() {
        let long = format!(
            "{}{}{}",
            "9".repeat(100_000),
            " 1".repeat(10_000),
            "DOB ".repeat(1000)
        );
        for text in [
            "",
            "é",
            "🩺 DOB 📅 3/4/1950",
            "MRN",
            "born",
            "D.O",
            "+",
            "12/",
            "March",
            "\u{200B}\u{FEFF}\u{00AD}",
            "MRN RMH",
            "MRN 1,",
            "NHS 640.",
            "ＤＯＢ",
            &long,
        ] {
            let _ = check(text);
        }
        assert_eq!(
            check("Jane Smith DOB 03/04/1950"),
            Some(Identifier::DateOfBirth)
        );
    }
}
