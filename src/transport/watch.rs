//! The running call's limits, seen from the transport: its cancel token, its deadline, the stream
//! timers, and the phase the current attempt is in.
//!
//! ureq calls the transport (resolver, connector, socket reads and writes) on the caller's thread
//! and knows nothing of llmwire's calls, so the client loop installs a [`CallWatch`] in a
//! thread-local for the duration of a call ([`begin_call`]) and the transport consults it around
//! every blocking operation: to bound the wait by the nearest of ureq's own timeout and llmwire's
//! limits, to register the socket with the cancel token, and to note which limit cut the attempt
//! and in which phase. A thread-local keeps the pooled connections free of any tie to one call.
//!
//! Not here: deciding what a cut means (the client loop does).

use std::cell::RefCell;
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::client::CancelToken;

/// Where an attempt was when it ended; phases only move forward within an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Looking up the host name.
    Dns,
    /// Opening the TCP connection.
    Connect,
    /// The TLS handshake.
    Tls,
    /// Sending the request.
    Send,
    /// Waiting for the response head.
    Head,
    /// Reading a (non-streamed) response body.
    Body,
    /// Reading a stream, before its first data event.
    FirstChunk,
    /// Reading a stream, after its first data event.
    Stream,
}

impl Phase {
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Dns => "dns",
            Phase::Connect => "connect",
            Phase::Tls => "tls",
            Phase::Send => "send",
            Phase::Head => "head",
            Phase::Body => "body",
            Phase::FirstChunk => "first_chunk",
            Phase::Stream => "stream",
        }
    }

    /// The phase as words, after "while".
    pub fn while_doing(self) -> &'static str {
        match self {
            Phase::Dns => "looking up the host name",
            Phase::Connect => "connecting",
            Phase::Tls => "in the TLS handshake",
            Phase::Send => "sending the request",
            Phase::Head => "waiting for the response head",
            Phase::Body => "reading the response body",
            Phase::FirstChunk => "waiting for the first stream event",
            Phase::Stream => "reading the stream",
        }
    }
}

/// One of llmwire's own limits (beside ureq's connect and attempt timeouts).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    /// `timeouts.deadline_ms`, the bound on the whole call.
    Deadline,
    /// `timeouts.first_chunk_ms`: no data event yet.
    FirstChunk,
    /// `timeouts.stream_idle_ms`: no data event since the last one.
    StreamIdle,
}

/// The state of the call running on this thread.
#[derive(Debug)]
pub struct CallWatch {
    pub cancel: CancelToken,
    deadline: Option<Instant>,
    /// The stream timer: when it fires, and which limit it is.
    stream_timer: Option<(Instant, Limit)>,
    phase: Phase,
    /// The limit that cut the current attempt, if one did.
    cut: Option<Limit>,
}

thread_local! {
    static CURRENT: RefCell<Option<CallWatch>> = const { RefCell::new(None) };
}

/// Restores the watch of an enclosing call (a call made from a stream callback) when dropped.
pub struct CallGuard {
    outer: Option<CallWatch>,
}

impl Drop for CallGuard {
    fn drop(&mut self) {
        let outer = self.outer.take();
        CURRENT.with(|current| *current.borrow_mut() = outer);
    }
}

/// Installs the watch for a call on this thread, until the guard drops.
pub fn begin_call(cancel: &CancelToken, deadline: Option<Instant>) -> CallGuard {
    let watch = CallWatch {
        cancel: cancel.clone(),
        deadline,
        stream_timer: None,
        phase: Phase::Dns,
        cut: None,
    };
    CallGuard {
        outer: CURRENT.with(|current| current.borrow_mut().replace(watch)),
    }
}

fn with<R>(f: impl FnOnce(&mut CallWatch) -> R) -> Option<R> {
    CURRENT.with(|current| current.borrow_mut().as_mut().map(f))
}

/// Starts an attempt: back to the first phase, no timer, nothing cut.
pub fn begin_attempt() {
    with(|watch| {
        watch.phase = Phase::Dns;
        watch.stream_timer = None;
        watch.cut = None;
    });
}

/// Moves the attempt forward to `phase` (never back).
pub fn advance(phase: Phase) {
    with(|watch| watch.phase = watch.phase.max(phase));
}

/// Arms the stream timer: `limit` fires `after` from now.
pub fn arm(limit: Limit, after: Duration) {
    with(|watch| watch.stream_timer = Some((Instant::now() + after, limit)));
}

/// The phase the attempt is in, and the limit that cut it (if any), for the fault report.
pub fn state() -> Option<(Phase, Option<Limit>)> {
    with(|watch| (watch.phase, watch.cut))
}

/// The call's cancel token.
pub fn cancel_token() -> Option<CancelToken> {
    with(|watch| watch.cancel.clone())
}

/// How long a blocking operation may wait, given ureq's own bound (`None`: none): the nearest of
/// that and llmwire's limits, with the limit that binds (`None` when ureq's does). A zero wait
/// means the limit has passed.
pub fn bound(ureq_bound: Option<Duration>) -> (Option<Duration>, Option<Limit>) {
    with(|watch| {
        let ours = [
            watch.deadline.map(|at| (at, Limit::Deadline)),
            watch.stream_timer,
        ]
        .into_iter()
        .flatten()
        .min_by_key(|(at, _)| *at);
        // Without a limit of llmwire's (the common case), not even the clock is read.
        let Some((at, limit)) = ours else {
            return (ureq_bound, None);
        };
        let now = Instant::now();
        match ureq_bound {
            Some(ureq) if now + ureq < at => (Some(ureq), None),
            _ => (Some(at.saturating_duration_since(now)), Some(limit)),
        }
    })
    .unwrap_or((ureq_bound, None))
}

/// Notes that `limit` cut the attempt.
pub fn cut(limit: Limit) {
    with(|watch| {
        watch.cut.get_or_insert(limit);
    });
}
