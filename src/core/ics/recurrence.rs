//! RRULE expansion in local wall-clock time, bounded so a hostile rule cannot run long.

use std::str::FromStr;

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime};

use super::text::strip_controls;
use super::values::{Kind, parse_naive};
use super::zone::Zone;

/// Occurrences of one series looked at before giving up on reaching the window.
const MAX_OCCURRENCES_EXAMINED: usize = 1000;

/// Expands `rule` from `start` in local wall-clock time, up to `until` (local), returning the
/// generated local times (DTSTART itself only if the rule produces it).
///
/// The rule runs in a stand-in UTC zone so that it works the same for chrono-tz zones, a feed's
/// own VTIMEZONE and floating times; the caller converts each result to UTC. A series that
/// started long before `earliest` (local) is started again at a later occurrence of the same
/// cycle when that cannot change its occurrences, so that reaching the window does not use up
/// the examination limit.
pub(super) fn expand_local(
    start: NaiveDateTime,
    rule: &str,
    zone: Zone<'_>,
    earliest: Option<NaiveDateTime>,
    until: NaiveDateTime,
    budget: &mut usize,
) -> Vec<NaiveDateTime> {
    let Some(parts) = RuleParts::read(rule, zone, start) else {
        return Vec::new();
    };
    if !parts.can_match(start) {
        return Vec::new();
    }
    let mut dtstart = start;
    if let (Some(period), Some(earliest)) = (parts.fast_forward_period(), earliest) {
        let target = earliest
            .checked_sub_signed(period)
            .and_then(|t| t.checked_sub_signed(Duration::days(2)));
        if let Some(target) = target
            && target > dtstart
            && period.num_seconds() > 0
        {
            let steps = (target - dtstart).num_seconds() / period.num_seconds();
            let jump = i32::try_from(steps)
                .ok()
                .and_then(|steps| period.checked_mul(steps));
            if let Some(moved) = jump.and_then(|jump| dtstart.checked_add_signed(jump)) {
                dtstart = moved;
            }
        }
    }
    let rrule_start = dtstart.and_utc().with_timezone(&rrule::Tz::UTC);
    let Ok(unvalidated) = rrule::RRule::<rrule::Unvalidated>::from_str(&parts.text) else {
        return Vec::new();
    };
    let Ok(validated) = unvalidated.validate(rrule_start) else {
        return Vec::new();
    };
    let set = rrule::RRuleSet::new(rrule_start).rrule(validated).limit();
    let mut found = Vec::new();
    for (examined, occurrence) in (&set).into_iter().enumerate() {
        if examined >= MAX_OCCURRENCES_EXAMINED || *budget == 0 {
            break;
        }
        *budget -= 1;
        let local = occurrence.naive_utc();
        if local > until {
            break;
        }
        found.push(local);
    }
    found
}

/// An RRULE rewritten for the stand-in zone, with what the fast-forward needs.
struct RuleParts {
    text: String,
    freq: String,
    interval: i32,
    has_count: bool,
}

impl RuleParts {
    fn read(rule: &str, zone: Zone<'_>, start: NaiveDateTime) -> Option<RuleParts> {
        let rule = strip_controls(rule).to_ascii_uppercase();
        let rule = rule.strip_prefix("RRULE:").unwrap_or(&rule);
        let mut parts = Vec::new();
        let mut freq = String::new();
        let mut interval = 1;
        let mut has_count = false;
        for part in rule.split(';').map(str::trim).filter(|p| !p.is_empty()) {
            let (key, value) = part.split_once('=')?;
            match key {
                // Calendar programs offer nothing finer than daily; finer rules are where a
                // hostile feed could make each occurrence cost millions of steps.
                "FREQ" if !matches!(value, "DAILY" | "WEEKLY" | "MONTHLY" | "YEARLY") => {
                    return None;
                }
                "FREQ" => freq = value.to_string(),
                "INTERVAL" => interval = value.parse().ok().filter(|i| *i > 0)?,
                "COUNT" => has_count = true,
                _ => {}
            }
            if key == "UNTIL" {
                // UNTIL is UTC (Z), a local time, or a date; it must become a stand-in local time.
                let (local, kind) = parse_naive(value)?;
                let local = match kind {
                    Kind::Utc => zone.to_local(local.and_utc())?,
                    Kind::Local => local,
                    Kind::Date if start.time() == NaiveTime::MIN => local,
                    Kind::Date => local.date().and_hms_opt(23, 59, 59)?,
                };
                // A series that ended before it began has only its DTSTART.
                if local < start {
                    return None;
                }
                parts.push(format!("UNTIL={}", local.format("%Y%m%dT%H%M%SZ")));
            } else {
                parts.push(format!("{key}={value}"));
            }
        }
        Some(RuleParts {
            text: parts.join(";"),
            freq,
            interval,
            has_count,
        })
    }

    /// The cycle by which DTSTART can move without changing later occurrences: whole periods of
    /// a rule whose periods are all the same length, and never with COUNT (counted from DTSTART).
    fn fast_forward_period(&self) -> Option<Duration> {
        if self.has_count {
            return None;
        }
        let unit = match self.freq.as_str() {
            "WEEKLY" => Duration::weeks(1),
            "DAILY" => Duration::days(1),
            _ => return None,
        };
        unit.checked_mul(self.interval)
    }

    /// Whether the rule produces any occurrence in the last years the rrule crate supports.
    ///
    /// The crate looks at up to 100,000 periods for a rule that never matches (the 30th of
    /// February), which for a yearly rule is tens of milliseconds; a feed full of such rules
    /// would take minutes. Thirteen years cover every month length and leap year, so a real
    /// rule matches in them, and the probe stops there.
    fn can_match(&self, start: NaiveDateTime) -> bool {
        let probe_rule: Vec<&str> = self
            .text
            .split(';')
            .filter(|part| !part.starts_with("UNTIL=") && !part.starts_with("COUNT="))
            .collect();
        let probe_start = NaiveDate::from_ymd_opt(9988, start.month(), start.day()).map(|date| {
            date.and_time(start.time())
                .and_utc()
                .with_timezone(&rrule::Tz::UTC)
        });
        let Some(probe_start) = probe_start else {
            return false;
        };
        let Ok(rule) = rrule::RRule::<rrule::Unvalidated>::from_str(&probe_rule.join(";")) else {
            return false;
        };
        let Ok(rule) = rule.validate(probe_start) else {
            return false;
        };
        let set = rrule::RRuleSet::new(probe_start).rrule(rule).limit();
        (&set).into_iter().next().is_some()
    }
}
