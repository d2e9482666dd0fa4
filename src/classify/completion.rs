//! Whether a 2xx body is a usable completion: OpenAI-style `choices`, Gemini-native `candidates`,
//! Anthropic-native `content`, or a stream of chunks of any of these.
//!
//! Usable means at least one choice carries non-blank content, tool calls or a function call.
//! A choice that ends with a safety finish reason (`content_filter`, Gemini's `SAFETY`,
//! `PROHIBITED_CONTENT`, …) or a refusal and has no content is *filtered*; anything else without
//! content (an empty body, `choices: []`, empty content, only keep-alives) is *unusable*.
//! Not here: errors inside bodies (see `body`), and what the client does about either.

use serde_json::Value;

/// The judgement of a 2xx body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// A completion the caller can use.
    Usable,
    /// Not usable; the text says why.
    Unusable(String),
    /// Blocked by a safety system or refused; the text says how.
    Filtered(String),
    /// The output limit ran out before any content (finish reason `length`, `MAX_TOKENS`,
    /// `max_tokens`), typically spent on reasoning: the same request ends the same way, so it is
    /// not retried. The text says so, with the output tokens when the body counts them.
    OutOfTokens(String),
}

impl Verdict {
    /// `Ok` for a usable completion, else why the caller cannot use it.
    pub(crate) fn into_result(self) -> Result<(), String> {
        match self {
            Verdict::Usable => Ok(()),
            Verdict::Unusable(reason)
            | Verdict::Filtered(reason)
            | Verdict::OutOfTokens(reason) => Err(reason),
        }
    }
}

/// Finish reasons that mean a safety system stopped the output (compared case-insensitively; the
/// Gemini compat endpoint passes its native upper-case reasons through).
const FILTER_REASONS: [&str; 10] = [
    "content_filter",
    "safety",
    "recitation",
    "blocklist",
    "prohibited_content",
    "spii",
    "image_safety",
    "image_prohibited_content",
    "image_recitation",
    "refusal",
];

/// Finish reasons that mean the output limit was reached: OpenAI's, Gemini's and Anthropic's.
const OUTPUT_LIMIT_REASONS: [&str; 2] = ["length", "max_tokens"];

fn is_output_limit_reason(reason: &str) -> bool {
    OUTPUT_LIMIT_REASONS
        .iter()
        .any(|r| r.eq_ignore_ascii_case(reason))
}

fn is_filter_reason(reason: &str) -> bool {
    FILTER_REASONS
        .iter()
        .any(|r| r.eq_ignore_ascii_case(reason))
}

/// Judges a parsed body; `None` when it is not shaped like a completion at all.
pub(crate) fn judge(value: &Value) -> Option<Verdict> {
    match value {
        Value::Array(items) => {
            let mut stream = StreamJudge::default();
            let mut any = false;
            for item in items {
                if shape_of(item).is_some() {
                    any = true;
                    stream.feed(item);
                }
            }
            any.then(|| stream.finish())
        }
        Value::Object(_) => {
            let mut stream = StreamJudge::default();
            shape_of(value)?;
            stream.feed(value);
            stream.done();
            Some(stream.finish_single())
        }
        _ => None,
    }
}

#[derive(Clone, Copy)]
enum Shape {
    Choices,
    Candidates,
    AnthropicMessage,
    AnthropicEvent,
    BareChoice,
    BareCandidate,
}

fn shape_of(value: &Value) -> Option<Shape> {
    let map = value.as_object()?;
    if map.contains_key("choices") {
        Some(Shape::Choices)
    } else if map.contains_key("candidates") || map.contains_key("promptFeedback") {
        Some(Shape::Candidates)
    } else if map.get("type").and_then(Value::as_str) == Some("message")
        && map.contains_key("content")
    {
        Some(Shape::AnthropicMessage)
    } else if map.get("type").and_then(Value::as_str).is_some_and(|t| {
        t.starts_with("message_") || t.starts_with("content_block_") || t == "ping"
    }) {
        Some(Shape::AnthropicEvent)
    } else if map.contains_key("finishReason")
        || map.get("content").is_some_and(|c| c.get("parts").is_some())
    {
        Some(Shape::BareCandidate)
    } else if map.contains_key("finish_reason") || map.contains_key("delta") {
        Some(Shape::BareChoice)
    } else {
        None
    }
}

