//! The attempt loop of docs/design.md §4: send, classify, decide, sleep (cancellable, never past the
//! deadline) or stop — and the error object that reports every attempt.

use std::io::Read;
use std::time::Duration;

use serde_json::Value;

use super::answer::{too_deep, Answer, Completion, Report, Unusable};
use super::cancel::CancelToken;
use super::events::AttemptEvent;
use super::prepare::Prepared;
use super::{ChunkControl, Client};
use crate::classify::{classify, Classification, ClassifyInput, TransportFault};
use crate::error::{AttemptRecord, ErrorObject};
use crate::fleet::limits::pacing_from_headers;
use crate::provider::Provider;
use crate::retry::{self, AttemptState, Decision};
use crate::stream::{StreamAssembler, StreamDecoder, StreamItem};
use crate::taxonomy::{ErrorClass, StopReason};
use crate::transport::watch::{self, Limit, Phase};
use crate::transport::{fault_from_io, name_fault, Exchange, NamedFault, StreamStart, Transport};

/// Where an attempt goes: the client's own endpoint, or one of its targets (`fleet_loop`).
pub(super) struct Route<'c> {
    pub transport: &'c Transport,
    pub chat_url: &'c str,
    pub provider: Provider,
    /// Read the provider's `x-ratelimit-*` pacing headers from a success (targets only, so a
    /// plain client pays nothing for it).
    pub pacing: bool,
}

impl Client {
    /// The route of a client without targets: its own endpoint.
    pub(super) fn own_route(&self) -> Route<'_> {
        Route {
            transport: &self.transport,
            chat_url: &self.chat_url,
            provider: self.config.provider,
            pacing: false,
        }
    }
}

/// How one attempt ended.
pub(super) enum Outcome {
    Success {
        completion: Completion,
        http_status: u16,
        /// The provider's headers say its window is spent for this long (ms); see `pacing`.
        pace_ms: Option<u64>,
    },
    Failure(Classification),
    /// A failure below HTTP, named for the attempt record.
    Fault(Classification, NamedFault),
    /// The caller stopped it: `Cancelled`, or `AbortedByCallback` from the stream callback.
    Interrupted(StopReason),
}

type ChunkSink<'a> = Option<&'a mut dyn FnMut(&Value) -> ChunkControl>;

pub(super) fn attempt_loop(
    client: &Client,
    call_id: u64,
    prepared: &mut Prepared,
    mut on_chunk: ChunkSink<'_>,
    cancel: &CancelToken,
) -> Result<Answer, ErrorObject> {
    let start = prepared.started.unwrap_or_else(|| client.clock.now());
    let elapsed_ms = || millis(client.clock.now().saturating_sub(start));
    let mut random = call_rng(client, call_id);
    let mut attempts: Vec<AttemptRecord> = Vec::new();
    let mut delivered = false;
    let mut last_failure: Option<Classification> = None;
    let route = client.own_route();

    loop {
        let n = attempts.len() as u32 + 1;
        if cancel.is_cancelled() {
            return Err(cancelled(
                client,
                call_id,
                StopReason::Cancelled,
                last_failure,
                attempts,
                None,
            ));
        }
        client.metrics.attempt_made();
        let outcome = one_attempt(
            client,
            &route,
            prepared,
            on_chunk.as_deref_mut(),
            &mut delivered,
            cancel,
        );
        let (mut classification, fault) = match outcome {
            Outcome::Success {
                completion,
                http_status,
                ..
            } => {
                client.budget.record_success();
                attempts.push(record(n, None, Some(http_status), elapsed_ms()));
                emit(client, call_id, &attempts, None, "done", None);
                let report = Report {
                    attempts,
                    repairs: std::mem::take(&mut prepared.repairs),
                    warnings: std::mem::take(&mut prepared.warnings),
                    trimmed: std::mem::take(&mut prepared.context.records),
                };
                return Ok(Answer { completion, report });
            }
            Outcome::Interrupted(reason) => {
                let interrupted = Some((n, elapsed_ms()));
                return Err(cancelled(
                    client,
                    call_id,
                    reason,
                    last_failure,
                    attempts,
                    interrupted,
                ));
            }
            Outcome::Failure(classification) => (classification, None),
            Outcome::Fault(classification, fault) => (classification, Some(fault)),
        };
        client.redactor.classification(&mut classification);
        attempts.push(failed_record(n, &classification, fault, elapsed_ms()));
        let cut_by_deadline = fault.is_some_and(|f| f.limit == Some(Limit::Deadline));
        if retry_trimmed(
            client,
            call_id,
            prepared,
            &classification,
            delivered,
            &mut attempts,
        ) {
            last_failure = Some(classification);
            continue;
        }
        let state = attempt_state(client, delivered, cancel, &attempts);
        let decision = if cut_by_deadline {
            Decision::Stop(StopReason::Deadline)
        } else {
            retry::decide_with_budget(
                &classification,
                &state,
                &client.policy,
                &mut random,
                &client.budget,
            )
        };
        last_failure = Some(follow(
            client,
            call_id,
            decision,
            classification,
            &state,
            &mut attempts,
            cancel,
        )?);
    }
}

