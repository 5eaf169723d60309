//! Retry policy: which failures are retried and how long to wait before the next attempt.
//!
//! The policy is one pure function, [`decide`]; the HTTP loop in `client_core` asks it after
//! every failed attempt.

use std::time::{Duration, SystemTime};

use reqwest::header::{HeaderMap, RETRY_AFTER};
use reqwest::StatusCode;

use super::defaults;
use super::errors::TransportErrorKind;

/// How failed attempts are retried: exponential backoff with full jitter.
///
/// The delay before retry `n` (the attempt after attempt `n`) is a random duration in
/// `[0, min(max_interval, initial_interval * exponent^(n-1))]`. When a retryable response
/// carries `Retry-After` and [`respect_retry_after`](Self::respect_retry_after) is set, that
/// delay is used instead, capped by `max_interval`.
///
/// Retried: connection failures and broken connections (if `retry_connection_errors`),
/// timeouts, HTTP 429, 502, 503, 504, and 500 only if `retry_500`. Nothing else.
///
/// | field | default |
/// | --- | --- |
/// | `initial_interval` | 500 ms |
/// | `max_interval` | 30 s |
/// | `exponent` | 1.5 |
/// | `max_elapsed_time` | 2 min (no retry is started whose delay would end after this, counted from the first attempt) |
/// | `max_attempts` | 4 (the first attempt and up to 3 retries) |
/// | `retry_connection_errors` | `true` |
/// | `retry_500` | `false` |
/// | `respect_retry_after` | `true` |
///
/// Example: `RetryConfig::default().max_attempts(6).retry_500(true)`.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct RetryConfig {
    /// Upper bound of the first delay. Default 500 ms.
    pub initial_interval: Duration,
    /// Upper bound of any delay, including one asked for by `Retry-After`. Default 30 s.
    pub max_interval: Duration,
    /// Growth factor of the delay bound per retry. Default 1.5.
    pub exponent: f64,
    /// No retry is made whose delay would end later than this after the first attempt
    /// started. Default 2 minutes.
    pub max_elapsed_time: Duration,
    /// Most attempts in total, the first included (0 counts as 1). Default 4.
    pub max_attempts: u32,
    /// Retry when the connection cannot be made or breaks. Default `true`.
    pub retry_connection_errors: bool,
    /// Retry HTTP 500 too. Default `false`.
    pub retry_500: bool,
    /// Wait as long as a `Retry-After` header asks (capped by `max_interval`). Default `true`.
    pub respect_retry_after: bool,
}

impl Default for RetryConfig {
    fn default() -> Self {
        RetryConfig {
            initial_interval: defaults::RETRY_INITIAL_INTERVAL,
            max_interval: defaults::RETRY_MAX_INTERVAL,
            exponent: defaults::RETRY_EXPONENT,
            max_elapsed_time: defaults::RETRY_MAX_ELAPSED_TIME,
            max_attempts: defaults::RETRY_MAX_ATTEMPTS,
            retry_connection_errors: defaults::RETRY_CONNECTION_ERRORS,
            retry_500: defaults::RETRY_500,
            respect_retry_after: defaults::RESPECT_RETRY_AFTER,
        }
    }
}

impl RetryConfig {
    /// A single attempt, never retried.
    pub fn none() -> Self {
        RetryConfig { max_attempts: 1, ..RetryConfig::default() }
    }

    /// Sets the upper bound of the first delay.
    pub fn initial_interval(mut self, interval: Duration) -> Self {
        self.initial_interval = interval;
        self
    }

    /// Sets the upper bound of any delay.
    pub fn max_interval(mut self, interval: Duration) -> Self {
        self.max_interval = interval;
        self
    }

    /// Sets the growth factor of the delay bound (values below 1 shrink it).
    pub fn exponent(mut self, exponent: f64) -> Self {
        self.exponent = exponent;
        self
    }

    /// Sets the time after which no further retry is started.
    pub fn max_elapsed_time(mut self, max: Duration) -> Self {
        self.max_elapsed_time = max;
        self
    }

