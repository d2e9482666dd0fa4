//! Fitting the request into the model's context window (config `"context": {"on_overflow": "trim"}`).
//!
//! Two moments, both recorded for the caller:
//!
//! - before sending: a request whose estimate is over the model's window (the provider profile's
//!   figure, minus the output reserve) is trimmed first ([`fit_before_send`]); a model the profile
//!   does not know is sent as it is;
//! - after a `context_length_exceeded` answer: the request is trimmed once to a tighter budget,
//!   computed from the token figures in the provider's message when it gives them, and sent again
//!   at once ([`retry_trimmed`]). The failed attempt's record shows `"delay_source": "trim"` (the
//!   call loop writes it).
//!
//! Every trim is a record (`{"stage": "before_send" | "after_overflow", …the trim report}`) in the
//! result's `llmwire.trimmed`, and in the error object's `trimmed` when the call still fails.
//! Not here: how to trim (`context::trim`). This module works on a [`ContextTrace`] and a body,
//! not on the prepared request that holds them, so that `prepare` may use it without a circle.

use std::borrow::Cow;

use serde_json::Value;

use super::Client;
use crate::classify::Classification;
use crate::context::overflow_figures::{
    mentions_overflow, parse_overflow_figures, retry_target_tokens,
};
use crate::context::{
    estimate_request_tokens, requested_output_tokens, trim, OnOverflow, OverflowFigures,
    TrimOptions, TrimReport,
};
use crate::error::ErrorObject;
use crate::taxonomy::ErrorClass;

/// What the call knows about its request's size, and the trims made so far.
#[derive(Debug, Default)]
pub(super) struct ContextTrace {
    /// The request as sent (after validation), kept to trim it again after an overflow; only with
    /// `on_overflow: "trim"`.
    request: Option<Value>,
    /// The estimate of the request as sent.
    sent_estimate: u64,
    /// The one trim-and-retry has been used.
    retried: bool,
    /// One record per trim.
    pub(super) records: Vec<Value>,
}

impl ContextTrace {
    /// Keeps the request that will be sent, for a later trim (only when trimming is enabled).
    /// `unchanged`: its messages, tools and response format are the caller's (nothing trimmed or
    /// repaired), so the call's estimate of the caller's request is its estimate too.
    pub(super) fn remember(
        &mut self,
        client: &Client,
        request: &Value,
        estimate: &mut RequestEstimate,
        unchanged: bool,
    ) {
        if client.config.context.on_overflow == OnOverflow::Trim {
            self.sent_estimate = match unchanged && self.records.is_empty() {
                true => estimate.of(request),
                false => estimate_request_tokens(request),
            };
            self.request = Some(request.clone());
        }
    }
}

/// The estimate of the caller's request, made at most once per call: the trim before sending, the
/// trace of what was sent and the fleet's limit reservation all read it. It counts messages, tools
/// and the response format only, so setting the model or `stream` does not change it.
#[derive(Debug, Default)]
pub(super) struct RequestEstimate(Option<u64>);

impl RequestEstimate {
    /// The estimate of `request`, which must be the caller's request (or differ from it only in
    /// fields the estimate does not read).
    pub(super) fn of(&mut self, request: &Value) -> u64 {
        *self
            .0
            .get_or_insert_with(|| estimate_request_tokens(request))
    }
}

/// Trims `request` before it is first sent when its estimate is over the window of a model the
/// provider profile knows (with `on_overflow: "trim"`). A request that cannot be made to fit is
/// sent as it is: the estimate is conservative, and the provider has the last word.
pub(super) fn fit_before_send<'r>(
    client: &Client,
    provider: crate::provider::Provider,
    request: Cow<'r, Value>,
    estimate: &mut RequestEstimate,
) -> (Cow<'r, Value>, ContextTrace) {
    let mut trace = ContextTrace::default();
    if client.config.context.on_overflow != OnOverflow::Trim {
        return (request, trace);
    }
    let options = TrimOptions {
        provider,
        safety_margin: client.config.context.safety_margin,
        ..TrimOptions::default()
    };
    let Ok(fit) = options.budget_for(&request) else {
        return (request, trace);
    };
    if estimate.of(&request) <= fit.budget_tokens {
        return (request, trace);
    }
    match trim(&request, &options) {
        Ok(trimmed) => {
            trace
                .records
                .push(record("before_send", None, None, &trimmed.report));
            (Cow::Owned(trimmed.request), trace)
        }
        Err(_) => (request, trace),
    }
}

/// After failed attempt `after_attempt`: when it was a context overflow, trims the request to a
/// tighter token target, swaps `body` (the bytes to send) and returns true — once per call, only
/// with `on_overflow: "trim"`, never after a stream delivered chunks.
pub(super) fn retry_trimmed(
    client: &Client,
    trace: &mut ContextTrace,
    body: &mut Vec<u8>,
    classification: &Classification,
    stream_delivered: bool,
    after_attempt: Option<u32>,
) -> bool {
    if client.config.context.on_overflow != OnOverflow::Trim
        || stream_delivered
        || trace.retried
        || !is_overflow(classification)
    {
        return false;
    }
    let Some(request) = trace.request.as_ref() else {
        return false;
    };
    trace.retried = true;
    let figures = parse_overflow_figures(&classification.message);
    let Some(target_tokens) = retry_target_tokens(
        trace.sent_estimate,
        figures.as_ref(),
        requested_output_tokens(request),
    ) else {
        return false;
    };
    let options = TrimOptions {
        budget_tokens: Some(target_tokens),
        provider: client.config.provider,
        ..TrimOptions::default()
    };
    let Ok(trimmed) = trim(request, &options) else {
        return false;
    };
    let Ok(trimmed_body) = serde_json::to_vec(&trimmed.request) else {
        return false;
    };
    trace.records.push(record(
        "after_overflow",
        after_attempt,
        figures.as_ref(),
        &trimmed.report,
    ));
    trace.sent_estimate = trimmed.report.estimated_tokens_after;
    trace.request = Some(trimmed.request);
    *body = trimmed_body;
    true
}

/// Adds the call's trim records to its error object (under `trimmed`).
pub(super) fn with_trim_records(mut error: ErrorObject, trace: &ContextTrace) -> ErrorObject {
    error.trimmed.clone_from(&trace.records);
    error
}

/// A context overflow: so classified, or a rejected request whose message says so (servers that
/// send no code, or a classifier that did not recognise the wording).
fn is_overflow(classification: &Classification) -> bool {
    match classification.class {
        ErrorClass::ContextLengthExceeded => true,
        ErrorClass::InvalidRequest | ErrorClass::RequestTooLarge => {
            classification.provider_code.as_deref() == Some("context_length_exceeded")
                || mentions_overflow(&classification.message)
        }
        _ => false,
    }
}

fn record(
    stage: &str,
    after_attempt: Option<u32>,
    figures: Option<&OverflowFigures>,
    report: &TrimReport,
) -> Value {
    let mut record = serde_json::Map::new();
    record.insert("stage".to_owned(), Value::from(stage));
    if let Some(n) = after_attempt {
        record.insert("after_attempt".to_owned(), Value::from(n));
        let figure = |f: fn(&OverflowFigures) -> Option<u64>| {
            figures.and_then(f).map_or(Value::Null, Value::from)
        };
        record.insert(
            "provider_limit_tokens".to_owned(),
            figure(|f| f.limit_tokens),
        );
        record.insert(
            "provider_prompt_tokens".to_owned(),
            figure(|f| f.prompt_tokens),
        );
    }
    if let Ok(Value::Object(fields)) = serde_json::to_value(report) {
        record.extend(fields);
    }
    Value::Object(record)
}
