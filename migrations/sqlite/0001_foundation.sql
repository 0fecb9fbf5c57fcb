-- Times are Unix seconds (UTC); the zone that produced a time is stored beside it.

-- Inbound event keys already handled, so a redelivered event is not answered twice.
CREATE TABLE inbound_seen (
    key TEXT PRIMARY KEY,
    seen_at INTEGER NOT NULL
);

CREATE TABLE profiles (
    society TEXT NOT NULL,
    user_id TEXT NOT NULL,
    name TEXT NOT NULL,
    timezone TEXT,
    stage TEXT,
    specialty TEXT,
    hospital TEXT,
    img INTEGER,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (society, user_id)
);

-- AUTOINCREMENT: an erased reminder's id is never handed to someone else's reminder.
CREATE TABLE reminders (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    platform TEXT NOT NULL,
    society TEXT NOT NULL,
    owner_id TEXT NOT NULL,
    owner_name TEXT NOT NULL,
    delivery TEXT NOT NULL,
    room TEXT NOT NULL,
    text TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX reminders_owner ON reminders (society, owner_id);

-- The queue. state: pending | done | cancelled. A lease marks a job being fired.
CREATE TABLE jobs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    subject INTEGER NOT NULL,
    platform TEXT NOT NULL,
    society TEXT NOT NULL,
    due_at INTEGER NOT NULL,
    zone TEXT NOT NULL,
    rule TEXT,
    state TEXT NOT NULL DEFAULT 'pending',
    lease_owner TEXT,
    lease_until INTEGER,
    fired_count INTEGER NOT NULL DEFAULT 0,
    UNIQUE (kind, subject)
);
CREATE INDEX jobs_due ON jobs (state, due_at);

-- Every action is stored here with its idempotency key before it is sent.
-- state: pending | sent | failed. A sent row keeps its key but not its content.
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    key TEXT NOT NULL UNIQUE,
    platform TEXT NOT NULL,
    society TEXT NOT NULL,
    member TEXT,
    action TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    next_try_at INTEGER NOT NULL,
    lease_owner TEXT,
    lease_until INTEGER,
    last_error TEXT,
    created_at INTEGER NOT NULL,
    sent_at INTEGER
);
CREATE INDEX outbox_ready ON outbox (platform, state, next_try_at);

-- Questions awaiting a member's answer (e.g. "erase everything?").
CREATE TABLE confirmations (
    society TEXT NOT NULL,
    user_id TEXT NOT NULL,
    what TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (society, user_id, what)
);

CREATE TABLE admin_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    society TEXT NOT NULL,
    member TEXT,
    text TEXT NOT NULL,
    at INTEGER NOT NULL
);
