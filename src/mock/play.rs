//! Putting an action on the wire: status line, headers and body of a fixed response; the bytes
//! (or silence) of a fault; a completion, plain or as an SSE stream with its stream faults.
//!
//! For: exact wire behaviour. Delays sleep in short slices and give up as soon as the server
//! stops, so a stalled answer never holds up shutdown.
//!
//! Not for: choosing the action (`state.rs`) or closing/resetting the socket (the caller does it
//! according to the returned [`After`]).

use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::corpus;
use super::reply::{self, ChatRequest, ReplyIds, DEFAULT_MODEL};
use super::response::{finish_chunks, http_date_from_now, write_chunk, write_head};
use super::route::Dialect;
use super::scenario::{
    render_json, render_template, Action, Body, Canned, ErrorFormat, Fault, FaultKind, Reply,
    ReplyKind, StreamFault, TemplateContext,
};

/// What happens to the connection after an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum After {
    /// Ready for the next request (unless the client asked to close).
    KeepAlive,
    /// Send FIN (after whatever was written).
    Close,
    /// Reset the connection (RST), discarding anything unsent.
    Reset,
}

/// Everything about the current request an answer may use.
pub struct Exchange<'a> {
    /// The chat request, when the body is a JSON object.
    pub request: Option<&'a ChatRequest>,
    pub dialect: Dialect,
    /// Sent as `x-request-id`.
    pub request_id: String,
    pub ids: ReplyIds,
    /// The client asked to close after this exchange (`connection: close` is sent).
    pub client_closes: bool,
    pub stop: &'a AtomicBool,
    /// Added to every answer (the quota's `x-ratelimit-*` headers).
    pub extra_headers: Vec<(String, String)>,
}

impl Exchange<'_> {
    fn model(&self) -> &str {
        self.request.map_or(DEFAULT_MODEL, ChatRequest::model)
    }

    /// Sleeps `ms` in short slices; `false` when the server started stopping meanwhile.
    fn pause(&self, ms: u64) -> bool {
        pause(self.stop, Duration::from_millis(ms))
    }

    fn headers(
        &self,
        content_type: &str,
        extra: &[(String, String)],
        closing: bool,
    ) -> Vec<(String, String)> {
        let context = TemplateContext {
            model: self.model(),
        };
        let mut headers = vec![
            ("content-type".to_string(), content_type.to_string()),
            ("x-request-id".to_string(), self.request_id.clone()),
            ("server".to_string(), "llmwire-mock".to_string()),
            ("date".to_string(), http_date_from_now(0)),
        ];
        for (name, value) in self.extra_headers.iter().chain(extra) {
            // Framing is the mock's business: a scenario cannot break it by accident.
            if matches!(
                name.as_str(),
                "content-length" | "transfer-encoding" | "connection"
            ) {
                continue;
            }
            let value = render_template(value, &context);
            match headers.iter_mut().find(|(n, _)| n == name) {
                Some(existing) => existing.1 = value,
                None => headers.push((name.clone(), value)),
            }
        }
        if closing || self.client_closes {
            headers.push(("connection".to_string(), "close".to_string()));
        }
        headers
    }
}

/// Sleeps `duration` in slices of at most 20 ms; `false` when `stop` was raised meanwhile. A
/// duration too long to represent waits for `stop`.
pub fn pause(stop: &AtomicBool, duration: Duration) -> bool {
    let end = Instant::now().checked_add(duration);
    loop {
        if stop.load(Ordering::Relaxed) {
            return false;
        }
        let left = match end {
            Some(end) => end.saturating_duration_since(Instant::now()),
            None => Duration::MAX,
        };
        if left.is_zero() {
            return true;
        }
        std::thread::sleep(left.min(Duration::from_millis(20)));
    }
}

/// Plays `action` for the current request.
pub fn play(out: &mut impl Write, action: &Action, exchange: &Exchange<'_>) -> io::Result<After> {
    match action {
        Action::Respond(canned) => respond(out, canned, exchange),
        Action::Fault(fault) => play_fault(out, fault, exchange),
        Action::Reply(reply) => play_reply(out, reply, exchange),
        // Gates are resolved when the action is chosen; one here is a bug in a scenario.
        Action::Gate(_) => respond(
            out,
            &corpus::mock_error(500, "a gate cannot answer a request"),
            exchange,
        ),
    }
}

/// Sends a fixed response.
pub fn respond(
    out: &mut impl Write,
    canned: &Canned,
    exchange: &Exchange<'_>,
) -> io::Result<After> {
    if !exchange.pause(canned.delay_ms) {
        return Ok(After::Close);
    }
    let body = rendered_body(&canned.body, exchange);
    let content_type = canned.body.default_content_type();
    write_whole(
        out,
        canned.status,
        exchange.headers(content_type, &canned.headers, false),
        &body,
    )?;
    Ok(After::KeepAlive)
}

