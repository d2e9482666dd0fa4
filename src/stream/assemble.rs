//! Assembling a streamed chat completion into the message a non-streaming call would have returned.
//!
//! For: merging `chat.completion.chunk` deltas — content and other text concatenated, tool calls
//! merged by `index`, one message per choice `index` — and judging at the end whether the stream
//! was complete. Not for: parsing the event stream (see [`super::SseParser`]) or checking that the
//! finished message is useful (empty content is the client's judgement, as for non-streaming).
//!
//! Merging rules, per choice: `role` is set once; `content` strings (and the `text` of content
//! parts) are concatenated; every other string field of the delta (`reasoning_content`,
//! `reasoning`, `refusal`, …) is concatenated under its own name; array fields (`annotations`, …)
//! are appended; other values keep the last non-null one. A tool call's `id`, `type` and
//! `function.name` are set once and `function.arguments` concatenated; a tool call without `index`
//! (some servers omit it) joins the call with the same `id`, or starts a new one when the `id` is
//! new, or continues the last one when there is no `id`. `id`, `created` and `model` keep the first
//! real value (Azure's first chunk has empty ones). `finish_reason` keeps the last non-empty
//! value, `logprobs` arrays are appended, and `usage` is the last non-null one (the final chunk of
//! `stream_options.include_usage`, whose `choices` is empty).

use std::collections::BTreeMap;

use serde_json::{Map, Value};
use thiserror::Error;

use super::ordinary::{Ordinary, Scalar, ToolCall};
use crate::classify::{Classification, TransportFault};
use crate::taxonomy::ErrorClass;

/// Why a stream did not yield a complete message.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum StreamEnd {
    /// The stream stopped early: no `[DONE]`, and some choice never got a `finish_reason`.
    /// The client reports class `network` with transport fault `truncated`.
    #[error("{message}")]
    Truncated {
        /// What was missing, for the error object's message.
        message: String,
    },
    /// The stream was not a usable completion (no chunk, or no choice at all): class
    /// `malformed_response`.
    #[error("{message}")]
    Malformed {
        /// What was missing, for the error object's message.
        message: String,
    },
}

impl StreamEnd {
    /// The taxonomy class to report.
    pub fn class(&self) -> ErrorClass {
        match self {
            StreamEnd::Truncated { .. } => ErrorClass::Network,
            StreamEnd::Malformed { .. } => ErrorClass::MalformedResponse,
        }
    }

    /// The transport fault to report, for a truncated stream.
    pub fn transport_fault(&self) -> Option<TransportFault> {
        match self {
            StreamEnd::Truncated { .. } => Some(TransportFault::Truncated),
            StreamEnd::Malformed { .. } => None,
        }
    }

    /// A classification of this outcome (class default retryability, no hint).
    pub fn classification(&self) -> Classification {
        Classification::local(self.class(), self.to_string())
    }
}

/// Builds the final `chat.completion` object from the chunks of a stream; see the module
/// documentation for the merging rules.
///
/// ```
/// use llmwire::stream::StreamAssembler;
/// use serde_json::json;
///
/// let mut assembler = StreamAssembler::new();
/// assembler.push(&json!({"id": "c1", "choices": [{"index": 0, "delta": {"tool_calls": [
///     {"index": 0, "id": "call_1", "type": "function", "function": {"name": "weather", "arguments": "{\"ci"}}]}}]}));
/// assembler.push(&json!({"id": "c1", "choices": [{"index": 0, "delta": {"tool_calls": [
///     {"index": 0, "function": {"arguments": "ty\":\"Oslo\"}"}}]}, "finish_reason": "tool_calls"}]}));
/// let message = assembler.finish(false).unwrap(); // no [DONE], but every choice finished
/// assert_eq!(message["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"], "{\"city\":\"Oslo\"}");
/// assert_eq!(message["choices"][0]["message"]["content"], json!(null));
/// ```
#[derive(Debug, Clone, Default)]
pub struct StreamAssembler {
    chunks: u64,
    /// Top-level fields: `id`, `created`, `model` (first wins), others (last non-null wins).
    header: Map<String, Value>,
    usage: Option<Value>,
    choices: BTreeMap<u64, ChoiceParts>,
}

