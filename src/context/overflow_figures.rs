//! A provider's context overflow in figures: reading its "context length exceeded" message for
//! the token counts it gives, and the tighter token target to trim to before the one retry (plus
//! the client's `"context"` setting that asks for that retry).
//!
//! Providers say it in their own words (all from real responses):
//!
//! - OpenAI, Azure, Groq, DeepSeek, vLLM: "This model's maximum context length is 4097 tokens.
//!   However, your messages resulted in 4294 tokens." or "… you requested 156632 tokens (152536 in
//!   the messages, 4096 in the completion)"; newer: "Input tokens exceed the configured limit of
//!   272000 tokens. Your messages resulted in 300000 tokens.";
//! - Gemini: "The input token count (1091639) exceeds the maximum number of tokens allowed
//!   (1048576).";
//! - Anthropic: "prompt is too long: 200251 tokens > 200000 maximum", or "input length and
//!   `max_tokens` exceed context limit: 197620 + 8192 > 200000";
//! - llama.cpp: "request (9000 tokens) exceeds the available context size (8192 tokens)";
//! - Mistral: "Prompt contains 40000 tokens and 0 draft tokens, too large for model with 32768
//!   maximum context length".
//!
//! Pure: text in, figures out. Not here: performing the retry (`client::context_fit`).

use serde::{Deserialize, Serialize};

use super::options::DEFAULT_RESERVE_OUTPUT_TOKENS;

/// What the client does about a request over the model's window (config `context.on_overflow`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OnOverflow {
    /// Send the request as it is, and report the provider's `context_length_exceeded`.
    #[default]
    Error,
    /// Trim before sending when the estimate is over the window, and after a
    /// `context_length_exceeded` answer trim to a tighter token target and retry once.
    Trim,
}

/// The client's `"context"` configuration object. Unknown keys are rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ContextConfig {
    /// `context.on_overflow`: stop with `context_length_exceeded`, or trim and retry.
    pub on_overflow: OnOverflow,
    /// `context.safety_margin`: room for a tokenizer other than the estimate's reference, as a
    /// fraction (`0.1`); default per provider ([`super::SafetyMargin::for_provider`]).
    pub safety_margin: Option<super::SafetyMargin>,
}

/// The figures a provider gave in its overflow message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct OverflowFigures {
    /// The model's limit (the context window, or the provider's input limit).
    pub limit_tokens: Option<u64>,
    /// The provider's count of the prompt it received.
    pub prompt_tokens: Option<u64>,
    /// The output tokens the provider counted against the limit, when it says.
    pub completion_tokens: Option<u64>,
}

/// Phrases that mark a context overflow in any provider's wording.
const OVERFLOW_PHRASES: [&str; 12] = [
    "context_length_exceeded",
    "maximum context length",
    "context length exceeded",
    "context window",
    "prompt is too long",
    "input token count",
    "exceed context limit",
    "exceeds the available context",
    "too large for model with",
    "input tokens exceed",
    "reduce the length of the messages",
    "too many tokens",
];

/// Whether `text` (a provider's message, or its raw error body) reports a context overflow.
pub fn mentions_overflow(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    OVERFLOW_PHRASES.iter().any(|phrase| lower.contains(phrase))
}

/// The token figures in a provider's overflow message; `None` when it gives no limit and no count.
///
/// ```
/// use llmwire::context::overflow_figures::parse_overflow_figures;
/// let figures = parse_overflow_figures("This model's maximum context length is 8192 tokens. \
///     However, your messages resulted in 9000 tokens. Please reduce the length of the messages.")
///     .unwrap();
/// assert_eq!((figures.limit_tokens, figures.prompt_tokens), (Some(8192), Some(9000)));
/// ```
pub fn parse_overflow_figures(text: &str) -> Option<OverflowFigures> {
    let t = text.to_ascii_lowercase();
    let t = t.as_str();
    let mut figures = OverflowFigures::default();
    if let Some([prompt, completion, limit]) = numbers_after(t, "exceed context limit") {
        // Anthropic: "input length and `max_tokens` exceed context limit: P + C > L".
        figures = OverflowFigures {
            limit_tokens: Some(limit),
            prompt_tokens: Some(prompt),
            completion_tokens: Some(completion),
        };
    } else {
        figures.limit_tokens = number_after(t, "maximum context length is")
            .or_else(|| number_after(t, "configured limit of"))
            .or_else(|| number_after(t, "maximum number of tokens allowed"))
            .or_else(|| number_after(t, "available context size"))
            .or_else(|| number_before(t, "maximum context length"))
            .or_else(|| number_before(t, "maximum"));
        figures.prompt_tokens = number_after(t, "messages resulted in")
            .or_else(|| number_before(t, "in the messages"))
            .or_else(|| number_before(t, "in your prompt"))
            .or_else(|| number_after(t, "input token count"))
            .or_else(|| number_after(t, "prompt is too long"))
            .or_else(|| number_after(t, "prompt contains"))
            .or_else(|| number_after(t, "request ("));
        figures.completion_tokens = number_before(t, "in the completion")
            .or_else(|| number_before(t, "for the completion"));
    }
    (figures.limit_tokens.is_some() || figures.prompt_tokens.is_some()).then_some(figures)
}

