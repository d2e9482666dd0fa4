//! Trimming a conversation to a token budget without breaking it.
//!
//! [`trim`] keeps every system and developer message and the newest user turn (the last user
//! message and everything after it: the assistant's tool calls and their results in an agent
//! loop). To make room it
//!
//! 1. with [`Strategy::ShortenToolOutputsThenDrop`] (the default), shortens tool outputs longer
//!    than 3,000 characters to their first and last 1,000 characters around a marker
//!    (`\n[… 12,345 characters trimmed by llmwire …]\n`), oldest first, stopping as soon as the
//!    request fits;
//! 2. drops whole turns, oldest first: a turn is a user message and every message up to the next
//!    user message (messages before the first user message form one turn of their own), so an
//!    assistant message with `tool_calls` always goes together with its `tool` results, and the
//!    first remaining non-system message is always a user message — which every provider accepts
//!    (the validator's `first_turn_not_user`, `tool_call_turn_position`, `orphan_tool_message` and
//!    `tool_call_unanswered` rules cannot fire on what trimming leaves).
//!
//! If the kept part alone is over the budget, [`trim`] fails with [`TrimError::CannotFit`] and the
//! request is not changed. The budget covers the whole estimate ([`super::estimate_request_tokens`]:
//! messages, tool definitions, reply primer).
//!
//! Not here: sending, or deciding when to trim (the client's overflow hook).
//!
//! ```
//! use llmwire::context::{trim, TrimOptions};
//! use llmwire::provider::Provider;
//! use serde_json::json;
//!
//! let old = "an earlier question about something long ".repeat(50);
//! let request = json!({"model": "gpt-4o", "messages": [
//!     {"role": "system", "content": "Be brief."},
//!     {"role": "user", "content": old},
//!     {"role": "assistant", "content": "An earlier answer."},
//!     {"role": "user", "content": "And now?"}]});
//! let trimmed = trim(&request, &TrimOptions::with_budget(Provider::OpenAI, 100)).unwrap();
//! assert_eq!(trimmed.report.dropped_indices, vec![1, 2]);
//! assert_eq!(trimmed.request["messages"].as_array().unwrap().len(), 2);
//! ```

use serde_json::{json, Map, Value};

use super::options::{Strategy, TrimOptions};
use super::report::{ShortenedOutput, TrimReport};
use super::shorten::{can_shorten, shorten_content, shorten_text};
use super::{
    estimate_definitions_tokens, estimate_message_parts_tokens, estimate_message_tokens,
    REPLY_PRIMER_TOKENS,
};
use crate::error::{Error, ErrorObject};
use crate::json::Field;
use crate::taxonomy::ErrorClass;

/// A trimmed request and what was done to it.
#[derive(Debug, Clone, PartialEq)]
pub struct Trimmed {
    /// The request with the dropped messages removed and long tool outputs shortened.
    pub request: Value,
    /// What was dropped or shortened, and the estimates before and after.
    pub report: TrimReport,
}

impl Trimmed {
    /// `{"request": …, "report": …}`, the C API's and the CLI's result.
    pub fn to_json(&self) -> String {
        json!({"request": self.request, "report": self.report}).to_string()
    }
}

/// Why a request could not be trimmed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TrimError {
    /// The request or the options are unusable (not JSON, no `messages`, an unknown option, no
    /// budget).
    #[error("{0}")]
    Invalid(#[from] Error),
    /// Even the system/developer messages and the newest user turn (tool outputs shortened, with
    /// that strategy) are over the budget.
    #[error(
        "cannot fit the budget of {budget_tokens} tokens{from_window}: the system/developer messages \
         and the newest user turn alone estimate to {minimum_tokens} tokens; shorten them, drop tools, \
         or raise the budget",
        from_window = window_note(*window_tokens, *reserve_output_tokens)
    )]
    CannotFit {
        /// The budget the request had to fit.
        budget_tokens: u64,
        /// The estimate of what cannot be dropped: the system/developer messages and the newest user
        /// turn.
        minimum_tokens: u64,
        /// The window the budget was taken from, if any.
        window_tokens: Option<u64>,
        /// The output reserve subtracted from that window, if any.
        reserve_output_tokens: Option<u64>,
    },
}

fn window_note(window: Option<u64>, reserve: Option<u64>) -> String {
    match (window, reserve) {
        (Some(window), Some(reserve)) => {
            format!(" (a window of {window} minus {reserve} reserved for the answer)")
        }
        _ => String::new(),
    }
}

impl TrimError {
    /// `context_length_exceeded` when nothing fits, else `invalid_argument`.
    pub fn class(&self) -> ErrorClass {
        match self {
            TrimError::Invalid(error) => error.class(),
            TrimError::CannotFit { .. } => ErrorClass::ContextLengthExceeded,
        }
    }
}

