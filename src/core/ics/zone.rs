//! One zone a feed's date-time can be in: UTC or floating, a zone chrono-tz knows (by IANA or
//! Windows name), or one built from the feed's own VTIMEZONE.

use std::str::FromStr;

use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use chrono_tz::Tz;

use crate::core::when::resolve_local;

/// Windows zone names that Outlook and Exchange put in TZID, mapped as CLDR does.
const WINDOWS_ZONES: &[(&str, &str)] = &[
    ("AUS Eastern Standard Time", "Australia/Sydney"),
    ("AUS Central Standard Time", "Australia/Darwin"),
    ("Cen. Australia Standard Time", "Australia/Adelaide"),
    ("E. Australia Standard Time", "Australia/Brisbane"),
    ("W. Australia Standard Time", "Australia/Perth"),
    ("Tasmania Standard Time", "Australia/Hobart"),
    ("New Zealand Standard Time", "Pacific/Auckland"),
    ("GMT Standard Time", "Europe/London"),
    ("Greenwich Standard Time", "Atlantic/Reykjavik"),
    ("W. Europe Standard Time", "Europe/Berlin"),
    ("Central Europe Standard Time", "Europe/Budapest"),
    ("Central European Standard Time", "Europe/Warsaw"),
    ("Romance Standard Time", "Europe/Paris"),
    ("E. Europe Standard Time", "Europe/Chisinau"),
    ("FLE Standard Time", "Europe/Kyiv"),
    ("GTB Standard Time", "Europe/Bucharest"),
    ("Russian Standard Time", "Europe/Moscow"),
    ("Turkey Standard Time", "Europe/Istanbul"),
    ("Israel Standard Time", "Asia/Jerusalem"),
    ("Egypt Standard Time", "Africa/Cairo"),
    ("South Africa Standard Time", "Africa/Johannesburg"),
    ("W. Central Africa Standard Time", "Africa/Lagos"),
    ("E. Africa Standard Time", "Africa/Nairobi"),
    ("Morocco Standard Time", "Africa/Casablanca"),
    ("Arab Standard Time", "Asia/Riyadh"),
    ("Arabian Standard Time", "Asia/Dubai"),
    ("Iran Standard Time", "Asia/Tehran"),
    ("Afghanistan Standard Time", "Asia/Kabul"),
    ("Pakistan Standard Time", "Asia/Karachi"),
    ("West Asia Standard Time", "Asia/Tashkent"),
    ("India Standard Time", "Asia/Kolkata"),
    ("Sri Lanka Standard Time", "Asia/Colombo"),
    ("Nepal Standard Time", "Asia/Kathmandu"),
    ("Bangladesh Standard Time", "Asia/Dhaka"),
    ("Myanmar Standard Time", "Asia/Yangon"),
    ("SE Asia Standard Time", "Asia/Bangkok"),
    ("Singapore Standard Time", "Asia/Singapore"),
    ("Malay Peninsula Standard Time", "Asia/Kuala_Lumpur"),
    ("China Standard Time", "Asia/Shanghai"),
    ("Taipei Standard Time", "Asia/Taipei"),
    ("Tokyo Standard Time", "Asia/Tokyo"),
    ("Korea Standard Time", "Asia/Seoul"),
    ("Fiji Standard Time", "Pacific/Fiji"),
    ("Tonga Standard Time", "Pacific/Tongatapu"),
    ("Hawaiian Standard Time", "Pacific/Honolulu"),
    ("Alaskan Standard Time", "America/Anchorage"),
    ("Pacific Standard Time", "America/Los_Angeles"),
    ("US Mountain Standard Time", "America/Phoenix"),
    ("Mountain Standard Time", "America/Denver"),
    ("Central Standard Time", "America/Chicago"),
    ("Central Standard Time (Mexico)", "America/Mexico_City"),
    ("Canada Central Standard Time", "America/Regina"),
    ("Eastern Standard Time", "America/New_York"),
    ("SA Pacific Standard Time", "America/Bogota"),
    ("Atlantic Standard Time", "America/Halifax"),
    ("Newfoundland Standard Time", "America/St_Johns"),
    ("E. South America Standard Time", "America/Sao_Paulo"),
    ("Argentina Standard Time", "America/Argentina/Buenos_Aires"),
    ("UTC", "Etc/UTC"),
    ("Coordinated Universal Time", "Etc/UTC"),
];

/// A zone built from a feed's own VTIMEZONE: offset changes as (instant, offset after) in order.
#[derive(Debug, Default)]
pub(super) struct CustomZone {
    pub(super) initial: i32,
    pub(super) changes: Vec<(DateTime<Utc>, i32)>,
}

impl CustomZone {
    fn offset_at(&self, at: DateTime<Utc>) -> i32 {
        let after = self.changes.partition_point(|(t, _)| *t <= at);
        match after.checked_sub(1) {
            Some(i) => self.changes.get(i).map_or(self.initial, |c| c.1),
            None => self.initial,
        }
    }
}

#[derive(Clone, Copy, Debug)]
pub(super) enum Zone<'a> {
    /// UTC, and floating times, which this importer reads as UTC.
    Utc,
    Named(Tz),
    Custom(&'a CustomZone),
}

impl Zone<'_> {
    pub(super) fn to_utc(self, local: NaiveDateTime) -> Option<DateTime<Utc>> {
        match self {
            Zone::Utc => Some(local.and_utc()),
            // RFC 5545 3.3.5: an ambiguous local time is its first occurrence, and one in a
            // gap uses the offset from before the gap, as resolve_local reads them.
            Zone::Named(tz) => resolve_local(local.date(), local.time(), tz),
            Zone::Custom(zone) => {
                let shift = |offset: i32| {
                    local
                        .checked_sub_signed(Duration::seconds(i64::from(offset)))
                        .map(|at| at.and_utc())
                };
                let guess = shift(zone.offset_at(local.and_utc()))?;
                shift(zone.offset_at(guess))
            }
        }
    }

    pub(super) fn to_local(self, at: DateTime<Utc>) -> Option<NaiveDateTime> {
        match self {
            Zone::Utc => Some(at.naive_utc()),
            Zone::Named(tz) => Some(at.with_timezone(&tz).naive_local()),
            Zone::Custom(zone) => at
                .naive_utc()
                .checked_add_signed(Duration::seconds(i64::from(zone.offset_at(at)))),
        }
    }

    pub(super) fn named(self) -> Option<Tz> {
        match self {
            Zone::Named(tz) => Some(tz),
            _ => None,
        }
    }
}

pub(super) fn known_zone(tzid: &str) -> Option<Tz> {
    let tzid = tzid.trim();
    if let Some(&(_, iana)) = WINDOWS_ZONES
        .iter()
        .find(|(windows, _)| windows.eq_ignore_ascii_case(tzid))
    {
        return Tz::from_str(iana).ok();
    }
    // Some producers prefix the IANA name, e.g. "/mozilla.org/20050126_1/Europe/London".
    let mut rest = tzid;
    loop {
        if let Ok(tz) = Tz::from_str(rest) {
            return Some(tz);
        }
        rest = rest.split_once('/')?.1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_zones_are_all_known_to_chrono_tz() {
        for (windows, iana) in WINDOWS_ZONES {
            assert!(Tz::from_str(iana).is_ok(), "{windows} -> {iana}");
        }
    }
}
