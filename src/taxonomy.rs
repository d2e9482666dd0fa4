//! The error taxonomy: one class per kind of failure, the vocabulary every other module speaks.
//!
//! Server classes describe what a provider's answer means; local classes describe outcomes that
//! never came from a server. The C status enum (`ffi::status`) mirrors this enum one to one, with the
//! same numbers, and those numbers are never changed or reused.

use serde::{Deserialize, Serialize};

/// What went wrong, precisely enough to decide whether and when to try again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorClass {
    // Server classes, 1..=99.
    /// A per-minute or concurrency limit; passes after a delay.
    RateLimited = 1,
    /// Billing, daily or monthly quota gone; waiting minutes will not help.
    QuotaExhausted = 2,
    /// The provider is overloaded (503 "overloaded", Anthropic 529).
    Overloaded = 3,
    /// 500, 502 and other transient server faults.
    ServerError = 4,
    /// 408, 504, DEADLINE_EXCEEDED, or the client's own attempt timeout.
    Timeout = 5,
    /// Connection refused or reset, DNS, TLS, a truncated response.
    Network = 6,
    /// The provider rejected the shape of the request.
    InvalidRequest = 7,
    /// Prompt plus requested output exceed the model's window.
    ContextLengthExceeded = 8,
    /// Missing, invalid or expired credentials.
    Authentication = 9,
    /// The credentials are valid but not allowed to do this (403, region, suspended project).
    PermissionDenied = 10,
    /// Unknown model or route.
    NotFound = 11,
    /// A safety or policy refusal.
    ContentFiltered = 12,
    /// The request itself is over a size limit (413, or a 429 no single request can pass).
    RequestTooLarge = 13,
    /// 409: a conflicting concurrent operation.
    Conflict = 14,
    /// A 2xx answer that is not a usable completion.
    MalformedResponse = 15,

    // Local classes, 100..=199: never from a server.
    /// Bad input to the API: a NULL pointer, invalid UTF-8, malformed JSON.
    InvalidArgument = 100,
    /// The client configuration is unusable (an unknown key, a bad value).
    InvalidConfig = 101,
    /// Local validation rejected the request; nothing was sent.
    ValidationFailed = 102,
    /// The caller cancelled the call.
    Cancelled = 103,
    /// The response was larger than the configured cap.
    ResponseTooLarge = 104,
    /// A bug in llmwire that was caught and reported.
    Internal = 105,
    /// A panic inside llmwire, caught at the C boundary.
    Panic = 106,
}

impl ErrorClass {
    /// Every class, in numeric order.
    pub const ALL: [ErrorClass; 22] = [
        ErrorClass::RateLimited,
        ErrorClass::QuotaExhausted,
        ErrorClass::Overloaded,
        ErrorClass::ServerError,
        ErrorClass::Timeout,
        ErrorClass::Network,
        ErrorClass::InvalidRequest,
        ErrorClass::ContextLengthExceeded,
        ErrorClass::Authentication,
        ErrorClass::PermissionDenied,
        ErrorClass::NotFound,
        ErrorClass::ContentFiltered,
        ErrorClass::RequestTooLarge,
        ErrorClass::Conflict,
        ErrorClass::MalformedResponse,
        ErrorClass::InvalidArgument,
        ErrorClass::InvalidConfig,
        ErrorClass::ValidationFailed,
        ErrorClass::Cancelled,
        ErrorClass::ResponseTooLarge,
        ErrorClass::Internal,
        ErrorClass::Panic,
    ];

