//! Deciding the class: the order in which status, codes, Google details and wording are trusted.
//!
//! The order, for an HTTP error:
//! 1. A 5xx that carries an upstream 4xx (a proxy re-wrapping a 400) is judged as that 4xx.
//! 2. Meanings that hold whatever the status says: safety refusals, bad credentials, region
//!    blocks, a model's failed tool call, context overflow, a single request over every limit,
//!    exhausted billing or a day-long quota.
//! 3. The status: 401, 403, 404, 408, 409, 413, 429 (unless the body is a schema rejection),
//!    other 4xx by code and wording (default `invalid_request`), 5xx (504/524/522 `timeout`, 529 and
//!    overload evidence `overloaded`, else `server_error`).
//!
//! A 2xx (or a body without any status) is an error only when it holds one (an SSE error event, a
//! 200 whose body is an error object); otherwise the completion verdict decides. Not here: reading
//! bodies, hints and the class's default retryability.

use std::borrow::Cow;

use super::body::ReadBody;
use super::codes as c;
use super::completion::Verdict;
use super::provider_error::ProviderError;
use super::wording::Wording;
use crate::taxonomy::ErrorClass;

/// How long a 429's delay may be before it reads as an exhausted quota rather than a rate window.
pub(crate) const QUOTA_DELAY_THRESHOLD_MS: u64 = 60 * 60 * 1000;

/// What the rules look at.
pub(crate) struct Facts<'a> {
    pub http_status: Option<u16>,
    pub body: &'a ReadBody,
    /// The body's structured error, else what its text said.
    pub error: Option<&'a ProviderError>,
    /// The message's wording, read once.
    pub words: &'a Wording<'a>,
    /// The body said something in words (the error's message, or the text).
    pub has_message: bool,
    /// The winning retry delay, reset headers included.
    pub longest_hint_ms: Option<u64>,
    /// A `retry-after` or `retry-after-ms` header was present and valid.
    pub retry_after_header: bool,
}

/// The decision: a class, or "this 2xx is a usable completion".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    Class(ErrorClass),
    Usable,
}

/// Decides what an outcome means.
pub(crate) fn decide(f: &Facts<'_>) -> Outcome {
    let codes = Codes::of(f.error);
    let success = f.http_status.is_some_and(|s| (200..300).contains(&s));
    if !success && f.http_status.is_some() {
        let status = effective_status(f.http_status, f.error, &codes);
        return Outcome::Class(classify_error(status, f.error, &codes, f));
    }
    if let Some(error) = &f.body.error {
        let status = embedded_status(error).filter(|s| *s >= 400);
        return Outcome::Class(classify_error(status, Some(error), &codes, f));
    }
    match &f.body.verdict {
        Some(Verdict::Usable) => return Outcome::Usable,
        Some(Verdict::Filtered(_)) => return Outcome::Class(ErrorClass::ContentFiltered),
        Some(Verdict::Unusable(_) | Verdict::OutOfTokens(_)) => {
            return Outcome::Class(ErrorClass::MalformedResponse)
        }
        None => {}
    }
    if success {
        // A 2xx whose body is plain text: an error's words (a stream's error event passed on as
        // text) when they say something clear, else an unreadable completion.
        let said = f.body.text.as_ref().and_then(|_| text_signal(f.words));
        return Outcome::Class(said.unwrap_or(ErrorClass::MalformedResponse));
    }
    // No status and no transport fault: only the text can say anything.
    match f.body.text.as_ref() {
        Some(text) if f.has_message => {
            Outcome::Class(classify_error(embedded_status(text), Some(text), &codes, f))
        }
        _ => Outcome::Class(ErrorClass::Network),
    }
}

/// What plain text says when it says something unmistakable.
fn text_signal(words: &Wording<'_>) -> Option<ErrorClass> {
    if words.overloaded() {
        Some(ErrorClass::Overloaded)
    } else if words.context_overflow() {
        Some(ErrorClass::ContextLengthExceeded)
    } else if words.bad_credentials() {
        Some(ErrorClass::Authentication)
    } else if words.billing_exhausted() || (words.rate_window() && words.per_long_period()) {
        Some(ErrorClass::QuotaExhausted)
    } else if words.rate_window() {
        Some(ErrorClass::RateLimited)
    } else if words.timed_out() {
        Some(ErrorClass::Timeout)
    } else {
        None
    }
}

/// The status a body claims for itself: a numeric code, else its Google status.
fn embedded_status(error: &ProviderError) -> Option<u16> {
    error.status_number.or_else(|| {
        error
            .google_status
            .as_deref()
            .and_then(c::http_status_of_google_status)
    })
}

