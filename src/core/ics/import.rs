//! Reading a feed: each VEVENT, its series expanded into the occurrences in a window, each with
//! a stable key.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Duration, NaiveDateTime, NaiveTime, Utc};
use chrono_tz::Tz;

use super::components::{Comp, Prop, parse_components};
use super::error::IcsError;
use super::recurrence::expand_local;
use super::text::{multi_line, one_line};
use super::values::{Kind, parse_duration, parse_naive, utc_stamp};
use super::vtimezone::{Zones, custom_zones};
use super::zone::Zone;

/// Larger feeds are refused before any parsing, so a hostile URL cannot exhaust memory or time.
pub const MAX_FEED_BYTES: usize = 2 * 1024 * 1024;

/// Occurrences looked at across the whole feed, so many hostile series cannot add up.
const MAX_OCCURRENCES_PER_FEED: usize = 100_000;

const MAX_TITLE_CHARS: usize = 200;
const MAX_PLACE_CHARS: usize = 300;
const MAX_DESCRIPTION_CHARS: usize = 1000;

const UNTITLED: &str = "(untitled)";

/// One event read from a feed; a recurring VEVENT is expanded into one ImportedEvent per occurrence.
#[derive(Clone, Debug, PartialEq)]
pub struct ImportedEvent {
    /// The VEVENT's UID for a single event; for an occurrence of a recurring one,
    /// "<UID>/<occurrence start as YYYYMMDDTHHMMSSZ in UTC>" so each occurrence keeps a stable key.
    /// The start is the occurrence's original one (its RECURRENCE-ID), so a moved occurrence
    /// keeps its key.
    pub uid: String,
    pub title: String,
    pub starts_at: DateTime<Utc>,
    pub duration: Duration,
    pub place: Option<String>,
    pub description: Option<String>,
    /// STATUS:CANCELLED on the event, its series, or its override. An EXDATE'd occurrence is
    /// absent instead.
    pub cancelled: bool,
    /// The zone named by DTSTART's TZID if chrono-tz knows it (else None).
    pub zone: Option<Tz>,
}

/// A DTSTART-like value resolved to an instant.
#[derive(Clone, Copy, Debug)]
struct When<'a> {
    utc: DateTime<Utc>,
    local: NaiveDateTime,
    all_day: bool,
    zone: Zone<'a>,
}

/// Reads a date-time property; `default_zone` is used for a value with no TZID and no `Z`
/// (floating for DTSTART, the series' zone for EXDATE, RDATE and RECURRENCE-ID).
fn when_values<'z>(prop: &Prop, zones: &'z Zones, default_zone: Zone<'z>) -> Vec<When<'z>> {
    let date_only = prop
        .param("VALUE")
        .is_some_and(|v| v.eq_ignore_ascii_case("DATE"));
    prop.value
        .split(',')
        .filter_map(|value| {
            let (local, kind) = parse_naive(value)?;
            let all_day = date_only || kind == Kind::Date;
            let zone = match (kind, prop.param("TZID")) {
                _ if all_day => Zone::Utc,
                (Kind::Utc, _) => Zone::Utc,
                (_, Some(tzid)) => zones.resolve(Some(tzid)),
                (_, None) => default_zone,
            };
            let local = if all_day {
                local.date().and_time(NaiveTime::MIN)
            } else {
                local
            };
            Some(When {
                utc: zone.to_utc(local)?,
                local,
                all_day,
                zone,
            })
        })
        .collect()
}

fn first_when<'z>(prop: Option<&Prop>, zones: &'z Zones, default: Zone<'z>) -> Option<When<'z>> {
    when_values(prop?, zones, default).into_iter().next()
}

/// A VEVENT as read, before expansion.
struct Source<'z> {
    uid: String,
    start: When<'z>,
    duration: Duration,
    title: String,
    place: Option<String>,
    description: Option<String>,
    cancelled: bool,
    sequence: i64,
    recurrence_id: Option<DateTime<Utc>>,
    rrule: Option<String>,
    rdates: Vec<When<'z>>,
    exdates: Vec<When<'z>>,
}

