//! What providers' codes mean: error codes and types, Google `ErrorInfo` reasons and Google status
//! names, each mapped to a class (or an HTTP status).
//!
//! Inputs are compared exactly (codes and types lowercased by the caller; Google names as sent).
//! Not for free text (see `wording`) or for ordering the evidence (see `rules`).

use crate::taxonomy::ErrorClass;

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
        | "model_not_available"
        | "model_decommissioned" => ErrorClass::NotFound,
        "rate_limit_error"
        | "rate_limit_exceeded"
        | "ratelimiterror"
        | "tokens"
        | "requests"
        | "throttling_error"
        | "too_many_requests"
        | "too_many_concurrent_requests" => ErrorClass::RateLimited,
        "overloaded_error" | "overloaded" | "server_overloaded" | "engine_overloaded"
        | "capacity_exceeded" | "system_busy" | "queue_exceeded" => ErrorClass::Overloaded,
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
