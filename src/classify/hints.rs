//! Retry hints: every way a server says "try again in …", read into milliseconds.
//!
//! Sources, in the precedence of docs/design.md §4: `x-should-retry` (a yes/no, never a delay),
//! `retry-after-ms`, `retry-after` (delta-seconds, fractional accepted, or an HTTP-date relative to
//! `now`; a past date means 0), Google `RetryInfo.retryDelay`, the message's own words ("try again
//! in 1m30s", "Please retry in 45.6s", "retry after 20 seconds"), then the rate-limit reset headers
//! (`x-ratelimit-reset-requests`/`-tokens` in Go duration form, `anthropic-ratelimit-*-reset` as
//! RFC 3339 timestamps).
//!
//! Garbage, negative and non-finite values are ignored (the next source is used); delays longer
//! than [`MAX_HINT_MS`] (30 days) are capped to it. Nothing here can panic or overflow. Whether a
//! hint is meaningful for a response is the caller's call (see `mod.rs`), not this module's.

use std::time::{SystemTime, UNIX_EPOCH};

use super::headers::{Header, Headers};
use super::provider_error::ProviderError;
use super::text;
use super::wording::Wording;
use super::HintSource;

/// The longest delay ever reported: 30 days. Anything longer is capped to this.
pub const MAX_HINT_MS: u64 = 30 * 24 * 60 * 60 * 1000;

/// Every hint a response carried, each already in milliseconds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Hints {
    /// `x-should-retry: true|false`.
    pub should_retry: Option<bool>,
    pub retry_after_ms: Option<u64>,
    pub retry_after: Option<u64>,
    pub retry_info: Option<u64>,
    pub message: Option<u64>,
    pub ratelimit_reset: Option<u64>,
}

impl Hints {
    /// Reads every hint from the headers, the provider error and its message's wording.
    pub fn collect(
        headers: &Headers<'_>,
        error: Option<&ProviderError>,
        words: &Wording<'_>,
        now: SystemTime,
    ) -> Hints {
        let now_ms = now
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis().min(u128::from(u64::MAX)) as u64)
            .unwrap_or(0);
        let mut hints = Hints {
            retry_info: error
                .and_then(|e| e.retry_delay.as_deref())
                .and_then(go_duration_ms)
                .and_then(ms_from_ms),
            message: message_delay_ms(words),
            ..Hints::default()
        };
        if !headers.any() {
            return hints;
        }
        hints.should_retry = headers.get(Header::ShouldRetry).and_then(|v| {
            if v.eq_ignore_ascii_case("true") {
                Some(true)
            } else if v.eq_ignore_ascii_case("false") {
                Some(false)
            } else {
                None
            }
        });
        hints.retry_after_ms = headers
            .get(Header::RetryAfterMs)
            .and_then(plain_number)
            .and_then(ms_from_ms);
        hints.retry_after = headers
            .get(Header::RetryAfter)
            .and_then(|v| retry_after(v, now_ms));
        hints.ratelimit_reset = ratelimit_reset(headers, words, now_ms);
        hints
    }

    /// The winning delay by docs/design.md §4 precedence; the reset headers only when `with_reset`.
    pub fn best(&self, with_reset: bool) -> Option<(u64, HintSource)> {
        self.retry_after_ms
            .map(|ms| (ms, HintSource::RetryAfterMs))
            .or(self.retry_after.map(|ms| (ms, HintSource::RetryAfter)))
            .or(self.retry_info.map(|ms| (ms, HintSource::RetryInfo)))
            .or(self.message.map(|ms| (ms, HintSource::Message)))
            .or(self
                .ratelimit_reset
                .filter(|_| with_reset)
                .map(|ms| (ms, HintSource::RatelimitReset)))
    }
}

/// Milliseconds (possibly fractional) to whole milliseconds, rounded up and capped; `None` for
/// negative or non-finite values.
pub(crate) fn ms_from_ms(ms: f64) -> Option<u64> {
    if !ms.is_finite() || ms < 0.0 {
        return None;
    }
    // Round up (never retry early), but forgive float noise such as 34.4 * 1000 = 34400.000…04.
    let rounded = (ms - 1e-6).ceil().max(0.0);
    Some(if rounded >= MAX_HINT_MS as f64 {
        MAX_HINT_MS
    } else {
        rounded as u64
    })
}

/// A whole string that is a plain non-negative decimal (`"2"`, `"1.5"`), nothing else.
fn plain_number(s: &str) -> Option<f64> {
    let s = s.trim();
    let (value, used) = text::scan_number(s)?;
    (used == s.len() && !s.contains(',')).then_some(value)
}

