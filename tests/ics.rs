//! iCalendar export and import: the export is read back by an independent parser (`ical`) and by
//! our own importer, and the importer is fed Outlook-, Google- and hand-written feeds.

use std::io::BufReader;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Timelike, Utc};
use chrono_tz::Tz;
use ical::parser::ical::component::{IcalCalendar, IcalEvent};
use ical::property::Property;
use proptest::prelude::*;
use rounds::core::ics::*;

const SYDNEY: Tz = chrono_tz::Australia::Sydney;

fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap()
}

fn sydney(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    SYDNEY
        .with_ymd_and_hms(y, m, d, h, min, 0)
        .unwrap()
        .with_timezone(&Utc)
}

/// Grand rounds every Thursday 12:30 Sydney from 5 March 2026, across the 5 April DST change,
/// with 19 March skipped.
fn grand_rounds() -> CalendarEvent {
    CalendarEvent {
        uid: "grand-rounds@rounds".to_string(),
        title: "Grand rounds: cardiology, \"heart\"; part 1".to_string(),
        starts_at: sydney(2026, 3, 5, 12, 30),
        duration: Duration::minutes(60),
        zone: SYDNEY,
        place: Some("Room 4, Level 2; Main Building\nSydney".to_string()),
        description: Some("Bring your ID.\nLunch provided — café downstairs.".to_string()),
        rrule: Some("FREQ=WEEKLY;BYDAY=TH".to_string()),
        exdates: vec![sydney(2026, 3, 19, 12, 30)],
        cancelled: false,
        sequence: 3,
        stamp: utc(2026, 2, 1, 9, 0),
        modified: utc(2026, 1, 20, 9, 0),
    }
}

fn journal_club() -> CalendarEvent {
    CalendarEvent {
        uid: "journal-club@rounds".to_string(),
        title: "Journal club".to_string(),
        starts_at: utc(2026, 3, 10, 13, 0),
        duration: Duration::minutes(45),
        zone: chrono_tz::Asia::Kolkata,
        place: None,
        description: None,
        rrule: None,
        exdates: vec![],
        cancelled: true,
        sequence: 1,
        stamp: utc(2026, 2, 2, 9, 0),
        modified: utc(2026, 1, 21, 9, 0),
    }
}

fn read_ical(text: &str) -> IcalCalendar {
    let mut parser = ical::IcalParser::new(BufReader::new(text.as_bytes()));
    let calendar = parser
        .next()
        .expect("one calendar")
        .expect("ical parses the export");
    assert!(parser.next().is_none(), "exactly one calendar");
    calendar
}

fn prop<'a>(props: &'a [Property], name: &str) -> &'a Property {
    props
        .iter()
        .find(|p| p.name == name)
        .unwrap_or_else(|| panic!("{name} present"))
}

fn value<'a>(props: &'a [Property], name: &str) -> &'a str {
    prop(props, name).value.as_deref().unwrap_or("")
}

fn param<'a>(property: &'a Property, name: &str) -> Option<&'a str> {
    property
        .params
        .as_ref()?
        .iter()
        .find(|(k, _)| k == name)
        .and_then(|(_, v)| v.first())
        .map(String::as_str)
}

/// `ical` leaves TEXT escaped; this reverses RFC 5545 escaping for the checks.
fn unescape(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('n') | Some('N') => out.push('\n'),
                Some(other) => out.push(other),
                None => {}
            }
        } else {
            out.push(c);
        }
    }
    out
}

fn event_by_uid<'a>(calendar: &'a IcalCalendar, uid: &str) -> &'a IcalEvent {
    calendar
        .events
        .iter()
        .find(|e| value(&e.properties, "UID") == uid)
        .unwrap_or_else(|| panic!("event {uid}"))
}

