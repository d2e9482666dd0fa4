//! Context management: a conservative token estimate of a chat-completions request.
//!
//! The estimate needs no tokenizer: about one token per 4 bytes of text (real tokenizers average
//! 3.5 to 4.5 bytes per token on English and code, fewer on other scripts; counting bytes rather than
//! characters makes non-ASCII text cost more, which keeps the figure on the high side), plus a fixed
//! overhead per message, a fixed cost per image, and the byte size of tool definitions and
//! structured-output schemas. It is meant to answer "can this fit?", not to bill.
//!
//! Not here (yet): exact counts against a real tokenizer, and trimming history to fit — a later
//! change refines both.

use serde_json::Value;

/// Tokens charged per message for role markers and separators.
pub const MESSAGE_OVERHEAD_TOKENS: u64 = 4;
/// Tokens charged once per request for the reply primer.
pub const REPLY_PRIMER_TOKENS: u64 = 3;
/// Tokens charged per image: above OpenAI's high-detail cost of a 1024×1024 tile set, Gemini's 258
/// per image, and Anthropic's ~1,600 for a 1.15-megapixel image.
pub const IMAGE_TOKENS: u64 = 1_600;
/// Tokens charged per image sent with `"detail": "low"` (OpenAI's fixed low-detail cost).
pub const LOW_DETAIL_IMAGE_TOKENS: u64 = 85;
/// Bytes of text per token.
pub const BYTES_PER_TOKEN: u64 = 4;

/// Tokens for `bytes` bytes of text, rounded up.
pub fn text_tokens(bytes: usize) -> u64 {
    (bytes as u64).div_ceil(BYTES_PER_TOKEN)
}

/// The estimated prompt size of a whole request: every message, the tool definitions, and a
/// `response_format` schema. A request that is not an object, or has no messages, estimates to the
/// reply primer alone.
///
/// ```
/// use serde_json::json;
/// let request = json!({"model": "m", "messages": [{"role": "user", "content": "Hello, world!"}]});
/// // 4 (message) + 4 (13 bytes of text) + 3 (reply primer)
/// assert_eq!(llmwire::context::estimate_request_tokens(&request), 11);
/// ```
pub fn estimate_request_tokens(request: &Value) -> u64 {
    let messages = request
        .get("messages")
        .and_then(Value::as_array)
        .map_or(0, |messages| {
            messages.iter().map(estimate_message_tokens).sum::<u64>()
        });
    messages + estimate_definitions_tokens(request) + REPLY_PRIMER_TOKENS
}

/// Tokens for what the request sends besides messages: `tools` and the `response_format` schema.
pub fn estimate_definitions_tokens(request: &Value) -> u64 {
    let tools = request
        .get("tools")
        .map_or(0, |tools| text_tokens(json_size(tools)));
    let format = request
        .get("response_format")
        .map_or(0, |format| text_tokens(json_size(format)));
    tools + format
}

/// The estimated size of one message: overhead, text, images, tool calls and the `name`.
pub fn estimate_message_tokens(message: &Value) -> u64 {
    match message.as_object() {
        Some(message) => estimate_message_parts_tokens(
            message.get("content"),
            message.get("name"),
            message.get("tool_calls"),
        ),
        None => MESSAGE_OVERHEAD_TOKENS,
    }
}

/// [`estimate_message_tokens`] from a message's fields, for callers that already looked them up.
pub fn estimate_message_parts_tokens(
    content: Option<&Value>,
    name: Option<&Value>,
    tool_calls: Option<&Value>,
) -> u64 {
    let mut tokens = MESSAGE_OVERHEAD_TOKENS;
    if let Some(content) = content {
        tokens += estimate_content_tokens(content);
    }
    if let Some(Value::String(name)) = name {
        tokens += text_tokens(name.len());
    }
    if let Some(Value::Array(calls)) = tool_calls {
        for call in calls {
            let function = call.get("function");
            let name = function
                .and_then(|f| f.get("name"))
                .and_then(Value::as_str)
                .map_or(0, str::len);
            let arguments = function
                .and_then(|f| f.get("arguments"))
                .and_then(Value::as_str)
                .map_or(0, str::len);
            tokens += MESSAGE_OVERHEAD_TOKENS + text_tokens(name + arguments);
        }
    }
    tokens
}

