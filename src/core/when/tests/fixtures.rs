//! A fixed clock, the zones the tests run in, and short ways to write instants and rules.

use chrono::{DateTime, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::{America, Australia, Europe, Pacific, Tz};

use crate::core::when::expression::parse;
use crate::core::when::recurrence::{Rule, Schedule};
use crate::core::when::words::hm;

pub(super) const SYD: Tz = Australia::Sydney;
pub(super) const LON: Tz = Europe::London;
pub(super) const NYC: Tz = America::New_York;
pub(super) const AKL: Tz = Pacific::Auckland;

/// A Sunday: 14:00 in Sydney, 03:00 in London, Saturday 22:00 in New York.
pub(super) fn now() -> DateTime<Utc> {
    utc("2026-11-22T03:00:00Z")
}

pub(super) fn utc(s: &str) -> DateTime<Utc> {
    s.parse().expect("test instant")
}

/// A local wall time in `tz` (earlier instant if ambiguous).
pub(super) fn local(tz: Tz, s: &str) -> DateTime<Utc> {
    let naive = NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").expect("test local time");
    tz.from_local_datetime(&naive)
        .earliest()
        .expect("test time exists")
        .with_timezone(&Utc)
}

pub(super) fn first(text: &str, tz: Tz) -> DateTime<Utc> {
    match parse(text, now(), tz) {
        Ok(s) => s.first,
        Err(e) => panic!("{text:?} failed: {e}"),
    }
}

pub(super) fn rule_of(text: &str, tz: Tz) -> Rule {
    match parse(text, now(), tz) {
        Ok(Schedule { rule: Some(r), .. }) => r,
        other => panic!("{text:?} gave no rule: {other:?}"),
    }
}

pub(super) fn t(h: u32, m: u32) -> NaiveTime {
    hm(h, m)
}
