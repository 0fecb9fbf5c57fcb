-- Events and their RSVPs. Reminders before an event are one job (kind 'event_reminders') that
-- moves from one offset to the next.

-- capacity NULL: no limit. cpd_minutes: CPD credit in minutes. cancelled: 0 or 1.
CREATE TABLE events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    society TEXT NOT NULL,
    platform TEXT NOT NULL,
    room TEXT NOT NULL,
    title TEXT NOT NULL,
    starts_at INTEGER NOT NULL,
    duration_secs INTEGER NOT NULL,
    zone TEXT NOT NULL,
    place TEXT,
    capacity INTEGER,
    kind TEXT NOT NULL,
    cpd_minutes INTEGER,
    grp TEXT NOT NULL,
    cancelled INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL
);
CREATE INDEX events_society ON events (society, starts_at);

-- answer: going | waitlist | maybe | no. answered_at orders the waitlist.
CREATE TABLE rsvps (
    event INTEGER NOT NULL,
    user_id TEXT NOT NULL,
    name TEXT NOT NULL,
    answer TEXT NOT NULL,
    answered_at INTEGER NOT NULL,
    PRIMARY KEY (event, user_id)
);
