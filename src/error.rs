//! Errors: the local error type of the Rust API, and the error object every failed call returns.
//!
//! The error object is data: its JSON form (docs/design.md §4) is what the C API, the CLI and the bindings
//! hand to users, so its field names are a contract.

use serde::Serialize;

use crate::classify::Classification;
use crate::taxonomy::{ErrorClass, StopReason};

/// A failure that happened on this side of the wire.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// Bad input to the API: a NULL pointer, invalid UTF-8, malformed JSON.
    #[error("{0}")]
    InvalidArgument(String),
    /// An unusable configuration.
    #[error("{0}")]
    InvalidConfig(String),
    /// A bug in llmwire that was caught.
    #[error("{0}")]
    Internal(String),
}

impl Error {
    /// The taxonomy class of this error.
    pub fn class(&self) -> ErrorClass {
        match self {
            Error::InvalidArgument(_) => ErrorClass::InvalidArgument,
            Error::InvalidConfig(_) => ErrorClass::InvalidConfig,
            Error::Internal(_) => ErrorClass::Internal,
        }
    }
}

/// One attempt of a call, as reported in the error object.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AttemptRecord {
    /// 1-based attempt number.
    pub n: u32,
    /// The attempt's failure class; `None` for the attempt that succeeded.
    pub class: Option<ErrorClass>,
    /// The HTTP status, when a response head arrived.
    pub http_status: Option<u16>,
    /// Time from the start of the call to the end of this attempt.
    pub elapsed_ms: u64,
    /// The delay slept after this attempt (0 when it was the last).
    pub delay_ms: u64,
    /// `"retry-after"`, `"retry_info"`, …, or `"backoff"`; `None` when there was no delay.
    pub delay_source: Option<String>,
    /// The target this attempt went to (configurations with `targets` or `limits` only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// For a failure below HTTP, what it was: `dns`, `connection_refused`, `connection_reset`,
    /// `tls`, `truncated`, `connect_timeout`, `attempt_timeout`, `deadline`,
    /// `first_chunk_timeout`, `stream_idle_timeout`; `cancelled` for an attempt a cancel stopped.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fault: Option<&'static str>,
    /// Where that attempt was when it ended: `dns`, `connect`, `tls`, `send`, `head`, `body`,
    /// `first_chunk`, `stream`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phase: Option<&'static str>,
}

/// Everything known about a failed call. Serialises to the error object JSON of docs/design.md §4.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ErrorObject {
    #[serde(flatten)]
    /// What the failure was: class, message and the provider's own details (flattened into the
    /// error object's JSON).
    pub classification: Classification,
    /// The C status name, e.g. `LLMWIRE_STATUS_RATE_LIMITED`.
    pub status: &'static str,
    /// Why the attempt loop stopped; `None` for an error that did not come from it.
    pub stop_reason: Option<StopReason>,
    /// One line a person can act on.
    pub summary: String,
    /// Every attempt made, in order (empty when nothing was sent).
    pub attempts: Vec<AttemptRecord>,
    /// The validation report, when local validation stopped the call (`validation_failed`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub validation: Option<serde_json::Value>,
    /// The history trims made during the call (`context.on_overflow: "trim"`), if any.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub trimmed: Vec<serde_json::Value>,
    /// Every target's state, when the call stopped because none was available
    /// (`all_targets_unavailable`; see docs/fleet.md).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub targets: Vec<serde_json::Value>,
}

impl ErrorObject {
    /// An error object for a local failure (nothing was sent, or nothing came back).
    pub fn local(class: ErrorClass, message: impl Into<String>) -> ErrorObject {
        let classification = Classification::local(class, message);
        let summary = format!("{class}: {}", classification.message);
        ErrorObject {
            status: class.status_name(),
            classification,
            stop_reason: None,
            summary,
            attempts: Vec::new(),
            validation: None,
            trimmed: Vec::new(),
            targets: Vec::new(),
        }
    }

    /// The failure's class (the classification's).
    pub fn class(&self) -> ErrorClass {
        self.classification.class
    }

    /// The error object as JSON.
    pub fn to_json(&self) -> String {
        // Serialising plain data with string keys cannot fail.
        serde_json::to_string(self).unwrap_or_else(|_| String::from("{}"))
    }
}

impl From<Error> for ErrorObject {
    fn from(error: Error) -> ErrorObject {
        ErrorObject::local(error.class(), error.to_string())
    }
}

impl std::fmt::Display for ErrorObject {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.summary)
    }
}

impl std::error::Error for ErrorObject {}
