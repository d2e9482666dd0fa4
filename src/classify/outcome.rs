//! Putting a classification together for an HTTP response: read the body, gather hints, detect the
//! family, decide the class, then fill every field of [`Classification`].
//!
//! This is where the pieces meet and where the reporting policy lives: which hints are meaningful
//! for which class, how `x-should-retry` overrides retryability, and what the message says when
//! the provider said nothing. Not for reading bodies or deciding classes (see `body`, `rules`).

use std::time::SystemTime;

use super::body::{self, BodyFormat, ReadBody};
use super::completion::Verdict;
use super::headers::{Header, Headers};
use super::hints::Hints;
use super::provider_error::ProviderError;
use super::rules::{self, Facts, Outcome};
use super::wording::Wording;
use super::{detect, text, Classification, ClassifyInput};
use crate::taxonomy::ErrorClass;

/// Headers that carry a request id, in order of preference.
const REQUEST_ID_HEADERS: [Header; 8] = [
    Header::XRequestId,
    Header::RequestId,
    Header::ApimRequestId,
    Header::XMsRequestId,
    Header::XGoogRequestId,
    Header::XAmznRequestId,
    Header::XAmzRequestId,
    Header::XCorrelationId,
];

/// Classifies an HTTP response (status, headers, body).
pub(crate) fn classify_response(input: &ClassifyInput, now: SystemTime) -> Classification {
    let headers = Headers::new(&input.headers);
    let mut read = body::read(&input.body);
    let full = match (&mut read.error, &mut read.text) {
        (Some(error), _) | (None, Some(error)) => error.take_full_message(),
        (None, None) => None,
    };
    let error = read.error_or_text();
    // A wrapper that is the upstream's JSON repeats the message; only a plain one adds words.
    let wrapper = error
        .and_then(|e| e.wrapper_message.as_deref())
        .filter(|w| !w.contains('{'));
    let words = Wording::read_with(full.as_deref().unwrap_or(""), wrapper);
    let hints = Hints::collect(&headers, error, &words, now);
    let facts = Facts {
        http_status: input.status,
        body: &read,
        error,
        words: &words,
        has_message: full.is_some(),
        longest_hint_ms: hints.best(true).map(|(ms, _)| ms),
        retry_after_header: hints.retry_after_ms.is_some() || hints.retry_after.is_some(),
    };
    let outcome = rules::decide(&facts);
    let clues = error.map(|e| e.clues).unwrap_or_default();
    let provider = detect::detect(input.provider, clues, &headers, &words);

    let (class, usable) = match outcome {
        Outcome::Class(class) => (class, false),
        Outcome::Usable => (ErrorClass::MalformedResponse, true),
    };
    let out_of_tokens = matches!(read.verdict, Some(Verdict::OutOfTokens(_)));
    let retryable = !usable
        && !out_of_tokens
        && hints
            .should_retry
            .unwrap_or_else(|| class.retryable_by_default());
    let (retry_after_ms, hint_source) = match hints
        .best(with_reset(class))
        .filter(|_| hint_allowed(class))
    {
        Some((ms, source)) => (Some(ms), Some(source)),
        None => (None, None),
    };
    let provider_error = if usable { None } else { error };
    let request_id = request_id(&headers, provider_error, full.as_deref(), &words);
    let message = message(input.status, &read, full, usable);
    let quota_id = provider_error.and_then(quota_id);
    // The rest is moved out of the body's error rather than copied.
    let owned = if usable {
        None
    } else {
        read.error.or(read.text)
    };
    let (provider_status, error_type, param, provider_code) = match owned {
        Some(mut e) => {
            let code = provider_code(&mut e);
            (e.google_status, e.error_type, e.param, code)
        }
        None => (None, None, None, None),
    };

    Classification {
        class,
        retryable,
        retry_after_ms,
        hint_source,
        http_status: input.status,
        provider: Some(provider),
        provider_status,
        provider_code,
        error_type,
        param,
        message,
        request_id,
        quota_id,
    }
}

/// Classes for which a delay means something: waiting can change the outcome.
fn hint_allowed(class: ErrorClass) -> bool {
    matches!(
        class,
        ErrorClass::RateLimited
            | ErrorClass::QuotaExhausted
            | ErrorClass::Overloaded
            | ErrorClass::ServerError
            | ErrorClass::Timeout
            | ErrorClass::Network
            | ErrorClass::Conflict
    )
}

/// The rate-limit reset headers describe a rate window, so they only count for rate classes.
fn with_reset(class: ErrorClass) -> bool {
    matches!(class, ErrorClass::RateLimited | ErrorClass::QuotaExhausted)
}

