//! A successful call's answer: the completion, and llmwire's report on the call under its
//! `llmwire` key, in the form the caller asked for (JSON text or a `Value`).
//!
//! The common answer is kept as the text the provider sent, proven usable without parsing it into
//! a `Value` (see `classify::plainly_usable`); the report is appended to that text. Callers that
//! want text (the C API, and through it every binding) then never pay for a `Value` round trip.

use std::borrow::Cow;

use serde::Serialize;
use serde_json::Value;

use crate::classify::{plainly_usable, usable_completion, Classification};
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
    /// The completion as a `Value` (the text parsed: it was proven to be one JSON object).
    pub(super) fn value(&self) -> Cow<'_, Value> {
        match self {
            Completion::Text(text) => Cow::Owned(serde_json::from_str(text).unwrap_or_default()),
            Completion::Value(value) => Cow::Borrowed(value),
        }
    }

    /// The completion in a 2xx body, or the body back when it is not a usable one.
    pub(super) fn from_body(body: Vec<u8>) -> Result<Completion, Unusable> {
        if !nesting_within(&body, MAX_NESTING) {
            return Err(Unusable::TooDeep);
        }
        let body = match String::from_utf8(body) {
            Ok(text) if plainly_usable(&text) => return Ok(Completion::Text(text)),
            Ok(text) => text.into_bytes(),
            Err(not_utf8) => {
                // As in a stream, invalid UTF-8 in the text becomes U+FFFD: the call was answered.
                // The classifier gets the bytes as they came (a gzip body is told by its magic).
                let lossy = String::from_utf8_lossy(not_utf8.as_bytes());
                if let Ok(value) = usable_completion(lossy.as_bytes()) {
                    return Ok(Completion::Value(value));
                }
                return Err(Unusable::Body(not_utf8.into_bytes()));
            }
        };
        match usable_completion(&body) {
            Ok(value) => Ok(Completion::Value(value)),
            Err(_) => Err(Unusable::Body(body)),
        }
    }
}

/// A 2xx body that is not a completion the caller can use.
pub(super) enum Unusable {
    /// For the classifier to read (an error inside, empty choices, not JSON, …).
    Body(Vec<u8>),
    /// Nested deeper than [`MAX_NESTING`]: nothing could read it back.
    TooDeep,
}

/// The failure for a 2xx body nested deeper than [`MAX_NESTING`].
pub(super) fn too_deep(status: u16) -> Classification {
    let mut classification = Classification::local(
        ErrorClass::MalformedResponse,
        format!(
            "HTTP {status}: the body nests arrays or objects deeper than {MAX_NESTING} levels, \
which no completion does"
        ),
    );
    classification.http_status = Some(status);
    classification
}

/// The deepest nesting of arrays and objects a completion may have: serde_json's own limit, so
/// every completion handed out can be read back — by `Client::chat`, and by the bindings' JSON
/// parsers (Python's recursion limit is about 1000, Node's stack a few thousand levels). A real
/// completion nests fewer than ten levels; a deeper 2xx body is `malformed_response`.
pub const MAX_NESTING: usize = 128;

/// Whether `json` nests arrays and objects at most `limit` deep (one linear pass; brackets inside
/// strings do not count). Not a validity check: only the depth is looked at.
pub(crate) fn nesting_within(json: &[u8], limit: usize) -> bool {
    let (mut depth, mut in_string, mut escaped) = (0_usize, false, false);
    for &byte in json {
        if in_string {
            match byte {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match byte {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > limit {
                    return false;
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    true
}

/// What llmwire did during the call.
#[derive(Serialize)]
pub(super) struct Report {
    pub attempts: Vec<AttemptRecord>,
    pub repairs: Vec<Value>,
    pub warnings: Vec<Value>,
    pub trimmed: Vec<super::context_fit::TrimRecord>,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nesting_is_counted_outside_strings_only() {
        assert!(nesting_within(br#"{"a":[[1]],"s":"[[[[[[["}"#, 3));
        assert!(!nesting_within(br#"{"a":[[[1]]]}"#, 3));
        assert!(nesting_within(br#"{"s":"\"[[[[\\"}"#, 1));
        let deep = format!(
            "{}{}",
            "[".repeat(MAX_NESTING + 1),
            "]".repeat(MAX_NESTING + 1)
        );
        assert!(!nesting_within(deep.as_bytes(), MAX_NESTING));
    }
}
