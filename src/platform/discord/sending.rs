//! What every send to Discord shares, from the outbox or directly: the nonce that makes a
//! retry show one message, and what an HTTP failure means for retrying.

use crate::platform::DeliveryError;

/// Discord nonces hold at most 25 characters; outbox keys are longer, so they are hashed
/// (FNV-1a, stable across restarts and builds).
pub fn nonce(key: &str) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in key.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("r{hash:016x}")
}

/// Discord's JSON error code for "Cannot send messages to this user": the member closed their
/// direct messages (or blocked the bot, or shares no server with it).
const CANNOT_MESSAGE_USER: isize = 50007;

pub(super) fn delivery_error(error: serenity::Error) -> DeliveryError {
    if let serenity::Error::Http(serenity::http::HttpError::UnsuccessfulRequest(response)) = &error
        && response.error.code == super::permissions::MISSING_PERMISSIONS
    {
        return DeliveryError::Permanent(format!(
            "{}: {}",
            response.error.message,
            super::permissions::MISSING_ADVICE
        ));
    }
    if let serenity::Error::Http(serenity::http::HttpError::UnsuccessfulRequest(response)) = &error
        && response.error.code == CANNOT_MESSAGE_USER
    {
        return DeliveryError::DirectClosed(response.error.message.clone());
    }
    if let serenity::Error::Http(http) = &error
        && let Some(status) = http.status_code()
    {
        return match status.as_u16() {
            // serenity drops the body's retry_after when its own rate limiter is off (test
            // stand-ins); in production the rate limiter waits and retries by itself.
            429 => DeliveryError::RateLimited {
                retry_after: chrono::Duration::seconds(2),
            },
            400 | 403 | 404 => DeliveryError::Permanent(error.to_string()),
            _ => DeliveryError::Transient(error.to_string()),
        };
    }
    DeliveryError::Transient(error.to_string())
}
