//! What providers' words and codes mean: the phrase and code tables behind the rules.
//!
//! Each function answers one question ("does this say the context window overflowed?") from the
//! lowercased message text (capped, see `text::WORDING_SCAN_LIMIT`) or a lowercased code. Phrases
//! are for families of wordings seen across providers, not single bodies. Not for ordering or
//! combining the answers; that is `rules`.

use super::text;
use crate::taxonomy::ErrorClass;

fn any(words: &str, phrases: &[&str]) -> bool {
    phrases.iter().any(|p| words.contains(p))
}

/// Wording about a per-minute/concurrency rate window (used to keep token-count wording from
/// reading as a context overflow, and to recognise rate limits in odd statuses).
pub(crate) fn rate_window(words: &str) -> bool {
    any(
        words,
        &[
            "rate limit",
            "rate-limit",
            "ratelimit",
            "rate_limit",
            "too many requests",
            "per minute",
            "per min",
            "(tpm)",
            "(rpm)",
            " tpm",
            " rpm",
            "throttl",
            "concurrency limit",
        ],
    )
}

/// The prompt (plus output budget) is over the model's window.
pub(crate) fn context_overflow(words: &str) -> bool {
    const STRONG: [&str; 24] = [
        "context_length_exceeded",
        "context length",
        "context window",
        "context_window",
        "maximum context",
        "context size",
        "context limit",
        "prompt is too long",
        "prompt too long",
        "input token count",
        "exceeds the maximum number of tokens",
        "maximum number of tokens allowed",
        "reduce the length of the messages",
        "input is too long",
        "too many input tokens",
        "longer than the maximum model length",
        "maximum model length",
        "`inputs` tokens + `max_new_tokens`",
        "inputs tokens + max_new_tokens",
        "model_context_window_exceeded",
        "exceeds the model's maximum",
        "exceed_context_size",
        "maximum prompt length",
        "contextwindowexceeded",
    ];
    const WEAK: [&str; 6] = [
        "too many tokens",
        "reduce the length",
        "token limit",
        "reduce your prompt",
        "prompt is too large",
        "input too long",
    ];
    any(words, &STRONG) || (any(words, &WEAK) && !rate_window(words) && !per_long_period(words))
}

/// One request is bigger than any limit lets through: "Request too large … Limit 6000, Requested
/// 14368", xAI's "(actual/limit): 65605/16000", or a plain size complaint.
pub(crate) fn single_request_too_large(words: &str) -> bool {
    if any(
        words,
        &[
            "request too large",
            "request entity too large",
            "payload too large",
            "request exceeds the maximum size",
            "request payload size exceeds",
            "request body too large",
            "must be reduced in order to run successfully",
        ],
    ) {
        return true;
    }
    if let (Some(limit), Some(requested)) = (
        text::number_after(words, "limit"),
        text::number_after(words, "requested"),
    ) {
        if requested > limit && limit > 0.0 {
            return true;
        }
    }
    if let Some(at) = words.find("actual/limit") {
        let rest = words[at..].trim_start_matches(|c: char| !c.is_ascii_digit());
        if let Some((actual, used)) = text::scan_number(rest) {
            if let Some((limit, _)) = rest[used..].strip_prefix('/').and_then(text::scan_number) {
                return actual > limit && limit > 0.0;
            }
        }
    }
    false
}

/// A window of a day or longer ("tokens per day (TPD)", "PerDay", "monthly").
pub(crate) fn per_long_period(words: &str) -> bool {
    any(
        words,
        &[
            "per day",
            "perday",
            "per_day",
            "(tpd)",
            "(rpd)",
            "daily limit",
            "daily quota",
            "per month",
            "permonth",
            "monthly limit",
            "monthly quota",
            "monthly spending",
        ],
    )
}

