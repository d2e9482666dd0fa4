//! The scenario model: what the mock answers to the 1st, 2nd, … request of a session.
//!
//! For: the data both the built-in scenarios and scenario files are made of, and the
//! `{{placeholder}}` templates allowed in header values and bodies. The JSON file format that
//! produces these values lives in `file.rs`; how a step is put on the wire lives in `play.rs`.
//!
//! Not for: selecting the step of an arrival (that is session state, `state.rs`).

use serde_json::Value;

/// A named list of steps. Step `i` answers `repeat` arrivals, then step `i + 1` takes over; the
/// last step answers every arrival after that.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    pub name: String,
    pub description: String,
    pub steps: Vec<Step>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// How many arrivals this step answers (at least 1; ignored for the last step and for gates).
    pub repeat: u32,
    pub action: Action,
}

impl Step {
    pub fn once(action: Action) -> Step {
        Step { repeat: 1, action }
    }

    pub fn times(repeat: u32, action: Action) -> Step {
        Step {
            repeat: repeat.max(1),
            action,
        }
    }
}

/// What one step does with an arrival.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// A fixed HTTP response.
    Respond(Canned),
    /// A transport-level fault.
    Fault(Fault),
    /// A completion built from the request.
    Reply(Reply),
    /// A time gate; see [`Gate`].
    Gate(Gate),
}

/// A fixed response.
#[derive(Debug, Clone, PartialEq)]
pub struct Canned {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Body,
    /// Pause before the status line.
    pub delay_ms: u64,
}

impl Canned {
    pub fn json(status: u16, body: Value) -> Canned {
        Canned {
            status,
            headers: Vec::new(),
            body: Body::Json(body),
            delay_ms: 0,
        }
    }

    pub fn text(status: u16, content_type: &str, body: &str) -> Canned {
        Canned {
            status,
            headers: vec![("content-type".into(), content_type.into())],
            body: Body::Text(body.into()),
            delay_ms: 0,
        }
    }

    pub fn header(mut self, name: &str, value: impl Into<String>) -> Canned {
        self.headers.push((name.into(), value.into()));
        self
    }
}

/// A response body: sent verbatim (`Text`) or serialised (`Json`).
#[derive(Debug, Clone, PartialEq)]
pub enum Body {
    Text(String),
    Json(Value),
}

impl Body {
    /// The content type to send when the step sets none.
    pub fn default_content_type(&self) -> &'static str {
        match self {
            Body::Json(_) => "application/json",
            Body::Text(text) => match text.trim_start().as_bytes().first() {
                Some(b'{') | Some(b'[') => "application/json",
                Some(b'<') => "text/html; charset=utf-8",
                _ => "text/plain; charset=utf-8",
            },
        }
    }
}

/// Transport faults.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultKind {
    /// Read the request, then reset the connection (RST) without a byte of response.
    ResetBeforeHeaders,
    /// Send headers with the full `Content-Length` and half the body, then reset.
    ResetMidBody,
    /// Announce a chunked body, send part of the first chunk, then close (FIN).
    TruncatedChunked,
    /// Read the request, then close (FIN) without a byte of response.
    CloseWithoutResponse,
    /// Send the whole response, but the body in `pieces` pieces `interval_ms` apart.
    SlowBody,
    /// Send SSE headers and `chunks` chunks, go silent for `stall_ms`, then close mid-stream.
    StallStream,
}

