-- Where a send lands (a room, a member's private messages, a society's announcements), as the
-- core names it: sends sharing a lane go one after another, in the order they were queued,
-- while different lanes are sent side by side. Rows queued before lanes existed each keep a
-- lane of their own, so they go as they always did: in no particular order.
ALTER TABLE outbox ADD COLUMN lane TEXT NOT NULL DEFAULT '';
UPDATE outbox SET lane = 'key:' || key;
-- A lane's first pending send is the only one that may be claimed.
CREATE INDEX outbox_lanes ON outbox (platform, state, lane, id);
-- An answer someone is waiting for goes before the queued notices of other lanes: 0 for an
-- answer, 1 for the rest (`Action::awaited`).
ALTER TABLE outbox ADD COLUMN priority INTEGER NOT NULL DEFAULT 1;