fn rendered_body(body: &Body, exchange: &Exchange<'_>) -> Vec<u8> {
    let context = TemplateContext {
        model: exchange.model(),
    };
    match body {
        Body::Text(text) => render_template(text, &context).into_bytes(),
        Body::Json(value) => render_json(value, &context).to_string().into_bytes(),
    }
}

fn write_whole(
    out: &mut impl Write,
    status: u16,
    mut headers: Vec<(String, String)>,
    body: &[u8],
) -> io::Result<()> {
    headers.push(("content-length".to_string(), body.len().to_string()));
    // One write, so that the answer leaves as one segment and the client wakes once.
    let mut whole = Vec::with_capacity(256 + body.len());
    write_head(&mut whole, status, &headers)?;
    whole.extend_from_slice(body);
    out.write_all(&whole)?;
    out.flush()
}

fn play_fault(out: &mut impl Write, fault: &Fault, exchange: &Exchange<'_>) -> io::Result<After> {
    if !exchange.pause(fault.delay_ms) {
        return Ok(After::Close);
    }
    let (body, content_type) = match &fault.body {
        Some(body) => (rendered_body(body, exchange), body.default_content_type()),
        None => (default_body(exchange), "application/json"),
    };
    match fault.kind {
        FaultKind::ResetBeforeHeaders => Ok(After::Reset),
        FaultKind::CloseWithoutResponse => Ok(After::Close),
        FaultKind::ResetMidBody => {
            let mut headers = exchange.headers(content_type, &fault.headers, true);
            headers.push(("content-length".to_string(), body.len().to_string()));
            write_head(out, fault.status, &headers)?;
            out.write_all(&body[..body.len() / 2])?;
            out.flush()?;
            // Let the partial body reach the peer before the reset discards what is unsent.
            exchange.pause(20);
            Ok(After::Reset)
        }
        FaultKind::TruncatedChunked => {
            let mut headers = exchange.headers(content_type, &fault.headers, true);
            headers.push(("transfer-encoding".to_string(), "chunked".to_string()));
            write_head(out, fault.status, &headers)?;
            out.write_all(format!("{:x}\r\n", body.len().max(2)).as_bytes())?;
            out.write_all(&body[..body.len() / 2])?;
            out.flush()?;
            Ok(After::Close)
        }
        FaultKind::SlowBody => {
            let mut headers = exchange.headers(content_type, &fault.headers, false);
            headers.push(("content-length".to_string(), body.len().to_string()));
            write_head(out, fault.status, &headers)?;
            out.flush()?;
            let piece_len = body.len().div_ceil(fault.pieces.max(1) as usize).max(1);
            for (i, piece) in body.chunks(piece_len).enumerate() {
                if i > 0 && !exchange.pause(fault.interval_ms) {
                    return Ok(After::Close);
                }
                out.write_all(piece)?;
                out.flush()?;
            }
            Ok(After::KeepAlive)
        }
        FaultKind::StallStream => {
            write_sse_head(out, exchange, &fault.headers, true)?;
            let payloads = match exchange.request {
                Some(request) => reply::stream_payloads(request, &Reply::echo(), &exchange.ids),
                None => Vec::new(),
            };
            for payload in payloads.iter().take(fault.chunks as usize) {
                write_event(out, payload)?;
            }
            exchange.pause(fault.stall_ms);
            Ok(After::Close)
        }
    }
}

/// The echo completion of the request (or an error body when it has none), for faults that
/// cut a body short.
fn default_body(exchange: &Exchange<'_>) -> Vec<u8> {
    match exchange.request {
        Some(request) => reply::completion_body(request, &Reply::echo(), &exchange.ids),
        None => {
            b"{\"error\":{\"message\":\"llmwire mock: the request body is not a JSON object\"}}"
                .to_vec()
        }
    }
}

fn play_reply(out: &mut impl Write, reply: &Reply, exchange: &Exchange<'_>) -> io::Result<After> {
    let Some(request) = exchange.request else {
        // OpenAI's answer to a body it cannot parse.
        let canned = Canned::json(
            400,
            serde_json::json!({"error": {
                "message": "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.)",
                "type": "invalid_request_error", "param": null, "code": null
            }}),
        );
        return respond(out, &canned, exchange);
    };
    if !exchange.pause(reply.delay_ms) {
        return Ok(After::Close);
    }
    if request.stream() {
        return play_stream(out, request, reply, exchange);
    }
    let headers = exchange.headers("application/json", &reply.headers, false);
    if reply.kind == ReplyKind::HugeBody {
        write_huge_body(out, request, reply, exchange, headers)?;
    } else {
        let body = reply::completion_body(request, reply, &exchange.ids);
        write_whole(out, 200, headers, &body)?;
    }
    Ok(After::KeepAlive)
}