#[derive(Debug, Clone, Default)]
struct ChoiceParts {
    role: Option<String>,
    content: Option<String>,
    /// Delta fields merged by the generic rules (strings concatenated, arrays appended, …).
    message_fields: Map<String, Value>,
    tool_calls: BTreeMap<u64, ToolCallParts>,
    function_call: Option<ToolCallParts>,
    finish_reason: Option<Value>,
    logprobs: Option<Map<String, Value>>,
    /// Other choice-level fields (`native_finish_reason`, `stop_reason`, …): last non-null wins.
    choice_fields: Map<String, Value>,
}

#[derive(Debug, Clone, Default)]
struct ToolCallParts {
    id: Option<String>,
    kind: Option<String>,
    name: Option<String>,
    arguments: String,
    /// Other fields (e.g. Gemini's `extra_content` with a thought signature): merged generically.
    extra: Map<String, Value>,
}

impl StreamAssembler {
    /// An assembler that has seen no chunk.
    pub fn new() -> StreamAssembler {
        StreamAssembler::default()
    }

    /// Merges one chunk (a [`super::StreamItem::Chunk`]); anything but a JSON object is ignored.
    pub fn push(&mut self, chunk: &Value) {
        let Some(object) = chunk.as_object() else {
            return;
        };
        self.chunks += 1;
        for (key, value) in object {
            match key.as_str() {
                "choices" => {
                    for choice in value.as_array().into_iter().flatten() {
                        self.push_choice(choice);
                    }
                }
                "usage" if !value.is_null() => self.usage = Some(value.clone()),
                "object" | "usage" => {}
                "id" | "created" | "model" => {
                    // The first value wins, unless it said nothing and this one says something.
                    let replace = match self.header.get(key) {
                        None => true,
                        Some(current) => is_placeholder(current) && !is_placeholder(value),
                    };
                    if replace {
                        self.header.insert(key.clone(), value.clone());
                    }
                }
                _ => merge_last(&mut self.header, key, value),
            }
        }
    }

    /// Merges a chunk read from its text by [`Ordinary::read`], exactly as [`StreamAssembler::push`]
    /// merges the same chunk parsed. Returns `false`, having merged nothing, when the chunk would
    /// add a member to the header: where it goes in the message follows the order of the text's
    /// members, which only a parse keeps (so a stream's first chunk is always parsed).
    pub(crate) fn push_ordinary(&mut self, chunk: &Ordinary<'_>) -> bool {
        let adds_a_member = chunk.fields.iter().any(|(key, value)| {
            !self.header.contains_key(*key)
                && (matches!(*key, "id" | "created" | "model") || *value != Scalar::Null)
        });
        if adds_a_member {
            return false;
        }
        self.chunks += 1;
        for (key, value) in &chunk.fields {
            let Some(current) = self.header.get_mut(*key) else {
                continue; // a null the header never had
            };
            let replace = match *key {
                "id" | "created" | "model" => is_placeholder(current) && !value.is_placeholder(),
                _ => *value != Scalar::Null && !value.is(current),
            };
            if replace {
                *current = value.to_value();
            }
        }
        for choice in &chunk.choices {
            let parts = self.choices.entry(choice.index).or_default();
            if let Some(role) = &choice.role {
                parts.role.get_or_insert_with(|| role.to_string());
            }
            if let Some(content) = &choice.content {
                parts
                    .content
                    .get_or_insert_with(String::new)
                    .push_str(content);
            }
            for call in &choice.tool_calls {
                let index = parts.tool_call_index(call.index, call.id.as_deref());
                parts
                    .tool_calls
                    .entry(index)
                    .or_default()
                    .merge_ordinary(call);
            }
            if let Some(reason) = choice.finish_reason.as_deref().filter(|r| !r.is_empty()) {
                parts.finish_reason = Some(Value::from(reason));
            }
        }
        true
    }

    /// Chunks merged so far.
    pub fn chunks(&self) -> u64 {
        self.chunks
    }

    /// The message as assembled so far, whether or not the stream is complete (e.g. to report
    /// what a truncated stream had delivered).
    pub fn snapshot(&self) -> Value {
        let mut response = self.header.clone();
        for key in ["id", "created", "model"] {
            response.entry(key).or_insert(Value::Null);
        }
        response.insert("object".into(), Value::from("chat.completion"));
        let choices = self
            .choices
            .iter()
            .map(|(index, parts)| parts.build(*index))
            .collect();
        response.insert("choices".into(), Value::Array(choices));
        response.insert("usage".into(), self.usage.clone().unwrap_or(Value::Null));
        Value::Object(response)
    }

