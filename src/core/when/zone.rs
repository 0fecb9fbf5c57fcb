//! Zones and local time: wall-clock times in a member's zone as UTC instants, zone names, local
//! dates, and the horizon nothing may be scheduled beyond.

use std::str::FromStr;

use chrono::{
    DateTime, Days, Duration, LocalResult, Months, NaiveDate, NaiveDateTime, NaiveTime, Offset,
    TimeZone, Utc,
};
use chrono_tz::{America, Asia, Australia, Europe, Pacific, Tz};

use super::error::{WhenError, clip};

/// How far ahead anything may be scheduled.
pub(super) const HORIZON_MONTHS: u32 = 60;

/// A local wall-clock time in `tz` as a UTC instant: a time in a DST gap moves forward by the gap
/// (02:30 on a spring-forward night becomes 03:30); an ambiguous time takes the earlier instant.
pub fn resolve_local(date: NaiveDate, time: NaiveTime, tz: Tz) -> Option<DateTime<Utc>> {
    let naive = date.and_time(time);
    match tz.from_local_datetime(&naive) {
        LocalResult::Single(t) => Some(t.with_timezone(&Utc)),
        LocalResult::Ambiguous(a, b) => Some(a.with_timezone(&Utc).min(b.with_timezone(&Utc))),
        LocalResult::None => resolve_gap(naive, tz),
    }
}

fn resolve_gap(naive: NaiveDateTime, tz: Tz) -> Option<DateTime<Utc>> {
    // Reading the skipped wall time with the offset in force before the gap lands exactly one
    // gap-length later on the far side. 36 h back is before any gap yet after the previous change.
    let probe = naive.checked_sub_signed(Duration::hours(36))?;
    let before = tz.offset_from_utc_datetime(&probe).fix();
    let instant = naive
        .checked_sub_signed(Duration::seconds(i64::from(before.local_minus_utc())))?
        .and_utc();
    if instant.with_timezone(&tz).naive_local() > naive {
        return Some(instant);
    }
    // Zones with odd histories: settle for the first wall time that exists.
    (1..=48 * 60).find_map(|m| {
        let later = naive.checked_add_signed(Duration::minutes(m))?;
        match tz.from_local_datetime(&later) {
            LocalResult::Single(t) => Some(t.with_timezone(&Utc)),
            LocalResult::Ambiguous(a, _) => Some(a.with_timezone(&Utc)),
            LocalResult::None => None,
        }
    })
}

/// Parse a zone as members type it: an IANA name ("Australia/Sydney", any case), a city
/// ("Sydney", "New York", "Edinburgh"), or an abbreviation that names one zone ("AEDT", "BST",
/// "PST"). An abbreviation several zones share ("EST", "IST", "AEST") is asked back, never
/// guessed: it is checked before the IANA names, because tzdb's own "EST" is a fixed offset
/// without daylight saving that no New Yorker means.
pub fn parse_zone(text: &str) -> Result<Tz, WhenError> {
    let name = text.trim();
    let key = name.to_lowercase().replace(['_', '-', '.'], " ");
    let key = key.split_whitespace().collect::<Vec<_>>().join(" ");
    if let Some((_, choices)) = SHARED_ABBREVIATIONS.iter().find(|(a, _)| *a == key) {
        return Err(WhenError::AmbiguousZone {
            typed: clip(name),
            choices,
        });
    }
    if let Some((_, zone)) = PLACES.iter().find(|(place, _)| *place == key) {
        return Ok(*zone);
    }
    if let Ok(tz) = Tz::from_str(name) {
        return Ok(tz);
    }
    if let Some(tz) = chrono_tz::TZ_VARIANTS
        .iter()
        .find(|tz| tz.name().eq_ignore_ascii_case(name))
    {
        return Ok(*tz);
    }
    city_zone(&key).ok_or_else(|| WhenError::UnknownZone(clip(name)))
}

/// A city that names a zone in the tz database ("Perth" is Australia/Perth): the last part of
/// a region's zone name. Only the regions members live in, so "Eastern" (US/Eastern) is not
/// mistaken for a city.
fn city_zone(key: &str) -> Option<Tz> {
    const REGIONS: [&str; 7] = [
        "Africa/",
        "America/",
        "Asia/",
        "Atlantic/",
        "Australia/",
        "Europe/",
        "Pacific/",
    ];
    let found: Vec<Tz> = chrono_tz::TZ_VARIANTS
        .iter()
        .filter(|tz| REGIONS.iter().any(|r| tz.name().starts_with(r)))
        .filter(|tz| {
            tz.name()
                .rsplit('/')
                .next()
                .is_some_and(|city| city.replace('_', " ").eq_ignore_ascii_case(key))
        })
        .copied()
        .collect();
    // One city in two regions would be a guess.
    match found.as_slice() {
        [one] => Some(*one),
        _ => None,
    }
}