/// The status to judge by: a 5xx that carries an upstream 4xx is judged as that 4xx.
fn effective_status(
    http: Option<u16>,
    error: Option<&ProviderError>,
    codes: &Codes,
) -> Option<u16> {
    let (Some(http), Some(error)) = (http, error) else {
        return http;
    };
    if !(500..600).contains(&http) || http == 529 {
        return Some(http);
    }
    let embedded = embedded_status(error).filter(|s| (400..500).contains(s));
    if embedded.is_some() {
        return embedded;
    }
    let upstream_4xx = codes.named.is_some_and(|class| {
        matches!(
            class,
            ErrorClass::InvalidRequest
                | ErrorClass::Authentication
                | ErrorClass::PermissionDenied
                | ErrorClass::NotFound
                | ErrorClass::ContextLengthExceeded
                | ErrorClass::ContentFiltered
                | ErrorClass::QuotaExhausted
        )
    });
    Some(if upstream_4xx { 400 } else { http })
}

/// The error's code and type, lowercased once, and the class they name.
struct Codes<'a> {
    code: Cow<'a, str>,
    kind: Cow<'a, str>,
    /// The class named by the code (first) or the type; numeric codes name none.
    named: Option<ErrorClass>,
}

impl<'a> Codes<'a> {
    fn of(error: Option<&'a ProviderError>) -> Codes<'a> {
        let lower = |s: Option<&'a String>| -> Cow<'a, str> {
            match s {
                Some(s) if s.bytes().any(|b| b.is_ascii_uppercase()) => {
                    Cow::Owned(s.to_ascii_lowercase())
                }
                Some(s) => Cow::Borrowed(s.as_str()),
                None => Cow::Borrowed(""),
            }
        };
        let code = lower(error.and_then(|e| e.code.as_ref()));
        let kind = lower(error.and_then(|e| e.error_type.as_ref()));
        let code_is_number = !code.is_empty() && code.bytes().all(|b| b.is_ascii_digit());
        let named = (if code_is_number {
            None
        } else {
            c::class_of_code(&code)
        })
        .or_else(|| c::class_of_code(&kind));
        Codes { code, kind, named }
    }
}

fn classify_error(
    status: Option<u16>,
    error: Option<&ProviderError>,
    codes: &Codes,
    f: &Facts<'_>,
) -> ErrorClass {
    let empty = ProviderError::default();
    let e = error.unwrap_or(&empty);
    let words = f.words;
    let (code, kind, named) = (&*codes.code, &*codes.kind, codes.named);
    let google = e.google_status.as_deref();
    let s = status.unwrap_or(0);
    let client_side = status.is_none_or(|s| (400..500).contains(&s));

    if client_side && s != 429 {
        if e.content_filtered
            || c::content_policy_code(code)
            || c::content_policy_code(kind)
            || words.content_policy()
        {
            return ErrorClass::ContentFiltered;
        }
        if s == 401
            || e.has_reason(&c::AUTH_REASONS)
            || named == Some(ErrorClass::Authentication)
            || google == Some("UNAUTHENTICATED")
            || words.bad_credentials()
        {
            return ErrorClass::Authentication;
        }
        if words.location_block() || e.has_reason(&c::PERMISSION_REASONS) {
            return ErrorClass::PermissionDenied;
        }
    }
    if client_side
        && (e.failed_generation || (code == "tool_use_failed" || words.failed_generation()))
    {
        return ErrorClass::MalformedResponse;
    }
    if (s != 429 || !words.rate_window())
        && (named == Some(ErrorClass::ContextLengthExceeded) || words.context_overflow())
    {
        return ErrorClass::ContextLengthExceeded;
    }
    if client_side && s != 404 && words.single_request_too_large() {
        return ErrorClass::RequestTooLarge;
    }
    if client_side && quota_exhausted(s, e, named, code, kind, f) {
        let can_wait = e
            .limit_source
            .as_deref()
            .is_some_and(|l| l.contains("in_flight"))
            || f.retry_after_header;
        return if s == 402 && can_wait {
            ErrorClass::RateLimited
        } else {
            ErrorClass::QuotaExhausted
        };
    }
    match s {
        401 => ErrorClass::Authentication,
        402 => ErrorClass::QuotaExhausted,
        403 if words.rate_window() && !words.request_problem() => ErrorClass::RateLimited,
        403 => ErrorClass::PermissionDenied,
        404 | 410 => ErrorClass::NotFound,
        408 => ErrorClass::Timeout,
        409 => ErrorClass::Conflict,
        413 => ErrorClass::RequestTooLarge,
        429 if words.schema_rejection() || google == Some("INVALID_ARGUMENT") => {
            ErrorClass::InvalidRequest
        }
        429 if named == Some(ErrorClass::Overloaded)
            || (words.overloaded() && !words.rate_window()) =>
        {
            ErrorClass::Overloaded
        }
        429 => ErrorClass::RateLimited,
        499 => ErrorClass::Network,
        400..=499 => generic_client_error(e, named, words),
        500..=599 => server_error(s, e, named, words),
        0 => without_status(e, named, words),
        _ => ErrorClass::InvalidRequest,
    }
}

/// Billing gone, a day-or-longer window, no allowance at all, or a 429 asking for hours.
fn quota_exhausted(
    s: u16,
    e: &ProviderError,
    named: Option<ErrorClass>,
    code: &str,
    kind: &str,
    f: &Facts<'_>,
) -> bool {
    if s == 402 || c::quota_code(code) || c::quota_code(kind) {
        return true;
    }
    if e.has_reason(&["BILLING_DISABLED", "dailyLimitExceeded"]) {
        return true;
    }
    if e.quota
        .iter()
        .any(|q| q.is_long_period() || q.is_zero_limit())
    {
        return true;
    }
    if f.words.billing_exhausted() {
        return true;
    }
    let rate_answer = s == 429
        || named == Some(ErrorClass::RateLimited)
        || e.google_status.as_deref() == Some("RESOURCE_EXHAUSTED");
    if rate_answer && f.words.per_long_period() {
        return true;
    }
    rate_answer
        && f.longest_hint_ms
            .is_some_and(|ms| ms > QUOTA_DELAY_THRESHOLD_MS)
}

/// A 4xx other than the ones with a fixed meaning: codes and wording refine `invalid_request`.
fn generic_client_error(
    e: &ProviderError,
    named: Option<ErrorClass>,
    words: &Wording<'_>,
) -> ErrorClass {
    let refined = |class: ErrorClass| {
        matches!(
            class,
            ErrorClass::NotFound
                | ErrorClass::Authentication
                | ErrorClass::PermissionDenied
                | ErrorClass::RateLimited
                | ErrorClass::Overloaded
                | ErrorClass::RequestTooLarge
                | ErrorClass::Conflict
                | ErrorClass::Timeout
        )
    };
    if let Some(class) = e
        .google_status
        .as_deref()
        .and_then(c::class_of_google_status)
        .filter(|c| refined(*c))
    {
        return class;
    }
    if let Some(class) = named.filter(|c| refined(*c)) {
        return class;
    }
    if words.model_missing() {
        return ErrorClass::NotFound;
    }
    if !words.schema_rejection() && !words.request_problem() {
        if words.overloaded() {
            return ErrorClass::Overloaded;
        }
        if words.rate_window() {
            return ErrorClass::RateLimited;
        }
    }
    ErrorClass::InvalidRequest
}

/// A 5xx: timeouts, overload, or a server fault.
fn server_error(
    s: u16,
    e: &ProviderError,
    named: Option<ErrorClass>,
    words: &Wording<'_>,
) -> ErrorClass {
    let google = e.google_status.as_deref();
    match s {
        504 | 522 | 524 => return ErrorClass::Timeout,
        529 => return ErrorClass::Overloaded,
        501 => return ErrorClass::InvalidRequest,
        _ => {}
    }
    if google == Some("UNAVAILABLE") || named == Some(ErrorClass::Overloaded) || words.overloaded()
    {
        return ErrorClass::Overloaded;
    }
    if google == Some("DEADLINE_EXCEEDED")
        || named == Some(ErrorClass::Timeout)
        || words.timed_out()
    {
        return ErrorClass::Timeout;
    }
    ErrorClass::ServerError
}

/// An error with no status at all (an SSE error event inside a 200 stream).
fn without_status(e: &ProviderError, named: Option<ErrorClass>, words: &Wording<'_>) -> ErrorClass {
    if let Some(class) = e
        .google_status
        .as_deref()
        .and_then(c::class_of_google_status)
    {
        return class;
    }
    if let Some(class) = named {
        return class;
    }
    if words.overloaded() {
        ErrorClass::Overloaded
    } else if words.rate_window() {
        ErrorClass::RateLimited
    } else if words.model_missing() {
        ErrorClass::NotFound
    } else if words.timed_out() {
        ErrorClass::Timeout
    } else if words.request_problem() {
        ErrorClass::InvalidRequest
    } else {
        ErrorClass::ServerError
    }
}
