-- Wrong check-in codes per member and event: after a few, only an organiser can check them in,
-- so a six-letter code cannot be guessed by trying.
CREATE TABLE checkin_attempts (
    event BIGINT NOT NULL,
    user_id TEXT NOT NULL,
    failures BIGINT NOT NULL,
    PRIMARY KEY (event, user_id)
);
