//! The one-line summaries of docs/design.md §4: one per stop reason, in the provider's words.

use llmwire::classify::{Classification, HintSource};
use llmwire::retry::{summary, AttemptState, RetryPolicy};
use llmwire::taxonomy::{ErrorClass, StopReason};

fn google(class: ErrorClass, status: u16, provider_status: &str, message: &str) -> Classification {
    Classification {
        http_status: Some(status),
        provider_status: Some(provider_status.into()),
        ..Classification::local(class, message)
    }
}

fn after(attempts: u32) -> AttemptState {
    AttemptState {
        attempts,
        attempts_in_class: attempts,
        ..AttemptState::default()
    }
}

fn line(stop: StopReason, c: &Classification, state: &AttemptState) -> String {
    summary(stop, c, state, &RetryPolicy::default())
}

#[test]
fn not_retried_quotes_status_provider_status_and_message() {
    let c = google(
        ErrorClass::InvalidRequest,
        400,
        "INVALID_ARGUMENT",
        "Invalid JSON payload received. Unknown name \"additionalProperties\" at 'tools[0].function_declarations[0].parameters': Cannot find field.",
    );
    assert_eq!(
        line(StopReason::NotRetryable, &c, &after(1)),
        "not retried: invalid_request — 400 INVALID_ARGUMENT: Invalid JSON payload received. Unknown name \"additionalProperties\" at 'tools[0].function_declarations[0].parameters': Cannot find field."
    );
    assert!(line(StopReason::NotRetryable, &c, &after(3))
        .starts_with("not retried after 3 attempts: invalid_request"));
}

#[test]
fn gave_up_names_the_attempts() {
    let c = google(
        ErrorClass::Overloaded,
        503,
        "UNAVAILABLE",
        "The model is overloaded.",
    );
    assert_eq!(
        line(StopReason::MaxAttempts, &c, &after(5)),
        "gave up after 5 attempts: overloaded — 503 UNAVAILABLE: The model is overloaded."
    );
    assert_eq!(
        line(StopReason::MaxAttempts, &c, &after(1)),
        "gave up after 1 attempt: overloaded — 503 UNAVAILABLE: The model is overloaded."
    );
}

#[test]
fn a_too_long_server_delay_quotes_the_wait_and_the_limit() {
    let c = Classification {
        retry_after_ms: Some(86_400_000),
        hint_source: Some(HintSource::RetryAfter),
        http_status: Some(429),
        ..Classification::local(ErrorClass::QuotaExhausted, "Quota exceeded for today.")
    };
    assert_eq!(
        line(StopReason::ServerDelayTooLong, &c, &after(1)),
        "stopped: the server asked to wait 86400 s (over max_server_delay_ms 120000): quota_exhausted — 429: Quota exceeded for today."
    );
}

#[test]
fn deadline_budget_cancel_callback_and_stream_read_as_sentences() {
    let c = Classification {
        http_status: Some(500),
        ..Classification::local(ErrorClass::ServerError, "oops")
    };
    let with_deadline = AttemptState {
        deadline_ms: Some(2_000),
        ..after(2)
    };
    assert_eq!(
        line(StopReason::Deadline, &c, &with_deadline),
        "deadline 2000 ms reached after 2 attempts: server_error — 500: oops"
    );
    assert_eq!(
        line(StopReason::BudgetExhausted, &c, &after(1)),
        "retry budget exhausted after 1 attempt: server_error — 500: oops"
    );
    assert_eq!(
        line(StopReason::Cancelled, &c, &after(2)),
        "cancelled after 2 attempts"
    );
    assert_eq!(
        line(StopReason::Cancelled, &c, &after(0)),
        "cancelled before the first attempt"
    );
    assert_eq!(
        line(StopReason::AbortedByCallback, &c, &after(1)),
        "aborted by the stream callback after 1 attempt"
    );
    assert!(line(StopReason::StreamStarted, &c, &after(1))
        .ends_with("never replayed): server_error — 500: oops"));
    assert_eq!(
        line(StopReason::Succeeded, &c, &after(2)),
        "succeeded after 2 attempts"
    );
}

#[test]
fn transport_failures_without_status_show_only_the_message() {
    let c = Classification::local(ErrorClass::Network, "connection refused");
    assert_eq!(
        line(StopReason::MaxAttempts, &c, &after(5)),
        "gave up after 5 attempts: network — connection refused"
    );
    let silent = Classification::local(ErrorClass::Network, "");
    assert_eq!(
        line(StopReason::MaxAttempts, &silent, &after(5)),
        "gave up after 5 attempts: network"
    );
}

#[test]
fn long_multi_line_messages_become_one_line_of_at_most_300_chars() {
    let message = format!("first line\n\nsecond {}", "é".repeat(1_000));
    let c = Classification {
        http_status: Some(400),
        ..Classification::local(ErrorClass::InvalidRequest, message)
    };
    let text = line(StopReason::NotRetryable, &c, &after(1));
    assert!(!text.contains('\n'));
    let quoted = text.split_once("400: ").map(|(_, m)| m).unwrap();
    assert!(quoted.starts_with("first line second éé"));
    assert_eq!(quoted.chars().count(), 301, "300 chars and the ellipsis");
    assert!(quoted.ends_with('…'));
}