impl FaultKind {
    pub const ALL: [(FaultKind, &'static str); 6] = [
        (FaultKind::ResetBeforeHeaders, "reset_before_headers"),
        (FaultKind::ResetMidBody, "reset_mid_body"),
        (FaultKind::TruncatedChunked, "truncated_chunked"),
        (FaultKind::CloseWithoutResponse, "close_without_response"),
        (FaultKind::SlowBody, "slow_body"),
        (FaultKind::StallStream, "stall_stream"),
    ];
}

#[derive(Debug, Clone, PartialEq)]
pub struct Fault {
    pub kind: FaultKind,
    /// Pause before anything happens (before the reset, close or status line).
    pub delay_ms: u64,
    /// Status of the (partial) response, for faults that send one.
    pub status: u16,
    pub headers: Vec<(String, String)>,
    /// The body to send (partially); `None` means a completion built from the request.
    pub body: Option<Body>,
    pub pieces: u32,
    pub interval_ms: u64,
    pub chunks: u32,
    pub stall_ms: u64,
}

impl Fault {
    pub fn new(kind: FaultKind) -> Fault {
        Fault {
            kind,
            delay_ms: 0,
            status: 200,
            headers: Vec::new(),
            body: None,
            pieces: 5,
            interval_ms: 200,
            chunks: 0,
            stall_ms: 30_000,
        }
    }
}

/// Completions built from the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplyKind {
    /// The text of the last user message (or `content`).
    Echo,
    /// A call of the first tool (or `tool_choice`'s), arguments valid for its required fields.
    ToolCall,
    /// `choices: []`.
    EmptyChoices,
    /// A 200 whose body is cut-off JSON.
    InvalidJson,
    /// An assistant message with `content: null` and `finish_reason: "stop"`.
    EmptyContent,
    /// A 200 with no body at all.
    EmptyBody,
    /// An assistant message with `content: null` and `finish_reason: "length"`, every output token
    /// spent on reasoning (`usage.completion_tokens_details.reasoning_tokens`): a reasoning model
    /// given too small a `max_tokens`.
    OutOfTokens,
    /// A valid completion of about `size` bytes.
    HugeBody,
}

impl ReplyKind {
    pub const ALL: [(ReplyKind, &'static str); 8] = [
        (ReplyKind::Echo, "echo"),
        (ReplyKind::ToolCall, "tool_call"),
        (ReplyKind::EmptyChoices, "empty_choices"),
        (ReplyKind::InvalidJson, "invalid_json"),
        (ReplyKind::EmptyContent, "empty_content"),
        (ReplyKind::EmptyBody, "empty_body"),
        (ReplyKind::HugeBody, "huge_body"),
        (ReplyKind::OutOfTokens, "out_of_tokens"),
    ];
}

/// Faults of a streamed reply (they only apply when the request has `"stream": true`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StreamFault {
    /// `chunks` chunks, then a `data: {"error": …}` event, then the end of the body.
    ErrorAfterChunks,
    /// `chunks` chunks, then silence for `stall_ms`, then the rest of the stream.
    StallAfterChunks,
    /// The whole stream except `data: [DONE]`.
    EndWithoutDone,
    /// `chunks` chunks, then only `: keep-alive` comments every `keepalive_ms` for `stall_ms`,
    /// then the rest of the stream (a relay that keeps an idle upstream's connection open).
    KeepAliveAfterChunks,
}

impl StreamFault {
    pub const ALL: [(StreamFault, &'static str); 4] = [
        (StreamFault::ErrorAfterChunks, "error_after_chunks"),
        (StreamFault::StallAfterChunks, "stall_after_chunks"),
        (StreamFault::EndWithoutDone, "end_without_done"),
        (StreamFault::KeepAliveAfterChunks, "keepalive_after_chunks"),
    ];
}

/// The wording of provider errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorFormat {
    OpenAi,
    Gemini,
}