    /// Sets the most attempts in total, the first included.
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts;
        self
    }

    /// Sets whether connection failures are retried.
    pub fn retry_connection_errors(mut self, retry: bool) -> Self {
        self.retry_connection_errors = retry;
        self
    }

    /// Sets whether HTTP 500 is retried.
    pub fn retry_500(mut self, retry: bool) -> Self {
        self.retry_500 = retry;
        self
    }

    /// Sets whether `Retry-After` response headers are obeyed.
    pub fn respect_retry_after(mut self, respect: bool) -> Self {
        self.respect_retry_after = respect;
        self
    }

    /// Whether a response with this status is retried.
    pub fn is_retryable_status(&self, status: StatusCode) -> bool {
        match status.as_u16() {
            500 => self.retry_500,
            code => defaults::RETRY_STATUSES.contains(&code),
        }
    }

    /// Whether a transport failure of this kind is retried.
    pub fn is_retryable_transport(&self, kind: TransportErrorKind) -> bool {
        match kind {
            TransportErrorKind::Timeout => true,
            TransportErrorKind::Connect | TransportErrorKind::Io => self.retry_connection_errors,
            _ => false,
        }
    }

    /// Upper bound of the backoff delay after attempt `attempt` (1-based):
    /// `min(max_interval, initial_interval * exponent^(attempt-1))`.
    pub fn backoff_cap(&self, attempt: u32) -> Duration {
        let power = i32::try_from(attempt.saturating_sub(1)).unwrap_or(i32::MAX);
        let secs = self.initial_interval.as_secs_f64() * self.exponent.powi(power);
        match Duration::try_from_secs_f64(secs) {
            Ok(d) => d.min(self.max_interval),
            // NaN, infinite or too large: the cap is the maximum.
            Err(_) if secs.is_nan() || secs > 0.0 => self.max_interval,
            Err(_) => Duration::ZERO,
        }
    }
}

/// How an attempt ended, as far as the retry policy is concerned.
#[derive(Clone, Copy, Debug)]
pub enum AttemptOutcome<'a> {
    /// A response arrived with this status and these headers.
    Response(StatusCode, &'a HeaderMap),
    /// No (complete) response: a transport failure of this kind.
    Transport(TransportErrorKind),
}

/// Why [`decide`] says not to retry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StopReason {
    /// The outcome is not retryable.
    NotRetryable,
    /// `max_attempts` attempts have been made.
    MaxAttempts,
    /// The next delay would end after `max_elapsed_time`.
    MaxElapsedTime,
}

/// The decision of [`decide`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RetryDecision {
    /// Wait `delay`, then make another attempt.
    Retry {
        /// How long to wait.
        delay: Duration,
        /// Whether the delay comes from a `Retry-After` header.
        from_retry_after: bool,
    },
    /// Return the outcome of the last attempt.
    Stop(StopReason),
}

/// The retry policy.
///
/// `attempt` is the 1-based number of the attempt that just ended, `elapsed` the time since the
/// first attempt started, `jitter` a number in `[0, 1]` (random in production, fixed in tests)
/// and `now` the wall clock, used for `Retry-After` dates.
pub fn decide(
    config: &RetryConfig,
    attempt: u32,
    elapsed: Duration,
    outcome: AttemptOutcome<'_>,
    jitter: f64,
    now: SystemTime,
) -> RetryDecision {
    let retry_after = match outcome {
        AttemptOutcome::Response(status, headers) => {
            if !config.is_retryable_status(status) {
                return RetryDecision::Stop(StopReason::NotRetryable);
            }
            if config.respect_retry_after {
                headers.get(RETRY_AFTER).and_then(|v| v.to_str().ok()).and_then(|v| parse_retry_after(v, now))
            } else {
                None
            }
        }
        AttemptOutcome::Transport(kind) => {
            if !config.is_retryable_transport(kind) {
                return RetryDecision::Stop(StopReason::NotRetryable);
            }
            None
        }
    };
    if attempt >= config.max_attempts.max(1) {
        return RetryDecision::Stop(StopReason::MaxAttempts);
    }
    let (delay, from_retry_after) = match retry_after {
        Some(wait) => (wait.min(config.max_interval), true),
        None => {
            let jitter = if jitter.is_finite() { jitter.clamp(0.0, 1.0) } else { 0.0 };
            (config.backoff_cap(attempt).mul_f64(jitter), false)
        }
    };
    if elapsed.saturating_add(delay) > config.max_elapsed_time {
        return RetryDecision::Stop(StopReason::MaxElapsedTime);
    }
    RetryDecision::Retry { delay, from_retry_after }
}

