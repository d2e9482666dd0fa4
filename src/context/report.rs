//! What a trim did: the report returned with the trimmed request (and, in the client, recorded
//! under the result's `llmwire.trimmed`).

use serde::Serialize;

use super::options::{Budget, Strategy};

/// What [`super::trim()`] removed or rewrote, and the estimates before and after. Message indices
/// refer to the request as given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TrimReport {
    /// Whether anything changed (`false`: the request already fitted).
    pub trimmed: bool,
    /// The strategy the trim followed.
    pub strategy: Strategy,
    /// The most the trimmed request may estimate to.
    pub budget_tokens: u64,
    /// The window the budget came from, if any.
    pub window_tokens: Option<u64>,
    /// The output reserve taken from the window, if any.
    pub reserve_output_tokens: Option<u64>,
    /// The request's estimate as given.
    pub estimated_tokens_before: u64,
    /// The estimate of the trimmed request; at most `budget_tokens`.
    pub estimated_tokens_after: u64,
    /// Whole turns dropped (a user message and the answers up to the next user message).
    pub dropped_turns: u64,
    /// Dropped messages by role.
    pub dropped_messages: DroppedMessages,
    /// Indices of the dropped messages, ascending.
    pub dropped_indices: Vec<usize>,
    /// Tool outputs that were shortened (and kept).
    pub shortened_tool_outputs: Vec<ShortenedOutput>,
}

/// Dropped messages counted by role.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct DroppedMessages {
    /// Dropped `user` messages.
    pub user: u64,
    /// Dropped `assistant` messages.
    pub assistant: u64,
    /// Dropped `tool` messages.
    pub tool: u64,
    /// Messages with another role (the legacy `function`) or none.
    pub other: u64,
}

impl DroppedMessages {
    /// Every dropped message, whatever its role.
    pub fn total(&self) -> u64 {
        self.user + self.assistant + self.tool + self.other
    }

    pub(super) fn count(&mut self, role: Option<&str>) {
        match role {
            Some("user") => self.user += 1,
            Some("assistant") => self.assistant += 1,
            Some("tool") => self.tool += 1,
            _ => self.other += 1,
        }
    }
}

/// One shortened tool output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ShortenedOutput {
    /// The message's index in the request as given.
    pub index: usize,
    /// How many characters the shortening took out.
    pub characters_removed: usize,
}

impl TrimReport {
    pub(super) fn new(strategy: Strategy, budget: &Budget, estimate: u64) -> TrimReport {
        TrimReport {
            trimmed: false,
            strategy,
            budget_tokens: budget.budget_tokens,
            window_tokens: budget.window_tokens,
            reserve_output_tokens: budget.reserve_output_tokens,
            estimated_tokens_before: estimate,
            estimated_tokens_after: estimate,
            dropped_turns: 0,
            dropped_messages: DroppedMessages::default(),
            dropped_indices: Vec::new(),
            shortened_tool_outputs: Vec::new(),
        }
    }

    /// One line for people: what was dropped and shortened, and the estimates.
    pub fn summary(&self) -> String {
        if !self.trimmed {
            return format!(
                "fits: about {} tokens within a budget of {}",
                self.estimated_tokens_before, self.budget_tokens
            );
        }
        let mut parts = Vec::new();
        if self.dropped_turns > 0 || self.dropped_messages.total() > 0 {
            parts.push(format!(
                "dropped {} message(s) in {} turn(s)",
                self.dropped_messages.total(),
                self.dropped_turns
            ));
        }
        if !self.shortened_tool_outputs.is_empty() {
            parts.push(format!(
                "shortened {} tool output(s)",
                self.shortened_tool_outputs.len()
            ));
        }
        format!(
            "{}: about {} → {} tokens (budget {})",
            parts.join(", "),
            self.estimated_tokens_before,
            self.estimated_tokens_after,
            self.budget_tokens
        )
    }
}
