//! Reminders: `!remind` and `!reminders` (`remind`), follow-ups about people and the
//! stay-in-touch nudge (`followups`), both stored through `create`, which holds the limits.

pub mod create;
pub mod followups;
pub mod remind;

pub use create::{
    MAX_ACTIVE_PER_MEMBER, MAX_ACTIVE_PER_ROOM, MAX_REMINDER_CHARS, MIN_ROOM_REPEAT, private,
};
pub use remind::{fire, manage, remind};
