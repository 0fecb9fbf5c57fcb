//! A feed's VTIMEZONE components read into zones, and TZID names resolved against them.

use std::collections::HashMap;

use chrono::{DateTime, Duration, NaiveDateTime, Utc};

use super::components::Comp;
use super::recurrence::expand_local;
use super::values::{parse_naive, parse_offset};
use super::zone::{CustomZone, Zone, known_zone};

pub(super) struct Zones {
    custom: HashMap<String, CustomZone>,
}

impl Zones {
    pub(super) fn resolve(&self, tzid: Option<&str>) -> Zone<'_> {
        let Some(tzid) = tzid else {
            return Zone::Utc;
        };
        if let Some(tz) = known_zone(tzid) {
            return Zone::Named(tz);
        }
        match self.custom.get(tzid.trim()) {
            Some(zone) => Zone::Custom(zone),
            None => Zone::Utc,
        }
    }
}

/// Reads each VTIMEZONE whose TZID chrono-tz does not know, with its offsets up to `until`.
pub(super) fn custom_zones(calendars: &[Comp], until: DateTime<Utc>, budget: &mut usize) -> Zones {
    let mut custom = HashMap::new();
    for vtimezone in calendars
        .iter()
        .flat_map(|c| &c.children)
        .filter(|c| c.name == "VTIMEZONE")
    {
        let Some(tzid) = vtimezone.prop("TZID").map(|p| p.value.trim().to_string()) else {
            continue;
        };
        if known_zone(&tzid).is_some() || custom.contains_key(&tzid) {
            continue;
        }
        let mut zone = CustomZone::default();
        let mut first: Option<(NaiveDateTime, i32)> = None;
        for observance in &vtimezone.children {
            let offset = |name| observance.prop(name).and_then(|p| parse_offset(&p.value));
            let (Some(from), Some(to)) = (offset("TZOFFSETFROM"), offset("TZOFFSETTO")) else {
                continue;
            };
            let Some(start) = observance
                .prop("DTSTART")
                .and_then(|p| parse_naive(&p.value))
                .map(|(local, _)| local)
            else {
                continue;
            };
            if first.is_none_or(|(at, _)| start < at) {
                first = Some((start, from));
            }
            let mut onsets = vec![start];
            if let Some(rule) = observance.prop("RRULE") {
                let until_local = until.naive_utc();
                onsets.extend(expand_local(
                    start,
                    &rule.value,
                    Zone::Utc,
                    None,
                    until_local,
                    budget,
                ));
            }
            for rdate in observance.props("RDATE") {
                onsets.extend(
                    rdate
                        .value
                        .split(',')
                        .filter_map(parse_naive)
                        .map(|(local, _)| local),
                );
            }
            for onset in onsets {
                if let Some(at) = onset.checked_sub_signed(Duration::seconds(i64::from(from))) {
                    zone.changes.push((at.and_utc(), to));
                }
            }
        }
        let Some((_, initial)) = first else {
            continue;
        };
        zone.initial = initial;
        zone.changes.sort_by_key(|c| c.0);
        custom.insert(tzid, zone);
    }
    Zones { custom }
}