/// The account is out of money or credits, or has no allowance at all ("limit: 0").
pub(crate) fn billing_exhausted(words: &str) -> bool {
    any(
        words,
        &[
            "insufficient_quota",
            "credit balance",
            "insufficient credit",
            "insufficient balance",
            "insufficient funds",
            "insufficient account balance",
            "out of credits",
            "have any credits",
            "not have enough credits",
            "requires more credits",
            "credits or licenses",
            "credits have been exhausted",
            "used all available credits",
            "purchase credits",
            "spending limit",
            "billing hard limit",
            "payment required",
            "billing to be enabled",
            "account is not active",
        ],
    ) || zero_limit(words)
}

/// "limit: 0" (not "limit: 0.5" or "limit: 05"): no allowance at all on this tier.
fn zero_limit(words: &str) -> bool {
    let mut from = 0;
    while let Some(at) = words[from..].find("limit: 0") {
        let end = from + at + "limit: 0".len();
        let next = words.as_bytes().get(end);
        let after = words.as_bytes().get(end + 1);
        let continues = next.is_some_and(u8::is_ascii_digit)
            || (next == Some(&b'.') && after.is_some_and(u8::is_ascii_digit));
        if !continues {
            return true;
        }
        from = end;
    }
    false
}

/// Codes and types that mean billing or quota is gone.
pub(crate) fn quota_code(code: &str) -> bool {
    matches!(
        code,
        "insufficient_quota"
            | "billing_error"
            | "billing_not_active"
            | "billing_hard_limit_reached"
            | "insufficient_balance"
            | "insufficient_credits"
            | "payment_required"
            | "credit_limit_exceeded"
            | "quota_exhausted"
    )
}

/// Missing, invalid or expired credentials.
pub(crate) fn bad_credentials(words: &str) -> bool {
    any(
        words,
        &[
            "api key not valid",
            "invalid api key",
            "incorrect api key",
            "api key expired",
            "api key is invalid",
            "api key is missing",
            "missing api key",
            "no api key",
            "invalid x-api-key",
            "invalid_api_key",
            "invalid authentication",
            "authentication failed",
            "invalid bearer token",
            "unregistered callers",
            "api key not found",
            "invalid api-key",
        ],
    )
}

/// Google `ErrorInfo` reasons (and legacy reasons) that mean bad credentials.
pub(crate) const AUTH_REASONS: [&str; 7] = [
    "API_KEY_INVALID",
    "API_KEY_EXPIRED",
    "ACCESS_TOKEN_EXPIRED",
    "ACCESS_TOKEN_TYPE_UNSUPPORTED",
    "CREDENTIALS_MISSING",
    "keyInvalid",
    "authError",
];

/// Google `ErrorInfo` reasons that mean the caller is known but not allowed.
pub(crate) const PERMISSION_REASONS: [&str; 12] = [
    "SERVICE_DISABLED",
    "CONSUMER_SUSPENDED",
    "CONSUMER_INVALID",
    "API_KEY_SERVICE_BLOCKED",
    "API_KEY_HTTP_REFERRER_BLOCKED",
    "API_KEY_IP_ADDRESS_BLOCKED",
    "API_KEY_ANDROID_APP_BLOCKED",
    "API_KEY_IOS_APP_BLOCKED",
    "USER_PROJECT_DENIED",
    "ACCESS_TOKEN_SCOPE_INSUFFICIENT",
    "IAM_PERMISSION_DENIED",
    "LOCATION_POLICY_VIOLATED",
];

/// Region or country blocks (Gemini's 400 FAILED_PRECONDITION, OpenAI's 403).
pub(crate) fn location_block(words: &str) -> bool {
    any(
        words,
        &[
            "location is not supported",
            "not available in your country",
            "unsupported_country",
            "country, region, or territory not supported",
            "not supported in your region",
            "region is not supported",
            "not available in your region",
        ],
    )
}

/// A safety system or usage policy refused the content.
pub(crate) fn content_policy(words: &str) -> bool {
    any(
        words,
        &[
            "content management policy",
            "content_policy_violation",
            "flagged as potentially violating",
            "violating our usage polic",
            "responsibleaipolicyviolation",
            "rejected as a result of our safety system",
            "blocked by our safety",
            "your input was flagged",
            "content filtering polic",
            "flagged by our moderation",
        ],
    )
}

