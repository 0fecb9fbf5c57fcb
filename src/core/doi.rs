//! DOIs in members' messages, and what Crossref says about them.
//! Pure: the caller makes the HTTP request to [`Doi::api_url`] and hands the body to [`parse_crossref`].

use async_trait::async_trait;
use serde::Deserialize;
use std::fmt::{self, Write as _};
use std::hash::{Hash, Hasher};

/// Crossref's public REST API; a caller may point elsewhere (a mirror, a test server).
pub const CROSSREF_BASE: &str = "https://api.crossref.org";

/// A DOI as found in text, in the case it was written (for display).
/// Equality and hashing ignore ASCII case: the DOI handbook makes DOI names case-insensitive.
#[derive(Clone, Debug)]
pub struct Doi(String);

impl PartialEq for Doi {
    fn eq(&self, other: &Self) -> bool {
        self.0.eq_ignore_ascii_case(&other.0)
    }
}
impl Eq for Doi {}
impl Hash for Doi {
    fn hash<H: Hasher>(&self, h: &mut H) {
        self.0
            .bytes()
            .for_each(|b| h.write_u8(b.to_ascii_lowercase()));
    }
}
impl fmt::Display for Doi {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Doi {
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// `https://doi.org/<doi>`, encoded like [`Doi::api_path`] so SICI DOIs (`<`, `>`) stay clickable.
    pub fn url(&self) -> String {
        format!("https://doi.org/{}", encode_path(&self.0))
    }
    /// `works/<doi>`, to append to a Crossref base URL.
    pub fn api_path(&self) -> String {
        format!("works/{}", encode_path(&self.0))
    }
    /// `base` joined to [`Doi::api_path`] with exactly one slash, whether `base` ends in `/` or not.
    pub fn api_url(&self, base: &str) -> String {
        format!("{}/{}", base.trim_end_matches('/'), self.api_path())
    }
}

/// Percent-encodes a DOI for a URL path. Kept raw: RFC 3986 unreserved characters, `/` (Crossref
/// and doi.org accept it, and links stay readable), and `( ) ; :`, legal in a path and the stuff of
/// old SICI DOIs, which Crossref finds raw. Everything else (`< > # ? % & +`, spaces, non-ASCII) is
/// encoded. A trailing `/` is encoded too: Crossref answers 404 to `works/10.x/abc/` but finds `abc%2F`.
fn encode_path(doi: &str) -> String {
    let mut out = String::with_capacity(doi.len());
    for (i, b) in doi.bytes().enumerate() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                out.push(b as char)
            }
            b'(' | b')' | b';' | b':' => out.push(b as char),
            b'/' if i + 1 < doi.len() => out.push('/'),
            _ => _ = write!(out, "%{b:02X}"),
        }
    }
    out
}

/// The first DOI in `text`, however it is introduced (bare, `doi:`, `DOI: `, doi.org or dx.doi.org
/// links), without the sentence punctuation around it. Percent-encoded links are decoded.
/// A registrant code of fewer than 4 digits ("version 10.5", "10.12/x") is not taken for a DOI.
pub fn find(text: &str) -> Option<Doi> {
    text.match_indices("10.")
        .find_map(|(at, _)| doi_at(text, at))
}