/// The share taken off a retry target computed from the provider's figures, for the error in
/// scaling our estimate by its count.
pub const RETRY_MARGIN_PERCENT: u64 = 5;
/// Without figures, the retry target is this share of the estimate of the request that overflowed.
pub const RETRY_WITHOUT_FIGURES_PERCENT: u64 = 75;

/// The token target (in the estimator's tokens) to trim to after a provider rejected a request that we
/// estimated at `sent_estimate`: the room the provider's figures leave for the prompt (its limit
/// minus the output it counted, else `requested_output`, else a default reserve), converted to our
/// estimate's scale by `sent_estimate / prompt_tokens`, less [`RETRY_MARGIN_PERCENT`]. Always below
/// `sent_estimate`. `None` when the limit leaves no room for a prompt at all.
///
/// ```
/// use llmwire::context::overflow_figures::{retry_target_tokens, OverflowFigures};
/// let figures = OverflowFigures { limit_tokens: Some(8192), prompt_tokens: Some(9000), completion_tokens: None };
/// // (8192 - 1000 reserved for the answer) × 9450 / 9000, less 5%.
/// assert_eq!(retry_target_tokens(9_450, Some(&figures), Some(1_000)), Some(7_174));
/// ```
pub fn retry_target_tokens(
    sent_estimate: u64,
    figures: Option<&OverflowFigures>,
    requested_output: Option<u64>,
) -> Option<u64> {
    let tighter = sent_estimate.saturating_mul(100 - RETRY_MARGIN_PERCENT) / 100;
    let scaled = match figures.and_then(|f| f.limit_tokens.map(|limit| (f, limit))) {
        Some((figures, limit)) => {
            let reserve = figures
                .completion_tokens
                .or(requested_output)
                .unwrap_or_else(|| DEFAULT_RESERVE_OUTPUT_TOKENS.min(limit / 4));
            let room = limit.checked_sub(reserve).filter(|room| *room > 0)?;
            // Our tokens per provider token; 1 when the provider gave no count.
            let (ours, theirs) = match figures.prompt_tokens {
                Some(counted) if counted > 0 => (sent_estimate, counted),
                _ => (1, 1),
            };
            let target =
                u128::from(room) * u128::from(ours) * u128::from(100 - RETRY_MARGIN_PERCENT)
                    / (u128::from(theirs) * 100);
            u64::try_from(target).unwrap_or(u64::MAX)
        }
        None => sent_estimate.saturating_mul(RETRY_WITHOUT_FIGURES_PERCENT) / 100,
    };
    Some(scaled.min(tighter))
}

/// The first number after `phrase` (within a few characters: `is 8,192`, `(9000)`, `: 200251`).
fn number_after(text: &str, phrase: &str) -> Option<u64> {
    let at = text.find(phrase)? + phrase.len();
    let rest = &text[at..];
    let start = rest
        .char_indices()
        .take(12)
        .find(|(_, c)| c.is_ascii_digit())
        .map(|(i, _)| i)?;
    parse_number(&rest[start..])
}

/// Three numbers in a row after `phrase` (`: 197620 + 8192 > 200000`).
fn numbers_after(text: &str, phrase: &str) -> Option<[u64; 3]> {
    let mut rest = &text[text.find(phrase)? + phrase.len()..];
    let mut found = [0; 3];
    for slot in &mut found {
        let start = rest
            .char_indices()
            .take(8)
            .find(|(_, c)| c.is_ascii_digit())
            .map(|(i, _)| i)?;
        rest = &rest[start..];
        *slot = parse_number(rest)?;
        let end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == ','))
            .unwrap_or(rest.len());
        rest = &rest[end..];
    }
    Some(found)
}

/// The number right before an occurrence of `phrase` (`152536 in the messages`, `> 200000 maximum`).
fn number_before(text: &str, phrase: &str) -> Option<u64> {
    text.match_indices(phrase).find_map(|(at, _)| {
        let before = text[..at].trim_end();
        let digits_start = before
            .rfind(|c: char| !(c.is_ascii_digit() || c == ','))
            .map_or(0, |i| i + 1);
        parse_number(&before[digits_start..])
    })
}

