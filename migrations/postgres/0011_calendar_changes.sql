-- What calendar apps need to notice a change: when each event and series last changed
-- (LAST-MODIFIED), a series' own SEQUENCE, and when a cancelled series ended (its dates up to
-- then were held, so calendars keep them).
ALTER TABLE events ADD COLUMN modified_at BIGINT;
ALTER TABLE event_series ADD COLUMN sequence BIGINT NOT NULL DEFAULT 0;
ALTER TABLE event_series ADD COLUMN modified_at BIGINT;
ALTER TABLE event_series ADD COLUMN ended_at BIGINT;
UPDATE events SET modified_at = created_at;
UPDATE event_series SET modified_at = created_at;