/// Codes for safety refusals.
pub(crate) fn content_policy_code(code: &str) -> bool {
    matches!(
        code,
        "content_filter"
            | "content_policy_violation"
            | "invalid_prompt"
            | "content_filtered"
            | "moderation_blocked"
    )
}

/// The request was rejected because of its schema ("Invalid JSON payload received. Unknown name
/// …"), whatever status came with it.
pub(crate) fn schema_rejection(words: &str) -> bool {
    any(
        words,
        &[
            "invalid json payload",
            "unknown name \"",
            "cannot find field",
            "proto field is not repeating",
            "invalid_argument",
        ],
    )
}

/// The model produced an unusable tool call (Groq `tool_use_failed`): the request was fine.
pub(crate) fn failed_generation(words: &str, code: &str) -> bool {
    code == "tool_use_failed" || words.contains("failed to call a function")
}

/// The provider says it is overloaded.
pub(crate) fn overloaded(words: &str) -> bool {
    any(
        words,
        &[
            "overloaded",
            "high demand",
            "over capacity",
            "at capacity",
            "no capacity",
            "insufficient capacity",
            "capacity constraints",
            "server is busy",
            "servers are busy",
            "currently busy",
            "high load",
            "capacity exceeded",
        ],
    )
}

/// An unknown model (or route).
pub(crate) fn model_missing(words: &str) -> bool {
    words.contains("model")
        && any(
            words,
            &[
                "not found",
                "does not exist",
                "no such model",
                "unknown model",
                "not a valid model",
                "invalid model id",
            ],
        )
}

/// The server gave up waiting.
pub(crate) fn timed_out(words: &str) -> bool {
    any(
        words,
        &[
            "timed out",
            "timeout",
            "time-out",
            "deadline exceeded",
            "deadline_exceeded",
        ],
    )
}

/// Wording that marks a request problem (for errors that arrive without any status).
pub(crate) fn request_problem(words: &str) -> bool {
    any(
        words,
        &[
            "not supported",
            "unsupported",
            "invalid",
            "must be",
            "is required",
            "missing required",
            "expected",
            "not allowed",
            "not permitted",
            "malformed",
        ],
    )
}

/// The class an error code or type names on its own (lowercased input), if any.
pub(crate) fn class_of_code(code: &str) -> Option<ErrorClass> {
    let class = match code {
        "authentication_error"
        | "invalid_api_key"
        | "invalid_authentication"
        | "authentication_failed"
        | "unauthenticated"
        | "unauthorized"
        | "expired_api_key"
        | "authenticationerror" => ErrorClass::Authentication,
        "permission_error"
        | "permission_denied"
        | "forbidden"
        | "permissiondeniederror"
        | "request_forbidden"
        | "unsupported_country_region_territory" => ErrorClass::PermissionDenied,
        "not_found_error"
        | "notfounderror"
        | "model_not_found"
        | "not_found"
        | "model_not_available" => ErrorClass::NotFound,
        "rate_limit_error"
        | "rate_limit_exceeded"
        | "ratelimiterror"
        | "tokens"
        | "requests"
        | "throttling_error"
        | "too_many_requests" => ErrorClass::RateLimited,
        "overloaded_error" | "overloaded" | "server_overloaded" | "engine_overloaded"
        | "capacity_exceeded" => ErrorClass::Overloaded,
        "api_error"
        | "server_error"
        | "internal_error"
        | "internal_server_error"
        | "internalservererror"
        | "service_unavailable"
        | "serviceunavailableerror"
        | "apierror" => ErrorClass::ServerError,
        "timeout_error" | "timeout" | "deadline_exceeded" | "apitimeouterror" => {
            ErrorClass::Timeout
        }
        "request_too_large" | "payload_too_large" => ErrorClass::RequestTooLarge,
        "conflict_error" | "conflict" | "conflicterror" => ErrorClass::Conflict,
        "invalid_request_error"
        | "badrequesterror"
        | "validation_error"
        | "invalid_request"
        | "unprocessableentityerror"
        | "bad_request"
        | "invalid_value"
        | "unsupported_parameter"
        | "invalid_request_body" => ErrorClass::InvalidRequest,
        "context_length_exceeded" | "exceed_context_size_error" | "contextwindowexceedederror" => {
            ErrorClass::ContextLengthExceeded
        }
        _ if quota_code(code) => ErrorClass::QuotaExhausted,
        _ if content_policy_code(code) => ErrorClass::ContentFiltered,
        _ => return None,
    };
    Some(class)
}