/// Leading digits (thousands commas allowed) as a number.
fn parse_number(text: &str) -> Option<u64> {
    let mut value: u64 = 0;
    let mut digits = 0;
    for c in text.chars() {
        match c {
            '0'..='9' => {
                value = value
                    .checked_mul(10)?
                    .checked_add(u64::from(c as u8 - b'0'))?;
                digits += 1;
            }
            ',' if digits > 0 => {}
            _ => break,
        }
    }
    (digits > 0).then_some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn figures(text: &str) -> (Option<u64>, Option<u64>, Option<u64>) {
        let f = parse_overflow_figures(text).unwrap_or_default();
        (f.limit_tokens, f.prompt_tokens, f.completion_tokens)
    }

    // Bodies from tests/fixtures/errors.jsonl (ids in the test names' comments).
    #[test]
    fn real_wordings_give_their_figures() {
        // openai-400-context-length-exceeded-compact-1
        let openai = r#"{"error":{"message":"This model's maximum context length is 4097 tokens. However, your messages resulted in 4294 tokens. Please reduce the length of the messages.","type":"invalid_request_error","param":"messages","code":"context_length_exceeded"}}"#;
        assert_eq!(figures(openai), (Some(4097), Some(4294), None));
        // vllm-400-context-length-object-error-code-int-1
        let vllm = "This model's maximum context length is 131072 tokens. However, you requested 156632 tokens (152536 in the messages, 4096 in the completion). Please reduce the length of the messages or completion.";
        assert_eq!(figures(vllm), (Some(131072), Some(152536), Some(4096)));
        // gemini-400-input-token-count-exceeds-sdk-wrapped-retried-as-5xx-1
        let gemini = r#"{"error":{"message":"{\n  \"error\": {\n    \"code\": 400,\n    \"message\": \"The input token count (1091639) exceeds the maximum number of tokens allowed (1048576).\",\n    \"status\": \"INVALID_ARGUMENT\"\n  }\n}\n","code":400,"status":"Bad Request"}}"#;
        assert_eq!(figures(gemini), (Some(1048576), Some(1091639), None));
        // anthropic-400-prompt-too-long-1
        let anthropic = r#"{"type":"error","error":{"type":"invalid_request_error","message":"prompt is too long: 200251 tokens > 200000 maximum"}}"#;
        assert_eq!(figures(anthropic), (Some(200000), Some(200251), None));
        for text in [openai, vllm, gemini, anthropic] {
            assert!(mentions_overflow(text), "{text}");
        }
    }

    #[test]
    fn documented_wordings_give_their_figures() {
        let anthropic = "input length and `max_tokens` exceed context limit: 197620 + 8192 > 200000, decrease input length or `max_tokens` and try again";
        assert_eq!(figures(anthropic), (Some(200000), Some(197620), Some(8192)));
        let openai_new = "Input tokens exceed the configured limit of 272000 tokens. Your messages resulted in 300,000 tokens. Please reduce the length of the messages.";
        assert_eq!(figures(openai_new), (Some(272000), Some(300000), None));
        let llama = "request (9000 tokens) exceeds the available context size (8192 tokens), try increasing it";
        assert_eq!(figures(llama), (Some(8192), Some(9000), None));
        let mistral = "Prompt contains 40000 tokens and 0 draft tokens, too large for model with 32768 maximum context length";
        assert_eq!(figures(mistral), (Some(32768), Some(40000), None));
    }

    #[test]
    fn other_errors_are_not_overflows() {
        let text = "Unsupported parameter: 'max_tokens' is not supported with this model.";
        assert!(!mentions_overflow(text));
        assert_eq!(parse_overflow_figures(text), None);
    }

    #[test]
    fn retry_targets_always_tighten() {
        assert_eq!(retry_target_tokens(10_000, None, None), Some(7_500));
        // A provider count far below ours still gives a target below what was sent.
        let generous = OverflowFigures {
            limit_tokens: Some(1_000_000),
            prompt_tokens: Some(1_000),
            completion_tokens: None,
        };
        assert_eq!(
            retry_target_tokens(10_000, Some(&generous), None),
            Some(9_500)
        );
        // No room at all: the output alone fills the window.
        let full = OverflowFigures {
            limit_tokens: Some(4_096),
            prompt_tokens: Some(5_000),
            completion_tokens: Some(4_096),
        };
        assert_eq!(retry_target_tokens(5_000, Some(&full), None), None);
    }
}
