//! What every store method returns; kept apart so each capability's part can name it.

use crate::core::error::StoreError;

pub type StoreResult<T> = Result<T, StoreError>;
