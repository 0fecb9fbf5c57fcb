//! Members: what they share (`profile`), how newcomers are welcomed (`onboarding`), how they see
//! and erase their data (`privacy`), and the committee's log (`committee`). `fields` holds the
//! free-text checks `profile` and `onboarding` share. The dispatcher (`bot`) calls each leaf
//! directly.

pub mod committee;
pub mod fields;
pub mod onboarding;
pub mod privacy;
pub mod profile;