    /// The snake_case name used in JSON, metrics and the C API.
    pub const fn as_str(self) -> &'static str {
        match self {
            ErrorClass::RateLimited => "rate_limited",
            ErrorClass::QuotaExhausted => "quota_exhausted",
            ErrorClass::Overloaded => "overloaded",
            ErrorClass::ServerError => "server_error",
            ErrorClass::Timeout => "timeout",
            ErrorClass::Network => "network",
            ErrorClass::InvalidRequest => "invalid_request",
            ErrorClass::ContextLengthExceeded => "context_length_exceeded",
            ErrorClass::Authentication => "authentication",
            ErrorClass::PermissionDenied => "permission_denied",
            ErrorClass::NotFound => "not_found",
            ErrorClass::ContentFiltered => "content_filtered",
            ErrorClass::RequestTooLarge => "request_too_large",
            ErrorClass::Conflict => "conflict",
            ErrorClass::MalformedResponse => "malformed_response",
            ErrorClass::InvalidArgument => "invalid_argument",
            ErrorClass::InvalidConfig => "invalid_config",
            ErrorClass::ValidationFailed => "validation_failed",
            ErrorClass::Cancelled => "cancelled",
            ErrorClass::ResponseTooLarge => "response_too_large",
            ErrorClass::Internal => "internal",
            ErrorClass::Panic => "panic",
        }
    }

    /// The name of the matching C status, e.g. `LLMWIRE_STATUS_RATE_LIMITED`.
    pub const fn status_name(self) -> &'static str {
        match self {
            ErrorClass::RateLimited => "LLMWIRE_STATUS_RATE_LIMITED",
            ErrorClass::QuotaExhausted => "LLMWIRE_STATUS_QUOTA_EXHAUSTED",
            ErrorClass::Overloaded => "LLMWIRE_STATUS_OVERLOADED",
            ErrorClass::ServerError => "LLMWIRE_STATUS_SERVER_ERROR",
            ErrorClass::Timeout => "LLMWIRE_STATUS_TIMEOUT",
            ErrorClass::Network => "LLMWIRE_STATUS_NETWORK",
            ErrorClass::InvalidRequest => "LLMWIRE_STATUS_INVALID_REQUEST",
            ErrorClass::ContextLengthExceeded => "LLMWIRE_STATUS_CONTEXT_LENGTH_EXCEEDED",
            ErrorClass::Authentication => "LLMWIRE_STATUS_AUTHENTICATION",
            ErrorClass::PermissionDenied => "LLMWIRE_STATUS_PERMISSION_DENIED",
            ErrorClass::NotFound => "LLMWIRE_STATUS_NOT_FOUND",
            ErrorClass::ContentFiltered => "LLMWIRE_STATUS_CONTENT_FILTERED",
            ErrorClass::RequestTooLarge => "LLMWIRE_STATUS_REQUEST_TOO_LARGE",
            ErrorClass::Conflict => "LLMWIRE_STATUS_CONFLICT",
            ErrorClass::MalformedResponse => "LLMWIRE_STATUS_MALFORMED_RESPONSE",
            ErrorClass::InvalidArgument => "LLMWIRE_STATUS_INVALID_ARGUMENT",
            ErrorClass::InvalidConfig => "LLMWIRE_STATUS_INVALID_CONFIG",
            ErrorClass::ValidationFailed => "LLMWIRE_STATUS_VALIDATION_FAILED",
            ErrorClass::Cancelled => "LLMWIRE_STATUS_CANCELLED",
            ErrorClass::ResponseTooLarge => "LLMWIRE_STATUS_RESPONSE_TOO_LARGE",
            ErrorClass::Internal => "LLMWIRE_STATUS_INTERNAL",
            ErrorClass::Panic => "LLMWIRE_STATUS_PANIC",
        }
    }

    /// The class with this snake_case name.
    pub fn from_name(name: &str) -> Option<ErrorClass> {
        ErrorClass::ALL.into_iter().find(|c| c.as_str() == name)
    }

    /// The stable number shared with the C status enum.
    pub const fn code(self) -> i32 {
        self as i32
    }

    /// True for classes that only a server's answer (or the network) can produce.
    pub const fn is_server_class(self) -> bool {
        (self as i32) < 100
    }

    /// Whether a failure of this class is retried when the server gives no `x-should-retry` hint.
    pub const fn retryable_by_default(self) -> bool {
        matches!(
            self,
            ErrorClass::RateLimited
                | ErrorClass::Overloaded
                | ErrorClass::ServerError
                | ErrorClass::Timeout
                | ErrorClass::Network
                | ErrorClass::Conflict
                | ErrorClass::MalformedResponse
        )
    }
}

impl std::fmt::Display for ErrorClass {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_match_serde() {
        for class in ErrorClass::ALL {
            assert_eq!(ErrorClass::from_name(class.as_str()), Some(class));
            let json = serde_json::to_string(&class).unwrap();
            assert_eq!(json, format!("\"{}\"", class.as_str()));
        }
    }

    #[test]
    fn codes_are_unique_and_grouped_by_origin() {
        let mut codes: Vec<i32> = ErrorClass::ALL.iter().map(|c| c.code()).collect();
        codes.dedup();
        assert_eq!(codes.len(), ErrorClass::ALL.len());
        assert!(
            codes.windows(2).all(|w| w[0] < w[1]),
            "ALL is in numeric order"
        );
        for class in ErrorClass::ALL {
            assert_eq!(class.is_server_class(), (1..100).contains(&class.code()));
        }
    }

    #[test]
    fn local_classes_are_never_retried_by_default() {
        for class in ErrorClass::ALL.into_iter().filter(|c| !c.is_server_class()) {
            assert!(!class.retryable_by_default(), "{class}");
        }
    }
}

/// Why the attempt loop stopped. Part of every error object, and of every result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StopReason {
    /// The last attempt succeeded.
    Succeeded,
    /// The failure's class (or the server's `x-should-retry: false`) rules out another try.
    NotRetryable,
    /// The attempt limit, overall or for the class, was reached.
    MaxAttempts,
    /// The next try could not start before the overall deadline.
    Deadline,
    /// The client-wide retry budget is spent.
    BudgetExhausted,
    /// The server asked for a delay longer than `max_server_delay_ms`.
    ServerDelayTooLong,
    /// The caller cancelled the call.
    Cancelled,
    /// The caller's stream callback asked to stop.
    AbortedByCallback,
    /// A stream failed after chunks reached the caller; it is never replayed.
    StreamStarted,
    /// Every target was cooling, disabled, behind an open breaker or out of limit slots, and
    /// none would come back before the deadline.
    AllTargetsUnavailable,
}

impl StopReason {
    /// The snake_case name used in JSON.
    pub const fn as_str(self) -> &'static str {
        match self {
            StopReason::Succeeded => "succeeded",
            StopReason::NotRetryable => "not_retryable",
            StopReason::MaxAttempts => "max_attempts",
            StopReason::Deadline => "deadline",
            StopReason::BudgetExhausted => "budget_exhausted",
            StopReason::ServerDelayTooLong => "server_delay_too_long",
            StopReason::Cancelled => "cancelled",
            StopReason::AbortedByCallback => "aborted_by_callback",
            StopReason::StreamStarted => "stream_started",
            StopReason::AllTargetsUnavailable => "all_targets_unavailable",
        }
    }
}
