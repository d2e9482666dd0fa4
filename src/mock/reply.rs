//! Completions built from the request: the body of a `chat.completion`, or the payloads of the
//! `chat.completion.chunk` events of a stream.
//!
//! For: echo replies, tool calls whose arguments fill the tool schema's required fields, and the
//! malformed-but-200 replies (empty choices, null content, cut-off JSON, huge bodies). Pure: data
//! in, JSON out.
//!
//! Not for: HTTP framing, SSE framing or timing (`play.rs`).

use serde_json::{json, Map, Value};

use super::scenario::{Reply, ReplyKind};

/// The model named in replies when the request names none.
pub const DEFAULT_MODEL: &str = "mock-model";

/// A chat-completions request body, parsed.
#[derive(Debug, Clone, PartialEq)]
pub struct ChatRequest {
    body: Value,
}

impl ChatRequest {
    /// A parsed request; `None` when the body is not a JSON object.
    pub fn parse(bytes: &[u8]) -> Option<ChatRequest> {
        match serde_json::from_slice::<Value>(bytes) {
            Ok(body) if body.is_object() => Some(ChatRequest { body }),
            _ => None,
        }
    }

    /// The request as sent.
    pub fn body(&self) -> &Value {
        &self.body
    }

    pub fn model(&self) -> &str {
        self.body["model"].as_str().unwrap_or(DEFAULT_MODEL)
    }

    pub fn stream(&self) -> bool {
        self.body["stream"].as_bool().unwrap_or(false)
    }

    pub fn include_usage(&self) -> bool {
        self.body["stream_options"]["include_usage"]
            .as_bool()
            .unwrap_or(false)
    }

    fn messages(&self) -> &[Value] {
        self.body["messages"].as_array().map_or(&[], Vec::as_slice)
    }

    /// The text of the last user message (text parts joined), or `""`.
    pub fn last_user_text(&self) -> String {
        self.messages()
            .iter()
            .rev()
            .find(|m| m["role"] == "user")
            .map(|m| content_text(&m["content"]))
            .unwrap_or_default()
    }

    /// A rough prompt size: 4 characters a token plus 3 tokens a message.
    pub fn prompt_tokens(&self) -> u64 {
        self.messages()
            .iter()
            .map(|m| estimate_tokens(&content_text(&m["content"])) + 3)
            .sum()
    }

    /// The tools to call: `tool_choice`'s function if it names one, else the first tool; none
    /// when the request has no tools or `tool_choice` is `"none"`.
    fn tool_to_call(&self) -> Option<&Value> {
        if self.body["tool_choice"] == "none" {
            return None;
        }
        let tools = self.body["tools"].as_array()?;
        let chosen = self.body["tool_choice"]["function"]["name"].as_str();
        match chosen {
            Some(name) => tools.iter().find(|t| t["function"]["name"] == name),
            None => tools.first(),
        }
    }
}

fn content_text(content: &Value) -> String {
    match content {
        Value::String(text) => text.clone(),
        Value::Array(parts) => parts
            .iter()
            .filter_map(|part| part["text"].as_str())
            .collect::<Vec<_>>()
            .join(""),
        _ => String::new(),
    }
}

fn estimate_tokens(text: &str) -> u64 {
    (text.chars().count() as u64).div_ceil(4)
}

/// The identity shared by a reply's body or all its chunks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplyIds {
    /// `chatcmpl-…`
    pub completion_id: String,
    /// Unix seconds.
    pub created: u64,
    /// Distinguishes tool call ids of different replies.
    pub serial: u64,
}

/// One tool call of a reply.
#[derive(Debug, Clone, PartialEq)]
struct ToolCall {
    id: String,
    name: String,
    arguments: String,
}

/// What the assistant says in a reply.
enum Answer {
    Text(String),
    Calls(Vec<ToolCall>),
    /// `content: null`, no tool calls.
    Nothing,
}

fn answer(request: &ChatRequest, reply: &Reply, ids: &ReplyIds, model: &str) -> Answer {
    match reply.kind {
        ReplyKind::EmptyContent | ReplyKind::OutOfTokens => Answer::Nothing,
        ReplyKind::ToolCall => match tool_calls(request, reply.parallel, ids) {
            Some(calls) => Answer::Calls(calls),
            None => Answer::Text(echo_text(request, reply, model)),
        },
        _ => Answer::Text(echo_text(request, reply, model)),
    }
}

