//! Errors a member reads. Each `Display` is the reply, so it says what went wrong and what works.

use super::when::WhenError;

/// The command line itself could not be understood.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CommandError {
    #[error(
        "I don't know the command `{prefix}{given}`.{suggestion} Type `{prefix}help` to see what I can do."
    )]
    Unknown {
        prefix: String,
        given: String,
        suggestion: String,
    },
    #[error("`{prefix}{command}` needs more: {usage}. For example: `{prefix}{example}`.")]
    Incomplete {
        prefix: String,
        command: &'static str,
        usage: String,
        example: &'static str,
    },
    #[error("`{given}` is not something `{prefix}{command}` can do. It can: {options}.")]
    UnknownOption {
        prefix: String,
        command: &'static str,
        given: String,
        options: String,
    },
    #[error("`{given}` is not {a_kind} id; {kind} ids look like `{example}`.")]
    BadId {
        given: String,
        /// The kind with its article ("an event"), so the sentence reads right for every kind.
        a_kind: &'static str,
        kind: &'static str,
        example: String,
    },
    #[error("`{given}` is the id of {is}, not of {want_a}; {want} ids look like `{example}`.")]
    WrongIdKind {
        given: String,
        is: &'static str,
        want_a: &'static str,
        want: &'static str,
        example: String,
    },
    #[error("`{prefix}{command}` takes `{keyword}` only once.")]
    Repeated {
        prefix: String,
        command: &'static str,
        keyword: &'static str,
    },
    #[error("The {what} must be a whole number from {min} to {max}, not `{given}`.")]
    OutOfRange {
        what: &'static str,
        given: String,
        min: i64,
        max: i64,
    },
    #[error("The {what} must be one of {options}, not `{given}`.")]
    NotOneOf {
        what: &'static str,
        given: String,
        options: String,
    },
    #[error("That message is too long ({length} characters); I read at most {max}.")]
    TooLong { length: usize, max: usize },
    #[error(
        "That message has a control character (such as NUL or escape) in it; type it again as plain text."
    )]
    ControlCharacter,
}

/// What a member reads when the store could not take their command at all, so nothing was
/// queued to answer them: every adapter sends this one text directly, bypassing the outbox (which
/// lives in that same store).
pub const STORE_UNAVAILABLE: &str = "I couldn't save that just now; please try again in a minute.";

/// Why a command was refused. Nothing was changed when one of these is returned.
#[derive(Debug, thiserror::Error)]
pub enum Refusal {
    #[error(transparent)]
    Command(#[from] CommandError),
    #[error("{0}")]
    When(#[from] WhenError),
    /// A specific, already-worded refusal.
    #[error("{0}")]
    Said(String),
    /// A refusal whose reason concerns patient details the member typed. It is told to them
    /// alone: outside a direct room the room only hears that a reason was sent privately,
    /// so a slip is not pointed out to everyone.
    #[error("{0}")]
    Withheld(String),
    #[error(
        "Something went wrong on my side, and nothing was changed. Please try again in a minute."
    )]
    Store(#[from] StoreError),
}

impl Refusal {
    pub fn said(text: impl Into<String>) -> Self {
        Refusal::Said(text.into())
    }
}

/// The store failed. It goes to the logs, never to a member.
#[derive(Debug, Clone, thiserror::Error)]
pub enum StoreError {
    /// The database could not be reached or refused the query.
    #[error("store error: {detail}")]
    Failed { detail: String },
    /// A stored value the core cannot read, such as a zone chrono-tz does not know: the row is
    /// named so the operator can find and mend it, rather than the core guessing a default.
    #[error("stored {table} row {id} has an unreadable {column} `{value}`")]
    Corrupt {
        table: &'static str,
        /// The row's key: its id, or the columns of its primary key.
        id: String,
        column: &'static str,
        value: String,
    },
}

impl StoreError {
    pub fn new(detail: impl std::fmt::Display) -> Self {
        StoreError::Failed {
            detail: detail.to_string(),
        }
    }
}
