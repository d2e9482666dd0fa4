//! Reading a response body, whatever its family, into a [`ProviderError`] (or a completion verdict).
//!
//! Families: OpenAI-style `{"error": {...}}` (string/int/null codes, object or list messages),
//! Google `google.rpc.Status` (object or list-wrapped, with `details`), Anthropic
//! `{"type": "error", ...}`, OpenRouter `metadata.raw` (JSON or text, read recursively), Azure
//! content filters, vLLM/Mistral flat `{"object": "error", ...}`, plain-string `{"error": "..."}`
//! (Ollama, LM Studio, xAI), FastAPI `detail`, JSON embedded in text (Python SDK renderings,
//! `Error code: 400 - {...}`), gRPC text, HTML pages, plain text and SSE streams.
//!
//! Not here: what any of it means (see `rules`), retry delays (see `hints`), or which provider
//! wrote it (see `detect`).

use serde_json::Value;

use super::completion::{self, Verdict};
use super::provider_error::ProviderError;
use super::provider_object::{has_message_key, read_provider_object};
use super::{google, lenient, sse, text};

/// How deep wrapped errors (OpenRouter `raw`, JSON inside a message) are followed.
const MAX_WRAP_DEPTH: u8 = 4;

/// What shape the body had.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BodyFormat {
    /// Nothing, or only whitespace.
    Empty,
    /// Parsed as JSON (strictly or tolerantly).
    Json,
    /// A server-sent-events stream.
    Sse,
    /// An HTML page (a proxy's or CDN's error page).
    Html,
    /// Any other text.
    Text,
}

/// Everything read from a body.
#[derive(Debug, Clone)]
pub(crate) struct ReadBody {
    pub format: BodyFormat,
    /// A structured error, when the body holds one.
    pub error: Option<Box<ProviderError>>,
    /// What plain text, an HTML title or a leading status said, when there is no structured error.
    pub text: Option<Box<ProviderError>>,
    /// Whether the body is a usable completion, when it is shaped like one (or a stream).
    pub verdict: Option<Verdict>,
}

impl ReadBody {
    /// The structured error, else what the text said.
    pub fn error_or_text(&self) -> Option<&ProviderError> {
        self.error.as_deref().or(self.text.as_deref())
    }
}

/// Reads a body of any family. Never fails; unknown shapes come back as text.
pub(crate) fn read(body: &[u8]) -> ReadBody {
    let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    let mut read = ReadBody {
        format: BodyFormat::Empty,
        error: None,
        text: None,
        verdict: None,
    };
    if body.iter().all(u8::is_ascii_whitespace) {
        return read;
    }
    // JSON first, straight from the bytes: most bodies are JSON, and this skips a UTF-8 pass.
    let looks_json = body
        .iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|b| matches!(b, b'{' | b'[' | b'"'));
    if looks_json {
        if let Ok(value) = serde_json::from_slice::<Value>(body) {
            read_json(&mut read, &value);
            return read;
        }
    }
    let text = text::lossy(body);
    if sse::looks_like_sse(&text) {
        read.format = BodyFormat::Sse;
        let stream = sse::read(&text);
        read.error = stream.error.map(Box::new);
        read.verdict = Some(stream.verdict);
        return read;
    }
    if looks_json && std::str::from_utf8(body).is_err() {
        // Valid JSON apart from invalid UTF-8: read the repaired text strictly.
        if let Ok(value) = serde_json::from_str::<Value>(&text) {
            read_json(&mut read, &value);
            return read;
        }
    }
    if text::looks_like_html(&text) {
        read.format = BodyFormat::Html;
        read.text = Some(Box::new(ProviderError {
            message: text::html_message(&text),
            ..ProviderError::default()
        }));
        return read;
    }
    read.format = BodyFormat::Text;
    let scan = text::prefix(&text, text::TEXT_SCAN_LIMIT);
    if let Some(error) = google::read_grpc_text(scan) {
        read.error = Some(Box::new(error));
        return read;
    }
    let leading = text::leading_status(scan);
    if let Some(value) = embedded_value(scan) {
        read.format = BodyFormat::Json;
        read.error = read_value(&value, 1).map(Box::new);
        match &mut read.error {
            Some(error) => {
                if error.status_number.is_none() {
                    error.status_number = leading.map(|(status, _)| status);
                }
                return read;
            }
            None => {
                read.verdict = completion::judge(&value);
                if read.verdict.is_some() {
                    return read;
                }
                read.format = BodyFormat::Text;
            }
        }
    }
    let mut error = text_error(leading.map_or(scan, |(_, rest)| rest));
    error.status_number = leading.map(|(status, _)| status);
    read.text = Some(Box::new(error));
    read
}