/// Places and abbreviations doctors in Australia, New Zealand, the UK, Ireland and North
/// America type for their zone, where the tz database has no zone of that name.
const PLACES: &[(&str, Tz)] = &[
    ("canberra", Australia::Sydney),
    ("act", Australia::Sydney),
    ("nsw", Australia::Sydney),
    ("newcastle nsw", Australia::Sydney),
    ("wollongong", Australia::Sydney),
    ("victoria", Australia::Melbourne),
    ("vic", Australia::Melbourne),
    ("geelong", Australia::Melbourne),
    ("queensland", Australia::Brisbane),
    ("qld", Australia::Brisbane),
    ("gold coast", Australia::Brisbane),
    ("townsville", Australia::Brisbane),
    ("cairns", Australia::Brisbane),
    ("wa", Australia::Perth),
    ("western australia", Australia::Perth),
    ("sa", Australia::Adelaide),
    ("south australia", Australia::Adelaide),
    ("nt", Australia::Darwin),
    ("northern territory", Australia::Darwin),
    ("alice springs", Australia::Darwin),
    ("tasmania", Australia::Hobart),
    ("tas", Australia::Hobart),
    ("launceston", Australia::Hobart),
    ("aedt", Australia::Sydney),
    ("acdt", Australia::Adelaide),
    ("awst", Australia::Perth),
    ("new zealand", Pacific::Auckland),
    ("nz", Pacific::Auckland),
    ("wellington", Pacific::Auckland),
    ("christchurch", Pacific::Auckland),
    ("nzst", Pacific::Auckland),
    ("nzdt", Pacific::Auckland),
    ("uk", Europe::London),
    ("united kingdom", Europe::London),
    ("england", Europe::London),
    ("scotland", Europe::London),
    ("wales", Europe::London),
    ("northern ireland", Europe::London),
    ("edinburgh", Europe::London),
    ("glasgow", Europe::London),
    ("cardiff", Europe::London),
    ("manchester", Europe::London),
    ("birmingham", Europe::London),
    ("leeds", Europe::London),
    ("liverpool", Europe::London),
    ("bristol", Europe::London),
    ("oxford", Europe::London),
    ("cambridge uk", Europe::London),
    ("belfast", Europe::London),
    ("bst", Europe::London),
    ("ireland", Europe::Dublin),
    ("cork", Europe::Dublin),
    ("galway", Europe::Dublin),
    ("nyc", America::New_York),
    ("boston", America::New_York),
    ("philadelphia", America::New_York),
    ("washington", America::New_York),
    ("washington dc", America::New_York),
    ("dc", America::New_York),
    ("baltimore", America::New_York),
    ("atlanta", America::New_York),
    ("miami", America::New_York),
    ("pittsburgh", America::New_York),
    ("edt", America::New_York),
    ("montreal", America::Toronto),
    ("ottawa", America::Toronto),
    ("houston", America::Chicago),
    ("dallas", America::Chicago),
    ("minneapolis", America::Chicago),
    ("st louis", America::Chicago),
    ("cdt", America::Chicago),
    ("salt lake city", America::Denver),
    ("mdt", America::Denver),
    ("calgary", America::Edmonton),
    ("la", America::Los_Angeles),
    ("san francisco", America::Los_Angeles),
    ("sf", America::Los_Angeles),
    ("san diego", America::Los_Angeles),
    ("seattle", America::Los_Angeles),
    ("portland", America::Los_Angeles),
    ("pst", America::Los_Angeles),
    ("pdt", America::Los_Angeles),
    ("honolulu", Pacific::Honolulu),
    ("hawaii", Pacific::Honolulu),
    ("hst", Pacific::Honolulu),
    ("akst", America::Anchorage),
    ("akdt", America::Anchorage),
    ("sgt", Asia::Singapore),
    ("singapore", Asia::Singapore),
    ("hkt", Asia::Hong_Kong),
    ("hong kong", Asia::Hong_Kong),
    ("mumbai", Asia::Kolkata),
    ("delhi", Asia::Kolkata),
    ("new delhi", Asia::Kolkata),
    ("bangalore", Asia::Kolkata),
    ("india", Asia::Kolkata),
];

/// Abbreviations more than one zone uses, each with the zones it may mean.
const SHARED_ABBREVIATIONS: &[(&str, &[(&str, &str)])] = &[
    (
        "est",
        &[
            ("America/New_York", "US and Canada Eastern"),
            (
                "Australia/Sydney",
                "Australian Eastern with daylight saving",
            ),
            ("Australia/Brisbane", "Queensland"),
        ],
    ),
    (
        "aest",
        &[
            (
                "Australia/Sydney",
                "NSW, Victoria, Tasmania and the ACT, with daylight saving",
            ),
            ("Australia/Brisbane", "Queensland, no daylight saving"),
        ],
    ),
    (
        "acst",
        &[
            (
                "Australia/Adelaide",
                "South Australia, with daylight saving",
            ),
            ("Australia/Darwin", "Northern Territory, no daylight saving"),
        ],
    ),
    (
        "cst",
        &[
            ("America/Chicago", "US Central"),
            ("Australia/Adelaide", "Australian Central"),
            ("Asia/Shanghai", "China"),
        ],
    ),
    (
        "mst",
        &[
            ("America/Denver", "US Mountain, with daylight saving"),
            ("America/Phoenix", "Arizona, no daylight saving"),
        ],
    ),
    (
        "ist",
        &[
            ("Europe/Dublin", "Ireland"),
            ("Asia/Kolkata", "India"),
            ("Asia/Jerusalem", "Israel"),
        ],
    ),
    (
        "gmt",
        &[
            ("Europe/London", "UK time, BST in summer"),
            ("UTC", "the same all year"),
        ],
    ),
    (
        "eastern",
        &[
            ("America/New_York", "US and Canada Eastern"),
            ("Australia/Sydney", "Australian Eastern"),
        ],
    ),
    (
        "central",
        &[
            ("America/Chicago", "US Central"),
            ("Australia/Adelaide", "Australian Central"),
        ],
    ),
];

pub(super) fn local_date(instant: DateTime<Utc>, tz: Tz) -> NaiveDate {
    instant.with_timezone(&tz).date_naive()
}

pub(super) fn add_days(date: NaiveDate, days: u64) -> Option<NaiveDate> {
    date.checked_add_days(Days::new(days))
}

pub(super) fn check_horizon(first: DateTime<Utc>, now: DateTime<Utc>) -> Result<(), WhenError> {
    match now.checked_add_months(Months::new(HORIZON_MONTHS)) {
        Some(limit) if first <= limit => Ok(()),
        _ => Err(WhenError::TooFar),
    }
}
