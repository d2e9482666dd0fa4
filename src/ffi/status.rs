//! `llmwire_status`: the one result type of the C API.
//!
//! Values are explicit and grouped by range, and a value is never renumbered or reused:
//! 0 success; 1..=99 what a server (or the network) said, one per server class; 100..=199 local
//! outcomes. New classes get new numbers at the end of their range.

use crate::taxonomy::ErrorClass;

/// The result of every fallible llmwire function.
///
/// `LLMWIRE_STATUS_OK` (0) is success. Every other value names the class of the failure; the
/// details are in the `llmwire_error` written to the function's `err` out-parameter, if given.
#[repr(i32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Success.
    Ok = 0,
    /// A per-minute or concurrency limit; passes after a delay.
    RateLimited = 1,
    /// Billing, daily or monthly quota gone.
    QuotaExhausted = 2,
    /// The provider is overloaded.
    Overloaded = 3,
    /// A transient server fault (500, 502, …).
    ServerError = 4,
    /// The server or the client timed out.
    Timeout = 5,
    /// Connection refused or reset, DNS, TLS, truncated response.
    Network = 6,
    /// The provider rejected the request shape.
    InvalidRequest = 7,
    /// Prompt plus output budget exceed the model's window.
    ContextLengthExceeded = 8,
    /// Missing, invalid or expired credentials.
    Authentication = 9,
    /// Valid credentials, not allowed to do this.
    PermissionDenied = 10,
    /// Unknown model or route.
    NotFound = 11,
    /// A safety or policy refusal.
    ContentFiltered = 12,
    /// The request is over a size limit.
    RequestTooLarge = 13,
    /// A conflicting concurrent operation (409).
    Conflict = 14,
    /// A 2xx answer that is not a usable completion.
    MalformedResponse = 15,
    /// Bad input: a NULL pointer, invalid UTF-8, malformed JSON.
    InvalidArgument = 100,
    /// An unusable client configuration.
    InvalidConfig = 101,
    /// Local validation rejected the request; nothing was sent.
    ValidationFailed = 102,
    /// The call was cancelled.
    Cancelled = 103,
    /// The response was larger than the configured cap.
    ResponseTooLarge = 104,
    /// An internal error in llmwire.
    Internal = 105,
    /// A panic inside llmwire was caught at the boundary.
    Panic = 106,
}

impl From<ErrorClass> for Status {
    fn from(class: ErrorClass) -> Status {
        match class {
            ErrorClass::RateLimited => Status::RateLimited,
            ErrorClass::QuotaExhausted => Status::QuotaExhausted,
            ErrorClass::Overloaded => Status::Overloaded,
            ErrorClass::ServerError => Status::ServerError,
            ErrorClass::Timeout => Status::Timeout,
            ErrorClass::Network => Status::Network,
            ErrorClass::InvalidRequest => Status::InvalidRequest,
            ErrorClass::ContextLengthExceeded => Status::ContextLengthExceeded,
            ErrorClass::Authentication => Status::Authentication,
            ErrorClass::PermissionDenied => Status::PermissionDenied,
            ErrorClass::NotFound => Status::NotFound,
            ErrorClass::ContentFiltered => Status::ContentFiltered,
            ErrorClass::RequestTooLarge => Status::RequestTooLarge,
            ErrorClass::Conflict => Status::Conflict,
            ErrorClass::MalformedResponse => Status::MalformedResponse,
            ErrorClass::InvalidArgument => Status::InvalidArgument,
            ErrorClass::InvalidConfig => Status::InvalidConfig,
            ErrorClass::ValidationFailed => Status::ValidationFailed,
            ErrorClass::Cancelled => Status::Cancelled,
            ErrorClass::ResponseTooLarge => Status::ResponseTooLarge,
            ErrorClass::Internal => Status::Internal,
            ErrorClass::Panic => Status::Panic,
        }
    }
}

impl Status {
    /// The C name of a status value, or `LLMWIRE_STATUS_UNKNOWN` for a value llmwire never returns.
    pub fn name_of(value: i32) -> &'static str {
        if value == Status::Ok as i32 {
            return "LLMWIRE_STATUS_OK";
        }
        ErrorClass::ALL
            .into_iter()
            .find(|class| class.code() == value)
            .map_or("LLMWIRE_STATUS_UNKNOWN", ErrorClass::status_name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_mirrors_the_taxonomy_one_to_one() {
        for class in ErrorClass::ALL {
            assert_eq!(Status::from(class) as i32, class.code(), "{class}");
            assert_eq!(Status::name_of(class.code()), class.status_name());
        }
        assert_eq!(Status::name_of(0), "LLMWIRE_STATUS_OK");
    }

    #[test]
    fn unknown_values_get_a_safe_name() {
        for value in [-1, 16, 99, 107, i32::MIN, i32::MAX] {
            assert_eq!(Status::name_of(value), "LLMWIRE_STATUS_UNKNOWN");
        }
    }
}
