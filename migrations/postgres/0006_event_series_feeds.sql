-- Series of events, edits, calendar feeds and imported calendars.

-- A repeating event. Each date is its own row in events (with its own RSVPs), made one at a
-- time by a job (kind 'event_series') when the previous date begins. The template columns
-- are what each new date copies.
CREATE TABLE event_series (
    id BIGSERIAL PRIMARY KEY,
    society TEXT NOT NULL,
    platform TEXT NOT NULL,
    room TEXT NOT NULL,
    rule TEXT NOT NULL,
    zone TEXT NOT NULL,
    first_at BIGINT NOT NULL,
    title TEXT NOT NULL,
    duration_secs BIGINT NOT NULL,
    place TEXT,
    capacity BIGINT,
    kind TEXT NOT NULL,
    cpd_minutes BIGINT,
    grp TEXT NOT NULL,
    cancelled BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);

-- Dates of a series that do not happen (start times, UTC).
CREATE TABLE event_skips (
    series BIGINT NOT NULL,
    starts_at BIGINT NOT NULL,
    PRIMARY KEY (series, starts_at)
);

ALTER TABLE events ADD COLUMN series BIGINT;
-- Bumped by each edit, so subscribed calendars replace their copy.
ALTER TABLE events ADD COLUMN sequence BIGINT NOT NULL DEFAULT 0;
-- For an imported event: the import and the feed's UID, which keep re-syncs from duplicating it.
ALTER TABLE events ADD COLUMN import BIGINT;
ALTER TABLE events ADD COLUMN source_uid TEXT;
CREATE UNIQUE INDEX events_series_date ON events (series, starts_at);
CREATE UNIQUE INDEX events_source ON events (society, source_uid);

-- The secret part of each society's calendar feed URL.
CREATE TABLE calendar_feeds (
    society TEXT PRIMARY KEY,
    token TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

-- Calendars imported from a URL, re-synced daily by a job (kind 'event_import').
CREATE TABLE event_imports (
    id BIGSERIAL PRIMARY KEY,
    society TEXT NOT NULL,
    platform TEXT NOT NULL,
    room TEXT NOT NULL,
    url TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    synced_at BIGINT,
    last_error TEXT,
    UNIQUE (society, url)
);
