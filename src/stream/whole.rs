//! A whole completion where a stream was asked for: some servers ignore `stream: true` (or a proxy
//! buffers the stream) and answer with one `chat.completion` object. The caller still gets it
//! through the stream, as the one chunk that carries all of it.
//!
//! For: telling such a body from an event stream by its first bytes ([`starts_as_json`]), and
//! turning the completion into the equivalent chunk ([`completion_as_chunk`]). Not for: judging
//! the completion (the client does, as for a call without streaming).

use serde_json::{Map, Value};

/// Whether a stream body that starts with `bytes` is one JSON document rather than server-sent
/// events: `Some(true)` when its first byte after whitespace (and a byte-order mark) opens an
/// object or an array, `Some(false)` for anything else, `None` while only whitespace came. No
/// event stream starts with `{` or `[` (a line of one is a field name no server sends).
pub fn starts_as_json(bytes: &[u8]) -> Option<bool> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let first = bytes.iter().find(|b| !b.is_ascii_whitespace())?;
    Some(matches!(first, b'{' | b'['))
}

/// The chunk that carries all of `completion`: `object` becomes `chat.completion.chunk`, each
/// choice's `message` its `delta` (tool calls numbered by `index`, as stream deltas are), and
/// every other member (`id`, `model`, `usage`, `finish_reason`, `logprobs`, …) stays as it is.
pub fn completion_as_chunk(completion: &Value) -> Value {
    let mut chunk = completion.as_object().cloned().unwrap_or_default();
    chunk.insert("object".into(), "chat.completion.chunk".into());
    if let Some(Value::Array(choices)) = chunk.get_mut("choices") {
        for choice in choices.iter_mut().filter_map(Value::as_object_mut) {
            let delta = match choice.remove("message") {
                Some(Value::Object(message)) => numbered_tool_calls(message),
                _ => Map::new(),
            };
            choice.insert("delta".into(), Value::Object(delta));
        }
    }
    Value::Object(chunk)
}

/// The message with an `index` on each tool call that lacks one (a delta's tool calls are merged
/// by it).
fn numbered_tool_calls(mut message: Map<String, Value>) -> Map<String, Value> {
    if let Some(Value::Array(calls)) = message.get_mut("tool_calls") {
        for (index, call) in calls.iter_mut().enumerate() {
            if let Some(call) = call.as_object_mut() {
                call.entry("index").or_insert_with(|| index.into());
            }
        }
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_json_body_is_told_from_an_event_stream_by_its_first_byte() {
        assert_eq!(starts_as_json(b"  \r\n{\"id\""), Some(true));
        assert_eq!(starts_as_json(b"\xEF\xBB\xBF["), Some(true));
        assert_eq!(starts_as_json(b"data: {}"), Some(false));
        assert_eq!(starts_as_json(b": keep-alive"), Some(false));
        assert_eq!(starts_as_json(b" \n "), None);
        assert_eq!(starts_as_json(b""), None);
    }

    #[test]
    fn a_completion_becomes_the_chunk_that_assembles_back_to_it() {
        let completion = json!({
            "id": "c1", "object": "chat.completion", "created": 1, "model": "m",
            "choices": [{"index": 0, "finish_reason": "tool_calls", "message": {
                "role": "assistant", "content": "Looking",
                "tool_calls": [{"id": "t1", "type": "function",
                                "function": {"name": "f", "arguments": "{}"}}]}}],
            "usage": {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5},
        });
        let chunk = completion_as_chunk(&completion);
        assert_eq!(chunk["object"], "chat.completion.chunk");
        assert_eq!(chunk["usage"]["total_tokens"], 5);
        let choice = &chunk["choices"][0];
        assert_eq!(choice["finish_reason"], "tool_calls");
        assert_eq!(choice["delta"]["content"], "Looking");
        assert_eq!(choice["delta"]["tool_calls"][0]["index"], 0);
        assert!(choice.get("message").is_none());

        let mut assembler = super::super::StreamAssembler::new();
        assembler.push(&chunk);
        let assembled = assembler.finish(false).unwrap();
        let message = &assembled["choices"][0]["message"];
        assert_eq!(message["content"], "Looking");
        assert_eq!(message["tool_calls"][0]["function"]["name"], "f");
    }
}
