//! The time parser's tests, one file per part of it; `fixtures` holds the clock and zones they share.

mod duration;
mod expression;
mod fixtures;
mod phrasing;
mod properties;
mod recurrence;
mod zone;