    /// The final message, or why the stream is incomplete. `saw_done`: whether `data: [DONE]`
    /// arrived.
    ///
    /// - no chunk at all → [`StreamEnd::Malformed`];
    /// - no `[DONE]`, and no choice or a choice without `finish_reason` → [`StreamEnd::Truncated`];
    /// - `[DONE]` but no choice → [`StreamEnd::Malformed`];
    /// - otherwise the message. A stream that ends after every choice's `finish_reason` without
    ///   `[DONE]` is complete: the finish reason is the model's own end marker, and some
    ///   OpenAI-compatible servers omit `[DONE]`.
    pub fn finish(&self, saw_done: bool) -> Result<Value, StreamEnd> {
        if self.chunks == 0 {
            let detail = if saw_done { "only [DONE]" } else { "no data" };
            return Err(StreamEnd::Malformed {
                message: format!("the stream ended without a single chunk ({detail})"),
            });
        }
        let unfinished = self
            .choices
            .values()
            .filter(|c| c.finish_reason.is_none())
            .count();
        if !saw_done && (self.choices.is_empty() || unfinished > 0) {
            return Err(StreamEnd::Truncated {
                message: format!(
                    "the stream ended after {} chunks without [DONE] and before {} (a cut connection?)",
                    self.chunks,
                    if self.choices.is_empty() { "any choice" } else { "a finish_reason" }
                ),
            });
        }
        if self.choices.is_empty() {
            return Err(StreamEnd::Malformed {
                message: format!("the stream's {} chunks carried no choice", self.chunks),
            });
        }
        Ok(self.snapshot())
    }

    fn push_choice(&mut self, choice: &Value) {
        let Some(choice) = choice.as_object() else {
            return;
        };
        let index = choice.get("index").and_then(Value::as_u64).unwrap_or(0);
        let parts = self.choices.entry(index).or_default();
        for (key, value) in choice {
            match key.as_str() {
                "index" => {}
                "delta" | "message" => {
                    for (field, value) in value.as_object().into_iter().flatten() {
                        parts.push_delta_field(field, value);
                    }
                }
                "finish_reason" if !is_placeholder(value) => {
                    parts.finish_reason = Some(value.clone())
                }
                "logprobs" if value.is_object() => {
                    let logprobs = parts.logprobs.get_or_insert_with(Map::new);
                    for (field, value) in value.as_object().into_iter().flatten() {
                        merge_generic(logprobs, field, value);
                    }
                }
                "finish_reason" | "logprobs" => {}
                _ => merge_last(&mut parts.choice_fields, key, value),
            }
        }
    }
}

impl ChoiceParts {
    fn push_delta_field(&mut self, field: &str, value: &Value) {
        match (field, value) {
            ("role", Value::String(role)) => {
                self.role.get_or_insert_with(|| role.clone());
            }
            ("content", Value::String(text)) => {
                self.content.get_or_insert_with(String::new).push_str(text)
            }
            ("content", Value::Array(parts)) => {
                let content = self.content.get_or_insert_with(String::new);
                for text in parts
                    .iter()
                    .filter_map(|part| part.get("text").and_then(Value::as_str))
                {
                    content.push_str(text);
                }
            }
            ("role" | "content", _) => {}
            ("tool_calls", Value::Array(calls)) => {
                for call in calls.iter().filter_map(Value::as_object) {
                    let index = call.get("index").and_then(Value::as_u64);
                    let id = call.get("id").and_then(Value::as_str);
                    let index = self.tool_call_index(index, id);
                    self.tool_calls.entry(index).or_default().merge(call);
                }
            }
            ("function_call", Value::Object(call)) => self
                .function_call
                .get_or_insert_with(Default::default)
                .merge(call),
            _ => merge_generic(&mut self.message_fields, field, value),
        }
    }

    /// The `index` of a tool call delta, or a sensible one when the server left it out.
    fn tool_call_index(&self, index: Option<u64>, id: Option<&str>) -> u64 {
        if let Some(index) = index {
            return index;
        }
        let last = self.tool_calls.keys().next_back().copied();
        match id.filter(|id| !id.is_empty()) {
            Some(id) => self
                .tool_calls
                .iter()
                .find(|(_, parts)| parts.id.as_deref() == Some(id))
                .map(|(index, _)| *index)
                .unwrap_or_else(|| last.map_or(0, |index| index.saturating_add(1))),
            None => last.unwrap_or(0),
        }
    }

