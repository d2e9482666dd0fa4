//! Classification: what a provider's failure means, read from status, headers and body.
//!
//! Pure: [`classify`] takes the observed outcome and the current time and returns a
//! [`Classification`]. It never fails and never panics, whatever the body holds. The body is read
//! in every family providers use (see `body`, `provider_object`), the wording is read in one pass
//! (`wording`), the class is decided by `rules`, retry hints come from `hints`, and the family
//! from `detect`. [`completion_is_usable`] tells whether a 2xx is a usable completion
//! ([`plainly_usable`] proves the common case without building a `Value`).
//!
//! Decisions worth knowing:
//! - A 503 is `overloaded` when it says so (overloaded, high demand, capacity, an `overloaded_error`
//!   type) or carries Google's `UNAVAILABLE`; a bare 503 (an nginx page, an empty body) is a
//!   `server_error`. 529 is always `overloaded`.
//! - A 429 whose delay is longer than an hour is `quota_exhausted` (the delay is still reported);
//!   so is any 429 about a day-or-longer window, a zero allowance (`limit: 0`), or billing.
//! - A 429 or 413 whose single request is over the limit itself ("Limit 6000, Requested 14368",
//!   approximate figures such as "Requested ~12903" included) is `request_too_large`; a 429 whose
//!   body is a schema rejection is `invalid_request`.
//! - A completion budget the server computed and found negative ("max_tokens must be at least 1,
//!   got -344") means the prompt alone fills the window: `context_length_exceeded`.
//! - A 5xx that carries an upstream 4xx (a proxy re-wrapping a 400) is judged as that 4xx.
//! - Delays are reported only for classes where waiting can help; reset headers only for rate
//!   classes. Delays are capped at [`MAX_HINT_MS`] (30 days); garbage hints are ignored.
//! - The transport fault `timeout` is `timeout`; every other fault is `network`.
//!
//! Not here: deciding whether to retry given attempts and budgets (that is the retry policy's job);
//! this module only says what the server meant, and what it hinted.

use std::time::SystemTime;

use serde::{Deserialize, Serialize};

use crate::provider::Provider;
use crate::taxonomy::ErrorClass;

mod body;
mod codes;
mod completion;
mod dates;
mod detect;
mod google;
mod headers;
mod hints;
mod lenient;
mod outcome;
mod phrases;
mod provider_error;
mod provider_object;
mod quick;
mod rules;
mod sse;
mod text;
mod wording;

pub use hints::MAX_HINT_MS;
pub use quick::plainly_usable;

/// A failure below HTTP: no usable response arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TransportFault {
    /// Nothing listened at the address.
    ConnectionRefused,
    /// The peer reset or closed the connection early (`connection_closed` is accepted as a synonym).
    #[serde(alias = "connection_closed")]
    ConnectionReset,
    /// The attempt timed out before a response arrived (connect or read).
    Timeout,
    /// The host name did not resolve.
    Dns,
    /// The TLS handshake failed.
    Tls,
    /// The response was cut off before it was complete, or was not readable HTTP.
    Truncated,
}

/// Where a retry delay came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum HintSource {
    /// The `retry-after-ms` header.
    #[serde(rename = "retry-after-ms")]
    RetryAfterMs,
    /// The `retry-after` header (delta-seconds or an HTTP-date).
    #[serde(rename = "retry-after")]
    RetryAfter,
    /// Google's `RetryInfo.retryDelay` detail.
    #[serde(rename = "retry_info")]
    RetryInfo,
    /// The message's own words ("Please try again in 2.5s").
    #[serde(rename = "message")]
    Message,
    /// `x-ratelimit-reset-*` or `anthropic-ratelimit-*-reset` headers.
    #[serde(rename = "ratelimit-reset")]
    RatelimitReset,
}

