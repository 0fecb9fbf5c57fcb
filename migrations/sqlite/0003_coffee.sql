-- Coffee and mentor pairings. A programme's schedule is its job row (kind 'coffee_round').

-- grp is '' for the society-wide programme, else the group's name.
CREATE TABLE coffee_programmes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    society TEXT NOT NULL,
    grp TEXT NOT NULL,
    platform TEXT NOT NULL,
    room TEXT NOT NULL,
    size INTEGER NOT NULL,
    mode TEXT NOT NULL,
    checkin_secs INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (society, grp)
);

-- paused_until: not paired before then; auto_paused: paused for unanswered check-ins.
-- skip_until: not paired in rounds scheduled up to then (one skipped round).
CREATE TABLE coffee_members (
    programme INTEGER NOT NULL,
    user_id TEXT NOT NULL,
    name TEXT NOT NULL,
    joined_at INTEGER NOT NULL,
    paused_until INTEGER,
    auto_paused INTEGER NOT NULL DEFAULT 0,
    skip_until INTEGER,
    PRIMARY KEY (programme, user_id)
);

-- role: mentor | mentee.
CREATE TABLE mentor_roles (
    society TEXT NOT NULL,
    user_id TEXT NOT NULL,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    capacity INTEGER NOT NULL,
    wants_specialty TEXT,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (society, user_id)
);

-- One row per round; scheduled_for makes firing the same occurrence twice record it once.
CREATE TABLE coffee_rounds (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    programme INTEGER NOT NULL,
    number INTEGER NOT NULL,
    scheduled_for INTEGER NOT NULL,
    ran_at INTEGER NOT NULL,
    checkin_at INTEGER NOT NULL,
    UNIQUE (programme, scheduled_for)
);

CREATE TABLE coffee_groups (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    round INTEGER NOT NULL,
    programme INTEGER NOT NULL
);
CREATE INDEX coffee_groups_programme ON coffee_groups (programme, round);

-- answer: met | planned | no, or NULL while unanswered.
CREATE TABLE coffee_group_members (
    grp INTEGER NOT NULL,
    user_id TEXT NOT NULL,
    name TEXT NOT NULL,
    answer TEXT,
    answered_at INTEGER,
    PRIMARY KEY (grp, user_id)
);
CREATE INDEX coffee_group_members_user ON coffee_group_members (user_id);