/// The class a Google status name stands for.
pub(crate) fn class_of_google_status(status: &str) -> Option<ErrorClass> {
    let class = match status {
        "INVALID_ARGUMENT" | "OUT_OF_RANGE" | "FAILED_PRECONDITION" | "UNIMPLEMENTED" => {
            ErrorClass::InvalidRequest
        }
        "UNAUTHENTICATED" => ErrorClass::Authentication,
        "PERMISSION_DENIED" => ErrorClass::PermissionDenied,
        "NOT_FOUND" => ErrorClass::NotFound,
        "RESOURCE_EXHAUSTED" => ErrorClass::RateLimited,
        "DEADLINE_EXCEEDED" => ErrorClass::Timeout,
        "UNAVAILABLE" => ErrorClass::Overloaded,
        "INTERNAL" | "UNKNOWN" | "DATA_LOSS" | "CANCELLED" => ErrorClass::ServerError,
        "ABORTED" | "ALREADY_EXISTS" => ErrorClass::Conflict,
        _ => return None,
    };
    Some(class)
}

/// The HTTP status a Google status name is sent with.
pub(crate) fn http_status_of_google_status(status: &str) -> Option<u16> {
    let code = match status {
        "INVALID_ARGUMENT" | "OUT_OF_RANGE" | "FAILED_PRECONDITION" => 400,
        "UNAUTHENTICATED" => 401,
        "PERMISSION_DENIED" => 403,
        "NOT_FOUND" => 404,
        "ABORTED" | "ALREADY_EXISTS" => 409,
        "RESOURCE_EXHAUSTED" => 429,
        "CANCELLED" => 499,
        "INTERNAL" | "UNKNOWN" | "DATA_LOSS" => 500,
        "UNIMPLEMENTED" => 501,
        "UNAVAILABLE" => 503,
        "DEADLINE_EXCEEDED" => 504,
        _ => return None,
    };
    Some(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn context_wordings_across_providers() {
        for words in [
            "this model's maximum context length is 4097 tokens.",
            "prompt is too long: 200251 tokens > 200000 maximum",
            "the input token count (1091639) exceeds the maximum number of tokens allowed (1048576).",
            "input validation error: `inputs` tokens + `max_new_tokens` must be <= 65537.",
            "the decoder prompt (length 9000) is longer than the maximum model length of 8192.",
            "too many tokens: total number of tokens in the prompt cannot exceed 4081",
        ] {
            assert!(context_overflow(words), "{words}");
        }
        assert!(!context_overflow(
            "too many tokens for team x. your team's rate limit is tokens per minute"
        ));
    }

    #[test]
    fn single_request_over_the_limit() {
        assert!(single_request_too_large(
            "on tokens per min (tpm): limit 10000, requested 13337."
        ));
        assert!(single_request_too_large(
            "tokens per minute (actual/limit): 65605/16000."
        ));
        assert!(!single_request_too_large(
            "on tokens per day (tpd): limit 500000, used 499715, requested 1463."
        ));
        assert!(!single_request_too_large("(actual/limit): 100/16000."));
    }

    #[test]
    fn zero_limits_only() {
        assert!(billing_exhausted(
            "quota exceeded for metric: x, limit: 0, model: y"
        ));
        assert!(billing_exhausted("limit: 0"));
        assert!(!billing_exhausted("limit: 0.5 per second"));
        assert!(!billing_exhausted("limit: 05"));
        assert!(!billing_exhausted(
            "you exceeded your current quota, please check your plan and billing details."
        ));
    }
}