/// Accumulates the chunks of a stream (or the one body of a non-stream answer).
#[derive(Debug, Default)]
pub(crate) struct StreamJudge {
    content: bool,
    filtered: Option<String>,
    finish_reason: Option<String>,
    chunks: usize,
    empty_choices: bool,
    unparseable: usize,
    done: bool,
    /// The output tokens the body counts, and how many of them were reasoning.
    output_tokens: Option<(u64, Option<u64>)>,
}

impl StreamJudge {
    pub fn has_content(&self) -> bool {
        self.content
    }

    pub fn done(&mut self) {
        self.done = true;
    }

    pub fn count_chunk(&mut self) {
        self.chunks += 1;
    }

    pub fn count_unparseable(&mut self) {
        self.unparseable += 1;
    }

    /// Takes in one chunk (or a whole non-stream body).
    pub fn feed(&mut self, value: &Value) {
        self.chunks += 1;
        if let Some(counted) = output_tokens(value) {
            self.output_tokens = Some(counted);
        }
        match shape_of(value) {
            Some(Shape::Choices) => match value.get("choices").and_then(Value::as_array) {
                Some(choices) if !choices.is_empty() => {
                    for choice in choices.iter().take(64) {
                        self.choice(choice);
                    }
                }
                _ => self.empty_choices = true,
            },
            Some(Shape::BareChoice) => self.choice(value),
            Some(Shape::Candidates) => {
                let candidates = value.get("candidates").and_then(Value::as_array);
                for candidate in candidates.into_iter().flatten().take(64) {
                    self.candidate(candidate);
                }
                if let Some(reason) = value
                    .get("promptFeedback")
                    .and_then(|f| f.get("blockReason"))
                    .and_then(Value::as_str)
                    .filter(|r| !r.is_empty() && *r != "BLOCK_REASON_UNSPECIFIED")
                {
                    self.filtered = Some(format!("the prompt was blocked (blockReason {reason})"));
                }
                if candidates.is_none_or(Vec::is_empty) {
                    self.empty_choices = true;
                }
            }
            Some(Shape::BareCandidate) => self.candidate(value),
            Some(Shape::AnthropicMessage) => {
                if value
                    .get("content")
                    .and_then(Value::as_array)
                    .is_some_and(|c| c.iter().any(anthropic_block_has_content))
                {
                    self.content = true;
                }
                self.stop_reason(value.get("stop_reason"));
            }
            Some(Shape::AnthropicEvent) => {
                if value
                    .get("content_block")
                    .is_some_and(anthropic_block_has_content)
                {
                    self.content = true;
                }
                if let Some(delta) = value.get("delta") {
                    let text = delta.get("text").or_else(|| delta.get("partial_json"));
                    if text
                        .and_then(Value::as_str)
                        .is_some_and(|t| !t.trim().is_empty())
                    {
                        self.content = true;
                    }
                    self.stop_reason(delta.get("stop_reason"));
                }
            }
            None => {}
        }
    }

    fn stop_reason(&mut self, reason: Option<&Value>) {
        if let Some(reason) = reason.and_then(Value::as_str) {
            self.note_finish(reason);
        }
    }

    fn note_finish(&mut self, reason: &str) {
        if is_filter_reason(reason) && self.filtered.is_none() {
            self.filtered = Some(format!("finish reason {reason} with no content"));
        }
        self.finish_reason = Some(reason.to_string());
    }

    fn choice(&mut self, choice: &Value) {
        let message = choice.get("message").or_else(|| choice.get("delta"));
        if let Some(message) = message {
            if has_text(message.get("content"))
                || non_empty_array(message.get("tool_calls"))
                || message.get("function_call").is_some_and(Value::is_object)
                || message.get("audio").is_some_and(Value::is_object)
            {
                self.content = true;
            }
            if let Some(refusal) = message
                .get("refusal")
                .and_then(Value::as_str)
                .filter(|r| !r.trim().is_empty())
            {
                if self.filtered.is_none() {
                    self.filtered = Some(format!(
                        "the model refused: {}",
                        super::text::prefix(refusal, 300)
                    ));
                }
            }
        } else if has_text(choice.get("text")) {
            self.content = true; // legacy completions
        }
        if let Some(reason) = choice.get("finish_reason").and_then(Value::as_str) {
            self.note_finish(reason);
        }
    }

