-- What adapters must remember to translate later events back: which reaction on which
-- message means which choice, which room an introduction created.
CREATE TABLE platform_memory (
    platform TEXT NOT NULL,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (platform, key)
);