impl HintSource {
    /// The name used in JSON: `"retry-after-ms"`, `"retry-after"`, `"retry_info"`, `"message"` or
    /// `"ratelimit-reset"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            HintSource::RetryAfterMs => "retry-after-ms",
            HintSource::RetryAfter => "retry-after",
            HintSource::RetryInfo => "retry_info",
            HintSource::Message => "message",
            HintSource::RatelimitReset => "ratelimit-reset",
        }
    }
}

/// What was observed: an HTTP response, or a transport fault.
///
/// `provider: None` means "auto": the family is detected from the body and headers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClassifyInput {
    /// The provider called, or `None` to detect the family.
    pub provider: Option<Provider>,
    /// HTTP status; `None` with a transport fault.
    pub status: Option<u16>,
    /// Response headers in arrival order; names compared case-insensitively.
    pub headers: Vec<(String, String)>,
    /// The raw body, which may be any bytes (invalid UTF-8 is read lossily).
    pub body: Vec<u8>,
    /// A failure below HTTP; when set, status and body only add detail.
    pub transport: Option<TransportFault>,
}

/// What a failure means. Serialises to the classification JSON of docs/design.md §3.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Classification {
    /// What went wrong.
    pub class: ErrorClass,
    /// Whether a retry can succeed (the class default, or the server's `x-should-retry`).
    pub retryable: bool,
    /// The server's requested delay, when it gave one.
    pub retry_after_ms: Option<u64>,
    /// Which hint `retry_after_ms` came from.
    pub hint_source: Option<HintSource>,
    /// The HTTP status, when there was a response.
    pub http_status: Option<u16>,
    /// The provider family the body was read as (detected when the input said "auto").
    pub provider: Option<Provider>,
    /// Google-style status string, e.g. `RESOURCE_EXHAUSTED`.
    pub provider_status: Option<String>,
    /// The provider's error code (numbers are rendered as strings).
    pub provider_code: Option<String>,
    /// The provider's error type, e.g. `invalid_request_error`.
    pub error_type: Option<String>,
    /// The offending parameter, when the provider names one.
    pub param: Option<String>,
    /// The provider's own words; never a bare "Error code: 400".
    pub message: String,
    /// The request id (from `x-request-id`, `request-id`, `apim-request-id`, … or the body).
    pub request_id: Option<String>,
    /// The quota that ran out (Google QuotaFailure `quotaId`), if any.
    pub quota_id: Option<String>,
}

impl Classification {
    /// A classification for an outcome that did not come from a server.
    pub fn local(class: ErrorClass, message: impl Into<String>) -> Classification {
        Classification {
            class,
            retryable: class.retryable_by_default(),
            retry_after_ms: None,
            hint_source: None,
            http_status: None,
            provider: None,
            provider_status: None,
            provider_code: None,
            error_type: None,
            param: None,
            message: message.into(),
            request_id: None,
            quota_id: None,
        }
    }
}

/// Reads an outcome into a [`Classification`]. `now` resolves HTTP-date and timestamp hints.
///
/// Never fails and never panics, whatever the body holds. For a 2xx, the body decides: an error
/// inside it (an SSE `error` event, an error object) is classified like any other error; an
/// unusable completion is `malformed_response` (or `content_filtered` when a safety system stopped
/// it). A 2xx that *is* a usable completion is not a failure: it comes back as
/// `malformed_response` with `retryable: false` and a message saying the completion is usable, so
/// callers should check [`completion_is_usable`] first and only classify failures.
///
/// ```
/// use std::time::SystemTime;
/// use llmwire::classify::{classify, ClassifyInput};
/// use llmwire::ErrorClass;
///
/// let input = ClassifyInput {
///     status: Some(429),
///     headers: vec![("retry-after".into(), "2".into())],
///     body: br#"{"error":{"message":"Rate limit reached","code":"rate_limit_exceeded"}}"#.to_vec(),
///     ..ClassifyInput::default()
/// };
/// let c = classify(&input, SystemTime::UNIX_EPOCH);
/// assert_eq!(c.class, ErrorClass::RateLimited);
/// assert_eq!(c.retry_after_ms, Some(2000));
/// ```
pub fn classify(input: &ClassifyInput, now: SystemTime) -> Classification {
    if let Some(fault) = input.transport {
        return transport(fault, input);
    }
    outcome::classify_response(input, now)
}