impl From<TrimError> for ErrorObject {
    fn from(error: TrimError) -> ErrorObject {
        ErrorObject::local(error.class(), error.to_string())
    }
}

/// Trims `request` to the budget of `options` (see the module documentation). The request is
/// borrowed: on success the trimmed copy is returned, and on failure nothing changed.
pub fn trim(request: &Value, options: &TrimOptions) -> Result<Trimmed, TrimError> {
    let Some(fields) = request.as_object() else {
        return Err(invalid(
            "the request must be a JSON object with \"messages\"",
        ));
    };
    let Some(messages) = fields.field("messages").and_then(Value::as_array) else {
        return Err(invalid("the request has no \"messages\" array"));
    };
    let budget = options.budget_for(request)?;
    let fixed = estimate_definitions_tokens(request) + REPLY_PRIMER_TOKENS;
    let mut sizes: Vec<u64> = messages.iter().map(estimate_message_tokens).collect();
    let before = fixed + sizes.iter().sum::<u64>();
    let mut report = TrimReport::new(options.strategy, &budget, before);
    let limit = budget.budget_tokens;
    if before <= limit {
        return Ok(Trimmed {
            request: request.clone(),
            report,
        });
    }

    let mut total = before;
    let mut rewritten: Vec<Option<(Value, usize)>> = vec![None; messages.len()];
    if options.strategy == Strategy::ShortenToolOutputsThenDrop {
        for (index, message) in messages.iter().enumerate() {
            if total <= limit {
                break;
            }
            let Some((content, removed)) = shortened_tool_output(message) else {
                continue;
            };
            let size = estimate_message_parts_tokens(
                Some(&content),
                message.field("name"),
                message.field("tool_calls"),
            );
            total = total - sizes[index] + size;
            sizes[index] = size;
            rewritten[index] = Some((content, removed));
        }
    }

    let mut dropped = vec![false; messages.len()];
    for turn in droppable_turns(messages) {
        if total <= limit {
            break;
        }
        for index in turn {
            if !is_instruction(&messages[index]) {
                dropped[index] = true;
                total -= sizes[index];
            }
        }
        report.dropped_turns += 1;
    }
    if total > limit {
        return Err(TrimError::CannotFit {
            budget_tokens: limit,
            minimum_tokens: total,
            window_tokens: budget.window_tokens,
            reserve_output_tokens: budget.reserve_output_tokens,
        });
    }

    let mut kept = Vec::with_capacity(messages.len());
    for (index, (message, rewrite)) in messages.iter().zip(rewritten).enumerate() {
        if dropped[index] {
            report.dropped_indices.push(index);
            report
                .dropped_messages
                .count(message.field("role").and_then(Value::as_str));
            continue;
        }
        match rewrite {
            Some((content, characters_removed)) => {
                report.shortened_tool_outputs.push(ShortenedOutput {
                    index,
                    characters_removed,
                });
                kept.push(with_content(message, content));
            }
            None => kept.push(message.clone()),
        }
    }
    let mut trimmed = Map::with_capacity(fields.len());
    for (key, value) in fields {
        let value = if key == "messages" {
            Value::Array(std::mem::take(&mut kept))
        } else {
            value.clone()
        };
        trimmed.insert(key.clone(), value);
    }
    report.trimmed = true;
    report.estimated_tokens_after = total;
    Ok(Trimmed {
        request: Value::Object(trimmed),
        report,
    })
}

/// [`trim`] over JSON text, for the C API and the CLI: `options_json` `None` means defaults. The
/// result is [`Trimmed::to_json`]'s.
pub fn trim_json(request_json: &str, options_json: Option<&str>) -> Result<Trimmed, TrimError> {
    let options = match options_json {
        Some(text) => TrimOptions::from_json(text)?,
        None => TrimOptions::default(),
    };
    let request = crate::json::parse(request_json)
        .map_err(|e| invalid(&format!("the request is not valid JSON: {e}")))?;
    trim(&request, &options)
}

fn invalid(message: &str) -> TrimError {
    TrimError::Invalid(Error::InvalidArgument(format!("trim: {message}")))
}

fn role(message: &Value) -> Option<&str> {
    message.field("role").and_then(Value::as_str)
}

fn is_instruction(message: &Value) -> bool {
    matches!(role(message), Some("system" | "developer"))
}

/// A shortened copy of a tool message's content, and the characters cut.
fn shortened_tool_output(message: &Value) -> Option<(Value, usize)> {
    if role(message) != Some("tool") {
        return None;
    }
    let content = message.field("content")?;
    match content {
        Value::String(text) => {
            shorten_text(text).map(|(short, removed)| (Value::String(short), removed))
        }
        _ if can_shorten(content) => {
            let mut copy = content.clone();
            let removed = shorten_content(&mut copy);
            Some((copy, removed))
        }
        _ => None,
    }
}

