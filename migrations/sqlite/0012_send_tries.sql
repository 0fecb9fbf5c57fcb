-- Tries of a send are counted when they start, before the platform is asked, apart from the
-- tries that ended (attempts): more started than ended means a process died mid-send and the
-- message may or may not have been posted. When the first try started tells whether the
-- platform still remembers the send's idempotency key.
ALTER TABLE outbox ADD COLUMN tries_started INTEGER NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN first_tried_at INTEGER;
UPDATE outbox SET tries_started = attempts;