/// Whether a 2xx body is a usable chat completion (JSON or an SSE stream).
///
/// `Ok(())` when at least one choice carries content, tool calls or a function call; otherwise the
/// reason it is not usable (empty, not JSON, `choices: []`, empty content, filtered, an error event).
///
/// ```
/// use llmwire::classify::completion_is_usable;
///
/// assert!(completion_is_usable(br#"{"choices":[{"message":{"content":"hi"}}]}"#).is_ok());
/// assert!(completion_is_usable(br#"{"choices":[]}"#).is_err());
/// ```
pub fn completion_is_usable(body: &[u8]) -> Result<(), String> {
    let read = body::read(body);
    if let Some(error) = read.error.as_ref() {
        let message = error
            .full_message()
            .unwrap_or_else(|| "no message".to_string());
        return Err(format!("the body is an error: {message}"));
    }
    match read.verdict {
        Some(verdict) => verdict.into_result(),
        None => Err(match read.format {
            body::BodyFormat::Empty => "the body is empty".to_string(),
            body::BodyFormat::Json => "the JSON is not a chat completion (no choices)".to_string(),
            _ => "the body is not JSON".to_string(),
        }),
    }
}

/// The parsed completion, when a 2xx JSON body is one the caller can use.
///
/// For non-stream answers: parses the body once and returns it when [`completion_is_usable`] would
/// say `Ok`; otherwise the reason (a stream body, an error object, empty content, …).
///
/// ```
/// use llmwire::classify::usable_completion;
///
/// let completion = usable_completion(br#"{"choices":[{"message":{"content":"hi"}}]}"#).unwrap();
/// assert_eq!(completion["choices"][0]["message"]["content"], "hi");
/// assert!(usable_completion(br#"{"choices":[{"message":{"content":""}}]}"#).is_err());
/// ```
pub fn usable_completion(body: &[u8]) -> Result<serde_json::Value, String> {
    let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    let value: serde_json::Value = serde_json::from_slice(body)
        .map_err(|e| format!("the body is not a JSON completion ({e})"))?;
    if let Some(error) = body::read_value(&value, 0) {
        let message = error
            .full_message()
            .unwrap_or_else(|| "no message".to_string());
        return Err(format!("the body is an error: {message}"));
    }
    match completion::judge(&value) {
        Some(verdict) => verdict.into_result().map(|()| value),
        None => Err("the JSON is not a chat completion (no choices)".to_string()),
    }
}

/// Whether a completion already parsed (a stream's assembled message) is one the caller can use:
/// some content, a tool call, … (the same judgement as [`usable_completion`]'s).
pub(crate) fn is_usable(completion: &serde_json::Value) -> bool {
    matches!(
        completion::judge(completion),
        Some(completion::Verdict::Usable)
    )
}

/// A transport fault: no HTTP response to read.
fn transport(fault: TransportFault, input: &ClassifyInput) -> Classification {
    let (class, what) = match fault {
        TransportFault::ConnectionRefused => (ErrorClass::Network, "connection refused"),
        TransportFault::ConnectionReset => {
            (ErrorClass::Network, "connection reset or closed early")
        }
        TransportFault::Timeout => (ErrorClass::Timeout, "timed out before a response arrived"),
        TransportFault::Dns => (ErrorClass::Network, "DNS lookup failed"),
        TransportFault::Tls => (ErrorClass::Network, "TLS handshake failed"),
        TransportFault::Truncated => (ErrorClass::Network, "the response was cut off or malformed"),
    };
    let detail = text::lossy(&input.body);
    let first_line = detail.lines().map(str::trim).find(|l| !l.is_empty());
    let message = match first_line {
        Some(line) => format!("transport fault: {what}: {}", text::prefix(line, 300)),
        None => format!("transport fault: {what}"),
    };
    let mut classification = Classification::local(class, message);
    classification.provider = input.provider;
    classification.http_status = input.status;
    classification
}