#[test]
fn export_is_read_by_an_independent_parser() {
    let text = calendar("Cardiology society", &[grand_rounds(), journal_club()]);
    let cal = read_ical(&text);

    assert_eq!(value(&cal.properties, "PRODID"), "-//Rounds//Rounds//EN");
    assert_eq!(value(&cal.properties, "VERSION"), "2.0");
    assert_eq!(value(&cal.properties, "CALSCALE"), "GREGORIAN");
    assert_eq!(value(&cal.properties, "METHOD"), "PUBLISH");
    assert_eq!(value(&cal.properties, "X-WR-CALNAME"), "Cardiology society");
    assert_eq!(cal.events.len(), 2);

    let rounds = event_by_uid(&cal, "grand-rounds@rounds");
    let p = &rounds.properties;
    assert_eq!(
        unescape(value(p, "SUMMARY")),
        "Grand rounds: cardiology, \"heart\"; part 1"
    );
    let dtstart = prop(p, "DTSTART");
    assert_eq!(param(dtstart, "TZID"), Some("Australia/Sydney"));
    assert_eq!(dtstart.value.as_deref(), Some("20260305T123000"));
    let dtend = prop(p, "DTEND");
    assert_eq!(param(dtend, "TZID"), Some("Australia/Sydney"));
    assert_eq!(dtend.value.as_deref(), Some("20260305T133000"));
    assert_eq!(value(p, "RRULE"), "FREQ=WEEKLY;BYDAY=TH");
    let exdate = prop(p, "EXDATE");
    assert_eq!(param(exdate, "TZID"), Some("Australia/Sydney"));
    assert_eq!(exdate.value.as_deref(), Some("20260319T123000"));
    assert_eq!(
        unescape(value(p, "LOCATION")),
        "Room 4, Level 2; Main Building\nSydney"
    );
    assert_eq!(
        value(p, "LOCATION"),
        "Room 4\\, Level 2\\; Main Building\\nSydney"
    );
    assert_eq!(
        unescape(value(p, "DESCRIPTION")),
        "Bring your ID.\nLunch provided — café downstairs."
    );
    assert_eq!(value(p, "STATUS"), "CONFIRMED");
    assert_eq!(value(p, "SEQUENCE"), "3");
    assert_eq!(value(p, "DTSTAMP"), "20260201T090000Z");
    // When it last changed, not when the file was made.
    assert_eq!(value(p, "LAST-MODIFIED"), "20260120T090000Z");

    let club = event_by_uid(&cal, "journal-club@rounds");
    assert_eq!(value(&club.properties, "STATUS"), "CANCELLED");
    let start = prop(&club.properties, "DTSTART");
    assert_eq!(param(start, "TZID"), Some("Asia/Kolkata"));
    // 13:00 UTC is 18:30 in India.
    assert_eq!(start.value.as_deref(), Some("20260310T183000"));

    // One VTIMEZONE per distinct zone, named by the TZID the events use.
    let mut tzids: Vec<&str> = cal
        .timezones
        .iter()
        .map(|tz| value(&tz.properties, "TZID"))
        .collect();
    tzids.sort();
    assert_eq!(tzids, ["Asia/Kolkata", "Australia/Sydney"]);
}

#[test]
fn vtimezone_observances_match_chrono_tz() {
    let text = calendar("x", &[grand_rounds()]);
    let cal = read_ical(&text);
    let zone = &cal.timezones[0];
    assert_eq!(value(&zone.properties, "TZID"), "Australia/Sydney");
    // One year before 5 March 2026 to three years after: about eight changes.
    assert!(
        (7..=10).contains(&zone.transitions.len()),
        "{} observances",
        zone.transitions.len()
    );
    let offset = |text: &str| -> i64 {
        let sign = if text.starts_with('-') { -1 } else { 1 };
        let hours: i64 = text[1..3].parse().unwrap();
        let minutes: i64 = text[3..5].parse().unwrap();
        sign * (hours * 3600 + minutes * 60)
    };
    let mut saw_april_2026 = false;
    for observance in &zone.transitions {
        let p = &observance.properties;
        let local = chrono::NaiveDateTime::parse_from_str(value(p, "DTSTART"), "%Y%m%dT%H%M%S")
            .expect("local DTSTART");
        let from = offset(value(p, "TZOFFSETFROM"));
        let to = offset(value(p, "TZOFFSETTO"));
        assert_ne!(from, to);
        let instant = (local - Duration::seconds(from)).and_utc();
        let before = SYDNEY
            .offset_from_utc_datetime(&(instant - Duration::seconds(1)).naive_utc())
            .fix();
        let after = SYDNEY.offset_from_utc_datetime(&instant.naive_utc()).fix();
        assert_eq!(i64::from(before.local_minus_utc()), from);
        assert_eq!(i64::from(after.local_minus_utc()), to);
        let name = value(p, "TZNAME");
        match observance.transition {
            ical::parser::ical::component::IcalTimeZoneTransitionType::DAYLIGHT => {
                assert_eq!(to, 11 * 3600);
                assert_eq!(name, "AEDT");
            }
            ical::parser::ical::component::IcalTimeZoneTransitionType::STANDARD => {
                assert_eq!(to, 10 * 3600);
                assert_eq!(name, "AEST");
            }
        }
        if value(p, "DTSTART") == "20260405T030000" {
            saw_april_2026 = true;
        }
    }
    assert!(saw_april_2026, "the change on 5 April 2026 at 03:00 AEDT");
}

