//! What the core needs from persistence, one part per capability: each part is a trait with the
//! records it reads and writes. `Store` is their sum, so `&dyn Store` reaches every method
//! without naming a part, and code that needs one part (an adapter's memory) can take only it.
//! `crate::store::SqlStore` implements them all on SQLite and PostgreSQL; the core never sees a
//! database type.

mod calendar;
mod coffee;
mod events;
mod members;
mod memory;
mod queue;
mod reminders;
mod result;
mod shoutouts;
mod unit;
mod upkeep;

pub use calendar::{CalendarStore, EventImport, Series};
pub use coffee::{
    CheckinAnswer, CoffeeGroup, CoffeeMember, CoffeeStore, FORMER_MEMBER, GroupMember, MentorOffer,
    MentorRole, NewRound, Programme,
};
pub use events::{Event, EventStore, Rsvp, RsvpOutcome, RsvpState};
pub use members::{Erasure, MemberStore, Profile, ShoutoutPreference};
pub use memory::{
    ANSWERS_PLATFORM, MEMBER_MEMORY_PREFIX, MemoryStore, answer_memory_key, member_memory_key,
    member_of_memory_key,
};
pub use queue::{
    ANSWER_KEY_PREFIX, FiredJob, Job, JobKind, JobRule, KindFilter, NewJob, OutboxItem,
    PendingSend, QueueStore, QueueTally,
};
pub use reminders::{Delivery, NewReminder, Reminder, ReminderStore};
pub use result::StoreResult;
pub use shoutouts::{Digest, Shoutout, ShoutoutStatus, ShoutoutStore};
pub use unit::{Store, Unit, UnitStore};
pub use upkeep::{Counts, QueueHealth, UpkeepStore};
