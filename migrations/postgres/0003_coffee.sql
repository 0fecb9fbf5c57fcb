-- Coffee and mentor pairings. A programme's schedule is its job row (kind 'coffee_round').

-- grp is '' for the society-wide programme, else the group's name.
CREATE TABLE coffee_programmes (
    id BIGSERIAL PRIMARY KEY,
    society TEXT NOT NULL,
    grp TEXT NOT NULL,
    platform TEXT NOT NULL,
    room TEXT NOT NULL,
    size BIGINT NOT NULL,
    mode TEXT NOT NULL,
    checkin_secs BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (society, grp)
);

-- paused_until: not paired before then; auto_paused: paused for unanswered check-ins.
-- skip_until: not paired in rounds scheduled up to then (one skipped round).
CREATE TABLE coffee_members (
    programme BIGINT NOT NULL,
    user_id TEXT NOT NULL,
    name TEXT NOT NULL,
    joined_at BIGINT NOT NULL,
    paused_until BIGINT,
    auto_paused BIGINT NOT NULL DEFAULT 0,
    skip_until BIGINT,
    PRIMARY KEY (programme, user_id)
);

-- role: mentor | mentee.
CREATE TABLE mentor_roles (
    society TEXT NOT NULL,
    user_id TEXT NOT NULL,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    capacity BIGINT NOT NULL,
    wants_specialty TEXT,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (society, user_id)
);

-- One row per round; scheduled_for makes firing the same occurrence twice record it once.
CREATE TABLE coffee_rounds (
    id BIGSERIAL PRIMARY KEY,
    programme BIGINT NOT NULL,
    number BIGINT NOT NULL,
    scheduled_for BIGINT NOT NULL,
    ran_at BIGINT NOT NULL,
    checkin_at BIGINT NOT NULL,
    UNIQUE (programme, scheduled_for)
);

CREATE TABLE coffee_groups (
    id BIGSERIAL PRIMARY KEY,
    round BIGINT NOT NULL,
    programme BIGINT NOT NULL
);
CREATE INDEX coffee_groups_programme ON coffee_groups (programme, round);

-- answer: met | planned | no, or NULL while unanswered.
CREATE TABLE coffee_group_members (
    grp BIGINT NOT NULL,
    user_id TEXT NOT NULL,
    name TEXT NOT NULL,
    answer TEXT,
    answered_at BIGINT,
    PRIMARY KEY (grp, user_id)
);
CREATE INDEX coffee_group_members_user ON coffee_group_members (user_id);