use chrono::Offset;

#[test]
fn zones_without_changes_get_one_fixed_standard_observance() {
    let mut utc_event = journal_club();
    utc_event.uid = "utc".to_string();
    utc_event.zone = chrono_tz::UTC;
    let text = calendar("x", &[journal_club(), utc_event]);
    let cal = read_ical(&text);
    assert_eq!(cal.timezones.len(), 2);
    for zone in &cal.timezones {
        assert_eq!(zone.transitions.len(), 1);
        let observance = &zone.transitions[0];
        assert!(matches!(
            observance.transition,
            ical::parser::ical::component::IcalTimeZoneTransitionType::STANDARD
        ));
        let expected = match value(&zone.properties, "TZID") {
            "Asia/Kolkata" => "+0530",
            "UTC" => "+0000",
            other => panic!("unexpected zone {other}"),
        };
        assert_eq!(value(&observance.properties, "TZOFFSETFROM"), expected);
        assert_eq!(value(&observance.properties, "TZOFFSETTO"), expected);
    }
}

#[test]
fn export_lines_are_crlf_folded_at_75_octets_and_unfold_to_the_text() {
    let mut event = grand_rounds();
    event.title = format!("{}end", "Ünïcödé grand rounds 🫀 ".repeat(12));
    event.description = Some(format!(
        "{}end",
        "Émergency medicine, résumé; notes\\ ".repeat(30)
    ));
    let text = calendar("Société médicale — Ærø 🏥", &[event.clone()]);

    assert!(text.ends_with("END:VCALENDAR\r\n"));
    let body = text.strip_suffix("\r\n").unwrap();
    for line in body.split("\r\n") {
        assert!(!line.contains('\n') && !line.contains('\r'), "{line:?}");
        assert!(line.len() <= 75, "{} octets: {line:?}", line.len());
    }
    assert!(body.split("\r\n").any(|l| l.starts_with(' ')), "folded");

    let cal = read_ical(&text);
    assert_eq!(
        unescape(value(&cal.properties, "X-WR-CALNAME")),
        "Société médicale — Ærø 🏥"
    );
    let p = &cal.events[0].properties;
    assert_eq!(unescape(value(p, "SUMMARY")), event.title);
    assert_eq!(
        unescape(value(p, "DESCRIPTION")),
        event.description.unwrap()
    );
}

fn find<'a>(events: &'a [ImportedEvent], uid: &str) -> &'a ImportedEvent {
    events
        .iter()
        .find(|e| e.uid == uid)
        .unwrap_or_else(|| panic!("{uid} in {events:#?}"))
}

#[test]
fn weekly_sydney_series_keeps_its_local_time_across_dst_and_skips_the_exdate() {
    let text = calendar("x", &[grand_rounds()]);
    let now = utc(2026, 3, 1, 0, 0);
    let events = parse(&text, now, Duration::weeks(8)).unwrap();

    let starts: Vec<_> = events
        .iter()
        .map(|e| e.starts_at.with_timezone(&SYDNEY).date_naive())
        .collect();
    let thursday = |d| NaiveDate::from_ymd_opt(2026, 3, d).unwrap();
    let april = |d| NaiveDate::from_ymd_opt(2026, 4, d).unwrap();
    assert_eq!(
        starts,
        [
            thursday(5),
            thursday(12),
            thursday(26),
            april(2),
            april(9),
            april(16),
            april(23)
        ],
        "19 March is skipped"
    );
    for event in &events {
        let local = event.starts_at.with_timezone(&SYDNEY);
        assert_eq!((local.hour(), local.minute()), (12, 30), "{event:?}");
        assert_eq!(event.duration, Duration::minutes(60));
        assert_eq!(event.zone, Some(SYDNEY));
        assert_eq!(event.title, "Grand rounds: cardiology, \"heart\"; part 1");
        assert_eq!(
            event.place.as_deref(),
            Some("Room 4, Level 2; Main Building Sydney"),
            "a place is one line: its line breaks become spaces"
        );
        assert_eq!(
            event.description.as_deref(),
            Some("Bring your ID.\nLunch provided — café downstairs.")
        );
        assert!(!event.cancelled);
        assert_eq!(
            event.uid,
            format!(
                "grand-rounds@rounds/{}",
                event.starts_at.format("%Y%m%dT%H%M%SZ")
            )
        );
    }
    // Before the change 12:30 AEDT is 01:30 UTC, after it 02:30 UTC.
    assert_eq!(events[0].starts_at, utc(2026, 3, 5, 1, 30));
    assert_eq!(events[4].starts_at, utc(2026, 4, 9, 2, 30));
    assert_eq!(events[0].uid, "grand-rounds@rounds/20260305T013000Z");
}