impl ErrorFormat {
    pub fn from_name(name: &str) -> Option<ErrorFormat> {
        match name {
            "openai" => Some(ErrorFormat::OpenAi),
            "gemini" => Some(ErrorFormat::Gemini),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    pub kind: ReplyKind,
    pub delay_ms: u64,
    pub headers: Vec<(String, String)>,
    /// Fixed assistant text instead of the echo.
    pub content: Option<String>,
    /// Approximate body size of `huge_body`, in bytes.
    pub size: u64,
    /// Number of tool calls of `tool_call`.
    pub parallel: u32,
    /// Pause between stream chunks.
    pub chunk_delay_ms: u64,
    pub stream_fault: Option<StreamFault>,
    pub chunks: u32,
    pub stall_ms: u64,
    /// Interval of the `: keep-alive` comments of `keepalive_after_chunks`.
    pub keepalive_ms: u64,
    /// Shape of the `error_after_chunks` event; `None` follows the endpoint (Gemini path → gemini).
    pub error_format: Option<ErrorFormat>,
    /// The exact `error_after_chunks` event payload, overriding `error_format`.
    pub error_event: Option<Value>,
}

impl Reply {
    pub fn new(kind: ReplyKind) -> Reply {
        Reply {
            kind,
            delay_ms: 0,
            headers: Vec::new(),
            content: None,
            size: 20 * 1024 * 1024,
            parallel: 1,
            chunk_delay_ms: 0,
            stream_fault: None,
            chunks: 2,
            stall_ms: 30_000,
            keepalive_ms: 1000,
            error_format: None,
            error_event: None,
        }
    }

    pub fn echo() -> Reply {
        Reply::new(ReplyKind::Echo)
    }
}

/// A time gate for tests of hint-honouring clients: an arrival earlier than `not_before_ms` after
/// the session's first arrival is answered with `otherwise`, and the scenario stays on the gate;
/// a later arrival passes the gate and is answered by the next step.
#[derive(Debug, Clone, PartialEq)]
pub struct Gate {
    pub not_before_ms: u64,
    pub otherwise: Box<Action>,
}

/// What `{{placeholders}}` are replaced with.
pub struct TemplateContext<'a> {
    /// The `model` of the request (or a default).
    pub model: &'a str,
}

/// The placeholders a template may use: `{{model}}` and `{{http_date+N}}` (an IMF-fixdate N
/// seconds from now, for `retry-after` dates).
pub const PLACEHOLDERS: &str = "{{model}}, {{http_date+N}}";

/// Checks that every `{{…}}` in `text` is a known placeholder.
pub fn check_template(text: &str) -> Result<(), String> {
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else {
            return Err(format!("unclosed placeholder in {text:?}"));
        };
        let name = &after[..end];
        if name != "model" && http_date_offset(name).is_none() {
            return Err(format!(
                "unknown placeholder {{{{{name}}}}} (known: {PLACEHOLDERS})"
            ));
        }
        rest = &after[end + 2..];
    }
    Ok(())
}

fn http_date_offset(name: &str) -> Option<i64> {
    let offset = name.strip_prefix("http_date")?;
    if offset.is_empty() {
        return Some(0);
    }
    let seconds = offset.strip_prefix('+')?;
    if seconds.is_empty() || !seconds.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    seconds.parse().ok()
}

/// Replaces the placeholders of `text` (unknown ones are left as they are).
pub fn render_template(text: &str, context: &TemplateContext<'_>) -> String {
    if !text.contains("{{") {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else {
            out.push_str(&rest[start..]);
            return out;
        };
        let name = &after[..end];
        if name == "model" {
            out.push_str(context.model);
        } else if let Some(offset) = http_date_offset(name) {
            out.push_str(&super::response::http_date_from_now(offset));
        } else {
            out.push_str(&rest[start..start + 2 + end + 2]);
        }
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    out
}

/// Renders the placeholders in every string of a JSON value.
pub fn render_json(value: &Value, context: &TemplateContext<'_>) -> Value {
    match value {
        Value::String(text) => Value::String(render_template(text, context)),
        Value::Array(items) => {
            Value::Array(items.iter().map(|v| render_json(v, context)).collect())
        }
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), render_json(v, context)))
                .collect(),
        ),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_render_model_and_dates_and_keep_unknown_text() {
        let context = TemplateContext { model: "gpt-x" };
        assert_eq!(
            render_template("model {{model}}!", &context),
            "model gpt-x!"
        );
        let date = render_template("{{http_date+60}}", &context);
        assert!(date.ends_with(" GMT"), "{date}");
        assert_eq!(render_template("{{nope}} {{", &context), "{{nope}} {{");
    }

    #[test]
    fn template_check_names_unknown_placeholders() {
        assert!(check_template("{{model}} {{http_date}} {{http_date+5}}").is_ok());
        let error = check_template("a {{modle}}").unwrap_err();
        assert!(error.contains("{{modle}}"), "{error}");
        assert!(check_template("{{http_date-5}}").is_err());
        assert!(check_template("{{model").is_err());
    }
}
