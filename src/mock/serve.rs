//! One connection's life: read requests one after another (keep-alive), answer each from its
//! endpoint and scenario, and say how the connection must end.
//!
//! For: the request loop and the endpoints (`chat/completions`, `models`, `/_mock/*`), generic
//! over any [`Transport`], so a TLS stream could be served the same way.
//!
//! Not for: sockets, threads and resets (`server.rs`), HTTP parsing (`http.rs`), or the bytes of
//! an answer (`play.rs`).

use std::borrow::Cow;
use std::collections::HashMap;
use std::io::{self, BufReader, Read, Write};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{json, Value};

use super::builtin::{self, BUILTINS};
use super::corpus;
use super::http::{
    await_request, body_framing, read_body, read_head, BodyFraming, Head, Limits, PatientReader,
    ReadError, Transport,
};
use super::play::{play, respond, After, Exchange};
use super::quota::{request_key, request_tokens, OutageMode, Quota, Verdict};
use super::reply::{ChatRequest, ReplyIds, DEFAULT_MODEL};
use super::route::{route, Dialect, Endpoint, Routed, ScenarioSpec};
use super::scenario::{Canned, Scenario, Step};
use super::state::{redact_target, Arrival, Sessions};

/// The scenario of requests that name none.
pub const DEFAULT_SCENARIO: &str = "echo";
/// The session of requests that name none.
pub const DEFAULT_SESSION: &str = "default";

/// State shared by every connection of a server.
pub struct Shared {
    pub limits: Limits,
    pub stop: AtomicBool,
    pub sessions: Sessions,
    /// Scenarios from files, by name.
    pub file_scenarios: HashMap<String, Scenario>,
    /// Makes ids unique across servers and runs.
    pub instance: u32,
    pub serial: AtomicU64,
    /// The whole response sent to every request in fast mode ([`fast_answer`]).
    pub fast_answer: Option<Vec<u8>>,
    /// Provider-like limits and the scripted outage.
    pub quota: Quota,
}

/// The response of fast mode: a complete, ordinary completion, the size of an echo reply.
pub fn fast_answer() -> Vec<u8> {
    let body = r#"{"id":"chatcmpl-mock-fast","object":"chat.completion","created":1767225600,"model":"mock-model","choices":[{"index":0,"message":{"role":"assistant","content":"pong"},"logprobs":null,"finish_reason":"stop"}],"usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2}}"#;
    format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nserver: llmwire-mock\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// How a served connection must end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// Close normally (FIN).
    Close,
    /// Reset (RST).
    Reset,
}

/// Serves requests on `transport` until the connection is over.
pub fn serve_connection<T: Transport>(transport: T, shared: &Shared) -> Ending {
    let limits = &shared.limits;
    let mut conn = BufReader::with_capacity(16 * 1024, PatientReader::new(transport, &shared.stop));
    loop {
        if refused(shared) {
            return Ending::Reset;
        }
        if !await_request(&mut conn, limits) {
            return Ending::Close;
        }
        let head = match read_head(&mut conn, limits) {
            Ok(head) => head,
            Err(error) => return refuse(&mut conn, error, shared),
        };
        let framing = match body_framing(&head, limits) {
            Ok(framing) => framing,
            Err(error) => return refuse(&mut conn, error, shared),
        };
        if head.expects_continue() && framing != BodyFraming::None {
            let sent = conn.get_mut().write_all(b"HTTP/1.1 100 Continue\r\n\r\n");
            if sent.and_then(|()| conn.get_mut().flush()).is_err() {
                return Ending::Close;
            }
        }
        let body = match read_body(&mut conn, framing, limits) {
            Ok(body) => body,
            Err(error) => return refuse(&mut conn, error, shared),
        };
        if let Some(fast) = &shared.fast_answer {
            let out = conn.get_mut();
            if out.write_all(fast).and_then(|()| out.flush()).is_err() {
                return Ending::Close;
            }
            if head.wants_close() {
                close_gracefully(&mut conn);
                return Ending::Close;
            }
            continue;
        }
        if refused(shared) {
            return Ending::Reset;
        }
        let after = match answer(conn.get_mut(), &head, &body, shared) {
            Ok(after) => after,
            Err(_) => return Ending::Close,
        };
        match after {
            After::KeepAlive if !head.wants_close() => {}
            After::KeepAlive | After::Close => {
                close_gracefully(&mut conn);
                return Ending::Close;
            }
            After::Reset => return Ending::Reset,
        }
    }
}

