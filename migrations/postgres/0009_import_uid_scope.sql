-- A feed's UIDs are its own: another import that reuses one makes its own event and can neither
-- rewrite nor cancel this import's (the UID was unique per society before).
DROP INDEX events_source;
CREATE UNIQUE INDEX events_source ON events (import, source_uid);
