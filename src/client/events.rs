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
    pub event: &'static str,
    pub call_id: u64,
    pub attempt: u32,
    /// `"success"` or `"failure"`.
    pub outcome: &'static str,
    pub class: Option<ErrorClass>,
    pub http_status: Option<u16>,
    pub elapsed_ms: u64,
    /// `"retry"`, `"stop"` or `"done"`.
    pub decision: &'static str,
    pub delay_ms: Option<u64>,
    pub delay_source: Option<&'a str>,
    pub stop_reason: Option<StopReason>,
    pub message: Option<&'a str>,
    /// The attempt's target (configurations with `targets` or `limits` only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<&'a str>,
}