/// Reads a strictly parsed body: an error, else a completion verdict, else a JSON string's words.
fn read_json(read: &mut ReadBody, value: &Value) {
    read.format = BodyFormat::Json;
    read.error = read_value(value, 0).map(Box::new);
    if read.error.is_none() {
        read.verdict = completion::judge(value);
        if read.verdict.is_none() {
            if let Value::String(s) = value {
                // A JSON string body (a client showing an `error` string field).
                read.text = Some(Box::new(text_error(s)));
            }
        }
    }
}

/// What a plain-text body says: its words, and a Google status name written at its start.
fn text_error(text: &str) -> ProviderError {
    let head = text::prefix(text, 200);
    ProviderError {
        message: text::clean_message(text::prefix(text, text::WORDING_SCAN_LIMIT)),
        google_status: google::status_name_in(head).map(str::to_string),
        ..ProviderError::default()
    }
}

/// The first JSON-like value inside text (`Error code: 400 - {…}`, a repr, a truncated body).
fn embedded_value(text: &str) -> Option<Value> {
    let brace = text.find('{');
    let list = text
        .match_indices('[')
        .map(|(at, _)| at)
        .take(8)
        .find(|&at| text[at + 1..].trim_start().starts_with('{'));
    let start = match (brace, list) {
        (Some(b), Some(l)) => b.min(l),
        (Some(b), None) => b,
        (None, Some(l)) => l,
        (None, None) => return None,
    };
    let candidate = &text[start..];
    let mut values = serde_json::Deserializer::from_str(candidate).into_iter::<Value>();
    match values.next() {
        Some(Ok(value)) => Some(value),
        _ => lenient::parse(candidate),
    }
}

/// The error a string holds when it is (or embeds) another error body: JSON in an SDK's message,
/// OpenRouter's `raw`.
pub(crate) fn nested_error(s: &str, depth: u8) -> Option<ProviderError> {
    if depth >= MAX_WRAP_DEPTH || !s.contains('{') {
        return None;
    }
    let s = text::prefix(s, text::TEXT_SCAN_LIMIT);
    let start = s.find(['{', '['])?;
    let candidate = &s[start..];
    if !(candidate.contains("error") || candidate.contains("message")) {
        return None;
    }
    let value = embedded_value(candidate)?;
    read_value(&value, depth + 1)
}

/// Reads a parsed body (or a part of one) into an error, if it is one.
pub(crate) fn read_value(value: &Value, depth: u8) -> Option<ProviderError> {
    match value {
        Value::Array(items) => items.iter().take(16).find_map(|item| match item {
            Value::Object(_) => read_value(item, depth),
            _ => None,
        }),
        Value::Object(root) => {
            if let Some(inner) = root.get("error") {
                let mut error = match inner {
                    Value::Object(_) => read_provider_object(inner, value, depth),
                    Value::String(s) => {
                        let mut error = read_provider_object(value, value, depth);
                        if error.message.is_none() || root.get("message").is_none() {
                            error.message = text::clean_message(s).or(error.message);
                        }
                        if root.get("code").is_some_and(Value::is_string) {
                            error.clues.xai = true;
                        }
                        if error.message.as_deref().is_some_and(|m| m.contains('{')) {
                            if let Some(nested) = nested_error(s, depth) {
                                error.absorb(nested);
                            }
                        }
                        error
                    }
                    Value::Array(items) => items
                        .iter()
                        .find(|item| item.is_object())
                        .map(|item| read_provider_object(item, value, depth))?,
                    _ if has_message_key(value) => read_provider_object(value, value, depth),
                    _ => return None,
                };
                if root.get("type").and_then(Value::as_str) == Some("error") {
                    error.clues.anthropic = true;
                }
                return Some(error);
            }
            if let Some(Value::Array(choices)) = root.get("choices") {
                // OpenRouter reports a failure mid-stream inside the choice
                // (`finish_reason: "error"`, `choices[0].error`).
                return choices
                    .iter()
                    .take(64)
                    .find_map(|choice| match choice.get("error") {
                        Some(inner @ Value::Object(_)) => {
                            Some(read_provider_object(inner, value, depth))
                        }
                        _ => None,
                    });
            }
            if root.contains_key("choices") || root.contains_key("candidates") {
                return None;
            }
            let flat_error = root.get("object").and_then(Value::as_str) == Some("error")
                || root.get("type").and_then(Value::as_str) == Some("error");
            if flat_error || has_message_key(value) {
                return Some(read_provider_object(value, value, depth));
            }
            match root.get("errors") {
                Some(Value::Array(items)) => items
                    .iter()
                    .find(|item| item.is_object())
                    .map(|item| read_provider_object(item, value, depth)),
                _ => None,
            }
        }
        _ => None,
    }
}
