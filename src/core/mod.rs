//! The Rounds core: every rule lives here, and nothing here knows a platform or a database.
//!
//! `Bot::handle` turns an inbound event into actions; `Bot::fire` turns a due job into actions.
//! Both take `now`, so the same code runs on the wall clock and on the shell's simulated one.
//!
//! Layers, each importing only the ones below it:
//! - `bot`: the dispatcher, the only file that knows every feature;
//! - features, one folder or file per capability: `events/`, `coffee/` (with mentoring and
//!   icebreakers), `members/` (profile, onboarding, privacy, committee), `reminders/` (with
//!   follow-ups), `shoutouts`;
//! - `delivery`: what replaces a private message the platform could not deliver;
//! - `context`: what features are handed (`Bot`, `Ctx`, `Settings`, `Society`);
//! - the floor every layer shares: `io` (inbound events and actions), `store` (the persistence
//!   traits and records), `command` (the parser), `when`, `pairing`, `ics`, `doi`,
//!   `identifiers`, `catch_up` (what a job owes after downtime), `shared_text` (the one rule
//!   for text shown to others), `mention`,
//!   `secret_url` (addresses shown and logged without their secrets), `short_id`,
//!   `time_format`, `error`.

pub mod bot;
pub mod catch_up;
pub mod coffee;
pub mod command;
pub mod context;
pub mod delivery;
pub mod doi;
pub mod doubt;
pub mod error;
pub mod events;
pub mod ics;
pub mod identifiers;
pub mod io;
pub mod members;
pub mod mention;
pub mod pairing;
pub mod plural;
pub mod reminders;
pub mod secret_url;
pub mod shared_text;
pub mod short_id;
pub mod shoutouts;
pub mod store;
pub mod time_format;
pub mod when;

pub use bot::{Answer, Outcome};
pub use context::{Bot, Ctx, Fired, Settings, Society, Welcome, zone_of};
