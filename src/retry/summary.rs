//! The one-line summary of a failed call: what happened, why we stopped, in the provider's words.
//!
//! For: the `summary` field of the error object (docs/design.md §4), the line a person reads first. Not for:
//! machine use — programs read `class`, `stop_reason` and the attempts instead.

use super::{AttemptState, RetryPolicy};
use crate::classify::Classification;
use crate::taxonomy::StopReason;

/// The provider's message is cut after this many characters.
const MESSAGE_LIMIT_CHARS: usize = 300;

/// One line a person can act on, e.g.
/// `gave up after 5 attempts: overloaded — 503 UNAVAILABLE: The model is overloaded.`
///
/// `state` supplies the attempt count and the deadline, `policy` the `max_server_delay_ms` quoted
/// when the server asked for too long a wait. The failure part reads `class — status
/// provider_status: message`, each piece present only when known; the message has its whitespace
/// collapsed (one line) and is cut at 300 characters.
///
/// ```
/// use llmwire::classify::Classification;
/// use llmwire::retry::{summary, AttemptState, RetryPolicy};
/// use llmwire::taxonomy::{ErrorClass, StopReason};
///
/// let mut failure = Classification::local(ErrorClass::InvalidRequest, "Invalid JSON payload received.");
/// failure.http_status = Some(400);
/// failure.provider_status = Some("INVALID_ARGUMENT".into());
/// let state = AttemptState { attempts: 1, ..AttemptState::default() };
/// assert_eq!(
///     summary(StopReason::NotRetryable, &failure, &state, &RetryPolicy::default()),
///     "not retried: invalid_request — 400 INVALID_ARGUMENT: Invalid JSON payload received."
/// );
/// ```
pub fn summary(
    stop: StopReason,
    classification: &Classification,
    state: &AttemptState,
    policy: &RetryPolicy,
) -> String {
    let attempts = attempt_count(state.attempts);
    let failure = failure_text(classification);
    match stop {
        StopReason::Succeeded => format!("succeeded after {attempts}"),
        StopReason::NotRetryable if state.attempts <= 1 => format!("not retried: {failure}"),
        StopReason::NotRetryable => format!("not retried after {attempts}: {failure}"),
        StopReason::MaxAttempts => format!("gave up after {attempts}: {failure}"),
        StopReason::Deadline => match state.deadline_ms {
            Some(deadline) => format!("deadline {deadline} ms reached after {attempts}: {failure}"),
            None => format!("deadline reached after {attempts}: {failure}"),
        },
        StopReason::BudgetExhausted => {
            format!("retry budget exhausted after {attempts}: {failure}")
        }
        StopReason::ServerDelayTooLong => {
            let wait = classification
                .retry_after_ms
                .map_or_else(|| String::from("longer"), duration_text);
            format!(
                "stopped: the server asked to wait {wait} (over max_server_delay_ms {}): {failure}",
                policy.max_server_delay_ms
            )
        }
        StopReason::Cancelled if state.attempts == 0 => {
            String::from("cancelled before the first attempt")
        }
        StopReason::Cancelled => format!("cancelled after {attempts}"),
        StopReason::AbortedByCallback => format!("aborted by the stream callback after {attempts}"),
        StopReason::StreamStarted => {
            format!("stream failed after chunks reached the caller (a stream is never replayed): {failure}")
        }
        StopReason::AllTargetsUnavailable => match classification.retry_after_ms {
            Some(wait) => format!(
                "all targets unavailable after {attempts}; the first is back in {}: {failure}",
                duration_text(wait)
            ),
            None => format!("all targets unavailable after {attempts}: {failure}"),
        },
    }
}

fn attempt_count(attempts: u32) -> String {
    if attempts == 1 {
        String::from("1 attempt")
    } else {
        format!("{attempts} attempts")
    }
}

/// `class — 503 UNAVAILABLE: message`, leaving out whatever is unknown.
fn failure_text(classification: &Classification) -> String {
    let mut status = String::new();
    if let Some(http_status) = classification.http_status {
        status.push_str(&http_status.to_string());
    }
    if let Some(provider_status) = classification
        .provider_status
        .as_deref()
        .filter(|s| !s.is_empty())
    {
        if !status.is_empty() {
            status.push(' ');
        }
        status.push_str(provider_status);
    }
    let message = one_line(&classification.message, MESSAGE_LIMIT_CHARS);
    let detail = match (status.is_empty(), message.is_empty()) {
        (true, true) => return classification.class.to_string(),
        (false, true) => status,
        (true, false) => message,
        (false, false) => format!("{status}: {message}"),
    };
    format!("{} — {detail}", classification.class)
}

/// `text` on one line (runs of whitespace become one space), cut at `limit` chars with `…`.
fn one_line(text: &str, limit: usize) -> String {
    let mut line = String::with_capacity(text.len().min(limit * 4));
    let mut chars = 0;
    for word in text.split_whitespace() {
        if !line.is_empty() {
            line.push(' ');
            chars += 1;
        }
        for c in word.chars() {
            if chars >= limit {
                line.push('…');
                return line;
            }
            line.push(c);
            chars += 1;
        }
    }
    line
}

/// `86400 s`, `1.5 s`, `250 ms`.
fn duration_text(ms: u64) -> String {
    match (ms / 1000, ms % 1000) {
        (0, millis) => format!("{millis} ms"),
        (seconds, 0) => format!("{seconds} s"),
        (seconds, millis) => format!("{seconds}.{} s", millis / 100),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_collapses_whitespace_and_cuts_on_chars() {
        assert_eq!(one_line("a\n  b\tc ", 10), "a b c");
        assert_eq!(one_line("ééééé", 3), "ééé…");
        assert_eq!(one_line("abc", 3), "abc");
        assert_eq!(one_line("ab cd", 3), "ab …");
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(duration_text(86_400_000), "86400 s");
        assert_eq!(duration_text(1_500), "1.5 s");
        assert_eq!(duration_text(250), "250 ms");
    }
}
