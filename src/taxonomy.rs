//! The error taxonomy: one class per kind of failure, the vocabulary every other module speaks.
//!
//! Server classes describe what a provider's answer means; local classes describe outcomes that
//! never came from a server. The C status enum (`ffi::status`) mirrors this enum one to one, with the
//! same numbers, and those numbers are never changed or reused.

use std::ffi::CStr;

use serde::{Deserialize, Serialize};

/// The one list of error classes: variant, stable number, snake_case name, C status suffix.
///
/// Everything that enumerates the classes is generated from this table: [`ErrorClass`] itself,
/// [`ErrorClass::ALL`], the names, the numbers and the static C strings here, and the conversions
/// between classes and C statuses in `ffi::status`. It hands the table to the macro named as its
/// argument. A new class is one line here (plus its `Status` variant, which the compiler then
/// demands, and its exception in the bindings, which their tests demand).
macro_rules! error_class_table {
    ($then:ident) => {
        $then! {
            // Server classes, 1..=99.
            /// A per-minute or concurrency limit; passes after a delay.
            RateLimited = 1, "rate_limited", "RATE_LIMITED";
            /// Billing, daily or monthly quota gone; waiting minutes will not help.
            QuotaExhausted = 2, "quota_exhausted", "QUOTA_EXHAUSTED";
            /// The provider is overloaded (503 "overloaded", Anthropic 529).
            Overloaded = 3, "overloaded", "OVERLOADED";
            /// 500, 502 and other transient server faults.
            ServerError = 4, "server_error", "SERVER_ERROR";
            /// 408, 504, DEADLINE_EXCEEDED, or the client's own attempt timeout.
            Timeout = 5, "timeout", "TIMEOUT";
            /// Connection refused or reset, DNS, TLS, a truncated response.
            Network = 6, "network", "NETWORK";
            /// The provider rejected the shape of the request.
            InvalidRequest = 7, "invalid_request", "INVALID_REQUEST";
            /// Prompt plus requested output exceed the model's window.
            ContextLengthExceeded = 8, "context_length_exceeded", "CONTEXT_LENGTH_EXCEEDED";
            /// Missing, invalid or expired credentials.
            Authentication = 9, "authentication", "AUTHENTICATION";
            /// The credentials are valid but not allowed to do this (403, region, suspended project).
            PermissionDenied = 10, "permission_denied", "PERMISSION_DENIED";
            /// Unknown model or route.
            NotFound = 11, "not_found", "NOT_FOUND";
            /// A safety or policy refusal.
            ContentFiltered = 12, "content_filtered", "CONTENT_FILTERED";
            /// The request itself is over a size limit (413, or a 429 no single request can pass).
            RequestTooLarge = 13, "request_too_large", "REQUEST_TOO_LARGE";
            /// 409: a conflicting concurrent operation.
            Conflict = 14, "conflict", "CONFLICT";
            /// A 2xx answer that is not a usable completion.
            MalformedResponse = 15, "malformed_response", "MALFORMED_RESPONSE";

            // Local classes, 100..=199: never from a server.
            /// Bad input to the API: a NULL pointer, invalid UTF-8, malformed JSON.
            InvalidArgument = 100, "invalid_argument", "INVALID_ARGUMENT";
            /// The client configuration is unusable (an unknown key, a bad value).
            InvalidConfig = 101, "invalid_config", "INVALID_CONFIG";
            /// Local validation rejected the request; nothing was sent.
            ValidationFailed = 102, "validation_failed", "VALIDATION_FAILED";
            /// The caller cancelled the call.
            Cancelled = 103, "cancelled", "CANCELLED";
            /// The response was larger than the configured cap.
            ResponseTooLarge = 104, "response_too_large", "RESPONSE_TOO_LARGE";
            /// A bug in llmwire that was caught and reported.
            Internal = 105, "internal", "INTERNAL";
            /// A panic inside llmwire, caught at the C boundary.
            Panic = 106, "panic", "PANIC";
        }
    };
}
pub(crate) use error_class_table;

/// Declares [`ErrorClass`] and its table-driven methods from [`error_class_table`].
macro_rules! declare_error_class {
    ($( $(#[$doc:meta])* $variant:ident = $code:literal, $name:literal, $c_suffix:literal; )*) => {
        /// What went wrong, precisely enough to decide whether and when to try again.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum ErrorClass {
            $( $(#[$doc])* #[serde(rename = $name)] $variant = $code, )*
        }

        impl ErrorClass {
            /// Every class, in numeric order.
            pub const ALL: [ErrorClass; [$($code),*].len()] = [$(ErrorClass::$variant),*];

            /// The snake_case name used in JSON, metrics and the C API.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(ErrorClass::$variant => $name,)*
                }
            }

            /// The name of the matching C status, e.g. `LLMWIRE_STATUS_RATE_LIMITED`.
            pub const fn status_name(self) -> &'static str {
                match self {
                    $(ErrorClass::$variant => concat!("LLMWIRE_STATUS_", $c_suffix),)*
                }
            }

            /// [`as_str`](Self::as_str) as a static C string, for the C API.
            pub(crate) const fn name_c(self) -> &'static CStr {
                match self {
                    $(ErrorClass::$variant => const { c_str(concat!($name, "\0")) },)*
                }
            }

            /// [`status_name`](Self::status_name) as a static C string, for the C API.
            pub(crate) const fn status_name_c(self) -> &'static CStr {
                match self {
                    $(ErrorClass::$variant =>
                        const { c_str(concat!("LLMWIRE_STATUS_", $c_suffix, "\0")) },)*
                }
            }

            /// The class with this stable number (the C status value), if any.
            pub const fn from_code(code: i32) -> Option<ErrorClass> {
                match code {
                    $($code => Some(ErrorClass::$variant),)*
                    _ => None,
                }
            }
        }
    };
}
error_class_table!(declare_error_class);

/// A NUL-terminated literal as a `CStr`; used in constant context, so a bad literal fails the build.
const fn c_str(text: &'static str) -> &'static CStr {
    match CStr::from_bytes_with_nul(text.as_bytes()) {
        Ok(c) => c,
        Err(_) => panic!("a C name has an interior NUL"),
    }
}

impl ErrorClass {
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
