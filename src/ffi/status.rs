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

// `Status` is written out above, not generated, because cbindgen reads the source without
// expanding macros and the header is made from it. The table in `taxonomy` still decides: the
// conversions below are generated from it, so a class without a `Status` variant, a `Status`
// variant without a class, or a number that differs, fails the build.
macro_rules! status_conversions {
    ($( $(#[$doc:meta])* $variant:ident = $code:literal, $name:literal, $c_suffix:literal; )*) => {
        impl From<ErrorClass> for Status {
            fn from(class: ErrorClass) -> Status {
                match class {
                    $(ErrorClass::$variant => Status::$variant,)*
                }
            }
        }

        impl Status {
            /// The class a failure status stands for; `None` for `Ok`. Its exhaustive match is the
            /// check that `Status` has no variant the table lacks.
            #[cfg_attr(not(test), allow(dead_code))]
            pub(crate) const fn class(self) -> Option<ErrorClass> {
                match self {
                    Status::Ok => None,
                    $(Status::$variant => Some(ErrorClass::$variant),)*
                }
            }
        }

        const _: () = {
            $(assert!(Status::$variant as i32 == $code, "Status and ErrorClass numbers differ");)*
        };
    };
}
crate::taxonomy::error_class_table!(status_conversions);

// Only the tests need the name as a Rust string; C gets it from `llmwire_status_str`.
#[cfg(test)]
impl Status {
    /// The C name of a status value, or `LLMWIRE_STATUS_UNKNOWN` for a value llmwire never returns.
    pub fn name_of(value: i32) -> &'static str {
        if value == Status::Ok as i32 {
            return "LLMWIRE_STATUS_OK";
        }
        ErrorClass::from_code(value).map_or("LLMWIRE_STATUS_UNKNOWN", ErrorClass::status_name)
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
            assert_eq!(Status::from(class).class(), Some(class));
        }
        assert_eq!(Status::Ok.class(), None);
        assert_eq!(Status::name_of(0), "LLMWIRE_STATUS_OK");
    }

    #[test]
    fn unknown_values_get_a_safe_name() {
        for value in [-1, 16, 99, 107, i32::MIN, i32::MAX] {
            assert_eq!(Status::name_of(value), "LLMWIRE_STATUS_UNKNOWN");
        }
    }
}
