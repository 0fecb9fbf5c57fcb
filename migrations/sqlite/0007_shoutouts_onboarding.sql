-- Shout-outs, their digest, and the welcome dialogue.

-- A member's news, posted by themselves or by a colleague. status: pending (waiting for the
-- member it is about) | posted | declined. Only posted ones reach the celebrations room.
CREATE TABLE shoutouts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    society TEXT NOT NULL,
    platform TEXT NOT NULL,
    room TEXT NOT NULL,
    author_id TEXT NOT NULL,
    author_name TEXT NOT NULL,
    subject_id TEXT NOT NULL,
    subject_name TEXT NOT NULL,
    kind TEXT NOT NULL,
    text TEXT NOT NULL,
    publication TEXT,
    status TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    posted_at INTEGER
);
CREATE INDEX shoutouts_posted ON shoutouts (society, platform, posted_at);
CREATE INDEX shoutouts_subject ON shoutouts (society, subject_id);

-- One digest per society and platform; its job (kind 'shoutout_digest') has this id as subject.
CREATE TABLE shoutout_digests (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    society TEXT NOT NULL,
    platform TEXT NOT NULL,
    room TEXT NOT NULL,
    UNIQUE (society, platform)
);

-- `ask` (the default: approve each colleague's shout-out), `auto` or `never`.
ALTER TABLE profiles ADD COLUMN shoutouts TEXT;

-- Members who were welcomed, and the question of the welcome dialogue they are on (NULL once
-- finished or skipped). The row stays, so a member is welcomed once.
CREATE TABLE onboarding (
    society TEXT NOT NULL,
    user_id TEXT NOT NULL,
    platform TEXT NOT NULL,
    step TEXT,
    started_at INTEGER NOT NULL,
    PRIMARY KEY (society, user_id)
);