fn echo_text(request: &ChatRequest, reply: &Reply, model: &str) -> String {
    match &reply.content {
        Some(content) => {
            super::scenario::render_template(content, &super::scenario::TemplateContext { model })
        }
        None => request.last_user_text(),
    }
}

fn tool_calls(request: &ChatRequest, parallel: u32, ids: &ReplyIds) -> Option<Vec<ToolCall>> {
    let tool = request.tool_to_call()?;
    let function = &tool["function"];
    let name = function["name"].as_str()?.to_string();
    let arguments = value_for_schema(&function["parameters"], 0);
    let arguments = if arguments.is_object() {
        arguments
    } else {
        json!({})
    };
    Some(
        (0..parallel.max(1))
            .map(|i| ToolCall {
                id: format!("call_mock_{}_{i}", ids.serial),
                name: name.clone(),
                arguments: arguments.to_string(),
            })
            .collect(),
    )
}

/// A small value valid for `schema`: every required property filled, nothing else.
fn value_for_schema(schema: &Value, depth: usize) -> Value {
    if depth > 8 {
        return Value::Null;
    }
    if let Some(first) = schema["enum"].as_array().and_then(|values| values.first()) {
        return first.clone();
    }
    if let Some(constant) = schema.get("const") {
        return constant.clone();
    }
    for union in ["anyOf", "oneOf", "allOf"] {
        if let Some(first) = schema[union]
            .as_array()
            .and_then(|alternatives| alternatives.first())
        {
            return value_for_schema(first, depth + 1);
        }
    }
    let schema_type = match &schema["type"] {
        Value::String(t) => t.as_str(),
        Value::Array(types) => types
            .iter()
            .filter_map(Value::as_str)
            .find(|t| *t != "null")
            .unwrap_or("null"),
        _ if schema.get("properties").is_some() => "object",
        _ => "string",
    };
    match schema_type {
        "object" => {
            let mut object = Map::new();
            for name in schema["required"].as_array().into_iter().flatten() {
                if let Some(name) = name.as_str() {
                    let property = &schema["properties"][name];
                    object.insert(name.to_string(), value_for_schema(property, depth + 1));
                }
            }
            Value::Object(object)
        }
        "array" => {
            let min_items = schema["minItems"].as_u64().unwrap_or(0).min(4);
            Value::Array(
                (0..min_items)
                    .map(|_| value_for_schema(&schema["items"], depth + 1))
                    .collect(),
            )
        }
        "integer" => json!(schema["minimum"].as_i64().unwrap_or(1)),
        "number" => json!(schema["minimum"].as_f64().unwrap_or(1.5)),
        "boolean" => json!(true),
        "null" => Value::Null,
        _ => json!("mock"),
    }
}

fn usage(request: &ChatRequest, completion_tokens: u64) -> Value {
    let prompt_tokens = request.prompt_tokens();
    json!({
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "total_tokens": prompt_tokens + completion_tokens
    })
}

/// The reasoning tokens of an [`ReplyKind::OutOfTokens`] reply: the request's output limit
/// (`max_completion_tokens`, else `max_tokens`), else 256.
fn spent_on_reasoning(request: &ChatRequest) -> u64 {
    let limit = |key: &str| request.body.get(key).and_then(Value::as_u64);
    limit("max_completion_tokens")
        .or_else(|| limit("max_tokens"))
        .unwrap_or(256)
}

/// The finish reason and usage of a reply whose answer is `answer` (`completion_tokens` of it).
fn finish_and_usage(
    request: &ChatRequest,
    reply: &Reply,
    answer: &Answer,
    completion_tokens: u64,
) -> (&'static str, Value) {
    if reply.kind == ReplyKind::OutOfTokens {
        let spent = spent_on_reasoning(request);
        let mut usage = usage(request, spent);
        usage["completion_tokens_details"] = json!({"reasoning_tokens": spent});
        return ("length", usage);
    }
    let finish_reason = match answer {
        Answer::Text(_) | Answer::Nothing => "stop",
        Answer::Calls(_) => "tool_calls",
    };
    (finish_reason, usage(request, completion_tokens))
}

fn answer_tokens(answer: &Answer) -> u64 {
    match answer {
        Answer::Text(text) => estimate_tokens(text),
        Answer::Calls(calls) => calls
            .iter()
            .map(|c| estimate_tokens(&c.name) + estimate_tokens(&c.arguments))
            .sum(),
        Answer::Nothing => 0,
    }
}

