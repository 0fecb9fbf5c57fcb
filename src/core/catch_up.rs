//! What a job owes after downtime: the one rule every `fire` function follows.
//!
//! A job is claimed once however long Rounds was down, so each firing first lists every
//! occurrence due up to now. Those older than the catch-up window are reported, never sent;
//! those inside it are sent, labelled late once they are later than `late_after`, and several
//! are collapsed into one send that says how many it stands for. Nothing is skipped silently:
//! the next due time is the first occurrence after now, and every one before it is in a list.

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;

use super::context::Settings;
use super::time_format;
use super::when::Rule;

/// Each list holds at most this many occurrences (a cron rule every minute through a long
/// outage has more): past it, the list skips ahead and `truncated` says so.
const MAX_LISTED: usize = 500;

/// How late a job may still be sent, and from when it is labelled late.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    pub catch_up: Duration,
    pub late_after: Duration,
}

impl Window {
    /// The window the society's settings give every job.
    pub fn of(settings: &Settings) -> Window {
        Window {
            catch_up: settings.catch_up,
            late_after: settings.late_after,
        }
    }
}

/// A job's occurrences due up to now, by what is owed for them, oldest first in each list.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Occurrences {
    /// Older than the catch-up window: reported to whoever owns the job, never sent.
    pub missed: Vec<DateTime<Utc>>,
    /// Inside the window but later than `late_after`: sent, labelled late.
    pub late: Vec<DateTime<Utc>>,
    /// Due within `late_after` of now: sent as usual.
    pub on_time: Vec<DateTime<Utc>>,
    /// The first occurrence after now (None: the job is finished).
    pub next_due: Option<DateTime<Utc>>,
    /// More occurrences were due than a list holds; the counts said are lower bounds.
    pub truncated: bool,
}

/// Lists the occurrences of a job first due at `due` and repeating by `next` (the first
/// occurrence strictly after a time), up to `now`.
pub fn occurrences(
    due: DateTime<Utc>,
    next: impl Fn(DateTime<Utc>) -> Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    window: Window,
) -> Occurrences {
    let mut listed = Occurrences::default();
    let window_start = now - window.catch_up;
    let mut at = Some(due);
    while let Some(occurrence) = at.filter(|at| *at <= now) {
        let lateness = now - occurrence;
        let list = if lateness > window.catch_up {
            &mut listed.missed
        } else if lateness > window.late_after {
            &mut listed.late
        } else {
            &mut listed.on_time
        };
        list.push(occurrence);
        let full = list.len() >= MAX_LISTED;
        // A rule that does not move forward ends here.
        at = next(occurrence).filter(|after| *after > occurrence);
        if full && at.is_some_and(|at| at <= now) {
            listed.truncated = true;
            // Skip to the window's first occurrence, or past now once inside it.
            at = if lateness > window.catch_up {
                next(window_start - Duration::nanoseconds(1))
            } else {
                next(now)
            };
        }
    }
    listed.next_due = at;
    listed
}

/// `occurrences` for a job that repeats by `rule` in `zone`, or fires once without one.
pub fn of_rule(
    due: DateTime<Utc>,
    rule: Option<&Rule>,
    zone: Tz,
    now: DateTime<Utc>,
    window: Window,
) -> Occurrences {
    occurrences(
        due,
        |after| rule.and_then(|rule| rule.next_after(after, zone)),
        now,
        window,
    )
}

impl Occurrences {
    /// The occurrences to send now, late then on time; the firing sends one for all of them.
    pub fn to_send(&self) -> Vec<DateTime<Utc>> {
        self.late.iter().chain(&self.on_time).copied().collect()
    }

    /// The occurrence a collapsed send stands for: the latest one due.
    pub fn latest_to_send(&self) -> Option<DateTime<Utc>> {
        self.on_time.last().or(self.late.last()).copied()
    }

    /// The note a send carries when it is late or stands for several occurrences, e.g.
    /// "late: due Tue 31 Mar 08:00 AEDT; I was offline" or "late: due Mon 30 Mar 07:30 AEDT to
    /// Wed 1 Apr 07:30 AEDT; 3 occurrences while I was offline, sent once". None when on time.
    pub fn late_note(&self, zone: Tz, now: DateTime<Utc>) -> Option<String> {
        let sends = self.to_send();
        match sends.as_slice() {
            [] => None,
            [_] if self.late.is_empty() => None,
            [one] => Some(format!(
                "late: due {}; I was offline",
                time_format::local(*one, zone, now)
            )),
            [first, .., last] => Some(format!(
                "late: due {} to {}; {} occurrences while I was offline, sent once",
                time_format::local(*first, zone, now),
                time_format::local(*last, zone, now),
                self.count(sends.len())
            )),
        }
    }

    fn count(&self, listed: usize) -> String {
        if self.truncated {
            format!("more than {listed}")
        } else {
            listed.to_string()
        }
    }