    fn candidate(&mut self, candidate: &Value) {
        let parts = candidate
            .get("content")
            .and_then(|c| c.get("parts"))
            .and_then(Value::as_array);
        if parts.is_some_and(|parts| parts.iter().any(gemini_part_has_content)) {
            self.content = true;
        }
        if let Some(reason) = candidate.get("finishReason").and_then(Value::as_str) {
            self.note_finish(reason);
        }
    }

    /// The verdict for a stream (or a list of responses).
    pub fn finish(&self) -> Verdict {
        if self.content {
            return Verdict::Usable;
        }
        if let Some(filtered) = &self.filtered {
            return Verdict::Filtered(filtered.clone());
        }
        if self.chunks == 0 {
            return Verdict::Unusable(if self.unparseable > 0 {
                "the stream's events are not JSON".to_string()
            } else if self.done {
                "the stream ended ([DONE]) without any chunk".to_string()
            } else {
                "the stream carried no events (only keep-alives or comments)".to_string()
            });
        }
        self.without_content("the stream ended without any content")
    }

    /// The verdict for a single, non-stream body.
    fn finish_single(&self) -> Verdict {
        if self.content {
            return Verdict::Usable;
        }
        if let Some(filtered) = &self.filtered {
            return Verdict::Filtered(filtered.clone());
        }
        if self.empty_choices {
            return Verdict::Unusable("the completion has no choices".to_string());
        }
        self.without_content("the completion has empty content and no tool calls")
    }

    /// The verdict on choices that carry nothing: out of output tokens, or unusable (`base`).
    fn without_content(&self, base: &str) -> Verdict {
        match &self.finish_reason {
            Some(reason) if is_output_limit_reason(reason) => {
                let counted = match self.output_tokens {
                    Some((output, Some(reasoning))) if reasoning > 0 => {
                        format!("; {output} output tokens, {reasoning} of them reasoning")
                    }
                    Some((output, _)) => format!("; {output} output tokens"),
                    None => String::new(),
                };
                Verdict::OutOfTokens(format!(
                    "the output token limit was reached before any content (finish reason \
{reason}{counted}): the same request would end the same way; raise max_tokens \
(max_completion_tokens) or lower the reasoning effort"
                ))
            }
            Some(reason) => Verdict::Unusable(format!("{base} (finish reason {reason})")),
            None => Verdict::Unusable(base.to_string()),
        }
    }
}

/// The output tokens a body (or chunk) counts, and the reasoning tokens among them: OpenAI's
/// `usage` (`completion_tokens`, `completion_tokens_details.reasoning_tokens`), Anthropic's
/// (`output_tokens`) and Gemini's `usageMetadata` (`candidatesTokenCount` plus
/// `thoughtsTokenCount`, which Gemini counts apart).
fn output_tokens(value: &Value) -> Option<(u64, Option<u64>)> {
    if let Some(usage) = value.get("usage").filter(|u| u.is_object()) {
        let output = usage
            .get("completion_tokens")
            .or_else(|| usage.get("output_tokens"))
            .and_then(Value::as_u64)?;
        let reasoning = usage
            .get("completion_tokens_details")
            .and_then(|d| d.get("reasoning_tokens"))
            .and_then(Value::as_u64);
        return Some((output, reasoning));
    }
    let usage = value.get("usageMetadata")?;
    let count = |key: &str| usage.get(key).and_then(Value::as_u64);
    let thoughts = count("thoughtsTokenCount");
    let output = count("candidatesTokenCount").unwrap_or(0) + thoughts.unwrap_or(0);
    (output > 0).then_some((output, thoughts))
}

fn has_text(value: Option<&Value>) -> bool {
    match value {
        Some(Value::String(s)) => !s.trim().is_empty(),
        Some(Value::Array(parts)) => parts.iter().any(|part| match part {
            Value::String(s) => !s.trim().is_empty(),
            Value::Object(_) => {
                has_text(part.get("text"))
                    || part
                        .get("type")
                        .and_then(Value::as_str)
                        .is_some_and(|t| t != "text")
            }
            _ => false,
        }),
        _ => false,
    }
}

fn non_empty_array(value: Option<&Value>) -> bool {
    value
        .and_then(Value::as_array)
        .is_some_and(|a| !a.is_empty())
}