#[test]
fn cancelled_status_round_trips() {
    let mut series = grand_rounds();
    series.cancelled = true;
    let text = calendar("x", &[series, journal_club()]);
    let events = parse(&text, utc(2026, 3, 1, 0, 0), Duration::weeks(3)).unwrap();
    assert!(!events.is_empty());
    assert!(events.iter().all(|e| e.cancelled), "{events:#?}");
    let club = find(&events, "journal-club@rounds");
    assert_eq!(club.starts_at, utc(2026, 3, 10, 13, 0));
    assert_eq!(club.duration, Duration::minutes(45));
    assert_eq!(club.zone, Some(chrono_tz::Asia::Kolkata));
    assert_eq!(club.place, None);
    assert_eq!(club.description, None);
}

/// Shaped like an Exchange/Outlook publish: Windows zone names with their VTIMEZONE, an all-day
/// event, and a weekly meeting with an EXDATE, a moved occurrence and a cancelled one.
const OUTLOOK: &str = "BEGIN:VCALENDAR\r
METHOD:PUBLISH\r
PRODID:Microsoft Exchange Server 2010\r
VERSION:2.0\r
X-WR-CALNAME:Calendar\r
BEGIN:VTIMEZONE\r
TZID:AUS Eastern Standard Time\r
BEGIN:STANDARD\r
DTSTART:16010101T030000\r
TZOFFSETFROM:+1100\r
TZOFFSETTO:+1000\r
RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=1SU;BYMONTH=4\r
END:STANDARD\r
BEGIN:DAYLIGHT\r
DTSTART:16010101T020000\r
TZOFFSETFROM:+1000\r
TZOFFSETTO:+1100\r
RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=1SU;BYMONTH=10\r
END:DAYLIGHT\r
END:VTIMEZONE\r
BEGIN:VEVENT\r
DESCRIPTION:Weekly registrar teaching.\\nAll welcome\\, bring lunch.\\n\r
RRULE:FREQ=WEEKLY;UNTIL=20260430T023000Z;INTERVAL=1;BYDAY=TU;WKST=MO\r
EXDATE;TZID=AUS Eastern Standard Time:20260324T123000\r
UID:040000008200E00074C5B7101A82E00800000000A0B1C2D3E4F5A6B7C8D9E0F1A2B3C4D\r
 5E6F7A8B9C0D1E2F3\r
SUMMARY;LANGUAGE=en-AU:Registrar teaching\r
DTSTART;TZID=AUS Eastern Standard Time:20260303T123000\r
DTEND;TZID=AUS Eastern Standard Time:20260303T133000\r
CLASS:PUBLIC\r
PRIORITY:5\r
DTSTAMP:20260220T010203Z\r
TRANSP:OPAQUE\r
STATUS:CONFIRMED\r
SEQUENCE:0\r
LOCATION;LANGUAGE=en-AU:Seminar Room 2\\, Level 5\r
X-MICROSOFT-CDO-BUSYSTATUS:BUSY\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:040000008200E00074C5B7101A82E00800000000A0B1C2D3E4F5A6B7C8D9E0F1A2B3C4D\r
 5E6F7A8B9C0D1E2F3\r
RECURRENCE-ID;TZID=AUS Eastern Standard Time:20260331T123000\r
SUMMARY;LANGUAGE=en-AU:Registrar teaching (moved to Wednesday)\r
DTSTART;TZID=AUS Eastern Standard Time:20260401T140000\r
DTEND;TZID=AUS Eastern Standard Time:20260401T150000\r
LOCATION:Lecture Theatre\r
SEQUENCE:1\r
STATUS:CONFIRMED\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:040000008200E00074C5B7101A82E00800000000A0B1C2D3E4F5A6B7C8D9E0F1A2B3C4D\r
 5E6F7A8B9C0D1E2F3\r
