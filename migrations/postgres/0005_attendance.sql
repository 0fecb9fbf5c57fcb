-- Attendance for CPD: a short code the organiser opens during the event, and who checked in.
ALTER TABLE events ADD COLUMN checkin_code TEXT;

CREATE TABLE attendance (
    event BIGINT NOT NULL,
    user_id TEXT NOT NULL,
    name TEXT NOT NULL,
    checked_in_at BIGINT NOT NULL,
    PRIMARY KEY (event, user_id)
);
