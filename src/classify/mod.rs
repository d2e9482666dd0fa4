//! Classification: what a provider's failure means, read from status, headers and body.
//!
//! Pure: [`classify`] takes the observed outcome and the current time and returns a
//! [`Classification`]. It never fails and never panics, whatever the body holds.
//!
//! Not here: deciding whether to retry given attempts and budgets (that is the retry policy's job);
//! this module only says what the server meant, and what it hinted.

use std::time::SystemTime;

use serde::{Deserialize, Serialize};

use crate::provider::Provider;
use crate::taxonomy::ErrorClass;

/// A failure below HTTP: no usable response arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TransportFault {
    ConnectionRefused,
    ConnectionReset,
    Timeout,
    Dns,
    Tls,
    Truncated,
}

/// Where a retry delay came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum HintSource {
    #[serde(rename = "retry-after-ms")]
    RetryAfterMs,
    #[serde(rename = "retry-after")]
    RetryAfter,
    #[serde(rename = "retry_info")]
    RetryInfo,
    #[serde(rename = "message")]
    Message,
    #[serde(rename = "ratelimit-reset")]
    RatelimitReset,
}

/// What was observed: an HTTP response, or a transport fault.
///
/// `provider: None` means "auto": the family is detected from the body and headers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClassifyInput {
    pub provider: Option<Provider>,
    /// HTTP status; `None` with a transport fault.
    pub status: Option<u16>,
    /// Response headers in arrival order; names compared case-insensitively.
    pub headers: Vec<(String, String)>,
    /// The raw body, which may be any bytes (invalid UTF-8 is read lossily).
    pub body: Vec<u8>,
    pub transport: Option<TransportFault>,
}

/// What a failure means. Serialises to the classification JSON of DESIGN §3.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Classification {
    pub class: ErrorClass,
    /// Whether a retry can succeed (the class default, or the server's `x-should-retry`).
    pub retryable: bool,
    /// The server's requested delay, when it gave one.
    pub retry_after_ms: Option<u64>,
    pub hint_source: Option<HintSource>,
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

/// Reads an outcome into a [`Classification`]. `now` resolves HTTP-date hints.
pub fn classify(input: &ClassifyInput, now: SystemTime) -> Classification {
    let _ = now;
    let class = match (input.transport, input.status) {
        (Some(_), _) | (None, None) => ErrorClass::Network,
        (None, Some(429)) => ErrorClass::RateLimited,
        (None, Some(status)) if status >= 500 => ErrorClass::ServerError,
        (None, Some(_)) => ErrorClass::InvalidRequest,
    };
    let mut classification =
        Classification::local(class, String::from_utf8_lossy(&input.body).into_owned());
    classification.http_status = input.status;
    classification.provider = input.provider;
    classification
}

/// The JSON form of [`ClassifyInput`] (DESIGN §3), as read by `llmwire classify` and the C API.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ClassifyInputJson {
    #[serde(default)]
    provider: Option<String>,
    #[serde(default)]
    status: Option<u16>,
    #[serde(default)]
    headers: serde_json::Map<String, serde_json::Value>,
    #[serde(default)]
    body: Option<String>,
    #[serde(default)]
    transport: Option<TransportFault>,
}

impl ClassifyInput {
    /// Parses the classification input JSON of DESIGN §3.
    ///
    /// `provider` is a provider name or `"auto"` (the default); header values may be strings or
    /// numbers. Unknown keys are rejected with the key named.
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
            body: raw.body.unwrap_or_default().into_bytes(),
            transport: raw.transport,
        })
    }
}