/// Whether the outage refuses connections now (counted when it does).
fn refused(shared: &Shared) -> bool {
    let refusing =
        shared.fast_answer.is_none() && shared.quota.outage_now() == Some(OutageMode::Refuse);
    if refusing {
        shared.quota.count_refusal();
    }
    refusing
}

/// Answers a request that could not be read (when it deserves an answer), then closes.
fn refuse<T: Transport>(
    conn: &mut BufReader<PatientReader<'_, T>>,
    error: ReadError,
    shared: &Shared,
) -> Ending {
    let canned = match error {
        ReadError::Gone => return Ending::Close,
        ReadError::TooSlow => corpus::mock_error(408, "the request did not arrive in time"),
        ReadError::Refused { status, message } => corpus::mock_error(status, &message),
    };
    let exchange = plain_exchange(shared, true);
    if respond(conn.get_mut(), &canned, &exchange).is_ok() {
        close_gracefully(conn);
    }
    Ending::Close
}

/// Sends FIN, then reads and drops what the client still sends (for a short while), so that the
/// close does not turn into a reset that destroys the answer before the client has read it.
fn close_gracefully<T: Transport>(conn: &mut BufReader<PatientReader<'_, T>>) {
    let reader = conn.get_mut();
    if reader
        .flush()
        .and_then(|()| reader.shutdown_write())
        .is_err()
    {
        return;
    }
    reader.set_timeout(Duration::from_secs(1));
    let _ = io::copy(&mut conn.by_ref().take(8 * 1024 * 1024), &mut io::sink());
}

fn next_ids(shared: &Shared) -> (String, ReplyIds) {
    let serial = shared.serial.fetch_add(1, Ordering::Relaxed);
    let created = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let request_id = format!("req_mock_{:08x}{serial:08x}", shared.instance);
    let completion_id = format!("chatcmpl-mock-{:08x}{serial:08x}", shared.instance);
    (
        request_id,
        ReplyIds {
            completion_id,
            created,
            serial,
        },
    )
}

fn plain_exchange(shared: &Shared, client_closes: bool) -> Exchange<'_> {
    let (request_id, ids) = next_ids(shared);
    Exchange {
        request: None,
        dialect: Dialect::OpenAi,
        request_id,
        ids,
        client_closes,
        stop: &shared.stop,
        extra_headers: Vec::new(),
    }
}

fn answer(out: &mut impl Write, head: &Head, body: &[u8], shared: &Shared) -> io::Result<After> {
    let client_closes = head.wants_close();
    let routed = match route(&head.target, &head.headers) {
        Ok(routed) => routed,
        Err(message) => {
            let canned = corpus::mock_error(400, &message);
            return respond(out, &canned, &plain_exchange(shared, client_closes));
        }
    };
    let method = head.method.as_str();
    // Never echo a key sent in the query string.
    let target = redact_target(&head.target);
    let canned = match (routed.endpoint, method) {
        (Endpoint::ChatCompletions(dialect), "POST") => {
            return chat(out, head, body, &routed, dialect, shared);
        }
        (Endpoint::Health, "GET") => {
            Canned::json(200, json!({"status": "ok", "version": crate::VERSION}))
        }
        (Endpoint::Requests, "GET") => {
            match routed.query_value("session").or(routed.session.as_deref()) {
                Some(session) => Canned::json(200, shared.sessions.requests(session)),
                None => corpus::mock_error(400, "GET /_mock/requests needs ?session=ID"),
            }
        }
        (Endpoint::Scenarios, "GET") => Canned::json(200, scenario_list(shared)),
        (Endpoint::LimitStats, "GET") => Canned::json(200, shared.quota.stats()),
        (Endpoint::Models, "GET") => {
            record(shared, head, body, &routed);
            Canned::json(200, models_list())
        }
        (Endpoint::Unknown, _) => {
            corpus::mock_error(404, &format!("no such endpoint: {method} {target}"))
        }
        (_, _) => corpus::mock_error(405, &format!("method {method} is not allowed on {target}")),
    };
    respond(out, &canned, &plain_exchange(shared, client_closes))
}

