-- Whom a reminder names besides its owner (a follow-up about a colleague), and the text the
-- reminder keeps once that member erases their data.
CREATE TABLE reminder_subjects (
    reminder INTEGER NOT NULL,
    society TEXT NOT NULL,
    member_id TEXT NOT NULL,
    anonymised_text TEXT NOT NULL,
    PRIMARY KEY (reminder, member_id)
);
CREATE INDEX reminder_subjects_member ON reminder_subjects (society, member_id);
-- What Discord remembers about one member (DM channel, last society) moves under the
-- member:<kind>:<member id> keys that erasure finds.
UPDATE platform_memory SET key = 'member:' || key
    WHERE platform = 'discord' AND (key LIKE 'dm:%' OR key LIKE 'society:%');