    fn build(&self, index: u64) -> Value {
        let mut message = self.message_fields.clone();
        message.insert(
            "role".into(),
            Value::from(self.role.as_deref().unwrap_or("assistant")),
        );
        message.insert(
            "content".into(),
            self.content.clone().map_or(Value::Null, Value::String),
        );
        if !self.tool_calls.is_empty() {
            let calls = self
                .tool_calls
                .values()
                .map(ToolCallParts::build_tool_call)
                .collect();
            message.insert("tool_calls".into(), Value::Array(calls));
        }
        if let Some(call) = &self.function_call {
            message.insert("function_call".into(), call.build_function());
        }
        let mut choice = self.choice_fields.clone();
        choice.insert("index".into(), Value::from(index));
        choice.insert("message".into(), Value::Object(message));
        choice.insert(
            "finish_reason".into(),
            self.finish_reason.clone().unwrap_or(Value::Null),
        );
        choice.insert(
            "logprobs".into(),
            self.logprobs.clone().map_or(Value::Null, Value::Object),
        );
        Value::Object(choice)
    }
}

impl ToolCallParts {
    fn merge(&mut self, call: &Map<String, Value>) {
        for (key, value) in call {
            match (key.as_str(), value) {
                ("index", _) => {}
                ("id", Value::String(id)) if !id.is_empty() => set_once(&mut self.id, id),
                ("type", Value::String(kind)) if !kind.is_empty() => set_once(&mut self.kind, kind),
                ("function", Value::Object(function)) => self.merge(function),
                ("name", Value::String(name)) if !name.is_empty() => set_once(&mut self.name, name),
                ("arguments", Value::String(text)) => self.arguments.push_str(text),
                // Some servers send the arguments as an object rather than JSON text.
                ("arguments", Value::Object(_)) => self.arguments.push_str(&value.to_string()),
                ("id" | "type" | "name" | "arguments", _) => {}
                _ => merge_generic(&mut self.extra, key, value),
            }
        }
    }

    /// As [`ToolCallParts::merge`], for a tool call read from its text.
    fn merge_ordinary(&mut self, call: &ToolCall<'_>) {
        for (slot, text) in [
            (&mut self.id, &call.id),
            (&mut self.kind, &call.kind),
            (&mut self.name, &call.name),
        ] {
            if let Some(text) = text.as_deref().filter(|text| !text.is_empty()) {
                set_once(slot, text);
            }
        }
        if let Some(arguments) = &call.arguments {
            self.arguments.push_str(arguments);
        }
    }

    fn function_object(&self) -> Value {
        let mut function = Map::new();
        function.insert(
            "name".into(),
            Value::from(self.name.as_deref().unwrap_or_default()),
        );
        function.insert("arguments".into(), Value::from(self.arguments.as_str()));
        Value::Object(function)
    }

    fn build_tool_call(&self) -> Value {
        let mut call = self.extra.clone();
        if let Some(id) = &self.id {
            call.insert("id".into(), Value::from(id.as_str()));
        }
        call.insert(
            "type".into(),
            Value::from(self.kind.as_deref().unwrap_or("function")),
        );
        call.insert("function".into(), self.function_object());
        Value::Object(call)
    }

    fn build_function(&self) -> Value {
        self.function_object()
    }
}

/// A value that says nothing: `null`, `""` or `0` (Azure's first chunk has `"id": ""`,
/// `"model": ""`, `"created": 0`; some servers send `"finish_reason": ""`).
fn is_placeholder(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::String(text) => text.is_empty(),
        Value::Number(number) => number.as_u64() == Some(0),
        _ => false,
    }
}

fn set_once(slot: &mut Option<String>, value: &str) {
    slot.get_or_insert_with(|| value.to_string());
}

/// Strings concatenate, arrays append, other non-null values replace.
fn merge_generic(target: &mut Map<String, Value>, key: &str, value: &Value) {
    match (target.get_mut(key), value) {
        (_, Value::Null) => {}
        (Some(Value::String(existing)), Value::String(more)) => existing.push_str(more),
        (Some(Value::Array(existing)), Value::Array(more)) => existing.extend(more.iter().cloned()),
        _ => {
            target.insert(key.to_string(), value.clone());
        }
    }
}

/// The last non-null value wins.
fn merge_last(target: &mut Map<String, Value>, key: &str, value: &Value) {
    if !value.is_null() {
        target.insert(key.to_string(), value.clone());
    }
}