/// The provider's code: a textual code, else the first Google reason, else the numeric code.
fn provider_code(error: &mut ProviderError) -> Option<String> {
    let code = error.code.take().filter(|c| !c.trim().is_empty());
    let numeric = code
        .as_deref()
        .is_some_and(|c| c.trim().bytes().all(|b| b.is_ascii_digit()));
    if code.is_some() && !numeric {
        return code;
    }
    if error.reasons.is_empty() {
        code
    } else {
        Some(error.reasons.swap_remove(0))
    }
}

/// The quota that ran out: a day-or-longer (or zero) one first, else the first named.
fn quota_id(error: &ProviderError) -> Option<String> {
    error
        .quota
        .iter()
        .filter(|q| q.is_long_period() || q.is_zero_limit())
        .chain(error.quota.iter())
        .find_map(|q| q.quota_id.clone())
}

/// The request id: from a header, else the body, else the message's own words (`full` is the
/// message the wording read, so offsets agree).
fn request_id(
    headers: &Headers<'_>,
    error: Option<&ProviderError>,
    full: Option<&str>,
    words: &Wording<'_>,
) -> Option<String> {
    REQUEST_ID_HEADERS
        .iter()
        .find_map(|name| {
            headers
                .get(*name)
                .filter(|v| !v.is_empty())
                .map(str::to_string)
        })
        .or_else(|| error.and_then(|e| e.request_id.clone()))
        .or_else(|| request_id_in_text(full?.get(words.request_id_offset()?..)?))
}

/// A request id at the start of `rest`, the text after "request id" in a message:
/// `(request id: 2025…)`, `the request ID e5c9… in your email`.
fn request_id_in_text(rest: &str) -> Option<String> {
    let rest = rest.trim_start_matches([' ', ':', '=', '#']);
    let id: String = rest
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
        .take(128)
        .collect();
    (id.len() >= 8 && id.bytes().any(|b| b.is_ascii_digit())).then_some(id)
}

/// The message: the provider's words, else a description of what came back — never a bare
/// "Error code: 400".
fn message(status: Option<u16>, read: &ReadBody, full: Option<String>, usable: bool) -> String {
    if !usable {
        if let Some(full) = full {
            // "Error code: 400 - <words>" (an SDK's prefix, maybe repeated): keep only the words.
            let mut words = full.as_str();
            while starts_with_ignore_case(words.trim_start(), "error code") {
                match text::leading_status(words) {
                    Some((_, rest)) => words = rest.trim_start_matches(['-', ':', ' ']),
                    None => break,
                }
            }
            if words.len() == full.len() && !is_bare_status(words) {
                return full; // the common case: the provider's words as they are
            }
            if !is_bare_status(words) {
                if let Some(words) = text::clean_message(words) {
                    return words;
                }
            }
        }
    }
    let status_text = match status {
        Some(status) => format!("HTTP {status}"),
        None => "the response".to_string(),
    };
    if usable {
        return format!("{status_text}: the body is a usable completion, not a failure");
    }
    if let Some(error) = &read.error {
        // A structured error that carries no words: name what it does carry.
        let named = [
            error.google_status.as_deref(),
            error.error_type.as_deref(),
            error.code.as_deref(),
            error.reasons.first().map(String::as_str),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(", ");
        return if named.is_empty() {
            format!("{status_text}: an error without a message")
        } else {
            format!("{status_text}: an error without a message ({named})")
        };
    }
    match (&read.verdict, read.format) {
        (Some(Verdict::Unusable(reason)), _) => {
            format!("{status_text} is not a usable completion: {reason}")
        }
        (Some(Verdict::OutOfTokens(reason)), _) => format!("{status_text}: {reason}"),
        (Some(Verdict::Filtered(reason)), _) => format!("{status_text} was filtered: {reason}"),
        (_, BodyFormat::Empty) => format!("{status_text} with an empty body"),
        (_, BodyFormat::Html) => format!("{status_text} with an HTML page and no title"),
        (_, BodyFormat::Json) => {
            format!("{status_text} with a JSON body that is neither an error nor a completion")
        }
        (_, BodyFormat::Sse) => format!("{status_text}: a stream without an error event"),
        (_, BodyFormat::Text) => format!("{status_text} with an unreadable body"),
    }
}

fn starts_with_ignore_case(text: &str, prefix: &str) -> bool {
    text.as_bytes()
        .get(..prefix.len())
        .is_some_and(|head| head.eq_ignore_ascii_case(prefix.as_bytes()))
}

/// "Error code: 400", "400", "HTTP 400 -": a status, not a message.
fn is_bare_status(message: &str) -> bool {
    // The longest bare form is about "status code: 400 -"; anything longer says more.
    if message.len() > 32 {
        return false;
    }
    match text::leading_status(message) {
        Some((_, rest)) => rest.trim().trim_matches(['-', ':', '.']).trim().is_empty(),
        None => false,
    }
}
