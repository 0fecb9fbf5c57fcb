//! What the table says about a command: its name, forms and examples. The parser's error
//! messages, the help text and Discord's slash-command registration all read these.

/// One form of a command. `usage` is machine-readable: literal words are sub-commands,
/// `<x>` a required value, `[x]` an optional one; `a|b` inside brackets lists the choices.
pub struct Form {
    pub usage: &'static str,
    pub summary: &'static str,
}

pub struct CommandSpec {
    pub name: &'static str,
    pub summary: &'static str,
    pub forms: &'static [Form],
    pub examples: &'static [&'static str],
    /// Only the society's committee may use it (checked in the core, whatever the platform says).
    pub committee_only: bool,
}