fn record(shared: &Shared, head: &Head, body: &[u8], routed: &Routed) {
    let session = routed.session.as_deref().unwrap_or(DEFAULT_SESSION);
    shared.sessions.record(
        session,
        &Arrival {
            scenario: routed.scenario.as_deref(),
            method: &head.method,
            target: &head.target,
            headers: &head.headers,
            body,
        },
    );
}

fn chat(
    out: &mut impl Write,
    head: &Head,
    body: &[u8],
    routed: &Routed,
    dialect: Dialect,
    shared: &Shared,
) -> io::Result<After> {
    record(shared, head, body, routed);
    let request = ChatRequest::parse(body);
    let (request_id, ids) = next_ids(shared);
    let mut exchange = Exchange {
        request: request.as_ref(),
        dialect,
        request_id,
        ids,
        client_closes: head.wants_close(),
        stop: &shared.stop,
        extra_headers: Vec::new(),
    };
    if shared.quota.outage_now() == Some(OutageMode::Unavailable) {
        return respond(out, &shared.quota.outage_answer(dialect), &exchange);
    }
    let model = request.as_ref().map_or(DEFAULT_MODEL, ChatRequest::model);
    let tokens = request
        .as_ref()
        .map_or(0, |request| request_tokens(request.body()));
    match shared
        .quota
        .check(request_key(&head.headers), model, tokens, dialect)
    {
        Verdict::Allow(headers) => exchange.extra_headers = headers,
        Verdict::Limited(canned) => return respond(out, &canned, &exchange),
    }
    let spec_text = routed.scenario.as_deref().unwrap_or(DEFAULT_SCENARIO);
    let resolved = ScenarioSpec::parse(spec_text).and_then(|spec| {
        let steps = resolve_steps(&spec, dialect, shared)?;
        Ok((spec.canonical(), steps))
    });
    let (key, steps) = match resolved {
        Ok(resolved) => resolved,
        Err(message) => return respond(out, &corpus::mock_error(400, &message), &exchange),
    };
    let session = routed.session.as_deref().unwrap_or(DEFAULT_SESSION);
    let Some(action) = shared.sessions.next_action(&key, session, &steps) else {
        return respond(
            out,
            &corpus::mock_error(500, "scenario has no steps"),
            &exchange,
        );
    };
    play(out, &action, &exchange)
}

fn resolve_steps<'s>(
    spec: &ScenarioSpec,
    dialect: Dialect,
    shared: &'s Shared,
) -> Result<Cow<'s, [Step]>, String> {
    if let Some(scenario) = shared.file_scenarios.get(&spec.name) {
        if !spec.params.is_empty() {
            return Err(format!(
                "scenario {} comes from a file and takes no parameters",
                spec.name
            ));
        }
        return Ok(Cow::Borrowed(&scenario.steps));
    }
    match builtin::find(&spec.name) {
        Some(builtin) => builtin
            .steps(&spec.params, dialect.error_format())
            .map(Cow::Owned),
        None => Err(format!(
            "unknown scenario \"{}\" (GET /_mock/scenarios lists them)",
            spec.name
        )),
    }
}

fn scenario_list(shared: &Shared) -> Value {
    let mut list: Vec<Value> = BUILTINS
        .iter()
        .map(|b| {
            json!({"name": b.name, "origin": "builtin", "params": b.params_summary(),
                   "summary": b.summary, "source": b.source})
        })
        .collect();
    let mut files: Vec<&Scenario> = shared.file_scenarios.values().collect();
    files.sort_by(|a, b| a.name.cmp(&b.name));
    list.extend(files.into_iter().map(|s| {
        json!({"name": s.name, "origin": "file", "params": "", "summary": s.description,
               "steps": s.steps.len()})
    }));
    json!({"scenarios": list})
}

fn models_list() -> Value {
    json!({"object": "list", "data": [
        {"id": super::reply::DEFAULT_MODEL, "object": "model", "created": 1_700_000_000, "owned_by": "llmwire-mock"}
    ]})
}
