//! Context management: how many tokens a request costs, and how to make a conversation fit a
//! model's window without breaking it.
//!
//! - [`estimate`]: a tokenizer-free estimate of text ([`estimate_text_tokens`]), fitted against
//!   o200k_base to stay on the safe side; below, the estimate of messages and whole requests
//!   ([`estimate_request_tokens`]), which the validator's `context_window_exceeded` rule uses.
//! - [`mod@trim`]: [`trim::trim`] drops the oldest turns (and first shortens over-long tool outputs)
//!   until a request fits a token budget, never producing a conversation the provider rejects.
//! - [`overflow_figures`]: reading a provider's "context length exceeded" message for its token
//!   figures, and the tighter token target to retry with.
//!
//! Everything here is pure: no I/O, no clock, no `unsafe`. Not here: deciding *when* to trim in a
//! call (that is the client's `context_fit` step) or sending anything.

mod chars;
pub mod estimate;
mod mark_runs;
pub mod overflow_figures;
mod scanner;
pub mod trim;
mod vocab;

mod options;
mod report;
pub(crate) mod shorten;

pub use estimate::{estimate_text_tokens, tally_text, TextScanner, TextTally};
pub(crate) use options::requested_output_tokens;
pub use options::{Budget, SafetyMargin, Strategy, TrimOptions, DEFAULT_RESERVE_OUTPUT_TOKENS};
pub use overflow_figures::{OnOverflow, OverflowFigures};
pub use report::{DroppedMessages, ShortenedOutput, TrimReport};
pub use trim::{trim, trim_json, TrimError, Trimmed};

use serde_json::Value;

use crate::json::Field;

/// Tokens charged per message for role markers and separators (OpenAI's chat format uses 3, plus
/// one for the role name).
pub const MESSAGE_OVERHEAD_TOKENS: u64 = 4;
/// Tokens charged once per request for the reply primer.
pub const REPLY_PRIMER_TOKENS: u64 = 3;
/// Tokens charged per image: above OpenAI's high-detail cost of a 1024×1024 tile set, Gemini's 258
/// per image, and Anthropic's ~1,600 for a 1.15-megapixel image.
pub const IMAGE_TOKENS: u64 = 1_600;
/// Tokens charged per image sent with `"detail": "low"` (OpenAI's fixed low-detail cost).
pub const LOW_DETAIL_IMAGE_TOKENS: u64 = 85;

/// The estimated prompt size of a whole request: every message, the tool definitions, and a
/// `response_format` schema. A request that is not an object, or has no messages, estimates to the
/// reply primer alone.
///
/// ```
/// use serde_json::json;
/// let request = json!({"model": "m", "messages": [{"role": "user", "content": "Hello, world!"}]});
/// // 4 (message) + 4 (text: "Hello", ",", " world", "!") + 2 (a short text's margin) + 3 (primer)
/// assert_eq!(llmwire::context::estimate_request_tokens(&request), 13);
/// ```
pub fn estimate_request_tokens(request: &Value) -> u64 {
    let messages = request
        .field("messages")
        .and_then(Value::as_array)
        .map_or(0, |messages| {
            messages.iter().map(estimate_message_tokens).sum::<u64>()
        });
    messages + estimate_definitions_tokens(request) + REPLY_PRIMER_TOKENS
}

/// Tokens for what the request sends besides messages: `tools` and the `response_format` schema,
/// estimated as their JSON text.
pub fn estimate_definitions_tokens(request: &Value) -> u64 {
    let tools = request.field("tools").map_or(0, estimate_json_tokens);
    let format = request
        .field("response_format")
        .map_or(0, estimate_json_tokens);
    tools + format
}

/// The estimated size of one message: overhead, text, images, tool calls and the `name`.
pub fn estimate_message_tokens(message: &Value) -> u64 {
    match message.as_object() {
        Some(message) => estimate_message_parts_tokens(
            message.field("content"),
            message.field("name"),
            message.field("tool_calls"),
        ),
        None => MESSAGE_OVERHEAD_TOKENS,
    }
}

/// [`estimate_message_tokens`] from a message's fields, for callers that already looked them up.
pub(crate) fn estimate_message_parts_tokens(
    content: Option<&Value>,
    name: Option<&Value>,
    tool_calls: Option<&Value>,
) -> u64 {
    let mut tokens = MESSAGE_OVERHEAD_TOKENS;
    if let Some(content) = content {
        tokens += estimate_content_tokens(content);
    }
    if let Some(Value::String(name)) = name {
        tokens += estimate_text_tokens(name);
    }
    if let Some(Value::Array(calls)) = tool_calls {
        for call in calls {
            let function = call.field("function");
            let text = |key: &str| {
                function
                    .and_then(|f| f.field(key))
                    .and_then(Value::as_str)
                    .map_or(0, estimate_text_tokens)
            };
            tokens += MESSAGE_OVERHEAD_TOKENS + text("name") + text("arguments");
        }
    }
    tokens
}

/// The estimated size of a `content` value: a string, or an array of parts.
pub(crate) fn estimate_content_tokens(content: &Value) -> u64 {
    match content {
        Value::String(text) => estimate_text_tokens(text),
        Value::Array(parts) => parts.iter().map(estimate_part_tokens).sum(),
        _ => 0,
    }
}

fn estimate_part_tokens(part: &Value) -> u64 {
    match part.field("type").and_then(Value::as_str) {
        Some("text") | Some("refusal") => {
            let text = part.field("text").or_else(|| part.field("refusal"));
            text.and_then(Value::as_str).map_or(0, estimate_text_tokens)
        }
        Some("image_url") => {
            let detail = part
                .field("image_url")
                .and_then(|image| image.field("detail"))
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

/// The estimated size of a JSON value as compact JSON text, scanned as it is serialised (no
/// intermediate string).
pub(crate) fn estimate_json_tokens(value: &Value) -> u64 {
    let mut scanner = ScannerWriter(TextScanner::new());
    // The writer never fails, and a `Value` always serialises.
    if serde_json::to_writer(&mut scanner, value).is_err() {
        return 0;
    }
    scanner.0.end_text().tokens()
}

/// Feeds serialised bytes to a scanner.
struct ScannerWriter(TextScanner);

impl std::io::Write for ScannerWriter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.feed(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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
        let tools_text = serde_json::to_string(&request["tools"]).unwrap();
        let expected = 2 * MESSAGE_OVERHEAD_TOKENS
            + estimate_text_tokens("abcd")
            + estimate_text_tokens("{\"q\":1}")
            + estimate_text_tokens(&tools_text)
            + REPLY_PRIMER_TOKENS;
        assert_eq!(estimate_request_tokens(&request), expected);
    }

    #[test]
    fn json_is_estimated_as_its_compact_text() {
        let value = json!({"name": "get_weather", "parameters": {"type": "object", "properties": {
            "city": {"type": "string", "description": "City name, e.g. 東京 or Paris"}}}});
        let text = serde_json::to_string(&value).unwrap();
        assert_eq!(estimate_json_tokens(&value), estimate_text_tokens(&text));
    }

    #[test]
    fn non_objects_estimate_to_the_primer() {
        assert_eq!(estimate_request_tokens(&json!([1, 2])), REPLY_PRIMER_TOKENS);
    }
}
