//! A successful call's answer: the completion, and llmwire's report on the call under its
//! `llmwire` key, in the form the caller asked for (JSON text or a `Value`).
//!
//! The common answer is kept as the text the provider sent, proven usable without parsing it into
//! a `Value` (see `classify::plainly_usable`); the report is appended to that text. Callers that
//! want text (the C API, and through it every binding) then never pay for a `Value` round trip.

use serde::Serialize;
use serde_json::Value;

use crate::classify::{plainly_usable, usable_completion};
use crate::error::{AttemptRecord, ErrorObject};
use crate::taxonomy::ErrorClass;

/// A usable completion as it arrived.
pub(super) enum Completion {
    /// The provider's text, unchanged: one JSON object, proven usable.
    Text(String),
    /// A body that needed the full reading, or a stream's assembled message.
    Value(Value),
}

impl Completion {
    /// The completion in a 2xx body, or the body back when it is not a usable one.
    pub(super) fn from_body(body: Vec<u8>) -> Result<Completion, Vec<u8>> {
        let body = match String::from_utf8(body) {
            Ok(text) if plainly_usable(&text) => return Ok(Completion::Text(text)),
            Ok(text) => text.into_bytes(),
            Err(not_utf8) => not_utf8.into_bytes(),
        };
        match usable_completion(&body) {
            Ok(value) => Ok(Completion::Value(value)),
            Err(_) => Err(body),
        }
    }
}

/// What llmwire did during the call.
#[derive(Serialize)]
pub(super) struct Report {
    pub attempts: Vec<AttemptRecord>,
    pub repairs: Vec<Value>,
    pub warnings: Vec<Value>,
    pub trimmed: Vec<Value>,
}

/// Room for the report of an ordinary call (one attempt, nothing repaired), so that appending it
/// does not reallocate.
const REPORT_BYTES: usize = 192;

/// A completion with the report on how it was obtained.
pub(super) struct Answer {
    pub completion: Completion,
    pub report: Report,
}

impl Answer {
    /// The completion as JSON text, the report under its `llmwire` key.
    pub(super) fn into_json(self) -> Result<String, ErrorObject> {
        match self.completion {
            Completion::Text(text) => {
                // The text is one JSON object with at least a `choices` member: the report goes
                // in as its last member, in place of the closing brace.
                let Some(members) = text.trim_end().strip_suffix('}').map(str::len) else {
                    return Err(unassembled("the completion is not a JSON object"));
                };
                let mut bytes = text.into_bytes();
                bytes.truncate(members);
                bytes.reserve(REPORT_BYTES);
                bytes.extend_from_slice(b",\"llmwire\":");
                serde_json::to_writer(&mut bytes, &self.report).map_err(unassembled)?;
                bytes.push(b'}');
                String::from_utf8(bytes).map_err(unassembled)
            }
            Completion::Value(_) => Ok(self.into_value()?.to_string()),
        }
    }

    /// The completion as a `Value`, the report under its `llmwire` key.
    pub(super) fn into_value(self) -> Result<Value, ErrorObject> {
        let mut completion = match self.completion {
            Completion::Text(text) => serde_json::from_str(&text).map_err(unassembled)?,
            Completion::Value(value) => value,
        };
        if let Value::Object(fields) = &mut completion {
            let report = serde_json::to_value(&self.report).map_err(unassembled)?;
            fields.insert("llmwire".to_owned(), report);
        }
        Ok(completion)
    }
}

/// Cannot happen (the text was proven to be JSON; the report is plain data), but is not a panic.
fn unassembled(error: impl std::fmt::Display) -> ErrorObject {
    ErrorObject::local(
        ErrorClass::Internal,
        format!("cannot assemble the answer: {error}"),
    )
}