impl Source<'_> {
    fn imported(&self, uid: String, starts_at: DateTime<Utc>) -> ImportedEvent {
        ImportedEvent {
            uid,
            title: self.title.clone(),
            starts_at,
            duration: self.duration,
            place: self.place.clone(),
            description: self.description.clone(),
            cancelled: self.cancelled,
            zone: self.start.zone.named(),
        }
    }
}

/// An event of more than ten years is a mistake; keeping it bounded keeps the arithmetic safe.
fn max_duration() -> Duration {
    Duration::days(3660)
}

fn read_vevent<'z>(event: &Comp, zones: &'z Zones) -> Option<Source<'z>> {
    let uid = event.prop("UID")?.value.trim().to_string();
    if uid.is_empty() {
        return None;
    }
    let start = first_when(event.prop("DTSTART"), zones, Zone::Utc)?;
    let default_length = if start.all_day {
        Duration::days(1)
    } else {
        Duration::hours(1)
    };
    let duration = match (event.prop("DTEND"), event.prop("DURATION")) {
        (Some(end), _) => first_when(Some(end), zones, start.zone)
            .map(|end| end.utc - start.utc)
            .filter(|length| *length >= Duration::zero()),
        (None, Some(duration)) => parse_duration(&duration.value),
        (None, None) => None,
    }
    .unwrap_or(default_length)
    .min(max_duration());
    let text = |name| event.prop(name).map(|p| p.value.as_str());
    let title = text("SUMMARY")
        .map(|t| one_line(t, MAX_TITLE_CHARS))
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| UNTITLED.to_string());
    let place = text("LOCATION")
        .map(|t| one_line(t, MAX_PLACE_CHARS))
        .filter(|t| !t.is_empty());
    let description = text("DESCRIPTION")
        .map(|t| multi_line(t, MAX_DESCRIPTION_CHARS))
        .filter(|t| !t.is_empty());
    let cancelled = text("STATUS").is_some_and(|s| s.trim().eq_ignore_ascii_case("CANCELLED"));
    let sequence = text("SEQUENCE")
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(0);
    let recurrence_id = first_when(event.prop("RECURRENCE-ID"), zones, start.zone).map(|w| w.utc);
    let rrule = text("RRULE")
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(str::to_string);
    let dates = |name| {
        event
            .props(name)
            .flat_map(|p| when_values(p, zones, start.zone))
            .collect::<Vec<_>>()
    };
    Some(Source {
        uid,
        start,
        duration,
        title,
        place,
        description,
        cancelled,
        sequence,
        recurrence_id,
        rrule,
        rdates: dates("RDATE"),
        exdates: dates("EXDATE"),
    })
}