RECURRENCE-ID;TZID=AUS Eastern Standard Time:20260414T123000\r
SUMMARY:Cancelled: Registrar teaching\r
DTSTART;TZID=AUS Eastern Standard Time:20260414T123000\r
DTEND;TZID=AUS Eastern Standard Time:20260414T133000\r
STATUS:CANCELLED\r
SEQUENCE:2\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:allday-1\r
SUMMARY:College exam day\r
DTSTART;VALUE=DATE:20260312\r
DTEND;VALUE=DATE:20260314\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:london-1\r
SUMMARY:Call with London\r
DTSTART;TZID=GMT Standard Time:20260320T090000\r
DURATION:PT30M\r
END:VEVENT\r
BEGIN:VEVENT\r
SUMMARY:No UID, so skipped\r
DTSTART:20260320T090000Z\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:no-start\r
SUMMARY:No DTSTART, so skipped\r
END:VEVENT\r
END:VCALENDAR\r
";

const OUTLOOK_UID: &str =
    "040000008200E00074C5B7101A82E00800000000A0B1C2D3E4F5A6B7C8D9E0F1A2B3C4D5E6F7A8B9C0D1E2F3";

#[test]
fn outlook_feed_with_windows_zones_overrides_and_all_day_events() {
    let events = parse(OUTLOOK, utc(2026, 3, 1, 0, 0), Duration::days(90)).unwrap();
    let series: Vec<&ImportedEvent> = events
        .iter()
        .filter(|e| e.uid.starts_with(OUTLOOK_UID))
        .collect();
    let summary: Vec<(String, String, bool)> = series
        .iter()
        .map(|e| {
            (
                e.starts_at
                    .with_timezone(&SYDNEY)
                    .format("%a %d %b %H:%M")
                    .to_string(),
                e.title.clone(),
                e.cancelled,
            )
        })
        .collect();
    let row = |when: &str, title: &str, cancelled| (when.to_string(), title.to_string(), cancelled);
    assert_eq!(
        summary,
        [
            row("Tue 03 Mar 12:30", "Registrar teaching", false),
            row("Tue 10 Mar 12:30", "Registrar teaching", false),
            row("Tue 17 Mar 12:30", "Registrar teaching", false),
            // 24 March is EXDATE'd; 31 March moved to Wednesday 1 April.
            row(
                "Wed 01 Apr 14:00",
                "Registrar teaching (moved to Wednesday)",
                false
            ),
            // After the DST change on 5 April, still 12:30 local.
            row("Tue 07 Apr 12:30", "Registrar teaching", false),
            row("Tue 14 Apr 12:30", "Cancelled: Registrar teaching", true),
            row("Tue 21 Apr 12:30", "Registrar teaching", false),
            row("Tue 28 Apr 12:30", "Registrar teaching", false),
            // UNTIL 30 April 02:30 UTC ends the series.
        ]
    );
    let moved = series[3];
    assert_eq!(moved.uid, format!("{OUTLOOK_UID}/20260331T013000Z"));
    assert_eq!(moved.place.as_deref(), Some("Lecture Theatre"));
    assert_eq!(moved.duration, Duration::hours(1));
    let first = series[0];
    assert_eq!(first.zone, Some(SYDNEY), "Windows name mapped to IANA");
    assert_eq!(first.place.as_deref(), Some("Seminar Room 2, Level 5"));
    assert_eq!(
        first.description.as_deref(),
        Some("Weekly registrar teaching.\nAll welcome, bring lunch.")
    );

    let exam = find(&events, "allday-1");
    assert_eq!(exam.starts_at, utc(2026, 3, 12, 0, 0));
    assert_eq!(exam.duration, Duration::days(2));
    assert_eq!(exam.zone, None);

    let london = find(&events, "london-1");
    assert_eq!(london.starts_at, utc(2026, 3, 20, 9, 0), "GMT in March");
    assert_eq!(london.duration, Duration::minutes(30));
    assert_eq!(london.zone, Some(chrono_tz::Europe::London));

    assert!(events.iter().all(|e| e.uid != "no-start"));
    assert!(events.iter().all(|e| !e.title.contains("skipped")));
}

#[test]
fn lf_only_line_endings_are_accepted() {
    let lf = OUTLOOK.replace("\r\n", "\n");
    assert_eq!(
        parse(&lf, utc(2026, 3, 1, 0, 0), Duration::days(90)).unwrap(),
        parse(OUTLOOK, utc(2026, 3, 1, 0, 0), Duration::days(90)).unwrap()
    );
}

