//! The event hook: one JSON event per attempt outcome, for logging.
//!
//! Events carry classes, statuses, timings and the provider's message (with the API key redacted,
//! like everywhere else) — never request bodies or headers.

use std::sync::Arc;

use serde::Serialize;

use crate::taxonomy::{ErrorClass, StopReason};

/// A user callback receiving each event as JSON. Called on the thread making the call.
pub type EventHook = Arc<dyn Fn(&str) + Send + Sync>;

/// What happened in one attempt, and what the loop decided next.
#[derive(Debug, Clone, Serialize)]
pub struct AttemptEvent<'a> {
    /// Always `"attempt"` (the other events are built as JSON directly).
    pub event: &'static str,
    /// Numbers the client's calls from 1, so that the events of one call can be grouped.
    pub call_id: u64,
    /// 1-based attempt number within the call.
    pub attempt: u32,
    /// `"success"` or `"failure"`.
    pub outcome: &'static str,
    /// The failure's class; `None` for a success.
    pub class: Option<ErrorClass>,
    /// The HTTP status, when a response head arrived.
    pub http_status: Option<u16>,
    /// Time from the start of the call to the end of this attempt.
    pub elapsed_ms: u64,
    /// `"retry"`, `"stop"` or `"done"`.
    pub decision: &'static str,
    /// The wait before the next attempt, set only when the decision is `"retry"`.
    pub delay_ms: Option<u64>,
    /// Where the attempt's delay came from: `"retry-after"`, `"retry_info"`, …, or `"backoff"`.
    pub delay_source: Option<&'a str>,
    /// Why the loop gave up, when the decision is `"stop"`.
    pub stop_reason: Option<StopReason>,
    /// The provider's (or llmwire's) message for a failure, with every secret redacted.
    pub message: Option<&'a str>,
    /// The attempt's target (configurations with `targets` or `limits` only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<&'a str>,
}