fn with_content(message: &Value, content: Value) -> Value {
    let mut copy = Map::new();
    if let Some(fields) = message.as_object() {
        for (key, value) in fields {
            if key != "content" {
                copy.insert(key.clone(), value.clone());
            }
        }
    }
    copy.insert("content".to_owned(), content);
    Value::Object(copy)
}

/// The turns that may be dropped, oldest first, as index ranges (system/developer messages inside
/// a range stay). Everything from the last user message on is kept. A conversation without a user
/// message keeps its last exchange: the last assistant message with its tool results.
fn droppable_turns(messages: &[Value]) -> Vec<std::ops::Range<usize>> {
    let last_user = messages.iter().rposition(|m| role(m) == Some("user"));
    let (end, starts_turn): (usize, fn(&Value) -> bool) = match last_user {
        Some(index) => (index, |m| role(m) == Some("user")),
        None => {
            let mut start = messages.len().saturating_sub(1);
            while start > 0 && role(&messages[start]) == Some("tool") {
                start -= 1;
            }
            (start, |m| role(m) != Some("tool"))
        }
    };
    let mut turns = Vec::new();
    let mut current: Option<usize> = None;
    for (index, message) in messages[..end].iter().enumerate() {
        if is_instruction(message) {
            continue;
        }
        match current {
            Some(start) if starts_turn(message) => {
                turns.push(start..index);
                current = Some(index);
            }
            Some(_) => {}
            None => current = Some(index),
        }
    }
    if let Some(start) = current {
        turns.push(start..end);
    }
    turns
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::estimate_request_tokens;
    use crate::provider::Provider;

    fn user(text: &str) -> Value {
        json!({"role": "user", "content": text})
    }

    fn assistant(text: &str) -> Value {
        json!({"role": "assistant", "content": text})
    }

    #[test]
    fn turns_start_at_user_messages_and_skip_instructions() {
        let messages = vec![
            json!({"role": "system", "content": "s"}),
            assistant("greeting"),
            user("q1"),
            assistant("a1"),
            json!({"role": "developer", "content": "d"}),
            user("q2"),
            assistant("a2"),
            user("q3"),
        ];
        assert_eq!(droppable_turns(&messages), vec![1..2, 2..5, 5..7]);
    }

    #[test]
    fn without_a_user_message_the_last_exchange_is_kept() {
        let messages = vec![
            assistant("a"),
            json!({"role": "assistant", "content": null, "tool_calls": [{"id": "c", "type": "function", "function": {"name": "f", "arguments": "{}"}}]}),
            json!({"role": "tool", "tool_call_id": "c", "content": "r"}),
        ];
        assert_eq!(droppable_turns(&messages), vec![0..1]);
    }

    #[test]
    fn a_fitting_request_is_returned_unchanged() {
        let request = json!({"model": "gpt-4o", "messages": [user("hi")]});
        let trimmed = trim(&request, &TrimOptions::with_budget(Provider::OpenAI, 1_000)).unwrap();
        assert_eq!(trimmed.request, request);
        assert!(!trimmed.report.trimmed);
    }

    #[test]
    fn the_after_estimate_is_the_estimate_of_the_result() {
        let long = "Some words that take a little room. ".repeat(250);
        let tool_output = "{\"line\": \"data\"}\n".repeat(400);
        let request = json!({"model": "gpt-4o", "messages": [
            user(&long), assistant(&long),
            user("call it"),
            {"role": "assistant", "content": null, "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{}"}}]},
            {"role": "tool", "tool_call_id": "c1", "content": tool_output},
            user("now?")]});
        let trimmed = trim(&request, &TrimOptions::with_budget(Provider::OpenAI, 1_500)).unwrap();
        assert_eq!(
            trimmed.report.estimated_tokens_after,
            estimate_request_tokens(&trimmed.request)
        );
        assert!(trimmed.report.estimated_tokens_after <= 1_500);
        assert_eq!(trimmed.report.dropped_indices, vec![0, 1]);
        assert_eq!(trimmed.report.shortened_tool_outputs[0].index, 4);
    }

    #[test]
    fn nothing_fits_is_an_error_naming_the_minimum() {
        let request = json!({"model": "gpt-4o", "messages": [user(&"word ".repeat(1_000))]});
        let error = trim(&request, &TrimOptions::with_budget(Provider::OpenAI, 100)).unwrap_err();
        assert_eq!(error.class(), ErrorClass::ContextLengthExceeded);
        assert!(
            error.to_string().contains("budget of 100 tokens"),
            "{error}"
        );
    }
}