/// The estimated size of a `content` value: a string, or an array of parts.
pub fn estimate_content_tokens(content: &Value) -> u64 {
    match content {
        Value::String(text) => text_tokens(text.len()),
        Value::Array(parts) => parts.iter().map(estimate_part_tokens).sum(),
        _ => 0,
    }
}

fn estimate_part_tokens(part: &Value) -> u64 {
    match part.get("type").and_then(Value::as_str) {
        Some("text") | Some("refusal") => {
            let text = part.get("text").or_else(|| part.get("refusal"));
            text.and_then(Value::as_str)
                .map_or(0, |text| text_tokens(text.len()))
        }
        Some("image_url") => {
            let detail = part
                .get("image_url")
                .and_then(|image| image.get("detail"))
                .and_then(Value::as_str);
            if detail == Some("low") {
                LOW_DETAIL_IMAGE_TOKENS
            } else {
                IMAGE_TOKENS
            }
        }
        // Audio, files and unknown parts: charge an image's worth rather than their base64 size.
        _ => IMAGE_TOKENS,
    }
}

/// The length of `value` serialised as compact JSON, computed without serialising (strings are
/// counted unescaped, numbers at a typical width).
pub fn json_size(value: &Value) -> usize {
    match value {
        Value::Null => 4,
        Value::Bool(true) => 4,
        Value::Bool(false) => 5,
        Value::Number(_) => 8,
        Value::String(text) => text.len() + 2,
        Value::Array(items) => 2 + items.iter().map(|item| json_size(item) + 1).sum::<usize>(),
        Value::Object(map) => {
            2 + map
                .iter()
                .map(|(key, item)| key.len() + 4 + json_size(item))
                .sum::<usize>()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn text_is_about_four_bytes_per_token_rounded_up() {
        assert_eq!(text_tokens(0), 0);
        assert_eq!(text_tokens(1), 1);
        assert_eq!(text_tokens(8), 2);
        assert_eq!(text_tokens(9), 3);
    }

    #[test]
    fn images_cost_a_fixed_amount_not_their_base64_size() {
        let big = format!("data:image/png;base64,{}", "A".repeat(400_000));
        let message = json!({"role": "user", "content": [
            {"type": "image_url", "image_url": {"url": big}},
            {"type": "image_url", "image_url": {"url": "https://x/y.png", "detail": "low"}}
        ]});
        assert_eq!(
            estimate_message_tokens(&message),
            MESSAGE_OVERHEAD_TOKENS + IMAGE_TOKENS + LOW_DETAIL_IMAGE_TOKENS
        );
    }

    #[test]
    fn tool_calls_and_definitions_count() {
        let request = json!({
            "messages": [{"role": "assistant", "content": null, "tool_calls": [
                {"id": "c", "type": "function", "function": {"name": "abcd", "arguments": "{\"q\":1}"}}]}],
            "tools": [{"type": "function", "function": {"name": "abcd"}}]
        });
        let tools_bytes = json_size(&request["tools"]);
        assert!(tools_bytes >= serde_json::to_string(&request["tools"]).unwrap().len());
        let expected = 2 * MESSAGE_OVERHEAD_TOKENS
            + text_tokens(4 + 7)
            + text_tokens(tools_bytes)
            + REPLY_PRIMER_TOKENS;
        assert_eq!(estimate_request_tokens(&request), expected);
    }

    #[test]
    fn non_objects_estimate_to_the_primer() {
        assert_eq!(estimate_request_tokens(&json!([1, 2])), REPLY_PRIMER_TOKENS);
    }
}
