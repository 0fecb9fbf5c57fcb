-- Wrong check-in codes per member and event: after a few, only an organiser can check them in,
-- so a six-letter code cannot be guessed by trying.
CREATE TABLE checkin_attempts (
    event INTEGER NOT NULL,
    user_id TEXT NOT NULL,
    failures INTEGER NOT NULL,
    PRIMARY KEY (event, user_id)
);