/// `retry-after`: delta-seconds (fractions tolerated) or an HTTP-date.
fn retry_after(value: &str, now_ms: u64) -> Option<u64> {
    if let Some(seconds) = plain_number(value) {
        return ms_from_ms(seconds * 1000.0);
    }
    let at_ms = http_date_ms(value)?;
    Some(at_ms.saturating_sub(now_ms).min(MAX_HINT_MS))
}

/// Parses a Go-style duration (`"1s"`, `"6m0s"`, `"20ms"`, `"1h2m3.5s"`, `"34.4s"`) into ms.
pub(crate) fn go_duration_ms(s: &str) -> Option<f64> {
    let s = s.trim();
    let (ms, used) = go_duration_prefix(s)?;
    (used == s.len()).then_some(ms)
}

/// A Go-style duration at the start of `s`; returns ms and the bytes used.
fn go_duration_prefix(s: &str) -> Option<(f64, usize)> {
    let bytes = s.as_bytes();
    let mut total = 0.0;
    let mut at = 0;
    let mut parts = 0;
    while at < bytes.len() {
        let Some((value, used)) =
            text::scan_number(&s[at..]).filter(|(_, used)| !s[at..at + used].contains(','))
        else {
            break;
        };
        let unit_start = at + used;
        let rest = &s[unit_start..];
        let (scale, unit_len) = if rest.starts_with("ms") {
            (1.0, 2)
        } else if rest.starts_with("us") || rest.starts_with("µs") {
            (
                0.001,
                if rest.starts_with('u') {
                    2
                } else {
                    "µs".len()
                },
            )
        } else if rest.starts_with("ns") {
            (0.000_001, 2)
        } else if rest.starts_with('h') {
            (3_600_000.0, 1)
        } else if rest.starts_with('m') {
            (60_000.0, 1)
        } else if rest.starts_with('s') {
            (1000.0, 1)
        } else {
            break;
        };
        let after = unit_start + unit_len;
        // The unit must end the word: `5s` or `5s.`, not `5sec` or `5min` (handled by spoken forms).
        if bytes.get(after).is_some_and(|b| b.is_ascii_alphabetic()) {
            break;
        }
        total += value * scale;
        at = after;
        parts += 1;
    }
    (parts > 0).then_some((total, at))
}

/// The delay the message states ("Please try again in 6ms", "retry after 86400 seconds"): the
/// first delay phrase followed by a duration.
pub(crate) fn message_delay_ms(words: &Wording<'_>) -> Option<u64> {
    words.after_delay_phrases().find_map(|rest| {
        let rest = rest.trim_start_matches([' ', ':', '=', '~']);
        let rest = match rest.get(..6) {
            Some(head) if head.eq_ignore_ascii_case("about ") => &rest[6..],
            _ => rest,
        };
        spoken_duration_ms(rest).and_then(ms_from_ms)
    })
}

/// `1m30s`, `2.5s`, `20ms`, `45 seconds`, `1 minute`, `2 hours`, or a bare number of seconds.
fn spoken_duration_ms(s: &str) -> Option<f64> {
    if let Some((ms, _)) = go_duration_prefix(s) {
        return Some(ms);
    }
    let (value, used) = text::scan_number(s)?;
    let rest = s[used..].trim_start();
    let word: String = rest
        .chars()
        .take_while(|c| c.is_ascii_alphabetic())
        .take(16)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    let scale = match word.as_str() {
        "ms" | "msec" | "msecs" | "millisecond" | "milliseconds" => 1.0,
        "s" | "sec" | "secs" | "second" | "seconds" => 1000.0,
        "m" | "min" | "mins" | "minute" | "minutes" => 60_000.0,
        "h" | "hr" | "hrs" | "hour" | "hours" => 3_600_000.0,
        "d" | "day" | "days" => 86_400_000.0,
        "" => 1000.0,
        _ => return None,
    };
    Some(value * scale)
}

