//! Reading one provider's error object, whatever family wrote it, into a [`ProviderError`]. (Not
//! llmwire's own error object: that is `crate::error::ErrorObject`.)
//!
//! One walk over the object's keys finds the message (in any of its shapes: string, list, a
//! FastAPI/Mistral `detail` object), type, code (string or number), Google status and `details`,
//! legacy `errors[]`, Azure `innererror`, OpenRouter `metadata` (with `raw` read recursively),
//! Groq's `failed_generation`, and clues to the family. Not for telling bodies apart or finding
//! the object in them (see `body`).

use serde_json::Value;

use super::body::{nested_error, read_value};
use super::google;
use super::provider_error::ProviderError;
use super::text;

/// Keys that hold the message, by preference.
pub(crate) const MESSAGE_KEYS: [&str; 7] = [
    "message",
    "msg",
    "error_message",
    "errorMessage",
    "error_msg",
    "detail",
    "error_description",
];

/// True when `value` has a non-null message under any of [`MESSAGE_KEYS`].
pub(crate) fn has_message_key(value: &Value) -> bool {
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
            // Message keys take their rank in MESSAGE_KEYS.
            let rank = match key.as_str() {
                "message" => Some(0),
                "msg" => Some(1),
                "error_message" => Some(2),
                "errorMessage" => Some(3),
                "error_msg" => Some(4),
                "detail" => Some(5),
                "error_description" => Some(6),
                _ => None,
            };
            if let Some(rank) = rank {
                f.messages[rank] = Some(value);
                continue;
            }
            match key.as_str() {
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
pub(crate) fn read_provider_object(e: &Value, root: &Value, depth: u8) -> ProviderError {
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
