-- Attendance for CPD: a short code the organiser opens during the event, and who checked in.
ALTER TABLE events ADD COLUMN checkin_code TEXT;

CREATE TABLE attendance (
    event INTEGER NOT NULL,
    user_id TEXT NOT NULL,
    name TEXT NOT NULL,
    checked_in_at INTEGER NOT NULL,
    PRIMARY KEY (event, user_id)
);