fn gemini_part_has_content(part: &Value) -> bool {
    if part.get("thought").and_then(Value::as_bool) == Some(true) {
        return false;
    }
    has_text(part.get("text"))
        || [
            "functionCall",
            "inlineData",
            "fileData",
            "executableCode",
            "codeExecutionResult",
        ]
        .iter()
        .any(|k| part.get(k).is_some())
}

fn anthropic_block_has_content(block: &Value) -> bool {
    match block.get("type").and_then(Value::as_str) {
        Some("text") => has_text(block.get("text")),
        Some("tool_use") | Some("server_tool_use") => true,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn choices_with_text_or_tool_calls_are_usable() {
        let body = json!({"choices": [{"message": {"content": "hi"}, "finish_reason": "stop"}]});
        assert_eq!(judge(&body), Some(Verdict::Usable));
        let body =
            json!({"choices": [{"message": {"content": null, "tool_calls": [{"id": "1"}]}}]});
        assert_eq!(judge(&body), Some(Verdict::Usable));
    }

    #[test]
    fn empty_choices_and_empty_content_are_unusable() {
        assert!(matches!(
            judge(&json!({"choices": []})),
            Some(Verdict::Unusable(_))
        ));
        let body = json!({"choices": [{"message": {"content": " "}, "finish_reason": "stop"}]});
        assert!(matches!(judge(&body), Some(Verdict::Unusable(_))));
    }

    #[test]
    fn an_output_limit_reached_before_any_content_is_out_of_tokens_with_its_counts() {
        let openai = json!({
            "choices": [{"message": {"content": null, "reasoning_content": "…"},
                         "finish_reason": "length"}],
            "usage": {"completion_tokens": 512,
                      "completion_tokens_details": {"reasoning_tokens": 512}},
        });
        let Some(Verdict::OutOfTokens(reason)) = judge(&openai) else {
            panic!("{:?}", judge(&openai));
        };
        assert!(reason.contains("finish reason length; 512 output tokens, 512 of them reasoning"));
        assert!(reason.contains("raise max_tokens"), "{reason}");
        let gemini = json!({
            "candidates": [{"content": {"role": "model"}, "finishReason": "MAX_TOKENS"}],
            "usageMetadata": {"candidatesTokenCount": 0, "thoughtsTokenCount": 1021},
        });
        let Some(Verdict::OutOfTokens(reason)) = judge(&gemini) else {
            panic!("{:?}", judge(&gemini));
        };
        assert!(
            reason.contains("1021 output tokens, 1021 of them reasoning"),
            "{reason}"
        );
        let anthropic = json!({"type": "message", "content": [], "stop_reason": "max_tokens",
                               "usage": {"output_tokens": 64}});
        assert!(matches!(judge(&anthropic), Some(Verdict::OutOfTokens(_))));
        // Content cut at the limit is still content: the caller gets it.
        let cut =
            json!({"choices": [{"message": {"content": "Once upon"}, "finish_reason": "length"}]});
        assert_eq!(judge(&cut), Some(Verdict::Usable));
    }

    #[test]
    fn safety_finishes_without_content_are_filtered() {
        let body = json!({"choices": [{"message": {"content": ""}, "finish_reason": "SAFETY"}]});
        assert!(matches!(judge(&body), Some(Verdict::Filtered(_))));
        let body = json!({"promptFeedback": {"blockReason": "PROHIBITED_CONTENT"}});
        assert!(matches!(judge(&body), Some(Verdict::Filtered(_))));
        let body = json!({"finishReason": "SAFETY", "index": 0});
        assert!(matches!(judge(&body), Some(Verdict::Filtered(_))));
    }

    #[test]
    fn gemini_and_anthropic_native_shapes() {
        let body = json!({"candidates": [{"content": {"parts": [{"text": "x"}]}, "finishReason": "STOP"}]});
        assert_eq!(judge(&body), Some(Verdict::Usable));
        let body = json!({"candidates": [{"content": {"role": "model"}, "finishReason": "STOP"}]});
        assert!(matches!(judge(&body), Some(Verdict::Unusable(_))));
        let body = json!({"type": "message", "content": [{"type": "text", "text": "x"}]});
        assert_eq!(judge(&body), Some(Verdict::Usable));
        assert_eq!(judge(&json!({"foo": 1})), None);
    }
}
