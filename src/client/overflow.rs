//! Context overflow recovery in the client (config `"context": {"on_overflow": "trim"}`).
//!
//! Two moments, both recorded for the caller:
//!
//! - before sending: a request whose estimate is over the model's window (the provider profile's
//!   figure, minus the output reserve) is trimmed first ([`fit_before_send`]); a model the profile
//!   does not know is sent as it is;
//! - after a `context_length_exceeded` answer: the request is trimmed once to a tighter budget,
//!   computed from the token figures in the provider's message when it gives them, and sent again
//!   at once ([`retry_trimmed`]). The failed attempt's record shows `"delay_source": "trim"`.
//!
//! Every trim is a record (`{"stage": "before_send" | "after_overflow", …the trim report}`) in the
//! result's `llmwire.trimmed`, and in the error object's `trimmed` when the call still fails.
//! Not here: how to trim (`context::trim`).

use std::borrow::Cow;

use serde_json::Value;

use super::prepare::Prepared;
use super::Client;
use crate::classify::Classification;
use crate::context::overflow::{mentions_overflow, parse_overflow_figures, retry_budget};
use crate::context::{
    estimate_request_tokens, requested_output_tokens, trim, OnOverflow, OverflowFigures,
    TrimOptions, TrimReport,
};
use crate::error::{AttemptRecord, ErrorObject};
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
    pub(super) fn remember(&mut self, client: &Client, request: &Value) {
        if client.config.context.on_overflow == OnOverflow::Trim {
            self.sent_estimate = estimate_request_tokens(request);
            self.request = Some(request.clone());
        }
    }
}

/// Trims `request` before it is first sent when its estimate is over the window of a model the
/// provider profile knows (with `on_overflow: "trim"`). A request that cannot be made to fit is
/// sent as it is: the estimate is conservative, and the provider has the last word.
pub(super) fn fit_before_send<'r>(
    client: &Client,
    provider: crate::provider::Provider,
    request: Cow<'r, Value>,
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
    let Ok(budget) = options.budget_for(&request) else {
        return (request, trace);
    };
    if estimate_request_tokens(&request) <= budget.budget_tokens {
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

/// After a failed attempt: when it was a context overflow, trims the request to a tighter budget,
/// swaps the body to send, marks the attempt's record (`delay_source: "trim"`) and returns true —
/// once per call, only with `on_overflow: "trim"`, never after a stream delivered chunks.
pub(super) fn retry_trimmed(
    client: &Client,
    prepared: &mut Prepared,
    classification: &Classification,
    stream_delivered: bool,
    attempts: &mut [AttemptRecord],
) -> bool {
    let trace = &mut prepared.context;
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
    let Some(budget_tokens) = retry_budget(
        trace.sent_estimate,
        figures.as_ref(),
        requested_output_tokens(request),
    ) else {
        return false;
    };
    let options = TrimOptions {
        budget_tokens: Some(budget_tokens),
        provider: client.config.provider,
        ..TrimOptions::default()
    };
    let Ok(trimmed) = trim(request, &options) else {
        return false;
    };
    let Ok(body) = serde_json::to_vec(&trimmed.request) else {
        return false;
    };
    let after_attempt = attempts.last().map(|attempt| attempt.n);
    trace.records.push(record(
        "after_overflow",
        after_attempt,
        figures.as_ref(),
        &trimmed.report,
    ));
    trace.sent_estimate = trimmed.report.estimated_tokens_after;
    trace.request = Some(trimmed.request);
    prepared.body = body;
    if let Some(last) = attempts.last_mut() {
        last.delay_ms = 0;
        last.delay_source = Some("trim".to_owned());
    }
    true
}

/// Adds the call's trim records to its error object (under `trimmed`).
pub(super) fn with_trim_records(mut error: ErrorObject, prepared: &Prepared) -> ErrorObject {
    error.trimmed.clone_from(&prepared.context.records);
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