/// Parses a `Retry-After` value: delta-seconds (`"120"`) or an HTTP-date
/// (`"Wed, 21 Oct 2015 07:28:00 GMT"`). A date in the past gives zero. `None` if unparsable.
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if value.is_empty() {
        return None;
    }
    if value.bytes().all(|b| b.is_ascii_digit()) {
        // Absurdly large values saturate; the caller caps them anyway.
        return Some(Duration::from_secs(value.parse().unwrap_or(u64::MAX)));
    }
    let date = httpdate::parse_http_date(value).ok()?;
    Some(date.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    const MS: Duration = Duration::from_millis(1);

    fn status(code: u16) -> StatusCode {
        StatusCode::from_u16(code).unwrap()
    }

    fn decide_status(config: &RetryConfig, code: u16) -> RetryDecision {
        let headers = HeaderMap::new();
        decide(config, 1, Duration::ZERO, AttemptOutcome::Response(status(code), &headers), 0.5, SystemTime::now())
    }

    fn is_retry(d: RetryDecision) -> bool {
        matches!(d, RetryDecision::Retry { .. })
    }

    #[test]
    fn defaults_are_documented_values() {
        let c = RetryConfig::default();
        assert_eq!(c.initial_interval, 500 * MS);
        assert_eq!(c.max_interval, Duration::from_secs(30));
        assert_eq!(c.exponent, 1.5);
        assert_eq!(c.max_elapsed_time, Duration::from_secs(120));
        assert_eq!(c.max_attempts, 4);
        assert!(c.retry_connection_errors && !c.retry_500 && c.respect_retry_after);
        assert_eq!(RetryConfig::none().max_attempts, 1);
        let c2 = RetryConfig::default().max_attempts(7).retry_500(true);
        assert_ne!(c, c2);
        assert_eq!(c2.max_attempts, 7);
    }

    #[test]
    fn retryable_statuses() {
        let c = RetryConfig::default();
        for code in [429, 502, 503, 504] {
            assert!(is_retry(decide_status(&c, code)), "{code}");
        }
        for code in [200, 201, 204, 301, 304, 400, 401, 403, 404, 409, 422, 500, 501, 505] {
            assert_eq!(decide_status(&c, code), RetryDecision::Stop(StopReason::NotRetryable), "{code}");
        }
        let c500 = RetryConfig::default().retry_500(true);
        assert!(is_retry(decide_status(&c500, 500)));
        assert!(!is_retry(decide_status(&c500, 501)));
    }

    #[test]
    fn retryable_transport_errors() {
        let run = |c: &RetryConfig, kind| {
            decide(c, 1, Duration::ZERO, AttemptOutcome::Transport(kind), 0.5, SystemTime::now())
        };
        let c = RetryConfig::default();
        assert!(is_retry(run(&c, TransportErrorKind::Connect)));
        assert!(is_retry(run(&c, TransportErrorKind::Io)));
        assert!(is_retry(run(&c, TransportErrorKind::Timeout)));
        for kind in [TransportErrorKind::BodyTooLarge, TransportErrorKind::Request, TransportErrorKind::Other] {
            assert!(!is_retry(run(&c, kind)), "{kind:?}");
        }
        let off = RetryConfig::default().retry_connection_errors(false);
        assert!(!is_retry(run(&off, TransportErrorKind::Connect)));
        assert!(!is_retry(run(&off, TransportErrorKind::Io)));
        assert!(is_retry(run(&off, TransportErrorKind::Timeout)));
    }

    #[test]
    fn stops_at_max_attempts() {
        let c = RetryConfig::default().max_attempts(3);
        let headers = HeaderMap::new();
        let at = |attempt| {
            decide(
                &c,
                attempt,
                Duration::ZERO,
                AttemptOutcome::Response(StatusCode::SERVICE_UNAVAILABLE, &headers),
                0.0,
                SystemTime::now(),
            )
        };
        assert!(is_retry(at(1)));
        assert!(is_retry(at(2)));
        assert_eq!(at(3), RetryDecision::Stop(StopReason::MaxAttempts));
        let none = RetryConfig::none();
        assert_eq!(
            decide(
                &none,
                1,
                Duration::ZERO,
                AttemptOutcome::Transport(TransportErrorKind::Timeout),
                0.0,
                SystemTime::now()
            ),
            RetryDecision::Stop(StopReason::MaxAttempts)
        );
    }

    #[test]
    fn stops_when_delay_would_pass_max_elapsed_time() {
        let c = RetryConfig::default()
            .initial_interval(Duration::from_secs(1))
            .max_elapsed_time(Duration::from_secs(10))
            .max_attempts(100);
        let run = |elapsed, jitter| {
            decide(&c, 1, elapsed, AttemptOutcome::Transport(TransportErrorKind::Connect), jitter, SystemTime::now())
        };
        // full delay 1 s: 8 s + 1 s fits, 9.5 s + 1 s does not
        assert!(is_retry(run(Duration::from_secs(8), 1.0)));
        assert_eq!(run(Duration::from_millis(9500), 1.0), RetryDecision::Stop(StopReason::MaxElapsedTime));
        // with a short jitter it still fits
        assert!(is_retry(run(Duration::from_millis(9500), 0.1)));
        assert_eq!(run(Duration::from_secs(11), 0.0), RetryDecision::Stop(StopReason::MaxElapsedTime));
    }

    #[test]
    fn backoff_cap_grows_by_exponent_and_is_capped() {
        let c = RetryConfig::default().initial_interval(100 * MS).exponent(2.0).max_interval(Duration::from_secs(1));
        assert_eq!(c.backoff_cap(1), 100 * MS);
        assert_eq!(c.backoff_cap(2), 200 * MS);
        assert_eq!(c.backoff_cap(3), 400 * MS);
        assert_eq!(c.backoff_cap(4), 800 * MS);
        assert_eq!(c.backoff_cap(5), Duration::from_secs(1));
        assert_eq!(c.backoff_cap(u32::MAX), Duration::from_secs(1));
        let d = RetryConfig::default();
        assert_eq!(d.backoff_cap(2), 750 * MS);
        let weird = RetryConfig::default().exponent(f64::NAN);
        assert_eq!(weird.backoff_cap(3), weird.max_interval);
    }

    #[test]
    fn jittered_delays_stay_within_zero_and_cap() {
        let c = RetryConfig::default().initial_interval(100 * MS).exponent(2.0).max_attempts(10);
        for attempt in 1..6u32 {
            let cap = c.backoff_cap(attempt);
            let mut seen_low = false;
            let mut seen_high = false;
            for _ in 0..200 {
                let d = decide(
                    &c,
                    attempt,
                    Duration::ZERO,
                    AttemptOutcome::Transport(TransportErrorKind::Connect),
                    fastrand::f64(),
                    SystemTime::now(),
                );
                let RetryDecision::Retry { delay, from_retry_after } = d else {
                    panic!("expected retry, got {d:?}");
                };
                assert!(!from_retry_after);
                assert!(delay <= cap, "{delay:?} > {cap:?}");
                seen_low |= delay < cap / 2;
                seen_high |= delay >= cap / 2;
            }
            assert!(seen_low && seen_high, "jitter is not spread over [0, cap]");
        }
        // the extremes of the jitter map to the extremes of the range
        let at =
            |j| decide(&c, 3, Duration::ZERO, AttemptOutcome::Transport(TransportErrorKind::Io), j, SystemTime::now());
        assert_eq!(at(0.0), RetryDecision::Retry { delay: Duration::ZERO, from_retry_after: false });
        assert_eq!(at(1.0), RetryDecision::Retry { delay: 400 * MS, from_retry_after: false });
    }

    #[test]
    fn retry_after_seconds_and_date_are_obeyed_and_capped() {
        let c = RetryConfig::default().max_interval(Duration::from_secs(10));
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_445_412_400);
        let with = |value: &'static str, c: &RetryConfig| {
            let mut h = HeaderMap::new();
            h.insert(RETRY_AFTER, HeaderValue::from_static(value));
            decide(c, 1, Duration::ZERO, AttemptOutcome::Response(StatusCode::TOO_MANY_REQUESTS, &h), 0.0, now)
        };
        assert_eq!(with("3", &c), RetryDecision::Retry { delay: Duration::from_secs(3), from_retry_after: true });
        assert_eq!(with("3600", &c), RetryDecision::Retry { delay: Duration::from_secs(10), from_retry_after: true });
        // now + 5 s as an HTTP date
        let date = httpdate::fmt_http_date(now + Duration::from_secs(5));
        let date: &'static str = Box::leak(date.into_boxed_str());
        assert_eq!(with(date, &c), RetryDecision::Retry { delay: Duration::from_secs(5), from_retry_after: true });
        // unparsable: ordinary backoff (jitter 0 -> zero delay)
        assert_eq!(with("soon", &c), RetryDecision::Retry { delay: Duration::ZERO, from_retry_after: false });
        // ignored when disabled
        let off = c.clone().respect_retry_after(false);
        assert_eq!(with("3", &off), RetryDecision::Retry { delay: Duration::ZERO, from_retry_after: false });
        // a Retry-After longer than the elapsed budget stops
        let short = c.max_elapsed_time(Duration::from_secs(2));
        assert_eq!(with("3", &short), RetryDecision::Stop(StopReason::MaxElapsedTime));
    }

    #[test]
    fn parse_retry_after_forms() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_445_412_480); // Wed, 21 Oct 2015 07:28:00 GMT
        assert_eq!(parse_retry_after("120", now), Some(Duration::from_secs(120)));
        assert_eq!(parse_retry_after(" 0 ", now), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:30 GMT", now), Some(Duration::from_secs(30)));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:00:00 GMT", now), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("-5", now), None);
        assert_eq!(parse_retry_after("1.5", now), None);
        assert_eq!(parse_retry_after("", now), None);
        assert_eq!(parse_retry_after("tomorrow", now), None);
        assert_eq!(parse_retry_after("99999999999999999999999", now), Some(Duration::from_secs(u64::MAX)));
    }
}