/// Reads a feed. Only occurrences that END after `now` and START before `now + horizon` are returned
/// (so a weekly series from 2015 yields just the next few weeks). Sorted by starts_at, then uid.
pub fn parse(
    text: &str,
    now: DateTime<Utc>,
    horizon: Duration,
) -> Result<Vec<ImportedEvent>, IcsError> {
    if text.len() > MAX_FEED_BYTES {
        return Err(IcsError::TooLarge);
    }
    let calendars = parse_components(text)?;
    let window_end = now
        .checked_add_signed(horizon.max(Duration::zero()))
        .unwrap_or(DateTime::<Utc>::MAX_UTC);
    let mut budget = MAX_OCCURRENCES_PER_FEED;
    let zones_until = window_end
        .checked_add_signed(Duration::days(366))
        .unwrap_or(window_end);
    let zones = custom_zones(&calendars, zones_until, &mut budget);

    // Grouped by UID: the series itself, and its RECURRENCE-ID overrides.
    let mut groups: BTreeMap<String, (Vec<Source<'_>>, Vec<Source<'_>>)> = BTreeMap::new();
    for vevent in calendars
        .iter()
        .flat_map(|c| &c.children)
        .filter(|c| c.name == "VEVENT")
    {
        let Some(source) = read_vevent(vevent, &zones) else {
            continue;
        };
        let group = groups.entry(source.uid.clone()).or_default();
        if source.recurrence_id.is_some() {
            group.1.push(source);
        } else {
            group.0.push(source);
        }
    }

    let in_window = |start: DateTime<Utc>, duration: Duration| {
        start < window_end
            && start
                .checked_add_signed(duration)
                .is_none_or(|end| end > now)
    };
    let mut out = Vec::new();
    for (uid, (masters, overrides)) in groups {
        // A feed listing one UID twice means an edited copy; the highest SEQUENCE, then the last, wins.
        let master = masters
            .into_iter()
            .enumerate()
            .max_by_key(|(i, m)| (m.sequence, *i))
            .map(|(_, m)| m);
        let mut by_recurrence: BTreeMap<DateTime<Utc>, Source<'_>> = BTreeMap::new();
        for o in overrides {
            let Some(id) = o.recurrence_id else { continue };
            if by_recurrence
                .get(&id)
                .is_none_or(|old| o.sequence >= old.sequence)
            {
                by_recurrence.insert(id, o);
            }
        }
        let occurrence_key = |at: DateTime<Utc>| format!("{uid}/{}", utc_stamp(at));

        let Some(master) = master else {
            // Overrides without their series (e.g. one shared instance): each is its own event.
            for (id, o) in &by_recurrence {
                if in_window(o.start.utc, o.duration) {
                    out.push(o.imported(occurrence_key(*id), o.start.utc));
                }
            }
            continue;
        };
        if master.rrule.is_none() && master.rdates.is_empty() {
            if in_window(master.start.utc, master.duration) {
                out.push(master.imported(uid.clone(), master.start.utc));
            }
            continue;
        }

        let excluded = |at: DateTime<Utc>| {
            master.exdates.iter().any(|ex| {
                if ex.all_day && !master.start.all_day {
                    master.start.zone.to_local(at).map(|l| l.date()) == Some(ex.local.date())
                } else {
                    ex.utc == at
                }
            })
        };
        for at in occurrences(&master, now, window_end, &mut budget) {
            if excluded(at) || by_recurrence.contains_key(&at) {
                continue;
            }
            out.push(master.imported(occurrence_key(at), at));
        }
        for (id, o) in &by_recurrence {
            if excluded(*id) || !in_window(o.start.utc, o.duration) {
                continue;
            }
            let mut event = o.imported(occurrence_key(*id), o.start.utc);
            event.cancelled |= master.cancelled;
            out.push(event);
        }
    }
    out.sort_by(|a, b| (a.starts_at, &a.uid).cmp(&(b.starts_at, &b.uid)));
    Ok(out)
}

/// Original start instants of a series' occurrences that overlap [now, window_end): DTSTART,
/// RRULE and RDATE. EXDATE and overrides are applied by the caller, in UTC, so values written in
/// another zone than DTSTART still match.
fn occurrences(
    master: &Source<'_>,
    now: DateTime<Utc>,
    window_end: DateTime<Utc>,
    budget: &mut usize,
) -> BTreeSet<DateTime<Utc>> {
    let overlaps = |start: DateTime<Utc>| {
        start < window_end
            && start
                .checked_add_signed(master.duration)
                .is_none_or(|end| end > now)
    };
    let mut found = BTreeSet::new();
    // RFC 5545 counts DTSTART as the first instance even when the rule would not produce it.
    if overlaps(master.start.utc) {
        found.insert(master.start.utc);
    }
    for rdate in &master.rdates {
        if overlaps(rdate.utc) {
            found.insert(rdate.utc);
        }
    }
    let Some(rule) = &master.rrule else {
        return found;
    };
    let zone = master.start.zone;
    let earliest = now
        .checked_sub_signed(master.duration)
        .and_then(|at| zone.to_local(at));
    let until_local = zone.to_local(window_end).unwrap_or(NaiveDateTime::MAX);
    for local in expand_local(
        master.start.local,
        rule,
        zone,
        earliest,
        until_local,
        budget,
    ) {
        if let Some(at) = zone.to_utc(local)
            && overlaps(at)
        {
            found.insert(at);
        }
    }
    found
}