#[test]
fn unknown_tzid_uses_the_feeds_own_vtimezone() {
    let feed = "BEGIN:VCALENDAR\n\
VERSION:2.0\n\
BEGIN:VTIMEZONE\n\
TZID:(UTC+10:00) Canberra\\, Melbourne\\, Sydney\n\
BEGIN:STANDARD\n\
DTSTART:16010101T030000\n\
TZOFFSETFROM:+1100\n\
TZOFFSETTO:+1000\n\
RRULE:FREQ=YEARLY;BYDAY=1SU;BYMONTH=4\n\
END:STANDARD\n\
BEGIN:DAYLIGHT\n\
DTSTART:16010101T020000\n\
TZOFFSETFROM:+1000\n\
TZOFFSETTO:+1100\n\
RRULE:FREQ=YEARLY;BYDAY=1SU;BYMONTH=10\n\
END:DAYLIGHT\n\
END:VTIMEZONE\n\
BEGIN:VEVENT\n\
UID:custom\n\
SUMMARY:Handover\n\
DTSTART;TZID=\"(UTC+10:00) Canberra\\, Melbourne\\, Sydney\":20260326T080000\n\
RRULE:FREQ=WEEKLY;COUNT=3\n\
END:VEVENT\n\
BEGIN:VEVENT\n\
UID:nowhere\n\
SUMMARY:Unknown zone without VTIMEZONE\n\
DTSTART;TZID=Somewhere/Else:20260326T080000\n\
END:VEVENT\n\
END:VCALENDAR\n";
    let events = parse(feed, utc(2026, 3, 1, 0, 0), Duration::days(60)).unwrap();
    let custom: Vec<_> = events
        .iter()
        .filter(|e| e.uid.starts_with("custom/"))
        .collect();
    assert_eq!(custom.len(), 3);
    for event in &custom {
        let local = event.starts_at.with_timezone(&SYDNEY);
        assert_eq!((local.hour(), local.minute()), (8, 0), "{event:?}");
        assert_eq!(event.zone, None, "not a zone chrono-tz knows");
    }
    assert_eq!(custom[0].starts_at, utc(2026, 3, 25, 21, 0), "+11 before");
    assert_eq!(custom[2].starts_at, utc(2026, 4, 8, 22, 0), "+10 after");
    let nowhere = find(&events, "nowhere");
    assert_eq!(nowhere.starts_at, utc(2026, 3, 26, 8, 0), "read as UTC");
    assert_eq!(nowhere.zone, None);
}

#[test]
fn floating_and_utc_times_and_default_lengths() {
    let feed = "BEGIN:VCALENDAR\r\n\
BEGIN:VEVENT\r\nUID:floating\r\nSUMMARY:Floating\r\nDTSTART:20260310T090000\r\nEND:VEVENT\r\n\
BEGIN:VEVENT\r\nUID:zulu\r\nDTSTART:20260310T090000Z\r\nDTEND:20260310T093000Z\r\nEND:VEVENT\r\n\
BEGIN:VEVENT\r\nUID:day\r\nSUMMARY:All day\r\nDTSTART;VALUE=DATE:20260311\r\nEND:VEVENT\r\n\
END:VCALENDAR\r\n";
    let events = parse(feed, utc(2026, 3, 1, 0, 0), Duration::days(30)).unwrap();
    let floating = find(&events, "floating");
    assert_eq!(floating.starts_at, utc(2026, 3, 10, 9, 0));
    assert_eq!(floating.duration, Duration::hours(1));
    assert_eq!(floating.zone, None);
    let zulu = find(&events, "zulu");
    assert_eq!(zulu.title, "(untitled)");
    assert_eq!(zulu.duration, Duration::minutes(30));
    let day = find(&events, "day");
    assert_eq!(day.starts_at, utc(2026, 3, 11, 0, 0));
    assert_eq!(day.duration, Duration::days(1));
    assert_eq!(
        events.iter().map(|e| e.uid.as_str()).collect::<Vec<_>>(),
        ["floating", "zulu", "day"],
        "sorted by start, then uid"
    );
}