/// The relevant rate-limit reset delay: the window that is exhausted (`remaining: 0`), else the one
/// the message is about (tokens or requests), else the longest.
fn ratelimit_reset(headers: &Headers<'_>, words: &Wording<'_>, now_ms: u64) -> Option<u64> {
    const RESETS: [(Header, Header, bool); 7] = [
        (Header::ResetRequests, Header::RemainingRequests, false),
        (Header::ResetTokens, Header::RemainingTokens, true),
        (
            Header::AnthropicRequestsReset,
            Header::AnthropicRequestsRemaining,
            false,
        ),
        (
            Header::AnthropicTokensReset,
            Header::AnthropicTokensRemaining,
            true,
        ),
        (
            Header::AnthropicInputTokensReset,
            Header::AnthropicInputTokensRemaining,
            true,
        ),
        (
            Header::AnthropicOutputTokensReset,
            Header::AnthropicOutputTokensRemaining,
            true,
        ),
        (Header::Reset, Header::Remaining, false),
    ];
    let mut windows: Vec<(u64, bool, bool)> = Vec::new(); // (ms, exhausted, is_tokens)
    for (reset, remaining, is_tokens) in RESETS {
        let Some(ms) = headers.get(reset).and_then(|v| reset_ms(v, now_ms)) else {
            continue;
        };
        let exhausted = headers
            .get(remaining)
            .and_then(plain_number)
            .is_some_and(|left| left < 1.0);
        windows.push((ms, exhausted, is_tokens));
    }
    let longest = |filter: &dyn Fn(&(u64, bool, bool)) -> bool| {
        windows.iter().filter(|w| filter(w)).map(|w| w.0).max()
    };
    if let Some(ms) = longest(&|w| w.1) {
        return Some(ms);
    }
    let (about_tokens, about_requests) = words.about_tokens_and_requests();
    if about_tokens != about_requests {
        if let Some(ms) = longest(&|w| w.2 == about_tokens) {
            return Some(ms);
        }
    }
    longest(&|_| true)
}

/// A reset header value: a Go duration, an RFC 3339 timestamp, or a number (seconds, or a Unix
/// timestamp when it is that large).
fn reset_ms(value: &str, now_ms: u64) -> Option<u64> {
    if let Some(ms) = go_duration_ms(value) {
        return ms_from_ms(ms);
    }
    if let Some(seconds) = plain_number(value) {
        if seconds >= 1e12 {
            return ms_from_ms(seconds - now_ms as f64).or(Some(0)); // a Unix time in ms
        }
        if seconds >= 1e9 {
            return ms_from_ms(seconds * 1000.0 - now_ms as f64).or(Some(0)); // a Unix time in s
        }
        return ms_from_ms(seconds * 1000.0);
    }
    let at_ms = rfc3339_ms(value)?;
    Some(at_ms.saturating_sub(now_ms).min(MAX_HINT_MS))
}

pub(crate) use super::dates::{http_date_ms, rfc3339_ms};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_durations() {
        assert_eq!(go_duration_ms("1s"), Some(1000.0));
        assert_eq!(go_duration_ms("6m0s"), Some(360_000.0));
        assert_eq!(go_duration_ms("20ms"), Some(20.0));
        assert_eq!(go_duration_ms("114h18m0s"), Some(411_480_000.0));
        assert_eq!(go_duration_ms("1.57s"), Some(1570.0));
        assert_eq!(go_duration_ms("5 s"), None);
        assert_eq!(go_duration_ms("abc"), None);
    }

    fn message_delay(message: &str) -> Option<u64> {
        message_delay_ms(&Wording::read(message))
    }

    #[test]
    fn message_wordings() {
        assert_eq!(message_delay("Please try again in 6ms. Contact"), Some(6));
        assert_eq!(message_delay("Please try again in 2.5s"), Some(2500));
        assert_eq!(message_delay("try again in 1m30s."), Some(90_000));
        assert_eq!(message_delay("try again in 6m0.5s."), Some(360_500));
        assert_eq!(
            message_delay("Please retry in 45.578569677s."),
            Some(45_579)
        );
        assert_eq!(
            message_delay("Please retry after 86400 seconds."),
            Some(86_400_000)
        );
        assert_eq!(message_delay("try again in 9m7.2s"), Some(547_200));
        assert_eq!(message_delay("retry after 2 minutes"), Some(120_000));
        assert_eq!(message_delay("try again later"), None);
        assert_eq!(
            message_delay("please retry shortly; try again in 3s"),
            Some(3000)
        );
    }

    #[test]
    fn capping_and_garbage() {
        assert_eq!(ms_from_ms(-1.0), None);
        assert_eq!(ms_from_ms(f64::NAN), None);
        assert_eq!(ms_from_ms(f64::INFINITY), None);
        assert_eq!(ms_from_ms(1e300), Some(MAX_HINT_MS));
        assert_eq!(ms_from_ms(34.4 * 1000.0), Some(34_400));
        assert_eq!(plain_number("1e5"), None);
        assert_eq!(plain_number("-3"), None);
        assert_eq!(plain_number(" 2.5 "), Some(2.5));
    }
}