/// The JSON form of [`ClassifyInput`] (docs/design.md §3), as read by `llmwire classify` and the C API.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ClassifyInputJson {
    #[serde(default)]
    provider: Option<String>,
    #[serde(default)]
    status: Option<u16>,
    #[serde(default)]
    headers: serde_json::Map<String, serde_json::Value>,
    /// The body as text, or as the JSON value the provider sent (read back as its JSON text).
    #[serde(default)]
    body: Option<serde_json::Value>,
    #[serde(default)]
    transport: Option<TransportFault>,
}

impl ClassifyInput {
    /// An HTTP response to classify, its provider detected from what it says.
    ///
    /// ```
    /// use llmwire::classify::{classify, ClassifyInput};
    /// use llmwire::ErrorClass;
    ///
    /// let input = ClassifyInput::response(503, &[("retry-after", "2")], "model overloaded");
    /// let classification = classify(&input, std::time::SystemTime::now());
    /// assert_eq!(classification.class, ErrorClass::Overloaded);
    /// assert_eq!(classification.retry_after_ms, Some(2_000));
    /// ```
    pub fn response(status: u16, headers: &[(&str, &str)], body: impl Into<Vec<u8>>) -> Self {
        ClassifyInput {
            status: Some(status),
            headers: headers
                .iter()
                .map(|(name, value)| (name.to_string(), value.to_string()))
                .collect(),
            body: body.into(),
            ..ClassifyInput::default()
        }
    }

    /// Parses the classification input JSON of docs/design.md §3.
    ///
    /// `provider` is a provider name or `"auto"` (the default); header values may be strings or
    /// numbers; `body` is the body's text, or the JSON value the provider sent (an object, a
    /// list, …), which is classified as its JSON text. Unknown keys are rejected with the key named.
    ///
    /// ```
    /// use llmwire::classify::{classify, ClassifyInput};
    /// use llmwire::ErrorClass;
    ///
    /// let input = ClassifyInput::from_json(
    ///     r#"{"status": 429, "body": {"error": {"code": "insufficient_quota", "message": "quota"}}}"#,
    /// ).unwrap();
    /// let classification = classify(&input, std::time::SystemTime::now());
    /// assert_eq!(classification.class, ErrorClass::QuotaExhausted);
    /// ```
    pub fn from_json(text: &str) -> Result<ClassifyInput, crate::error::Error> {
        use crate::error::Error;
        let raw: ClassifyInputJson = serde_json::from_str(text)
            .map_err(|e| Error::InvalidArgument(format!("classification input: {e}")))?;
        let provider = match raw.provider.as_deref() {
            None | Some("auto") => None,
            Some(name) => Some(Provider::from_name(name).ok_or_else(|| {
                Error::InvalidArgument(format!(
                    "classification input: unknown provider \"{name}\" (expected \"auto\" or one of: {})",
                    Provider::ALL.map(Provider::as_str).join(", ")
                ))
            })?),
        };
        if raw.status.is_none() && raw.transport.is_none() {
            return Err(Error::InvalidArgument(
                "classification input: needs \"status\" (an HTTP status) or \"transport\" (a transport fault)".into(),
            ));
        }
        let mut headers = Vec::with_capacity(raw.headers.len());
        for (name, value) in raw.headers {
            let value = match value {
                serde_json::Value::String(s) => s,
                serde_json::Value::Number(n) => n.to_string(),
                other => {
                    return Err(Error::InvalidArgument(format!(
                        "classification input: header \"{name}\" must be a string or a number, not {other}"
                    )))
                }
            };
            headers.push((name, value));
        }
        Ok(ClassifyInput {
            provider,
            status: raw.status,
            headers,
            body: match raw.body {
                None | Some(serde_json::Value::Null) => Vec::new(),
                Some(serde_json::Value::String(text)) => text.into_bytes(),
                Some(value) => value.to_string().into_bytes(),
            },
            transport: raw.transport,
        })
    }
}
