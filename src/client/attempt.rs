//! One attempt of a call: send it (plain or streamed) under the call's watch and turn what came
//! back into an [`Outcome`] — a completion, a classified failure, or the caller's stop. The loop
//! around it is `call`.

use std::io::Read;
use std::time::Duration;

use super::answer::{too_deep, Completion, Unusable};
use super::cancel::CancelToken;
use super::prepare::Prepared;
use super::{ChunkControl, Client, TextChunkSink};
use crate::classify::{classify, is_usable, Classification, ClassifyInput, TransportFault};
use crate::error::AttemptRecord;
use crate::fleet::limits::pacing_from_headers;
use crate::provider::Provider;
use crate::stream::{
    completion_as_chunk, starts_as_json, ChunkText, Decoded, StreamAssembler, StreamDecoder,
    StreamItem,
};
use crate::taxonomy::{ErrorClass, StopReason};
use crate::transport::watch::{self, Limit, Phase};
use crate::transport::{
    fault_from_io, name_fault, Exchange, HttpResponse, NamedFault, OpenStream, StreamStart,
    Transport,
};

/// Where an attempt goes: the client's own endpoint, or one of its targets (`targets`).
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

/// Sends one attempt, plain or streamed, under the call's watch.
pub(super) fn one_attempt(
    client: &Client,
    route: &Route<'_>,
    prepared: &Prepared,
    on_chunk: Option<&mut TextChunkSink<'_>>,
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
    mut on_chunk: Option<&mut TextChunkSink<'f>>,
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
    let mut decoded = Vec::new();
    let mut ended = false;
    // Until the body's first bytes tell an event stream from one JSON document.
    let mut undecided = true;
    while !ended && !decoder.saw_done() {
        if cancel.is_cancelled() {
            return Outcome::Interrupted(StopReason::Cancelled);
        }
        let fed = match stream.body.read(&mut buffer) {
            Ok(0) => {
                ended = true;
                decoder.finish_assembling(&mut assembler, &mut decoded)
            }
            Ok(read) if undecided && starts_as_json(&buffer[..read]) == Some(true) => {
                let first = buffer[..read].to_vec();
                return whole_answer(client, route, stream, first, on_chunk, delivered);
            }
            Ok(read) => {
                undecided &= starts_as_json(&buffer[..read]).is_none();
                decoder.feed_assembling(&buffer[..read], &mut assembler, &mut decoded)
            }
            Err(error) => return read_failure(client, route, stream.status, &error),
        };
        if let Err(too_large) = fed {
            return Outcome::Failure(Classification::local(
                ErrorClass::ResponseTooLarge,
                too_large.to_string(),
            ));
        }
        for item in decoded.drain(..) {
            match item {
                Decoded::Chunk(chunk) => {
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
                    if let Some(sink) = on_chunk.as_deref_mut() {
                        // Output reached the caller: from now on the stream is never sent again.
                        *delivered = *delivered || chunk.carries_output();
                        if sink(chunk) == ChunkControl::Abort {
                            return Outcome::Interrupted(StopReason::AbortedByCallback);
                        }
                    }
                }
                Decoded::Item(StreamItem::Error { raw }) => {
                    let body = stream_error_body(raw);
                    return Outcome::Failure(classify_stream_body(client, route, &stream, body));
                }
                Decoded::Item(StreamItem::Malformed { message }) => {
                    return Outcome::Failure(malformed(message))
                }
                // Chunks come as `Decoded::Chunk`.
                Decoded::Item(StreamItem::Done | StreamItem::Chunk(_)) => {}
            }
        }
    }
    match assembler.finish(decoder.saw_done()) {
        // Judged as the same completion without streaming would be: never an empty success.
        Ok(completion) if !is_usable(&completion) => {
            let body = completion.to_string().into_bytes();
            Outcome::Failure(classify_stream_body(client, route, &stream, body))
        }
        Ok(completion) => Outcome::Success {
            completion: Completion::Value(completion),
            http_status: stream.status,
            pace_ms: route
                .pacing
                .then(|| pacing_from_headers(&stream.header_pairs()))
                .flatten(),
        },
        Err(end) => match end.transport_fault() {
            Some(fault) => transport_failure(client, route, fault, &end.to_string()),
            None => Outcome::Failure(end.classification()),
        },
    }
}

/// Classifies `body` as the answer of the 2xx `stream`: an error event's data, or the assembled
/// completion of a stream that carried nothing the caller can use (no content and no tool call,
/// filtered, out of output tokens).
fn classify_stream_body(
    client: &Client,
    route: &Route<'_>,
    stream: &OpenStream,
    body: Vec<u8>,
) -> Classification {
    let input = ClassifyInput {
        provider: Some(route.provider),
        status: Some(stream.status),
        headers: stream.header_pairs(),
        body,
        transport: None,
    };
    classify_redacted(client, input)
}

/// A stream that fails while its body is read: over `max_response_bytes`, or a transport fault.
fn read_failure(
    client: &Client,
    route: &Route<'_>,
    status: u16,
    error: &std::io::Error,
) -> Outcome {
    if let Some(limit) = crate::transport::exceeded_limit(error) {
        return Outcome::Failure(too_large(status, limit));
    }
    let (fault, detail) = fault_from_io(error);
    transport_failure(client, route, fault, &detail)
}

/// A stream request answered with one JSON document (`first`: its first bytes): read whole and
/// judged as an answer without streaming would be. A usable completion reaches the caller as the
/// one chunk that carries it; an error (a 2xx with an error body) is classified as usual.
fn whole_answer(
    client: &Client,
    route: &Route<'_>,
    mut stream: OpenStream,
    mut body: Vec<u8>,
    on_chunk: Option<&mut TextChunkSink<'_>>,
    delivered: &mut bool,
) -> Outcome {
    if let Err(error) = stream.body.read_to_end(&mut body) {
        return read_failure(client, route, stream.status, &error);
    }
    let response = HttpResponse {
        status: stream.status,
        headers: std::mem::take(&mut stream.headers),
        body,
    };
    let outcome = outcome_of(client, route, Exchange::Response(response));
    if let (Outcome::Success { completion, .. }, Some(sink)) = (&outcome, on_chunk) {
        *delivered = true;
        let chunk = completion_as_chunk(&completion.value());
        if sink(ChunkText::made(chunk)) == ChunkControl::Abort {
            return Outcome::Interrupted(StopReason::AbortedByCallback);
        }
    }
    outcome
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

/// The largest single stream event accepted (a chunk is normally well under a kilobyte).
const MAX_EVENT_BYTES: usize = 4 * 1024 * 1024;

pub(super) fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}