fn doi_at(text: &str, at: usize) -> Option<Doi> {
    // "110.1234/x" or "v2.10.1234/x" are not DOIs starting here.
    let before = text[..at].chars().next_back();
    if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '.') {
        return None;
    }
    let rest = &text[at + 3..];
    let b = rest.as_bytes();
    let digits = b.iter().take_while(|c| c.is_ascii_digit()).count();
    if !(4..=9).contains(&digits) {
        return None;
    }
    let mut i = digits;
    // Registrant codes may be subdivided: 10.1000.10/xyz.
    while b.get(i) == Some(&b'.') && b.get(i + 1).is_some_and(u8::is_ascii_digit) {
        i += 1 + b[i + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
    }
    let sep = if b.get(i) == Some(&b'/') {
        1
    } else if b
        .get(i..i + 3)
        .is_some_and(|s| s.eq_ignore_ascii_case(b"%2f"))
    {
        3
    } else {
        return None;
    };
    // Everything up to `i + sep` is ASCII, so these slices fall on char boundaries.
    let suffix = trim_trailing(suffix_run(&rest[i + sep..], before));
    if suffix.is_empty() {
        return None;
    }
    let raw = format!("{}/{suffix}", &text[at..at + 3 + i]);
    let doi = percent_decode(&raw).unwrap_or(raw);
    // `.` and `..` segments would be resolved by the URL parser into another path on the
    // lookup host (`10.1234/../../secret`); no registered DOI has one.
    if doi
        .split(['/', '\\'])
        .any(|segment| segment == "." || segment == "..")
    {
        return None;
    }
    Some(Doi(doi))
}

/// The suffix ends at whitespace, or at a closing bracket it never opened: that one belongs to the
/// sentence or markup around it ("(doi:10.1234/x)", "[x](https://doi.org/10.1234/x)"). Balanced
/// ones stay, as in SICI DOIs. Inside a link, `?`/`#` (and `&` in a query) start the rest of the URL.
fn suffix_run(s: &str, before: Option<char>) -> &str {
    let mut depth = [0u32; 3];
    for (i, c) in s.char_indices() {
        let url_end = match before {
            Some('/') => matches!(c, '?' | '#'),
            Some('=') => matches!(c, '?' | '#' | '&'),
            _ => false,
        };
        if c.is_whitespace() || url_end {
            return &s[..i];
        }
        if let Some(k) = "([<".find(c) {
            depth[k] += 1;
        } else if let Some(k) = ")]>".find(c) {
            if depth[k] == 0 {
                return &s[..i];
            }
            depth[k] -= 1;
        }
    }
    s
}

fn trim_trailing(s: &str) -> &str {
    s.trim_end_matches([
        '.', ',', ';', ':', '!', '?', '"', '\'', '`', '*', '“', '”', '‘', '’', '«', '»',
    ])
}

