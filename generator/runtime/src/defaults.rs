//! The defaults of a client's settings (timeouts, retries, batching), in one place.
//!
//! The runtime's `Default`s read these constants, and the generator compiles this same file
//! (`generator/src/emit/mod.rs`, `mod defaults`) to state them in the docs it writes, so the
//! docs say what the code does. The file needs nothing but `std`.

use std::time::Duration;

/// Total time of one attempt: sending the request and reading the whole response.
pub const TIMEOUT: Duration = Duration::from_secs(60);
/// Time allowed to establish a connection (only for the HTTP client built by the SDK).
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Retries: upper bound of the first delay.
pub const RETRY_INITIAL_INTERVAL: Duration = Duration::from_millis(500);
/// Retries: upper bound of any delay, including one asked for by `Retry-After`.
pub const RETRY_MAX_INTERVAL: Duration = Duration::from_secs(30);
/// Retries: growth factor of the delay bound per retry.
pub const RETRY_EXPONENT: f64 = 1.5;
/// Retries: no retry starts whose delay would end later than this after the first attempt.
pub const RETRY_MAX_ELAPSED_TIME: Duration = Duration::from_secs(120);
/// Retries: most attempts in total, the first included.
pub const RETRY_MAX_ATTEMPTS: u32 = 4;
/// Retries: whether a connection that cannot be made or breaks is retried.
pub const RETRY_CONNECTION_ERRORS: bool = true;
/// Retries: whether HTTP 500 is retried.
pub const RETRY_500: bool = false;
/// Retries: whether a `Retry-After` header is obeyed.
pub const RESPECT_RETRY_AFTER: bool = true;
/// The statuses every retry policy retries (500 is retried only with `retry_500`).
pub const RETRY_STATUSES: &[u16] = &[429, 502, 503, 504];

/// The statuses after which trying the same call again later may succeed (`Error::is_retryable`):
/// a wider set than the automatic retries.
pub const RETRYABLE_STATUSES: &[u16] = &[408, 429, 500, 502, 503, 504];

//@ if bulk
/// Bulk helpers: batches in flight at once.
pub const BULK_CONCURRENCY: usize = 4;
//@ end
