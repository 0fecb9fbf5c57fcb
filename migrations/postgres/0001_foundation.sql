-- Times are Unix seconds (UTC); the zone that produced a time is stored beside it.

-- Inbound event keys already handled, so a redelivered event is not answered twice.
CREATE TABLE inbound_seen (
    key TEXT PRIMARY KEY,
    seen_at BIGINT NOT NULL
);

CREATE TABLE profiles (
    society TEXT NOT NULL,
    user_id TEXT NOT NULL,
    name TEXT NOT NULL,
    timezone TEXT,
    stage TEXT,
    specialty TEXT,
    hospital TEXT,
    img BIGINT,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (society, user_id)
);

-- BIGSERIAL: an erased reminder's id is never handed to someone else's reminder.
CREATE TABLE reminders (
    id BIGSERIAL PRIMARY KEY,
    platform TEXT NOT NULL,
    society TEXT NOT NULL,
    owner_id TEXT NOT NULL,
    owner_name TEXT NOT NULL,
    delivery TEXT NOT NULL,
    room TEXT NOT NULL,
    text TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX reminders_owner ON reminders (society, owner_id);

-- The queue. state: pending | done | cancelled. A lease marks a job being fired.
CREATE TABLE jobs (
    id BIGSERIAL PRIMARY KEY,
    kind TEXT NOT NULL,
    subject BIGINT NOT NULL,
    platform TEXT NOT NULL,
    society TEXT NOT NULL,
    due_at BIGINT NOT NULL,
    zone TEXT NOT NULL,
    rule TEXT,
    state TEXT NOT NULL DEFAULT 'pending',
    lease_owner TEXT,
    lease_until BIGINT,
    fired_count BIGINT NOT NULL DEFAULT 0,
    UNIQUE (kind, subject)
);
CREATE INDEX jobs_due ON jobs (state, due_at);

-- Every action is stored here with its idempotency key before it is sent.
-- state: pending | sent | failed. A sent row keeps its key but not its content.
CREATE TABLE outbox (
    id BIGSERIAL PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,
    platform TEXT NOT NULL,
    society TEXT NOT NULL,
    member TEXT,
    action TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending',
    attempts BIGINT NOT NULL DEFAULT 0,
    next_try_at BIGINT NOT NULL,
    lease_owner TEXT,
    lease_until BIGINT,
    last_error TEXT,
    created_at BIGINT NOT NULL,
    sent_at BIGINT
);
CREATE INDEX outbox_ready ON outbox (platform, state, next_try_at);

-- Questions awaiting a member's answer (e.g. "erase everything?").
CREATE TABLE confirmations (
    society TEXT NOT NULL,
    user_id TEXT NOT NULL,
    what TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    PRIMARY KEY (society, user_id, what)
);

CREATE TABLE admin_log (
    id BIGSERIAL PRIMARY KEY,
    society TEXT NOT NULL,
    member TEXT,
    text TEXT NOT NULL,
    at BIGINT NOT NULL
);