    /// What was missed, for a report: "due Tue 31 Mar 08:00 AEDT", or "2 occurrences due Mon
    /// 30 Nov 08:00 AEDT to Mon 7 Dec 08:00 AEDT". None when nothing was missed.
    pub fn missed_note(&self, zone: Tz, now: DateTime<Utc>) -> Option<String> {
        match self.missed.as_slice() {
            [] => None,
            [one] => Some(format!("due {}", time_format::local(*one, zone, now))),
            [first, .., last] => Some(format!(
                "{} occurrences due {} to {}",
                self.count(self.missed.len()),
                time_format::local(*first, zone, now),
                time_format::local(*last, zone, now)
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    const SYDNEY: Tz = chrono_tz::Australia::Sydney;

    fn window() -> Window {
        Window {
            catch_up: Duration::days(7),
            late_after: Duration::minutes(2),
        }
    }

    fn utc(d: u32, h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, d, h, 0, 0).unwrap()
    }

    fn weekly() -> Rule {
        Rule::from_text("weekly every=1 days=mon at=08:00 anchor=2026-11-02").unwrap()
    }

    #[test]
    fn a_one_off_on_time_is_sent_with_no_note() {
        let due = utc(2, 8);
        let listed = of_rule(due, None, SYDNEY, due + Duration::seconds(30), window());
        assert_eq!(listed.on_time, vec![due]);
        assert!(listed.missed.is_empty() && listed.late.is_empty());
        assert_eq!(listed.next_due, None);
        assert_eq!(listed.late_note(SYDNEY, due), None);
    }

    #[test]
    fn a_one_off_inside_the_window_is_late_and_outside_is_missed() {
        let due = utc(2, 8);
        let late = of_rule(due, None, SYDNEY, due + Duration::days(1), window());
        assert_eq!(late.late, vec![due]);
        assert!(
            late.late_note(SYDNEY, due)
                .unwrap()
                .starts_with("late: due")
        );
        let missed = of_rule(due, None, SYDNEY, due + Duration::days(9), window());
        assert_eq!(missed.missed, vec![due]);
        assert!(missed.to_send().is_empty());
        assert_eq!(missed.next_due, None);
    }

    #[test]
    fn a_weekly_job_after_nine_days_lists_the_missed_one_and_the_late_one() {
        let rule = weekly();
        let first = rule.next_after(utc(1, 0), SYDNEY).unwrap();
        let now = first + Duration::days(9);
        let listed = of_rule(first, Some(&rule), SYDNEY, now, window());
        assert_eq!(listed.missed, vec![first]);
        assert_eq!(listed.late, vec![first + Duration::days(7)]);
        assert!(listed.on_time.is_empty());
        assert_eq!(listed.next_due, Some(first + Duration::days(14)));
    }

    #[test]
    fn several_inside_the_window_are_collapsed_with_their_count() {
        let rule = weekly();
        let first = rule.next_after(utc(1, 0), SYDNEY).unwrap();
        let window = Window {
            catch_up: Duration::days(30),
            late_after: Duration::minutes(2),
        };
        let now = first + Duration::days(14) + Duration::minutes(1);
        let listed = of_rule(first, Some(&rule), SYDNEY, now, window);
        assert_eq!(listed.late.len(), 2);
        assert_eq!(listed.on_time, vec![first + Duration::days(14)]);
        assert_eq!(listed.latest_to_send(), Some(first + Duration::days(14)));
        let note = listed.late_note(SYDNEY, now).unwrap();
        assert!(
            note.ends_with("3 occurrences while I was offline, sent once"),
            "{note}"
        );
    }

    #[test]
    fn an_occurrence_exactly_at_the_window_edge_is_still_sent() {
        let due = utc(2, 8);
        let listed = of_rule(due, None, SYDNEY, due + Duration::days(7), window());
        assert_eq!(listed.late, vec![due]);
    }

    #[test]
    fn offsets_before_an_event_are_listed_like_any_rule() {
        let starts = utc(20, 9);
        let offsets = [Duration::hours(24), Duration::hours(1)];
        let next = |after: DateTime<Utc>| {
            offsets
                .iter()
                .map(|o| starts - *o)
                .filter(|at| *at > after)
                .min()
        };
        let listed = occurrences(starts - Duration::hours(24), next, starts, window());
        assert_eq!(
            listed.late,
            vec![starts - Duration::hours(24), starts - Duration::hours(1)]
        );
        assert_eq!(listed.next_due, None);
    }

    #[test]
    fn a_rule_too_frequent_to_list_skips_ahead_and_says_the_counts_are_bounds() {
        let due = utc(2, 8);
        let daily = Rule::from_text("daily at=08:00").unwrap();
        let window = Window {
            catch_up: Duration::days(600),
            late_after: Duration::minutes(2),
        };
        let now = due + Duration::days(1200);
        let listed = of_rule(due, Some(&daily), chrono_tz::UTC, now, window);
        assert!(listed.truncated);
        assert_eq!(listed.missed.len(), MAX_LISTED);
        assert_eq!(listed.late.len(), MAX_LISTED);
        // The window's first occurrence is listed after the skip, and the job moves on from now.
        assert_eq!(listed.late[0], now - Duration::days(600));
        assert_eq!(listed.next_due, Some(now + Duration::days(1)));
        let note = listed.missed_note(chrono_tz::UTC, now).unwrap();
        assert!(note.starts_with("more than 500 occurrences"), "{note}");
    }

    #[test]
    fn a_job_not_yet_due_lists_nothing_and_keeps_its_time() {
        let due = utc(2, 8);
        let listed = of_rule(due, None, SYDNEY, due - Duration::hours(1), window());
        assert_eq!(listed.to_send(), Vec::<DateTime<Utc>>::new());
        assert_eq!(listed.next_due, Some(due));
    }
}