fn tool_calls_json(calls: &[ToolCall]) -> Value {
    calls
        .iter()
        .map(|c| {
            json!({"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.arguments}})
        })
        .collect()
}

/// The body of a non-streamed reply, as bytes. `huge_body` is not built here (see
/// [`huge_body_parts`]).
pub fn completion_body(request: &ChatRequest, reply: &Reply, ids: &ReplyIds) -> Vec<u8> {
    match reply.kind {
        ReplyKind::EmptyBody => Vec::new(),
        ReplyKind::InvalidJson => {
            let whole = completion_json(request, &Reply::echo(), ids).to_string();
            crate::utf8::prefix(&whole, whole.len() / 2)
                .as_bytes()
                .to_vec()
        }
        _ => completion_json(request, reply, ids)
            .to_string()
            .into_bytes(),
    }
}

/// A `chat.completion` object.
pub fn completion_json(request: &ChatRequest, reply: &Reply, ids: &ReplyIds) -> Value {
    let model = request.model();
    let answer = answer(request, reply, ids, model);
    let (finish_reason, usage) = finish_and_usage(request, reply, &answer, answer_tokens(&answer));
    let message = match &answer {
        Answer::Text(text) => json!({"role": "assistant", "content": text}),
        Answer::Calls(calls) => {
            json!({"role": "assistant", "content": null, "tool_calls": tool_calls_json(calls)})
        }
        Answer::Nothing => json!({"role": "assistant", "content": null}),
    };
    let choices = if reply.kind == ReplyKind::EmptyChoices {
        json!([])
    } else {
        json!([{"index": 0, "message": message, "logprobs": null, "finish_reason": finish_reason}])
    };
    json!({
        "id": ids.completion_id,
        "object": "chat.completion",
        "created": ids.created,
        "model": model,
        "choices": choices,
        "usage": usage
    })
}

/// A huge completion as `(prefix, filler length, suffix)`: the body is the prefix, then
/// `filler length` bytes of `x`, then the suffix, about `reply.size` bytes in all.
pub fn huge_body_parts(
    request: &ChatRequest,
    reply: &Reply,
    ids: &ReplyIds,
) -> (String, u64, String) {
    const MARK: &str = "@@llmwire-mock-filler@@";
    let mut echo = Reply::echo();
    echo.content = Some(MARK.to_string());
    let mut body = completion_json(request, &echo, ids);
    let filler_tokens = reply.size / 4;
    body["usage"] = usage(request, filler_tokens);
    let text = body.to_string();
    let (prefix, suffix) = text.split_once(MARK).unwrap_or((&text, ""));
    let filler = reply
        .size
        .saturating_sub((prefix.len() + suffix.len()) as u64);
    (prefix.to_string(), filler, suffix.to_string())
}

/// The payloads (the text after `data: `) of a streamed reply, without `[DONE]`.
pub fn stream_payloads(request: &ChatRequest, reply: &Reply, ids: &ReplyIds) -> Vec<String> {
    let model = request.model();
    let include_usage = request.include_usage();
    // Every chunk has the same frame around its delta and finish reason: built once, so a long
    // stream costs the simulator one small serialisation per chunk.
    let frame = json!({
        "id": ids.completion_id,
        "object": "chat.completion.chunk",
        "created": ids.created,
        "model": model,
    })
    .to_string();
    let head = format!(
        "{},\"choices\":[{{\"index\":0,\"delta\":",
        &frame[..frame.len() - 1]
    );
    let tail = match include_usage {
        true => "}],\"usage\":null}",
        false => "}]}",
    };
    let chunk = |delta: Value, finish_reason: Value| {
        format!("{head}{delta},\"logprobs\":null,\"finish_reason\":{finish_reason}{tail}")
    };
    match reply.kind {
        ReplyKind::EmptyBody => return Vec::new(),
        ReplyKind::InvalidJson => {
            let whole = chunk(json!({"content": "Hello"}), Value::Null);
            return vec![crate::utf8::prefix(&whole, whole.len() / 2).to_owned()];
        }
        ReplyKind::EmptyChoices => {
            let mut empty = json!({
                "id": ids.completion_id, "object": "chat.completion.chunk", "created": ids.created,
                "model": model, "choices": []
            });
            let first = empty.to_string();
            empty["usage"] = usage(request, 0);
            return vec![first, empty.to_string()];
        }
        _ => {}
    }
    let answer = match reply.kind {
        ReplyKind::HugeBody => Answer::Text(String::new()),
        _ => answer(request, reply, ids, model),
    };
    let mut payloads = vec![chunk(
        json!({"role": "assistant", "content": ""}),
        Value::Null,
    )];
    let mut completion_tokens = answer_tokens(&answer);
    match &answer {
        Answer::Text(text) => {
            for piece in split_words(text) {
                payloads.push(chunk(json!({"content": piece}), Value::Null));
            }
        }
        Answer::Calls(calls) => {
            for (index, call) in calls.iter().enumerate() {
                payloads.push(chunk(
                    json!({"tool_calls": [{"index": index, "id": call.id, "type": "function",
                        "function": {"name": call.name, "arguments": ""}}]}),
                    Value::Null,
                ));
                payloads.push(chunk(
                    json!({"tool_calls": [{"index": index, "function": {"arguments": call.arguments}}]}),
                    Value::Null,
                ));
            }
        }
        Answer::Nothing => {}
    }
    if reply.kind == ReplyKind::HugeBody {
        const PIECE: u64 = 64 * 1024;
        let piece = "x".repeat(PIECE as usize);
        let mut sent = 0;
        while sent < reply.size {
            let len = PIECE.min(reply.size - sent);
            payloads.push(chunk(
                json!({"content": &piece[..len as usize]}),
                Value::Null,
            ));
            sent += len;
        }
        completion_tokens = reply.size / 4;
    }
    let (finish_reason, usage) = finish_and_usage(request, reply, &answer, completion_tokens);
    payloads.push(chunk(json!({}), json!(finish_reason)));
    if include_usage {
        payloads.push(
            json!({
                "id": ids.completion_id, "object": "chat.completion.chunk", "created": ids.created,
                "model": model, "choices": [], "usage": usage
            })
            .to_string(),
        );
    }
    payloads
}

/// `"Hello big world"` → `["Hello", " big", " world"]`.
fn split_words(text: &str) -> Vec<&str> {
    let mut pieces = Vec::new();
    let mut start = 0;
    for (i, c) in text.char_indices() {
        if c == ' ' && i > start && !text[start..i].trim().is_empty() {
            pieces.push(&text[start..i]);
            start = i;
        }
    }
    if start < text.len() {
        pieces.push(&text[start..]);
    }
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(body: Value) -> ChatRequest {
        ChatRequest::parse(body.to_string().as_bytes()).unwrap_or_else(|| panic!("not an object"))
    }

    fn ids() -> ReplyIds {
        ReplyIds {
            completion_id: "chatcmpl-test".into(),
            created: 1,
            serial: 7,
        }
    }

    #[test]
    fn echo_replies_with_the_last_user_text_and_usage() {
        let req = request(json!({"model": "m1", "messages": [
            {"role": "user", "content": "first"},
            {"role": "assistant", "content": "x"},
            {"role": "user", "content": [{"type": "text", "text": "hello "}, {"type": "text", "text": "there"}]}
        ]}));
        let body = completion_json(&req, &Reply::echo(), &ids());
        assert_eq!(body["model"], "m1");
        assert_eq!(body["choices"][0]["message"]["content"], "hello there");
        assert_eq!(body["choices"][0]["finish_reason"], "stop");
        let usage = &body["usage"];
        assert_eq!(
            usage["total_tokens"].as_u64(),
            Some(
                usage["prompt_tokens"].as_u64().unwrap_or(0)
                    + usage["completion_tokens"].as_u64().unwrap_or(0)
            )
        );
    }

    #[test]
    fn tool_call_arguments_fill_required_fields() {
        let req = request(json!({"messages": [], "tools": [
            {"type": "function", "function": {"name": "other", "parameters": {"type": "object"}}},
            {"type": "function", "function": {"name": "lookup", "parameters": {
                "type": "object",
                "properties": {
                    "city": {"type": "string"}, "unit": {"enum": ["c", "f"]},
                    "days": {"type": "integer", "minimum": 1}, "opt": {"type": "string"},
                    "where": {"type": "object", "properties": {"lat": {"type": "number"}}, "required": ["lat"]},
                    "tags": {"type": ["array", "null"], "items": {"type": "string"}, "minItems": 1}
                },
                "required": ["city", "unit", "days", "where", "tags"]
            }}}
        ], "tool_choice": {"type": "function", "function": {"name": "lookup"}}}));
        let mut reply = Reply::new(ReplyKind::ToolCall);
        reply.parallel = 2;
        let body = completion_json(&req, &reply, &ids());
        let calls = body["choices"][0]["message"]["tool_calls"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        assert_eq!(calls.len(), 2);
        assert_eq!(body["choices"][0]["finish_reason"], "tool_calls");
        assert_eq!(calls[0]["function"]["name"], "lookup");
        assert_ne!(calls[0]["id"], calls[1]["id"]);
        let arguments: Value =
            serde_json::from_str(calls[0]["function"]["arguments"].as_str().unwrap_or(""))
                .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            arguments,
            json!({"city": "mock", "unit": "c", "days": 1, "where": {"lat": 1.5}, "tags": ["mock"]})
        );
    }

    #[test]
    fn a_stream_chunk_is_the_document_of_its_fields_in_their_order() {
        for include_usage in [false, true] {
            let req = request(
                json!({"model": "m\"x", "messages": [{"role": "user", "content": "é \"q\""}],
                "stream": true, "stream_options": {"include_usage": include_usage}}),
            );
            let payloads = stream_payloads(&req, &Reply::echo(), &ids());
            let ids = ids();
            let mut expected = json!({
                "id": ids.completion_id, "object": "chat.completion.chunk", "created": ids.created,
                "model": "m\"x",
                "choices": [{"index": 0, "delta": {"content": "é"}, "logprobs": null, "finish_reason": null}]
            });
            if include_usage {
                expected["usage"] = Value::Null;
            }
            assert_eq!(payloads[1], expected.to_string());
        }
    }

    #[test]
    fn streams_split_words_and_end_with_usage_when_asked() {
        let req = request(
            json!({"messages": [{"role": "user", "content": "one two three"}],
            "stream": true, "stream_options": {"include_usage": true}}),
        );
        let payloads = stream_payloads(&req, &Reply::echo(), &ids());
        let chunks: Vec<Value> = payloads
            .iter()
            .map(|p| serde_json::from_str(p).unwrap_or_else(|e| panic!("{e}")))
            .collect();
        let text: String = chunks
            .iter()
            .filter_map(|c| c["choices"][0]["delta"]["content"].as_str())
            .collect();
        assert_eq!(text, "one two three");
        assert_eq!(chunks.len(), 1 + 3 + 1 + 1);
        assert_eq!(chunks[4]["choices"][0]["finish_reason"], "stop");
        assert_eq!(chunks[5]["choices"], json!([]));
        assert!(chunks[5]["usage"]["total_tokens"].as_u64().is_some());
    }

    #[test]
    fn malformed_replies_are_malformed_in_the_intended_way() {
        let req = request(json!({"messages": [{"role": "user", "content": "hi"}]}));
        let invalid = completion_body(&req, &Reply::new(ReplyKind::InvalidJson), &ids());
        assert!(serde_json::from_slice::<Value>(&invalid).is_err());
        assert!(completion_body(&req, &Reply::new(ReplyKind::EmptyBody), &ids()).is_empty());
        let empty = completion_json(&req, &Reply::new(ReplyKind::EmptyChoices), &ids());
        assert_eq!(empty["choices"], json!([]));
        let null = completion_json(&req, &Reply::new(ReplyKind::EmptyContent), &ids());
        assert_eq!(null["choices"][0]["message"]["content"], Value::Null);
    }

    #[test]
    fn huge_bodies_have_the_requested_size_and_stay_valid_json() {
        let req = request(json!({"messages": []}));
        let mut reply = Reply::new(ReplyKind::HugeBody);
        reply.size = 10_000;
        let (prefix, filler, suffix) = huge_body_parts(&req, &reply, &ids());
        assert_eq!(prefix.len() as u64 + filler + suffix.len() as u64, 10_000);
        let body = format!("{prefix}{}{suffix}", "x".repeat(filler as usize));
        let parsed: Value = serde_json::from_str(&body).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(parsed["object"], "chat.completion");
    }

    #[test]
    fn words_keep_their_spaces() {
        assert_eq!(split_words("a bb  c"), vec!["a", " bb", "  c"]);
        assert_eq!(split_words(""), Vec::<&str>::new());
        assert_eq!(split_words(" lead"), vec![" lead"]);
    }
}