/// `%XX` escapes decoded; None when the result is not valid UTF-8 (the DOI finder then keeps
/// the text as written).
pub(crate) fn percent_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let hex = |j: usize| b.get(j).and_then(|&c| (c as char).to_digit(16));
    let (mut out, mut i) = (Vec::with_capacity(b.len()), 0);
    while i < b.len() {
        match (b[i], hex(i + 1), hex(i + 2)) {
            (b'%', Some(h), Some(l)) => {
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            (c, _, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

/// Crossref's text as given (markup and all); [`Publication::describe`] renders it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Publication {
    pub title: String,
    pub journal: Option<String>,
    pub year: Option<i32>,
}

impl Publication {
    /// `“Title”, Journal (2024)`; the journal or year part is left out when unknown.
    pub fn describe(&self) -> String {
        let mut line = format!("“{}”", clean_markup(&self.title));
        if let Some(j) = self
            .journal
            .as_deref()
            .map(clean_markup)
            .filter(|j| !j.is_empty())
        {
            _ = write!(line, ", {j}");
        }
        if let Some(y) = self.year {
            _ = write!(line, " ({y})");
        }
        line
    }
}

/// Strips JATS/HTML tags, decodes common entities, collapses whitespace. Tags go before entities so
/// an escaped `&lt;i&gt;` survives as text; a `<` not followed by a tag name ("p < 0.05") is text.
fn clean_markup(s: &str) -> String {
    let (mut text, mut rest) = (String::with_capacity(s.len()), s);
    while let Some(lt) = rest.find('<') {
        text.push_str(&rest[..lt]);
        let tail = &rest[lt..];
        let is_tag =
            tail[1..].starts_with(|c: char| c.is_ascii_alphabetic() || c == '/' || c == '!');
        match tail.find('>').filter(|_| is_tag) {
            Some(gt) => {
                // A line break separates words; inline tags (<i>, <sub>) sit inside them.
                if tail[1..gt]
                    .trim_matches(|c: char| c == '/' || c.is_whitespace())
                    .eq_ignore_ascii_case("br")
                {
                    text.push(' ');
                }
                rest = &tail[gt + 1..];
            }
            None => {
                text.push('<');
                rest = &tail[1..];
            }
        }
    }
    text.push_str(rest);
    decode_entities(&text)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn decode_entities(s: &str) -> String {
    let (mut out, mut rest) = (String::with_capacity(s.len()), s);
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let tail = &rest[amp + 1..];
        let semi = tail.find(';').filter(|&e| e <= 10);
        match semi.and_then(|e| Some((entity(&tail[..e])?, e + 1))) {
            Some((c, len)) => {
                out.push(c);
                rest = &tail[len..];
            }
            None => {
                out.push('&');
                rest = tail;
            }
        }
    }
    out.push_str(rest);
    out
}

const ENTITIES: [(&str, char); 8] = [
    ("amp", '&'),
    ("lt", '<'),
    ("gt", '>'),
    ("quot", '"'),
    ("apos", '\''),
    ("nbsp", ' '),
    ("ndash", '–'),
    ("mdash", '—'),
];

fn entity(name: &str) -> Option<char> {
    if let Some(&(_, c)) = ENTITIES.iter().find(|(n, _)| *n == name) {
        return Some(c);
    }
    let n = name.strip_prefix('#')?;
    let code = match n.strip_prefix(['x', 'X']) {
        Some(h) => u32::from_str_radix(h, 16).ok()?,
        None => n.parse().ok()?,
    };
    char::from_u32(code).filter(|c| !c.is_control() || c.is_whitespace())
}

#[derive(Clone, Debug, thiserror::Error, PartialEq, Eq)]
pub enum LookupError {
    #[error("no such DOI")]
    NotFound,
    #[error("the DOI service answered something I could not read")]
    Unreadable,
    #[error("the DOI service could not be reached")]
    Unreachable,
}

#[derive(Deserialize)]
struct Envelope {
    status: String,
    message: Work,
}

// Optional fields tolerate `null` as well as absence; a wrong type anywhere is still Unreadable.
#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct Work {
    title: Vec<String>,
    container_title: Option<Vec<String>>,
    short_container_title: Option<Vec<String>>,
    issued: Option<Date>,
    published_print: Option<Date>,
    published_online: Option<Date>,
    created: Option<Date>,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct Date {
    date_parts: Option<Vec<Vec<Option<i64>>>>,
}

impl Date {
    // Crossref writes an unknown date as `[[null]]`.
    fn year(&self) -> Option<i32> {
        i32::try_from(self.date_parts.as_ref()?.first()?.first().copied()??).ok()
    }
}

/// Reads a Crossref `/works/{doi}` body. Title: first non-blank `title`; journal: `container-title`,
/// else `short-container-title`; year: `issued`, else `published-print`, `published-online`, `created`.
pub fn parse_crossref(body: &str) -> Result<Publication, LookupError> {
    // Crossref's 404 body is this plain text, not JSON; a caller that passes it on still gets the right error.
    if body.trim().eq_ignore_ascii_case("resource not found.") {
        return Err(LookupError::NotFound);
    }
    let env: Envelope = serde_json::from_str(body).map_err(|_| LookupError::Unreadable)?;
    if env.status != "ok" {
        return Err(LookupError::Unreadable);
    }
    let w = env.message;
    let first = |v: Option<Vec<String>>| v?.into_iter().find(|s| !clean_markup(s).is_empty());
    Ok(Publication {
        title: first(Some(w.title)).ok_or(LookupError::Unreadable)?,
        journal: first(w.container_title).or_else(|| first(w.short_container_title)),
        year: [w.issued, w.published_print, w.published_online, w.created]
            .iter()
            .flatten()
            .find_map(Date::year),
    })
}

/// Looks a DOI up (the Crossref REST API in production, a stand-in in tests).
#[async_trait]
pub trait DoiLookup: Send + Sync {
    async fn lookup(&self, doi: &Doi) -> Result<Publication, LookupError>;
}

/// A message's DOI, looked up before its command's unit of work opens: the lookup can take
/// seconds, and on SQLite an open unit holds the write lock all that time.
pub struct LookedUp {
    doi: Doi,
    answer: Result<Publication, LookupError>,
}

impl LookedUp {
    /// Looks up the first DOI in `text`, if it has one.
    pub async fn ahead(text: &str, lookup: &dyn DoiLookup) -> Option<LookedUp> {
        let doi = find(text)?;
        let answer = lookup.lookup(&doi).await;
        Some(LookedUp { doi, answer })
    }
}

#[async_trait]
impl DoiLookup for LookedUp {
    async fn lookup(&self, doi: &Doi) -> Result<Publication, LookupError> {
        if doi.as_str() == self.doi.as_str() {
            self.answer.clone()
        } else {
            Err(LookupError::Unreachable)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(text: &str) -> Option<String> {
        find(text).map(|d| d.as_str().to_owned())
    }

    const SICI: &str = "10.1002/(SICI)1097-4636(199812)43:4<399::AID-JBM7>3.0.CO;2-8";

    #[test]
    fn finds_dois_however_written() {
        let cases = [
            (
                "Our paper is out! https://doi.org/10.1056/NEJMoa2034577",
                "10.1056/NEJMoa2034577",
            ),
            (
                "see http://dx.doi.org/10.1038/nature12373, great read",
                "10.1038/nature12373",
            ),
            (
                "doi.org/10.1371/journal.pone.0123456!",
                "10.1371/journal.pone.0123456",
            ),
            ("cite as doi:10.1000/xyz123.", "10.1000/xyz123"),
            (
                "DOI: 10.1016/j.cell.2020.01.001; thanks",
                "10.1016/j.cell.2020.01.001",
            ),
            ("(doi:10.1234/abc)", "10.1234/abc"),
            ("(see 10.1234/abc.), then", "10.1234/abc"),
            ("[doi:10.1234/abc]?", "10.1234/abc"),
            ("“10.1234/abc”", "10.1234/abc"),
            ("'10.1234/abc'?", "10.1234/abc"),
            ("**10.1234/abc**", "10.1234/abc"),
            (
                "10.1016/0022-2836(81)90087-5",
                "10.1016/0022-2836(81)90087-5",
            ),
            ("Handle 10.1000.10/xyz now", "10.1000.10/xyz"),
            ("https://doi.org/10.1000%2F182", "10.1000/182"),
            ("https://doi.org/10.1000%2f182%3Ca%3E", "10.1000/182<a>"),
            (
                "https://doi.org/10.1234/abc?utm_source=x#top",
                "10.1234/abc",
            ),
            ("https://x.org/?doi=10.1234/abc&ref=y", "10.1234/abc"),
            ("[paper](https://doi.org/10.1234/abc)", "10.1234/abc"),
            (
                "[https://doi.org/10.1234/a](https://doi.org/10.1234/a)",
                "10.1234/a",
            ),
            ("<a href=\"https://doi.org/10.1234/abc\">", "10.1234/abc"),
            ("DOI:10.1093/NAR/GKAA1100", "10.1093/NAR/GKAA1100"),
            ("first 10.1111/aaa then 10.2222/bbb", "10.1111/aaa"),
            ("10.1234/. but 10.5555/real", "10.5555/real"),
            ("version 10.5 of 10.12/x, 110.1234/x, 10.1234567890/x", ""),
            ("10.1234/abc%FF stays", "10.1234/abc%FF"),
        ];
        for (text, want) in cases {
            assert_eq!(found(text).unwrap_or_default(), want, "in {text:?}");
        }
    }

    #[test]
    fn finds_sici_dois_whole() {
        assert_eq!(found(SICI).as_deref(), Some(SICI));
        assert_eq!(found(&format!("Classic ({SICI}).")).as_deref(), Some(SICI));
        assert_eq!(found(&format!("doi:{SICI}, 1998")).as_deref(), Some(SICI));
    }

    #[test]
    fn rejects_non_dois() {
        for text in [
            "version 10.5 of the guideline",
            "10.12/x",
            "10.1234",
            "10.1234/",
            "",
            "10.",
        ] {
            assert_eq!(find(text), None, "in {text:?}");
        }
    }

    #[test]
    fn compares_case_insensitively_but_keeps_case() {
        let upper = find("DOI:10.1056/NEJMOA2034577").unwrap();
        let lower = find("10.1056/nejmoa2034577").unwrap();
        assert_eq!(upper, lower);
        assert_eq!(upper.to_string(), "10.1056/NEJMOA2034577");
        assert_eq!(std::collections::HashSet::from([upper, lower]).len(), 1);
    }

    #[test]
    fn dot_segments_are_not_dois() {
        for text in [
            "doi:10.1234/../../secret",
            "10.1234/./x",
            "https://doi.org/10.1234/a/../../../admin",
            "10.1234/%2e%2e/%2E%2E/secret",
            "10.1234/a\\..\\..\\b",
        ] {
            assert_eq!(find(text), None, "{text}");
        }
        // Dots inside a segment are ordinary DOI text.
        assert_eq!(find("10.1234/a..b").unwrap().as_str(), "10.1234/a..b");
        assert_eq!(find("10.1234/.x").unwrap().as_str(), "10.1234/.x");
    }

    #[test]
    fn builds_urls() {
        let d = find("10.1056/NEJMoa2034577").unwrap();
        assert_eq!(d.url(), "https://doi.org/10.1056/NEJMoa2034577");
        let want = "https://api.crossref.org/works/10.1056/NEJMoa2034577";
        assert_eq!(d.api_url(CROSSREF_BASE), want);
        assert_eq!(d.api_url("https://api.crossref.org/"), want);
        let sici = find(SICI).unwrap();
        let enc = "works/10.1002/(SICI)1097-4636(199812)43:4%3C399::AID-JBM7%3E3.0.CO;2-8";
        assert_eq!(sici.api_path(), enc);
        let odd = Doi("10.1234/a b#c?d%e&f+é/".into());
        assert_eq!(
            odd.api_path(),
            "works/10.1234/a%20b%23c%3Fd%25e%26f%2B%C3%A9%2F"
        );
    }

    #[test]
    fn never_panics_on_any_prefix_or_suffix() {
        let nasty = "é10.1234/é(<[“%2%F10.12345%2F€)]>”&#x;&#1114112;&lt <i 10.1000.1/";
        for (i, _) in nasty.char_indices() {
            for part in [&nasty[..i], &nasty[i..]] {
                let _ = find(part).map(|d| (d.url(), d.api_url("")));
                let _ = clean_markup(part);
                let _ = parse_crossref(part);
            }
        }
    }

    fn work(message: &str) -> String {
        format!(
            r#"{{"status":"ok","message-type":"work","message-version":"1.0.0","message":{message}}}"#
        )
    }

    #[test]
    fn parses_a_realistic_crossref_answer() {
        let body = work(
            r#"{"indexed":{"date-parts":[[2024,5,2]],"date-time":"2024-05-02T10:11:12Z","timestamp":1714644672000},
            "reference-count":30,"publisher":"Massachusetts Medical Society","issue":"27",
            "DOI":"10.1056/NEJMoa2034577","type":"journal-article",
            "created":{"date-parts":[[2020,12,10]],"date-time":"2020-12-10T22:01:29Z","timestamp":1607637689000},
            "page":"2603-2615","source":"Crossref","is-referenced-by-count":10000,
            "title":["Safety and Efficacy of the BNT162b2 mRNA Covid-19 Vaccine"],
            "prefix":"10.1056","volume":"383",
            "author":[{"given":"Fernando P.","family":"Polack","sequence":"first","affiliation":[]}],
            "member":"150","container-title":["New England Journal of Medicine"],
            "short-container-title":["N Engl J Med"],
            "link":[{"URL":"http://www.nejm.org/doi/pdf/10.1056/NEJMoa2034577","content-type":"unspecified"}],
            "published-print":{"date-parts":[[2020,12,31]]},"published-online":{"date-parts":[[2020,12,10]]},
            "issued":{"date-parts":[[2020,12,31]]},"ISSN":["0028-4793","1533-4406"],"score":1}"#,
        );
        let p = parse_crossref(&body).unwrap();
        assert_eq!(
            p.journal.as_deref(),
            Some("New England Journal of Medicine")
        );
        assert_eq!(
            p.describe(),
            "“Safety and Efficacy of the BNT162b2 mRNA Covid-19 Vaccine”, New England Journal of Medicine (2020)"
        );
    }

    #[test]
    fn falls_back_for_journal_and_year() {
        let short = work(
            r#"{"title":["T"],"container-title":[""],"short-container-title":["BMJ"],"issued":{"date-parts":[[null]]},"published-print":{"date-parts":[[2019]]}}"#,
        );
        let p = parse_crossref(&short).unwrap();
        assert_eq!((p.journal.as_deref(), p.year), (Some("BMJ"), Some(2019)));
        let online = work(
            r#"{"title":["T"],"container-title":null,"issued":{"date-parts":[[null]]},"published-online":{"date-parts":[[2021,1]]},"created":{"date-parts":[[2020]]}}"#,
        );
        assert_eq!(parse_crossref(&online).unwrap().describe(), "“T” (2021)");
        let bare = work(
            r#"{"title":["", "Preprint"],"container-title":["Lancet"],"issued":{"date-parts":[[null]]}}"#,
        );
        assert_eq!(
            parse_crossref(&bare).unwrap().describe(),
            "“Preprint”, Lancet"
        );
        let nothing = work(r#"{"title":["T"],"issued":{"date-parts":[]}}"#);
        let p = parse_crossref(&nothing).unwrap();
        assert_eq!((p.journal, p.year, p.title.as_str()), (None, None, "T"));
    }

    #[test]
    fn cleans_markup_in_titles() {
        let body = work(
            r#"{"title":["Effects of <i>Staphylococcus aureus</i> &amp; <scp>MRSA</scp>\n   on CO<sub>2</sub>&#8212;a trial<br/>(p &lt; 0.05, q < 1) &unknown; &#x1F600;"],
            "container-title":["Journal of Allergy &amp; Clinical Immunology"],"issued":{"date-parts":[[2024,3,1]]}}"#,
        );
        assert_eq!(
            parse_crossref(&body).unwrap().describe(),
            "“Effects of Staphylococcus aureus & MRSA on CO2—a trial (p < 0.05, q < 1) &unknown; 😀”, Journal of Allergy & Clinical Immunology (2024)"
        );
        assert_eq!(clean_markup("&lt;i&gt;kept&lt;/i&gt;"), "<i>kept</i>");
    }

    #[test]
    fn rejects_unreadable_answers() {
        let bad = [
            "not json".to_owned(),
            "{}".to_owned(),
            r#"{"status":"error","message":[{"type":"validation-failure","message":"bad"}]}"#
                .to_owned(),
            r#"{"status":"failed","message":{"title":["T"]}}"#.to_owned(),
            work(r#"{"title":[]}"#),
            work(r#"{"title":["  ", "<i></i>"]}"#),
            work(r#"{"container-title":["J"]}"#),
            work(r#"{"title":"T"}"#),
            work(r#"{"title":["T"],"issued":{"date-parts":"2020"}}"#),
        ];
        for body in bad {
            assert_eq!(
                parse_crossref(&body),
                Err(LookupError::Unreadable),
                "for {body}"
            );
        }
        assert_eq!(
            parse_crossref("Resource not found."),
            Err(LookupError::NotFound)
        );
    }
}