fn write_huge_body(
    out: &mut impl Write,
    request: &ChatRequest,
    reply: &Reply,
    exchange: &Exchange<'_>,
    mut headers: Vec<(String, String)>,
) -> io::Result<()> {
    let (prefix, filler, suffix) = reply::huge_body_parts(request, reply, &exchange.ids);
    let length = prefix.len() as u64 + filler + suffix.len() as u64;
    headers.push(("content-length".to_string(), length.to_string()));
    write_head(out, 200, &headers)?;
    out.write_all(prefix.as_bytes())?;
    let piece = vec![b'x'; 64 * 1024];
    let mut left = filler;
    while left > 0 {
        if exchange.stop.load(Ordering::Relaxed) {
            return Err(io::Error::new(
                io::ErrorKind::ConnectionAborted,
                "server stopping",
            ));
        }
        let len = left.min(piece.len() as u64) as usize;
        out.write_all(&piece[..len])?;
        left -= len as u64;
    }
    out.write_all(suffix.as_bytes())?;
    out.flush()
}

fn write_sse_head(
    out: &mut impl Write,
    exchange: &Exchange<'_>,
    extra: &[(String, String)],
    closing: bool,
) -> io::Result<()> {
    let mut headers = exchange.headers("text/event-stream; charset=utf-8", extra, closing);
    headers.push(("cache-control".to_string(), "no-cache".to_string()));
    headers.push(("transfer-encoding".to_string(), "chunked".to_string()));
    write_head(out, 200, &headers)?;
    out.flush()
}

fn write_event<W: Write + ?Sized>(out: &mut W, payload: &str) -> io::Result<()> {
    write_chunk(out, format!("data: {payload}\n\n").as_bytes())
}

fn play_stream(
    out: &mut impl Write,
    request: &ChatRequest,
    reply: &Reply,
    exchange: &Exchange<'_>,
) -> io::Result<After> {
    write_sse_head(out, exchange, &reply.headers, false)?;
    let payloads = reply::stream_payloads(request, reply, &exchange.ids);
    let cut = (reply.chunks as usize).min(payloads.len());
    let (before, after) = match reply.stream_fault {
        Some(_) => payloads.split_at(cut),
        None => (&payloads[..], &[][..]),
    };
    let send = |out: &mut dyn Write, events: &[String]| -> io::Result<bool> {
        for (i, payload) in events.iter().enumerate() {
            if i > 0 && reply.chunk_delay_ms > 0 && !exchange.pause(reply.chunk_delay_ms) {
                return Ok(false);
            }
            write_event(&mut *out, payload)?;
        }
        Ok(true)
    };
    if !send(out, before)? {
        return Ok(After::Close);
    }
    match reply.stream_fault {
        Some(StreamFault::ErrorAfterChunks) => {
            let event = match &reply.error_event {
                Some(event) => event.clone(),
                None => {
                    let format = reply
                        .error_format
                        .unwrap_or(exchange.dialect.error_format());
                    corpus::stream_error_event(format == ErrorFormat::Gemini)
                }
            };
            write_event(out, &event_text(&event))?;
        }
        Some(StreamFault::StallAfterChunks) => {
            if !exchange.pause(reply.stall_ms) || !send(out, after)? {
                return Ok(After::Close);
            }
            write_event(out, "[DONE]")?;
        }
        Some(StreamFault::EndWithoutDone) => {
            if !send(out, after)? {
                return Ok(After::Close);
            }
        }
        Some(StreamFault::KeepAliveAfterChunks) => {
            let mut kept = 0;
            while kept < reply.stall_ms {
                let pause = reply.keepalive_ms.min(reply.stall_ms - kept);
                if !exchange.pause(pause) {
                    return Ok(After::Close);
                }
                kept += pause;
                write_chunk(out, b": keep-alive\n\n")?;
                out.flush()?;
            }
            if !send(out, after)? {
                return Ok(After::Close);
            }
            write_event(out, "[DONE]")?;
        }
        None => {
            if reply.kind != ReplyKind::EmptyBody {
                write_event(out, "[DONE]")?;
            }
        }
    }
    finish_chunks(out)?;
    Ok(After::KeepAlive)
}

fn event_text(event: &Value) -> String {
    match event {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}