/// The record of a failed attempt, naming the transport fault and its phase when there was one.
pub(super) fn failed_record(
    n: u32,
    classification: &Classification,
    fault: Option<NamedFault>,
    elapsed_ms: u64,
) -> AttemptRecord {
    let mut failed = record(
        n,
        Some(classification),
        classification.http_status,
        elapsed_ms,
    );
    if let Some(fault) = fault {
        failed.fault = Some(fault.name);
        failed.phase = fault.phase.map(Phase::as_str);
    }
    failed
}

/// What the retry decision sees after the attempts so far.
pub(super) fn attempt_state(
    client: &Client,
    delivered: bool,
    cancel: &CancelToken,
    attempts: &[AttemptRecord],
) -> AttemptState {
    AttemptState {
        deadline_ms: client.config.timeouts.deadline_ms,
        stream_delivered: delivered,
        cancelled: cancel.is_cancelled(),
        ..AttemptState::from_records(attempts)
    }
}

/// After a context overflow: one trim and a retry (per `context.on_overflow`), announced to the
/// event hook as a retry. Whether the request was trimmed for another attempt.
pub(super) fn retry_trimmed(
    client: &Client,
    call_id: u64,
    prepared: &mut Prepared,
    classification: &Classification,
    delivered: bool,
    attempts: &mut [AttemptRecord],
) -> bool {
    let trimmed =
        super::overflow::retry_trimmed(client, prepared, classification, delivered, attempts);
    if trimmed {
        emit(
            client,
            call_id,
            attempts,
            Some(classification),
            "retry",
            None,
        );
    }
    trimmed
}

/// Carries out the retry policy's decision about a failure: stop with the call's error, or record
/// the delay on the last attempt, report it, and sleep it (a cancel ends the sleep at once; the top
/// of the loop reports it). Returns the failure, now the call's last.
pub(super) fn follow(
    client: &Client,
    call_id: u64,
    decision: Decision,
    classification: Classification,
    state: &AttemptState,
    attempts: &mut Vec<AttemptRecord>,
    cancel: &CancelToken,
) -> Result<Classification, ErrorObject> {
    let plan = match decision {
        Decision::Retry(plan) => plan,
        Decision::Stop(reason) => {
            let attempts = std::mem::take(attempts);
            return Err(stopped(
                client,
                call_id,
                reason,
                classification,
                state,
                attempts,
            ));
        }
    };
    if let Some(last) = attempts.last_mut() {
        last.delay_ms = plan.delay_ms;
        last.delay_source = Some(plan.delay_source.as_str().to_owned());
    }
    emit(
        client,
        call_id,
        attempts,
        Some(&classification),
        "retry",
        None,
    );
    client.metrics.retrying(classification.class, plan.delay_ms);
    client
        .clock
        .sleep(Duration::from_millis(plan.delay_ms), cancel);
    Ok(classification)
}

