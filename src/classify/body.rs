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
    pub error: Option<ProviderError>,
    /// What plain text, an HTML title or a leading status said, when there is no structured error.
    pub text: Option<ProviderError>,
    /// Whether the body is a usable completion, when it is shaped like one (or a stream).
    pub verdict: Option<Verdict>,
}

impl ReadBody {
    /// The structured error, else what the text said.
    pub fn error_or_text(&self) -> Option<&ProviderError> {
        self.error.as_ref().or(self.text.as_ref())
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
        read.error = stream.error;
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
        read.text = Some(ProviderError {
            message: text::html_message(&text),
            ..ProviderError::default()
        });
        return read;
    }
    read.format = BodyFormat::Text;
    let scan = text::prefix(&text, text::TEXT_SCAN_LIMIT);
    if let Some(error) = google::read_grpc_text(scan) {
        read.error = Some(error);
        return read;
    }
    let leading = text::leading_status(scan);
    if let Some(value) = embedded_value(scan) {
        read.format = BodyFormat::Json;
        read.error = read_value(&value, 1);
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
    read.text = Some(error);
    read
}

/// Reads a strictly parsed body: an error, else a completion verdict, else a JSON string's words.
fn read_json(read: &mut ReadBody, value: &Value) {
    read.format = BodyFormat::Json;
    read.error = read_value(value, 0);
    if read.error.is_none() {
        read.verdict = completion::judge(value);
        if read.verdict.is_none() {
            if let Value::String(s) = value {
                // A JSON string body (a client showing an `error` string field).
                read.text = Some(text_error(s));
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
fn nested_error(s: &str, depth: u8) -> Option<ProviderError> {
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
                    Value::Object(_) => read_error_object(inner, value, depth),
                    Value::String(s) => {
                        let mut error = read_error_object(value, value, depth);
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
                        .map(|item| read_error_object(item, value, depth))?,
                    _ if has_message_key(value) => read_error_object(value, value, depth),
                    _ => return None,
                };
                if root.get("type").and_then(Value::as_str) == Some("error") {
                    error.clues.anthropic = true;
                }
                return Some(error);
            }
            if root.contains_key("choices") || root.contains_key("candidates") {
                return None;
            }
            let flat_error = root.get("object").and_then(Value::as_str) == Some("error")
                || root.get("type").and_then(Value::as_str) == Some("error");
            if flat_error || has_message_key(value) {
                return Some(read_error_object(value, value, depth));
            }
            match root.get("errors") {
                Some(Value::Array(items)) => items
                    .iter()
                    .find(|item| item.is_object())
                    .map(|item| read_error_object(item, value, depth)),
                _ => None,
            }
        }
        _ => None,
    }
}

const MESSAGE_KEYS: [&str; 7] = [
    "message",
    "msg",
    "error_message",
    "errorMessage",
    "error_msg",
    "detail",
    "error_description",
];

fn has_message_key(value: &Value) -> bool {
    MESSAGE_KEYS
        .iter()
        .any(|key| value.get(key).is_some_and(|v| !v.is_null()))
}

/// The fields of one error object, found in a single walk over its keys.
#[derive(Default)]
struct Fields<'v> {
    /// Candidates in [`MESSAGE_KEYS`] order.
    messages: [Option<&'v Value>; MESSAGE_KEYS.len()],
    kind: Option<&'v Value>,
    error_type: Option<&'v Value>,
    code: Option<&'v Value>,
    status: Option<&'v Value>,
    param: Option<&'v Value>,
    request_id: Option<&'v Value>,
    details: Option<&'v Value>,
    errors: Option<&'v Value>,
    inner: Option<&'v Value>,
    metadata: Option<&'v Value>,
    failed_generation: bool,
}

impl<'v> Fields<'v> {
    fn of(e: &'v Value) -> Fields<'v> {
        let mut f = Fields::default();
        let Some(map) = e.as_object() else {
            return f;
        };
        for (key, value) in map {
            let key = key.as_str();
            if let Some(rank) = MESSAGE_KEYS.iter().position(|k| *k == key) {
                f.messages[rank] = Some(value);
                continue;
            }
            match key {
                "type" => f.kind = Some(value),
                "error_type" => f.error_type = Some(value),
                "code" => f.code = Some(value),
                "status" => f.status = Some(value),
                "statusCode" => f.status = f.status.or(Some(value)),
                "param" => f.param = Some(value),
                "request_id" => f.request_id = Some(value),
                "details" => f.details = Some(value),
                "errors" => f.errors = Some(value),
                "innererror" | "inner_error" => f.inner = Some(value),
                "metadata" => f.metadata = Some(value),
                "failed_generation" => f.failed_generation = true,
                _ => {}
            }
        }
        f
    }
}

/// Reads one error object `e` (with `root`, the whole body, for request ids and clues).
fn read_error_object(e: &Value, root: &Value, depth: u8) -> ProviderError {
    let f = Fields::of(e);
    let mut error = ProviderError {
        message: f.messages.iter().flatten().find_map(|v| render_message(v)),
        error_type: nonempty(f.kind)
            .or_else(|| nonempty(f.error_type))
            .filter(|t| t != "error"),
        ..ProviderError::default()
    };
    match f.code {
        Some(Value::String(s)) if !s.trim().is_empty() => {
            error.code = Some(s.clone());
            error.status_number = http_status(s.trim().parse().ok());
        }
        Some(Value::Number(n)) => {
            error.status_number = http_status(n.as_u64());
            error.code = Some(match error.status_number {
                Some(status) => status.to_string(),
                None => n.to_string(),
            });
        }
        _ => {}
    }
    match f.status {
        Some(Value::String(s)) => {
            if let Some(name) = google::status_name(s) {
                error.google_status = Some(name.to_string());
                error.clues.google = true;
            }
        }
        Some(Value::Number(n)) if error.status_number.is_none() => {
            error.status_number = http_status(n.as_u64());
        }
        _ => {}
    }
    let message_value = f.messages[0];
    error.param = nonempty(f.param).or_else(|| message_value.and_then(detail_location));
    error.request_id = nonempty(f.request_id).or_else(|| {
        if std::ptr::eq(e, root) {
            None
        } else {
            nonempty(root.get("request_id"))
        }
    });
    if let Some(details) = f.details {
        google::read_details(details, &mut error);
    }
    if let Some(Value::Array(items)) = f.errors {
        for item in items.iter().take(16) {
            if let Some(reason) = nonempty(item.get("reason")) {
                error.reasons.push(reason);
            }
        }
        if error.message.is_none() {
            error.message = items
                .iter()
                .find_map(|i| i.get("message").and_then(render_message));
        }
    }
    read_azure(f.inner, &mut error);
    read_openrouter(f.metadata, &mut error, depth);
    if f.failed_generation {
        error.failed_generation = true;
        error.clues.groq = true;
    }
    note_clues(&f, root, &mut error);
    if error.message.as_deref().is_some_and(|m| m.contains('{')) {
        if let Some(inner) = error
            .message
            .as_deref()
            .and_then(|m| nested_error(m, depth))
        {
            error.absorb(inner);
        }
    }
    error
}

fn read_azure(inner: Option<&Value>, error: &mut ProviderError) {
    if error.code.as_deref() == Some("content_filter") {
        error.content_filtered = true;
        error.clues.azure = true;
    }
    let Some(inner) = inner else {
        return;
    };
    error.clues.azure = true;
    if let Some(code) = nonempty(inner.get("code")) {
        if code.eq_ignore_ascii_case("ResponsibleAIPolicyViolation") {
            error.content_filtered = true;
        }
        error.reasons.push(code);
    }
    if let Some(Value::Object(results)) = inner.get("content_filter_result") {
        if results
            .values()
            .any(|r| r.get("filtered").and_then(Value::as_bool) == Some(true))
        {
            error.content_filtered = true;
        }
    }
}

fn read_openrouter(meta: Option<&Value>, error: &mut ProviderError, depth: u8) {
    let Some(meta) = meta.filter(|m| m.is_object()) else {
        return;
    };
    if let Some(name) = nonempty(meta.get("provider_name")) {
        error.upstream_name = Some(name);
        error.clues.openrouter = true;
    }
    if let Some(source) = nonempty(meta.get("limit_source")) {
        error.limit_source = Some(source);
        error.clues.openrouter = true;
    }
    if meta.get("flagged_input").is_some() {
        error.content_filtered = true;
        error.clues.openrouter = true;
    }
    let inner = match meta.get("raw") {
        Some(Value::String(raw)) => {
            error.clues.openrouter = true;
            nested_error(raw, depth).or_else(|| {
                text::clean_message(text::prefix(raw, text::WORDING_SCAN_LIMIT)).map(|message| {
                    ProviderError {
                        message: Some(message),
                        ..ProviderError::default()
                    }
                })
            })
        }
        Some(raw @ Value::Object(_)) => {
            error.clues.openrouter = true;
            read_value(raw, depth + 1)
        }
        _ => None,
    };
    if let Some(inner) = inner {
        error.absorb(inner);
    }
}

fn note_clues(f: &Fields<'_>, root: &Value, error: &mut ProviderError) {
    const ANTHROPIC_TYPES: [&str; 7] = [
        "overloaded_error",
        "rate_limit_error",
        "authentication_error",
        "permission_error",
        "not_found_error",
        "request_too_large",
        "billing_error",
    ];
    let kind = error.error_type.as_deref().unwrap_or("");
    let code = error.code.as_deref().unwrap_or("");
    if ANTHROPIC_TYPES.contains(&kind) || ANTHROPIC_TYPES.contains(&code) {
        error.clues.anthropic = true;
    }
    if root.get("object").and_then(Value::as_str) == Some("error") {
        if f.messages[0].is_some_and(Value::is_object) {
            error.clues.mistral = true;
        } else {
            error.clues.vllm = true;
        }
    }
    if f.messages[0].is_some() && f.kind.is_some() && (f.param.is_some() || f.code.is_some()) {
        error.clues.openai_shape = true;
    }
}

/// An HTTP status from a number, when it is one.
fn http_status(n: Option<u64>) -> Option<u16> {
    n.filter(|n| (100..=599).contains(n)).map(|n| n as u16)
}

fn nonempty(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(s) if !s.trim().is_empty() => Some(s.clone()),
        _ => None,
    }
}

/// A message in any of its shapes: a string, a list, a FastAPI/Mistral `detail` object.
fn render_message(value: &Value) -> Option<String> {
    let rendered = match value {
        Value::String(s) => return text::clean_message(s),
        Value::Array(items) => items
            .iter()
            .take(16)
            .filter_map(render_message)
            .collect::<Vec<_>>()
            .join("; "),
        Value::Object(map) => {
            if let Some(detail) = map.get("detail").or_else(|| map.get("details")) {
                return render_message(detail);
            }
            let text = map
                .get("msg")
                .or_else(|| map.get("message"))
                .and_then(render_message);
            match (text, location(value)) {
                (Some(text), Some(loc)) => format!("{loc}: {text}"),
                (Some(text), None) => text,
                (None, _) => serde_json::to_string(value).ok()?,
            }
        }
        Value::Null | Value::Bool(_) | Value::Number(_) => return None,
    };
    text::clean_message(&rendered)
}

/// `loc` of a FastAPI/Mistral validation item, e.g. `["body", "max_tokens"]` → `body.max_tokens`.
fn location(value: &Value) -> Option<String> {
    let parts: Vec<String> = value
        .get("loc")?
        .as_array()?
        .iter()
        .map(|p| match p {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        })
        .collect();
    (!parts.is_empty()).then(|| parts.join("."))
}

/// The parameter named by a `detail` list's first `loc` (without the leading `body`).
fn detail_location(message: &Value) -> Option<String> {
    let detail = message.get("detail").unwrap_or(message);
    let first = detail.as_array()?.first()?;
    let parts: Vec<&str> = first
        .get("loc")?
        .as_array()?
        .iter()
        .filter_map(Value::as_str)
        .skip_while(|p| *p == "body")
        .collect();
    (!parts.is_empty()).then(|| parts.join("."))
}
