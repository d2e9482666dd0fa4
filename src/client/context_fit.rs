//! Fitting the request into the model's context window (config `"context": {"on_overflow": "trim"}`).
//!
//! Two moments, both recorded for the caller:
//!
//! - before sending: a request whose estimate is over the model's window (the provider profile's
//!   figure, minus the output reserve) is trimmed first ([`fit_before_send`]); a model the profile
//!   does not know is sent as it is;
//! - after a `context_length_exceeded` answer: the request is trimmed once to a tighter token target,
//!   computed from the token figures in the provider's message when it gives them, and sent again
//!   at once ([`retry_trimmed`]). The failed attempt's record shows `"delay_source": "trim"` (the
//!   call loop writes it).
//!
//! Every trim is a record (`{"stage": "before_send" | "after_overflow", …the trim report}`) in the
//! result's `llmwire.trimmed`, and in the error object's `trimmed` when the call still fails.
//! Not here: how to trim (`context::trim`). This module works on a [`ContextTrace`] and a body,
//! not on the prepared request that holds them, so that `prepare` may use it without a circle.

use std::borrow::Cow;

use serde::Serialize;
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
    pub(super) records: Vec<TrimRecord>,
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

    /// The estimate, if something already needed it.
    pub(super) fn made(&self) -> Option<u64> {
        self.0
    }

    /// Keeps an estimate of the caller's request made elsewhere (by the validator).
    pub(super) fn learn(&mut self, estimate: u64) {
        self.0.get_or_insert(estimate);
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
            trace.records.push(TrimRecord::before_send(trimmed.report));
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
    trace.sent_estimate = trimmed.report.estimated_tokens_after;
    trace.records.push(TrimRecord::after_overflow(
        after_attempt,
        figures.as_ref(),
        trimmed.report,
    ));
    trace.request = Some(trimmed.request);
    *body = trimmed_body;
    true
}

/// Adds the call's trim records to its error object (under `trimmed`): the edge where they
/// become JSON.
pub(super) fn with_trim_records(mut error: ErrorObject, trace: &ContextTrace) -> ErrorObject {
    error.trimmed = trace
        .records
        .iter()
        .filter_map(|record| serde_json::to_value(record).ok())
        .collect();
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

/// One trim of the call, as the caller reads it under `trimmed`:
/// `{"stage": "before_send" | "after_overflow", …the trim report}`, an `after_overflow` trim also
/// naming the attempt it followed and the provider's figures (`null` when it gave none).
#[derive(Debug, Serialize)]
pub(super) struct TrimRecord {
    stage: Stage,
    #[serde(flatten)]
    after_overflow: Option<AfterOverflow>,
    #[serde(flatten)]
    report: TrimReport,
}

#[derive(Debug, Clone, Copy, Serialize)]
#[serde(rename_all = "snake_case")]
enum Stage {
    BeforeSend,
    AfterOverflow,
}

#[derive(Debug, Serialize)]
struct AfterOverflow {
    after_attempt: u32,
    provider_limit_tokens: Option<u64>,
    provider_prompt_tokens: Option<u64>,
}

impl TrimRecord {
    fn before_send(report: TrimReport) -> TrimRecord {
        TrimRecord {
            stage: Stage::BeforeSend,
            after_overflow: None,
            report,
        }
    }

    fn after_overflow(
        after_attempt: Option<u32>,
        figures: Option<&OverflowFigures>,
        report: TrimReport,
    ) -> TrimRecord {
        // A trim after an overflow always follows an attempt; without one (not reached) the
        // record looks like a trim before sending, as it always did.
        let after_overflow = after_attempt.map(|n| AfterOverflow {
            after_attempt: n,
            provider_limit_tokens: figures.and_then(|f| f.limit_tokens),
            provider_prompt_tokens: figures.and_then(|f| f.prompt_tokens),
        });
        TrimRecord {
            stage: Stage::AfterOverflow,
            after_overflow,
            report,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::trim;
    use crate::provider::Provider;
    use serde_json::json;

    #[test]
    fn trim_records_keep_their_json_shape() {
        let request = json!({"model": "gpt-4o-mini", "messages": [
            {"role": "user", "content": "a"},
            {"role": "assistant", "content": "b"},
            {"role": "user", "content": "c"},
        ]});
        let options = TrimOptions::with_budget(Provider::OpenAI, 1_000);
        let report = trim(&request, &options).unwrap().report;
        let fields = serde_json::to_string(&report).unwrap();
        let fields = fields.strip_prefix('{').unwrap();
        let figures = OverflowFigures {
            limit_tokens: Some(8192),
            ..OverflowFigures::default()
        };
        let after = TrimRecord::after_overflow(Some(2), Some(&figures), report.clone());
        assert_eq!(
            serde_json::to_string(&after).unwrap(),
            format!(
                r#"{{"stage":"after_overflow","after_attempt":2,"provider_limit_tokens":8192,"provider_prompt_tokens":null,{fields}"#
            )
        );
        let before = TrimRecord::before_send(report);
        assert_eq!(
            serde_json::to_string(&before).unwrap(),
            format!(r#"{{"stage":"before_send",{fields}"#)
        );
    }
}
