//! Why a text could not be read as a calendar at all (one bad event is skipped, not an error).

#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum IcsError {
    #[error("That is not an iCalendar (.ics) feed.")]
    NotCalendar,
    #[error("That calendar is larger than 2 MB, so I did not read it.")]
    TooLarge,
    #[error("That calendar is cut off before its end, so I did not read it.")]
    Truncated,
}