fn weekly_feed(uid: &str, rule: &str, start: &str) -> String {
    format!(
        "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:{uid}\r\nSUMMARY:{uid}\r\n\
DTSTART;TZID=Europe/London:{start}\r\nDURATION:PT1H\r\nRRULE:{rule}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
}

#[test]
fn only_occurrences_overlapping_the_window_are_returned() {
    let now = utc(2026, 3, 10, 9, 30);
    // A weekly series from 2015 gives just the next few weeks.
    let weekly = weekly_feed("weekly", "FREQ=WEEKLY;BYDAY=TU", "20150106T090000");
    let events = parse(&weekly, now, Duration::weeks(3)).unwrap();
    let starts: Vec<_> = events.iter().map(|e| e.starts_at).collect();
    // The one in progress (09:00-10:00 on 10 March) is included.
    assert_eq!(
        starts,
        [
            utc(2026, 3, 10, 9, 0),
            utc(2026, 3, 17, 9, 0),
            utc(2026, 3, 24, 9, 0),
            // London moves to BST on 29 March: 09:00 local is now 08:00 UTC.
            utc(2026, 3, 31, 8, 0)
        ]
    );
    // An every-other-day series from 2015 has thousands of earlier occurrences, yet still
    // reaches today (11 March 2026 is an odd number of days after 1 January 2015).
    let daily = weekly_feed("daily", "FREQ=DAILY;INTERVAL=2", "20150101T080000");
    let events = parse(&daily, now, Duration::days(6)).unwrap();
    let starts: Vec<_> = events.iter().map(|e| e.starts_at).collect();
    assert_eq!(
        starts,
        [
            utc(2026, 3, 12, 8, 0),
            utc(2026, 3, 14, 8, 0),
            utc(2026, 3, 16, 8, 0)
        ]
    );
    // A finished single event is not returned.
    let past = "BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:p\nDTSTART:20260310T080000Z\nDTEND:20260310T090000Z\nEND:VEVENT\nEND:VCALENDAR\n";
    assert!(parse(past, now, Duration::days(6)).unwrap().is_empty());
}

#[test]
fn hostile_rules_are_bounded_and_never_panic() {
    let mut feed = String::from("BEGIN:VCALENDAR\r\n");
    let rules = [
        "FREQ=SECONDLY",
        "FREQ=MINUTELY;COUNT=100000000",
        "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30",
        "FREQ=MONTHLY;BYMONTHDAY=31;BYMONTH=4",
        "FREQ=DAILY;INTERVAL=0",
        "FREQ=WEEKLY;UNTIL=19000101T000000Z",
        "FREQ=NONSENSE",
        "not a rule at all",
    ];
    for (i, rule) in rules.iter().cycle().take(2000).enumerate() {
        feed.push_str(&format!(
            "BEGIN:VEVENT\r\nUID:h{i}\r\nDTSTART:19700101T000000Z\r\nRRULE:{rule}\r\nEND:VEVENT\r\n"
        ));
    }
    feed.push_str("END:VCALENDAR\r\n");
    // Speed is measured in the closing note, not asserted here: this checks the rules are
    // bounded (the call returns) and the output stays inside the window.
    let events = parse(&feed, utc(2026, 3, 10, 0, 0), Duration::days(30)).unwrap();
    // Whatever the secondly rule produced is within the window.
    assert!(events.iter().all(|e| e.starts_at < utc(2026, 4, 9, 0, 0)
        && e.starts_at + e.duration > utc(2026, 3, 10, 0, 0)));
}

#[test]
fn text_that_is_not_a_calendar_is_an_error_not_a_panic() {
    let now = utc(2026, 3, 1, 0, 0);
    for garbage in [
        "",
        "hello",
        "<!DOCTYPE html><html><body>Sign in</body></html>",
        "BEGIN:VEVENT\nUID:x\nDTSTART:20260301T000000Z\nEND:VEVENT\n",
        "\u{0}\u{1}\u{2}binary",
        "BEGIN:",
        ":::;;;\"\"\"",
    ] {
        assert!(
            matches!(
                parse(garbage, now, Duration::days(30)),
                Err(IcsError::NotCalendar)
            ),
            "{garbage:?}"
        );
    }
    assert!(matches!(
        parse(
            "BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:x\n",
            now,
            Duration::days(30)
        ),
        Err(IcsError::Truncated)
    ));
    let huge = format!(
        "BEGIN:VCALENDAR\n{}END:VCALENDAR\n",
        "X-PAD:0123456789\n".repeat(200_000)
    );
    assert!(matches!(
        parse(&huge, now, Duration::days(30)),
        Err(IcsError::TooLarge)
    ));
    assert!(!IcsError::TooLarge.to_string().is_empty());

    // Deep nesting is neither a stack overflow nor an error.
    let deep = format!(
        "BEGIN:VCALENDAR\n{}{}END:VCALENDAR\n",
        "BEGIN:X\n".repeat(100_000),
        "END:X\n".repeat(100_000)
    );
    assert_eq!(parse(&deep, now, Duration::days(30)).unwrap(), []);
}

#[test]
fn long_titles_are_one_trimmed_line() {
    let title = format!("  First line\\nsecond {}", "x".repeat(300));
    let feed = format!(
        "BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:long\nSUMMARY:{title}\nLOCATION:{}\nDESCRIPTION:{}\nDTSTART:20260310T090000Z\nEND:VEVENT\nEND:VCALENDAR\n",
        "p".repeat(400),
        "d".repeat(2000)
    );
    let events = parse(&feed, utc(2026, 3, 1, 0, 0), Duration::days(30)).unwrap();
    let event = &events[0];
    assert!(event.title.starts_with("First line second xxx"));
    assert_eq!(event.title.chars().count(), 200);
    assert_eq!(event.place.as_ref().map(|p| p.chars().count()), Some(300));
    assert_eq!(
        event.description.as_ref().map(|d| d.chars().count()),
        Some(1000)
    );
}

/// What the importer makes of exported text: titles and places lose line breaks (each becomes a
/// space) and surrounding whitespace; other control characters are dropped on export.
fn as_one_line(text: &str) -> String {
    text.replace("\r\n", "\n")
        .chars()
        .map(|c| if c == '\n' || c == '\r' { ' ' } else { c })
        .filter(|c| !c.is_control() || *c == '\t')
        .collect::<String>()
        .trim()
        .to_string()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn titles_and_places_round_trip(
        title in "[a-zA-Z0-9 ;,:\\\\\"\n\r\t'éü—🫀🏥]{1,120}",
        place in "[a-zA-Z0-9 ;,:\\\\\"\n'éü—🫀🏥]{0,150}",
        minutes in 0i64..(60 * 24 * 365),
    ) {
        let mut event = grand_rounds();
        event.rrule = None;
        event.exdates.clear();
        event.title = title.clone();
        event.place = Some(place.clone());
        event.starts_at = utc(2026, 1, 1, 0, 0) + Duration::minutes(minutes);
        let text = calendar("p", &[event.clone()]);

        for line in text.strip_suffix("\r\n").unwrap().split("\r\n") {
            prop_assert!(line.len() <= 75);
        }
        let cal = read_ical(&text);
        let p = &cal.events[0].properties;
        // `ical` trims the end of each physical line, so a title's trailing spaces and tabs
        // (never a line break, which is escaped) are lost there; our fold never splits at one.
        let expected_title: String = title
            .replace("\r\n", "\n")
            .replace('\r', "\n")
            .chars()
            .filter(|c| !c.is_control() || *c == '\n' || *c == '\t')
            .collect();
        // It also drops the colons that start a value.
        let expected_title = expected_title.trim_end_matches([' ', '\t']);
        let expected_title = expected_title.trim_start_matches(':');
        prop_assert_eq!(unescape(value(p, "SUMMARY")), expected_title);

        let events = parse(&text, event.starts_at - Duration::minutes(1), Duration::days(1)).unwrap();
        prop_assert_eq!(events.len(), 1);
        let back = &events[0];
        let title = as_one_line(&title);
        prop_assert_eq!(&back.title, if title.is_empty() { "(untitled)" } else { &title });
        let place = as_one_line(&place);
        prop_assert_eq!(back.place.as_deref(), if place.is_empty() { None } else { Some(place.as_str()) });
        prop_assert_eq!(back.starts_at, event.starts_at);
        // The second pass of the hour clocks go back has no wall time of its own, so it is
        // written (and read back) in UTC; every other instant keeps its zone.
        let wall = event.starts_at.with_timezone(&SYDNEY).naive_local();
        let own_wall_time = SYDNEY.from_local_datetime(&wall).earliest().map(|t| t.with_timezone(&Utc)) == Some(event.starts_at);
        if own_wall_time {
            prop_assert_eq!(back.zone, Some(SYDNEY));
        }
    }

    #[test]
    fn arbitrary_text_never_panics(noise in ".{0,400}", cut in 0usize..2000) {
        let now = utc(2026, 3, 1, 0, 0);
        let _ = parse(&noise, now, Duration::days(30));
        let mut mangled: String = OUTLOOK.chars().take(cut).collect();
        mangled.push_str(&noise);
        let _ = parse(&mangled, now, Duration::days(30));
        let _ = parse(&format!("BEGIN:VCALENDAR\n{noise}\nEND:VCALENDAR\n"), now, Duration::MAX);
    }
}