/// Sends one attempt, plain or streamed, under the call's watch.
pub(super) fn one_attempt(
    client: &Client,
    route: &Route<'_>,
    prepared: &Prepared,
    on_chunk: Option<&mut (dyn FnMut(&Value) -> ChunkControl + '_)>,
    delivered: &mut bool,
    cancel: &CancelToken,
) -> Outcome {
    watch::begin_attempt();
    let outcome = if prepared.stream {
        stream_attempt(client, route, prepared, on_chunk, delivered, cancel)
    } else {
        plain_attempt(client, route, prepared)
    };
    // A cancel wins over whatever the attempt became meanwhile: a cancelled call never
    // succeeds, and a read the cancel cut short is not a network failure.
    if cancel.is_cancelled() && !matches!(outcome, Outcome::Interrupted(_)) {
        return Outcome::Interrupted(StopReason::Cancelled);
    }
    outcome
}

/// The call's jitter source: the client's entropy (or the policy's seed) mixed with the call number.
pub(super) fn call_rng(client: &Client, call_id: u64) -> impl retry::RandomSource {
    client
        .policy
        .jitter_rng(client.entropy ^ call_id.wrapping_mul(0x9E37_79B9_7F4A_7C15))
}

/// The error of a call stopped after a failure (reported to the event hook as the stop).
pub(super) fn stopped(
    client: &Client,
    call_id: u64,
    reason: StopReason,
    classification: Classification,
    state: &AttemptState,
    attempts: Vec<AttemptRecord>,
) -> ErrorObject {
    emit(
        client,
        call_id,
        &attempts,
        Some(&classification),
        "stop",
        Some(reason),
    );
    ErrorObject {
        status: classification.class.status_name(),
        summary: retry::summary(reason, &classification, state, &client.policy),
        stop_reason: Some(reason),
        attempts,
        classification,
        validation: None,
        trimmed: Vec::new(),
        targets: Vec::new(),
    }
}

pub(super) fn plain_attempt(client: &Client, route: &Route<'_>, prepared: &Prepared) -> Outcome {
    let exchange = route
        .transport
        .post(route.chat_url, &call_headers(prepared), &prepared.body);
    outcome_of(client, route, exchange)
}

/// The headers that belong to this call, beside the transport's fixed ones.
fn call_headers(prepared: &Prepared) -> [(&'static str, &str); 1] {
    [("idempotency-key", prepared.idempotency_key.as_str())]
}

/// Classifies a finished exchange; a 2xx is a success only when it is a usable completion.
fn outcome_of(client: &Client, route: &Route<'_>, exchange: Exchange) -> Outcome {
    match exchange {
        Exchange::Response(mut response) => {
            let mut body = std::mem::take(&mut response.body);
            if (200..300).contains(&response.status) {
                match Completion::from_body(body) {
                    Ok(completion) => {
                        let pace_ms = route
                            .pacing
                            .then(|| pacing_from_headers(&response.header_pairs()))
                            .flatten();
                        return Outcome::Success {
                            completion,
                            http_status: response.status,
                            pace_ms,
                        };
                    }
                    Err(Unusable::Body(unusable)) => body = unusable,
                    Err(Unusable::TooDeep) => return Outcome::Failure(too_deep(response.status)),
                }
            }
            let headers = response.header_pairs();
            // An encoded body is not read: its bytes would only be mojibake (see `unusual`).
            let encoding = super::unusual::undecoded_encoding(&headers);
            let encoded_bytes = body.len();
            if encoding.is_some() {
                body.clear();
            }
            let input = ClassifyInput {
                provider: Some(route.provider),
                status: Some(response.status),
                headers,
                body,
                transport: None,
            };
            let mut classification = classify_redacted(client, input);
            let encoded = encoding.as_deref().map(|name| (name, encoded_bytes));
            super::unusual::explain(
                &mut classification,
                response.status,
                &response.header_pairs(),
                encoded,
            );
            Outcome::Failure(classification)
        }
        Exchange::Fault { fault, detail } => transport_failure(client, route, fault, &detail),
        Exchange::TooLarge { status, limit } => Outcome::Failure(too_large(status, limit)),
    }
}

fn too_large(status: u16, limit: u64) -> Classification {
    let mut classification = Classification::local(
        ErrorClass::ResponseTooLarge,
        format!("the response body exceeded max_response_bytes ({limit} bytes)"),
    );
    classification.http_status = (status != 0).then_some(status);
    classification
}

/// Classifies a response with every secret already gone from its body and headers, so that no
/// length cap inside the classifier can cut a secret and leave part of it behind.
fn classify_redacted(client: &Client, mut input: ClassifyInput) -> Classification {
    if !client.redactor.is_empty() {
        input.body = client.redactor.bytes(std::mem::take(&mut input.body));
        client.redactor.headers(&mut input.headers);
    }
    classify(&input, client.clock.wall())
}

/// A failure below HTTP: classified (`network` or `timeout`) and named for what it was and where.
fn transport_failure(
    client: &Client,
    route: &Route<'_>,
    fault: TransportFault,
    detail: &str,
) -> Outcome {
    let input = ClassifyInput {
        provider: Some(route.provider),
        transport: Some(fault),
        ..ClassifyInput::default()
    };
    let mut classification = classify(&input, client.clock.wall());
    let named = name_fault(fault);
    let timeouts = &client.config.timeouts;
    let what = match named.name {
        "deadline" => format!(
            "the deadline ({} ms) was reached",
            timeouts.deadline_ms.unwrap_or(0)
        ),
        "first_chunk_timeout" => format!(
            "no stream event carrying data arrived within first_chunk_ms ({} ms)",
            timeouts.first_chunk_ms
        ),
        "stream_idle_timeout" => format!(
            "the stream sent no event carrying data for stream_idle_ms ({} ms)",
            timeouts.stream_idle_ms
        ),
        "connect_timeout" => format!("timed out (connect_ms {} ms)", timeouts.connect_ms),
        "attempt_timeout" => format!("timed out (attempt_ms {} ms)", timeouts.attempt_ms),
        _ => classification.message.clone(),
    };
    // Where it happened, unless the fault already says (a DNS, refused or TLS failure).
    let phase = named
        .phase
        .filter(|_| !matches!(named.name, "dns" | "connection_refused" | "tls"));
    classification.message = match phase {
        Some(phase) => format!("{what} while {} ({detail})", phase.while_doing()),
        None => format!("{what} ({detail})"),
    };
    if fault == TransportFault::Tls && detail.contains("certificate") {
        // Trying again cannot make the certificate trusted.
        classification.message = format!(
            "{}: the server's certificate was rejected; not retried (add its CA with ca_certs_pem if the server is yours)",
            classification.message
        );
        classification.retryable = false;
    }
    Outcome::Fault(classification, named)
}

pub(super) fn stream_attempt<'f>(
    client: &Client,
    route: &Route<'_>,
    prepared: &Prepared,
    mut on_chunk: Option<&mut (dyn FnMut(&Value) -> ChunkControl + 'f)>,
    delivered: &mut bool,
    cancel: &CancelToken,
) -> Outcome {
    let mut stream =
        match route
            .transport
            .post_stream(route.chat_url, &call_headers(prepared), &prepared.body)
        {
            StreamStart::Open(stream) => stream,
            StreamStart::Ended(exchange) => return outcome_of(client, route, exchange),
        };
    let timeouts = &client.config.timeouts;
    watch::arm(
        Limit::FirstChunk,
        Duration::from_millis(timeouts.first_chunk_ms),
    );
    let mut decoder = StreamDecoder::with_max_event_bytes(MAX_EVENT_BYTES);
    let mut assembler = StreamAssembler::new();
    let mut buffer = vec![0_u8; 16 * 1024];
    let mut items = Vec::new();
    let mut ended = false;
    while !ended && !decoder.saw_done() {
        if cancel.is_cancelled() {
            return Outcome::Interrupted(StopReason::Cancelled);
        }
        let fed = match stream.body.read(&mut buffer) {
            Ok(0) => {
                ended = true;
                decoder.finish(&mut items)
            }
            Ok(read) => decoder.feed(&buffer[..read], &mut items),
            Err(error) => {
                if let Some(limit) = crate::transport::exceeded_limit(&error) {
                    return Outcome::Failure(too_large(stream.status, limit));
                }
                let (fault, detail) = fault_from_io(&error);
                return transport_failure(client, route, fault, &detail);
            }
        };
        if let Err(too_large) = fed {
            return Outcome::Failure(Classification::local(
                ErrorClass::ResponseTooLarge,
                too_large.to_string(),
            ));
        }
        for item in items.drain(..) {
            match item {
                StreamItem::Chunk(chunk) => {
                    // One read may hold many chunks: a cancel stops delivery between any two.
                    if cancel.is_cancelled() {
                        return Outcome::Interrupted(StopReason::Cancelled);
                    }
                    // Only an event carrying data restarts the idle timer (comments and blank
                    // lines never reach here).
                    watch::advance(Phase::Stream);
                    watch::arm(
                        Limit::StreamIdle,
                        Duration::from_millis(timeouts.stream_idle_ms),
                    );
                    assembler.push(&chunk);
                    if let Some(sink) = on_chunk.as_deref_mut() {
                        *delivered = true;
                        if sink(&chunk) == ChunkControl::Abort {
                            return Outcome::Interrupted(StopReason::AbortedByCallback);
                        }
                    }
                }
                StreamItem::Error { raw } => {
                    let input = ClassifyInput {
                        provider: Some(route.provider),
                        status: Some(stream.status),
                        headers: stream.headers.clone(),
                        body: stream_error_body(raw),
                        transport: None,
                    };
                    return Outcome::Failure(classify_redacted(client, input));
                }
                StreamItem::Malformed { message } => return Outcome::Failure(malformed(message)),
                StreamItem::Done => {}
            }
        }
    }
    match assembler.finish(decoder.saw_done()) {
        Ok(completion) => Outcome::Success {
            completion: Completion::Value(completion),
            http_status: stream.status,
            pace_ms: route
                .pacing
                .then(|| pacing_from_headers(&stream.headers))
                .flatten(),
        },
        Err(end) => match end.transport_fault() {
            Some(fault) => transport_failure(client, route, fault, &end.to_string()),
            None => Outcome::Failure(end.classification()),
        },
    }
}

/// The body the classifier reads for an in-stream error: the event's data when it is JSON, else
/// the data framed as an SSE error event, so that "an error event with no usable data" still
/// reads as an error rather than as an empty 200.
fn stream_error_body(raw: String) -> Vec<u8> {
    if serde_json::from_str::<serde::de::IgnoredAny>(&raw).is_ok() {
        raw.into_bytes()
    } else {
        format!("event: error\ndata: {raw}\n\n").into_bytes()
    }
}

fn malformed(message: String) -> Classification {
    Classification::local(ErrorClass::MalformedResponse, message)
}

pub(super) fn record(
    n: u32,
    classification: Option<&Classification>,
    http_status: Option<u16>,
    elapsed_ms: u64,
) -> AttemptRecord {
    AttemptRecord {
        n,
        class: classification.map(|c| c.class),
        http_status,
        elapsed_ms,
        delay_ms: 0,
        delay_source: None,
        target: None,
        fault: None,
        phase: None,
    }
}

/// The error for a call the caller stopped, keeping what the last failure said. `interrupted` is
/// the attempt (number, elapsed ms) that was under way, if any.
pub(super) fn cancelled(
    client: &Client,
    call_id: u64,
    reason: StopReason,
    last_failure: Option<Classification>,
    mut attempts: Vec<AttemptRecord>,
    interrupted: Option<(u32, u64)>,
) -> ErrorObject {
    let who = if reason == StopReason::AbortedByCallback {
        "aborted by the stream callback"
    } else {
        "cancelled by the caller"
    };
    let when = match (interrupted, attempts.len()) {
        (Some((n, _)), _) => format!("during attempt {n}"),
        (None, 0) => "before the first attempt".to_owned(),
        (None, made) => format!("after {made} attempt(s), while waiting to retry"),
    };
    let mut message = format!("{who} {when}");
    if let Some(last) = &last_failure {
        message.push_str(&format!(
            "; last failure: {} — {}",
            last.class, last.message
        ));
    }
    let mut error = ErrorObject::local(ErrorClass::Cancelled, message);
    if let Some((n, elapsed_ms)) = interrupted {
        let mut stopped = record(n, Some(&error.classification), None, elapsed_ms);
        if reason == StopReason::Cancelled {
            stopped.fault = Some("cancelled");
            stopped.phase = watch::state().map(|(phase, _)| phase.as_str());
        }
        attempts.push(stopped);
    }
    emit(
        client,
        call_id,
        &attempts,
        Some(&error.classification),
        "stop",
        Some(reason),
    );
    error.stop_reason = Some(reason);
    error.attempts = attempts;
    error
}

pub(super) fn emit(
    client: &Client,
    call_id: u64,
    attempts: &[AttemptRecord],
    classification: Option<&Classification>,
    decision: &'static str,
    stop_reason: Option<StopReason>,
) {
    let hook = client
        .events
        .read()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .clone();
    let (Some(hook), Some(attempt)) = (hook, attempts.last()) else {
        return;
    };
    let message = classification.map(|c| client.redactor.text(&c.message));
    let event = AttemptEvent {
        event: "attempt",
        call_id,
        attempt: attempt.n,
        outcome: if classification.is_some() {
            "failure"
        } else {
            "success"
        },
        class: classification.map(|c| c.class),
        http_status: attempt.http_status,
        elapsed_ms: attempt.elapsed_ms,
        decision,
        delay_ms: (decision == "retry").then_some(attempt.delay_ms),
        delay_source: attempt.delay_source.as_deref(),
        stop_reason,
        message: message.as_deref(),
        target: attempt.target.as_deref(),
    };
    if let Ok(json) = serde_json::to_string(&event) {
        hook(&json);
    }
}

/// The largest single stream event accepted (a chunk is normally well under a kilobyte).
const MAX_EVENT_BYTES: usize = 4 * 1024 * 1024;

pub(super) fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}
