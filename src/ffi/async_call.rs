//! Calls that never hold the caller's thread: `llmwire_chat_start` and `llmwire_chat_stream_start`
//! run a call on the library's own threads (`client::pool`) and report through callbacks; the
//! `llmwire_call` handle they return cancels, pauses, resumes and is freed. The same jobs serve the
//! calls submitted to a completion queue (`ffi::queue`), which report there instead.
//!
//! A handle is an `Arc<LlmwireCall>` given to C with `Arc::into_raw`: the caller owns one
//! reference (given back with `llmwire_call_free`), the running call owns another until its
//! `on_done` has returned, so either may let go first.
//!
//! A stream uses two threads: the reader (a pool job) runs the blocking call and pushes each chunk
//! into the call's buffer, waiting while `max_buffered_chunks` are undelivered; the deliverer
//! (started beside it) hands the caller every chunk buffered so far in one `on_chunks` call, so
//! a burst of chunks crosses the boundary once however slow the callback is.

use std::collections::HashMap;
use std::ffi::{c_char, c_void};
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError, Weak};

use serde_json::Value;

use super::client::{handle, invalid, parse_request, LlmwireClient};
use super::error::LlmwireError;
use super::queue::Submitted;
use super::status::Status;
use super::{arg_str, guard, guard_value, panic_error, require_out, to_cstring};
use crate::client::pool::Pool;
use crate::client::{CancelToken, ChunkControl, Client, Queued};
use crate::error::ErrorObject;
use crate::stream::ChunkText;
use crate::taxonomy::ErrorClass;

/// The default of `max_buffered_chunks` (when 0 is passed).
pub const DEFAULT_MAX_BUFFERED_CHUNKS: usize = 256;

/// A stream's `max_buffered_chunks` as the C functions take it: 0 means the default.
pub(crate) fn buffered_cap(max_buffered_chunks: usize) -> usize {
    match max_buffered_chunks {
        0 => DEFAULT_MAX_BUFFERED_CHUNKS,
        n => n,
    }
}

/// A call started with `llmwire_chat_start` or `llmwire_chat_stream_start`. Opaque in C.
pub struct LlmwireCall {
    token: CancelToken,
    flow: Mutex<Flow>,
    changed: Condvar,
}

/// What a stream's reader and deliverer share.
#[derive(Default)]
pub(crate) struct Flow {
    /// Chunks read but not yet handed to `on_chunks`, as JSON text.
    pending: Vec<String>,
    /// `on_chunks` asked for a pause; `llmwire_call_resume` ends it.
    paused: bool,
    /// How many times `llmwire_call_resume` was called: a resume that comes while the
    /// `on_chunks` asking for a pause still runs (possible when the consumer runs on another
    /// thread) cancels that pause instead of being lost.
    resumes: u64,
    /// `on_chunks` asked to stop the call.
    aborted: bool,
    /// `llmwire_call_cancel` (or the client's free) was called.
    cancelled: bool,
    /// The call's end, once the reader has it and until the deliverer reports it.
    outcome: Option<Result<String, ErrorObject>>,
    reader_waiting: bool,
    deliverer_waiting: bool,
    /// Chunks of a stream submitted to a queue that wait there, not yet taken.
    queued: usize,
}

/// What `on_chunks` returns: continue, pause until `llmwire_call_resume`, or stop the call.
#[repr(i32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChunksReply {
    /// Deliver more chunks as they arrive.
    Continue = 0,
    /// Deliver nothing more until `llmwire_call_resume` (or `llmwire_call_cancel`); reading goes
    /// on until `max_buffered_chunks` chunks wait, then stops until the pause ends.
    Pause = 1,
    /// Stop the call: it completes with `LLMWIRE_STATUS_CANCELLED`, stop reason
    /// "aborted_by_callback". Any value other than 0 and 1 does the same.
    Abort = 2,
}

/// Receives the end of a started call, exactly once, on a library thread: `status` is
/// `LLMWIRE_STATUS_OK` with `response_json` (as `llmwire_chat` would write it), or the failure's
/// status with `error` (as `llmwire_chat` would write to `err`). Both are owned by the callback's
/// receiver: free them with `llmwire_string_free` / `llmwire_error_free` (each may be NULL, then
/// there is nothing to free). `call` is the handle `llmwire_*_start` wrote, valid during the
/// callback even if the caller freed its reference already.
pub type LlmwireDoneCallback = Option<
    unsafe extern "C" fn(
        call: *mut LlmwireCall,
        status: Status,
        response_json: *mut c_char,
        error: *mut LlmwireError,
        user_data: *mut c_void,
    ),
>;

/// Receives the chunks of a started stream that arrived since the last call, on a library thread:
/// `chunks_json` is a JSON array of `count` (at least 1) chat.completion.chunk objects, borrowed
/// for the duration of the callback. Returns a `llmwire_chunks_reply` value.
pub type LlmwireChunksCallback = Option<
    unsafe extern "C" fn(
        call: *mut LlmwireCall,
        chunks_json: *const c_char,
        count: usize,
        user_data: *mut c_void,
    ) -> i32,
>;

/// The started calls of one client that may still run: freeing the client cancels them.
#[derive(Default)]
pub struct StartedCalls {
    calls: Mutex<HashMap<u64, Weak<LlmwireCall>>>,
    next_id: AtomicU64,
}

impl StartedCalls {
    fn lock(&self) -> MutexGuard<'_, HashMap<u64, Weak<LlmwireCall>>> {
        self.calls.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn add(&self, call: &Arc<LlmwireCall>) -> u64 {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        self.lock().insert(id, Arc::downgrade(call));
        id
    }

    pub(crate) fn remove(&self, id: u64) {
        self.lock().remove(&id);
    }

    /// Cancels every call still running.
    pub(crate) fn cancel_all(&self) {
        let calls: Vec<Arc<LlmwireCall>> = self
            .lock()
            .drain()
            .filter_map(|(_, call)| call.upgrade())
            .collect();
        for call in calls {
            call.cancel();
        }
    }
}

/// The caller's callbacks and user data, carried to library threads.
#[derive(Clone, Copy)]
pub(crate) struct Callbacks {
    on_done:
        unsafe extern "C" fn(*mut LlmwireCall, Status, *mut c_char, *mut LlmwireError, *mut c_void),
    on_chunks:
        Option<unsafe extern "C" fn(*mut LlmwireCall, *const c_char, usize, *mut c_void) -> i32>,
    /// A raw pointer is not `Send`; the header makes the caller promise it may cross threads.
    user_data: usize,
}

impl LlmwireCall {
    pub(crate) fn new() -> LlmwireCall {
        LlmwireCall {
            token: CancelToken::new(),
            flow: Mutex::default(),
            changed: Condvar::new(),
        }
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, Flow> {
        self.flow.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn wait<'a>(&self, flow: MutexGuard<'a, Flow>) -> MutexGuard<'a, Flow> {
        self.changed
            .wait(flow)
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn cancel(&self) {
        self.token.cancel();
        let mut flow = self.lock();
        flow.cancelled = true;
        flow.pending.clear();
        self.changed.notify_all();
    }

    fn resume(&self) {
        let mut flow = self.lock();
        flow.paused = false;
        flow.resumes += 1;
        if flow.deliverer_waiting || flow.reader_waiting {
            self.changed.notify_all();
        }
    }

    fn pause(&self) {
        self.lock().paused = true;
    }

    /// The reader's side of a stream submitted to a queue: waits until the call may queue one
    /// more chunk (not paused, fewer than `max_queued` untaken) and counts it; false when the
    /// call was cancelled (the chunk is dropped).
    pub(crate) fn reserve(&self, max_queued: usize) -> bool {
        let mut flow = self.lock();
        loop {
            if flow.cancelled {
                return false;
            }
            if !flow.paused && flow.queued < max_queued {
                flow.queued += 1;
                return true;
            }
            flow.reader_waiting = true;
            flow = self.wait(flow);
            flow.reader_waiting = false;
        }
    }

    /// The consumer took `count` queued chunks of this call: room for as many more.
    pub(crate) fn taken(&self, count: usize) {
        let mut flow = self.lock();
        flow.queued = flow.queued.saturating_sub(count);
        if flow.reader_waiting {
            self.changed.notify_all();
        }
    }

    /// The reader's side: buffers a chunk, waiting while the buffer is full.
    fn push(&self, chunk: String, max_buffered: usize) -> ChunkControl {
        let mut flow = self.lock();
        loop {
            if flow.aborted {
                return ChunkControl::Abort;
            }
            if flow.cancelled {
                // Dropped; the attempt loop sees the cancel before the next chunk.
                return ChunkControl::Continue;
            }
            if flow.pending.len() < max_buffered {
                flow.pending.push(chunk);
                if flow.deliverer_waiting {
                    self.changed.notify_all();
                }
                return ChunkControl::Continue;
            }
            flow.reader_waiting = true;
            flow = self.wait(flow);
            flow.reader_waiting = false;
        }
    }

    /// The reader's side: the call has ended.
    fn finish(&self, outcome: Result<String, ErrorObject>) {
        let mut flow = self.lock();
        flow.outcome = Some(outcome);
        if flow.deliverer_waiting {
            self.changed.notify_all();
        }
    }
}

/// Runs `body`, turning a panic into the error object the call reports.
fn contained<T>(body: impl FnOnce() -> Result<T, ErrorObject>) -> Result<T, ErrorObject> {
    panic::catch_unwind(AssertUnwindSafe(body))
        .unwrap_or_else(|payload| Err(panic_error(&*payload)))
}

/// Hands the call's end to `on_done`, then lets go of the library's reference to the call.
fn report_done(call: Arc<LlmwireCall>, callbacks: Callbacks, outcome: Result<String, ErrorObject>) {
    let (status, response, error) = match outcome {
        Ok(text) => (
            Status::Ok,
            to_cstring(text).into_raw(),
            std::ptr::null_mut(),
        ),
        Err(error) => (
            Status::from(error.class()),
            std::ptr::null_mut(),
            Box::into_raw(Box::new(LlmwireError::new(error))),
        ),
    };
    let raw = Arc::as_ptr(&call).cast_mut();
    // SAFETY: the caller's callback, with pointers it owns from now on and a call handle kept
    // alive by `call` until it returns.
    unsafe {
        (callbacks.on_done)(
            raw,
            status,
            response,
            error,
            callbacks.user_data as *mut c_void,
        )
    };
    drop(call);
}

/// The deliverer of a stream: hands buffered chunks to `on_chunks`, then the end to `on_done`.
fn deliver_stream(call: Arc<LlmwireCall>, callbacks: Callbacks) {
    let raw = Arc::as_ptr(&call).cast_mut();
    let mut flow = call.lock();
    loop {
        if flow.aborted || flow.cancelled {
            flow.pending.clear();
        }
        if flow.pending.is_empty() {
            if let Some(outcome) = flow.outcome.take() {
                drop(flow);
                report_done(call, callbacks, outcome);
                return;
            }
        } else if !flow.paused {
            let batch = std::mem::take(&mut flow.pending);
            let resumes_before = flow.resumes;
            if flow.reader_waiting {
                call.changed.notify_all();
            }
            drop(flow);
            let reply = match callbacks.on_chunks {
                Some(on_chunks) => {
                    let text = to_cstring(json_array(&batch));
                    // SAFETY: the caller's callback, given a string that lives until it returns
                    // and a call handle kept alive by `call`.
                    unsafe {
                        on_chunks(
                            raw,
                            text.as_ptr(),
                            batch.len(),
                            callbacks.user_data as *mut c_void,
                        )
                    }
                }
                None => ChunksReply::Continue as i32,
            };
            flow = call.lock();
            match reply {
                0 => {}
                1 => flow.paused = flow.resumes == resumes_before,
                _ => {
                    flow.aborted = true;
                    call.changed.notify_all();
                }
            }
            continue;
        }
        flow.deliverer_waiting = true;
        flow = call.wait(flow);
        flow.deliverer_waiting = false;
    }
}

/// `[a,b,…]` from JSON texts.
fn json_array(items: &[String]) -> String {
    let mut text = String::with_capacity(items.iter().map(|i| i.len() + 1).sum::<usize>() + 2);
    text.push('[');
    for (n, item) in items.iter().enumerate() {
        if n > 0 {
            text.push(',');
        }
        text.push_str(item);
    }
    text.push(']');
    text
}

/// Where a started call reports: the caller's callbacks, or a completion queue.
pub(crate) enum Report {
    Callbacks(Callbacks),
    Queue(Submitted),
}

/// What a started call runs on its pool thread.
struct Job {
    client: Arc<Client>,
    started: Arc<StartedCalls>,
    id: u64,
    call: Arc<LlmwireCall>,
    request: Value,
    queued: Queued,
    report: Report,
    /// `Some(max_buffered_chunks)` for a stream.
    stream: Option<usize>,
}

impl Job {
    fn run(self) {
        let Job {
            client,
            started,
            id,
            call,
            request,
            queued,
            report,
            stream,
        } = self;
        let callbacks = match report {
            Report::Callbacks(callbacks) => callbacks,
            Report::Queue(target) => {
                let outcome = contained(|| match stream {
                    None => client.chat_json_queued(&request, Some(&call.token), queued),
                    Some(max_queued) => {
                        let mut sink = |chunk: ChunkText| {
                            target.chunk(&call, chunk.text, max_queued);
                            ChunkControl::Continue
                        };
                        client
                            .chat_stream_queued(&request, &mut sink, Some(&call.token), queued)
                            .map(|completion| completion.to_string())
                    }
                });
                started.remove(id);
                target.done(outcome);
                return;
            }
        };
        let Some(max_buffered) = stream else {
            let outcome =
                contained(|| client.chat_json_queued(&request, Some(&call.token), queued));
            started.remove(id);
            report_done(call, callbacks, outcome);
            return;
        };
        let deliverer = {
            let call = Arc::clone(&call);
            Box::new(move || deliver_stream(call, callbacks))
        };
        if let Err(error) = Pool::global().spawn_beside(deliverer) {
            started.remove(id);
            let message = format!("cannot start a thread to deliver the stream: {error}");
            report_done(
                call,
                callbacks,
                Err(ErrorObject::local(ErrorClass::Internal, message)),
            );
            return;
        }
        let outcome = contained(|| {
            let mut sink = |chunk: ChunkText| call.push(chunk.text, max_buffered);
            client
                .chat_stream_queued(&request, &mut sink, Some(&call.token), queued)
                .map(|completion| completion.to_string())
        });
        started.remove(id);
        call.finish(outcome);
    }
}

/// Registers `call` with the client (freeing the client cancels it) and runs it on the pool.
/// On failure nothing runs and nothing is reported.
pub(crate) fn launch(
    client: &LlmwireClient,
    request: Value,
    stream: Option<usize>,
    report: Report,
    call: &Arc<LlmwireCall>,
) -> Result<(), ErrorObject> {
    let id = client.started.add(call);
    let job = Job {
        client: Arc::clone(&client.client),
        started: Arc::clone(&client.started),
        id,
        call: Arc::clone(call),
        request,
        queued: client.client.queue_mark(),
        report,
        stream,
    };
    if let Err(error) = Pool::global().spawn(Box::new(move || job.run())) {
        client.started.remove(id);
        let message = format!("cannot start a library thread: {error}");
        return Err(ErrorObject::local(ErrorClass::Internal, message));
    }
    Ok(())
}

/// The client and the parsed request that every function starting a call checks first.
///
/// # Safety
/// `client` is NULL or a live client; `request_json` NULL or a NUL-terminated string valid for
/// the call.
pub(crate) unsafe fn call_args<'a>(
    client: *const LlmwireClient,
    request_json: *const c_char,
) -> Result<(&'a LlmwireClient, Value), ErrorObject> {
    // SAFETY: per this function's contract.
    let client = unsafe { handle(client, "client") }?;
    // SAFETY: per this function's contract.
    let request = parse_request(unsafe { arg_str(request_json, "request_json") }?)?;
    Ok((client, request))
}

/// What both start functions share: check the arguments, queue the job, hand out the handle.
///
/// # Safety
/// Each pointer is NULL or valid as the header describes for these functions.
#[allow(clippy::too_many_arguments)]
unsafe fn start(
    client: *const LlmwireClient,
    request_json: *const c_char,
    stream: Option<usize>,
    on_chunks: LlmwireChunksCallback,
    on_done: LlmwireDoneCallback,
    user_data: *mut c_void,
    out_call: *mut *mut LlmwireCall,
    err: *mut *mut LlmwireError,
) -> Status {
    guard(err, || {
        // SAFETY: the caller's pointers, per the header.
        let (client, request) = unsafe { call_args(client, request_json) }?;
        let on_done = on_done.ok_or_else(|| invalid("on_done is NULL"))?;
        if stream.is_some() && on_chunks.is_none() {
            return Err(invalid("on_chunks is NULL"));
        }
        require_out(out_call, "out_call")?;
        let call = Arc::new(LlmwireCall::new());
        let callbacks = Callbacks {
            on_done,
            on_chunks,
            user_data: user_data as usize,
        };
        launch(client, request, stream, Report::Callbacks(callbacks), &call)?;
        // SAFETY: checked non-NULL above.
        unsafe { *out_call = Arc::into_raw(call).cast_mut() };
        Ok(())
    })
}

/// Starts a chat-completions call on a library thread and returns at once; `on_done` receives
/// the completion or the error later. The call is the one `llmwire_chat` makes (validation,
/// retries, deadline), with one difference: when every library thread is busy (see
/// `llmwire_pool_set_max_threads`) it waits in a queue, and that wait counts against the
/// config's `deadline_ms` (a call whose deadline passes there fails with
/// `LLMWIRE_STATUS_TIMEOUT`, stop reason "deadline", without sending anything).
///
/// Threads: `on_done` runs exactly once, on a library thread (never the caller's, never during
/// this function), possibly before this function has returned. Inside it the callback may call
/// any llmwire function: free the call handle, start other calls, free the client.
/// Cancellation: `llmwire_call_cancel` on the handle, or `llmwire_client_free`.
///
/// Ownership: `client` and `request_json` are borrowed for this function only (the request is
/// copied; the call keeps the client's internals alive itself). On success `*out_call` receives a
/// handle the caller frees once with `llmwire_call_free`, before or after `on_done` ran (freeing
/// does not cancel the call; `on_done` still runs). `user_data` is passed to `on_done` untouched
/// and must stay valid, and usable from a library thread, until `on_done` has returned.
/// Errors (then `on_done` is never called and `*out_call` is untouched):
/// `LLMWIRE_STATUS_INVALID_ARGUMENT` for a NULL `client`, `request_json`, `on_done` or `out_call`,
/// or a request that is not JSON; `LLMWIRE_STATUS_INTERNAL` when no thread can be started. Every
/// other failure (validation included) comes through `on_done`.
/// Thread-safety: any number of threads may start calls on one client at once.
#[no_mangle]
pub unsafe extern "C" fn llmwire_chat_start(
    client: *const LlmwireClient,
    request_json: *const c_char,
    on_done: LlmwireDoneCallback,
    user_data: *mut c_void,
    out_call: *mut *mut LlmwireCall,
    err: *mut *mut LlmwireError,
) -> Status {
    // SAFETY: the caller's pointers, as the header requires.
    unsafe {
        start(
            client,
            request_json,
            None,
            None,
            on_done,
            user_data,
            out_call,
            err,
        )
    }
}

/// Starts a streaming call on library threads and returns at once: `on_chunks` receives the
/// chunks as they arrive, then `on_done` the assembled completion (as `llmwire_chat_stream`
/// returns it) or the error. Retries, deadline and queueing as for `llmwire_chat_start`; a stream
/// that delivered chunks is never replayed (stop reason "stream_started").
///
/// Delivery: every chunk that arrived while `on_chunks` was busy (or before its first call) comes
/// in the next call, as one JSON array, so a slow callback gets fewer, larger batches rather than
/// a growing delay. At most `max_buffered_chunks` (0 means 256) chunks wait undelivered: when
/// that many wait (the callback is slow, or paused it with `LLMWIRE_CHUNKS_REPLY_PAUSE`), the
/// library stops reading the response until the callback catches up or `llmwire_call_resume`.
/// `on_chunks` returns a `llmwire_chunks_reply`: continue, pause, or abort the call.
///
/// Threads: one library thread reads the response and one calls `on_chunks` and then `on_done`;
/// calls to `on_chunks` never overlap, and `on_done` runs exactly once, after the last
/// `on_chunks` has returned. Both may call any llmwire function, as for `llmwire_chat_start`.
/// After `llmwire_call_cancel` returns, undelivered chunks are dropped and no new `on_chunks`
/// call starts (one already running finishes).
///
/// Ownership and errors as for `llmwire_chat_start`; `on_chunks` must not be NULL, and
/// `user_data` is passed to both callbacks. A running stream holds two library threads.
/// Thread-safety: as for `llmwire_chat_start`.
#[no_mangle]
pub unsafe extern "C" fn llmwire_chat_stream_start(
    client: *const LlmwireClient,
    request_json: *const c_char,
    max_buffered_chunks: usize,
    on_chunks: LlmwireChunksCallback,
    on_done: LlmwireDoneCallback,
    user_data: *mut c_void,
    out_call: *mut *mut LlmwireCall,
    err: *mut *mut LlmwireError,
) -> Status {
    // SAFETY: the caller's pointers, as the header requires.
    unsafe {
        start(
            client,
            request_json,
            Some(buffered_cap(max_buffered_chunks)),
            on_chunks,
            on_done,
            user_data,
            out_call,
            err,
        )
    }
}

/// Cancels a started call, with the guarantees of `llmwire_cancel_trigger`: at once while it
/// waits in the queue or between attempts, otherwise when the current network read returns. Its
/// `on_done` still runs, once (with `LLMWIRE_STATUS_CANCELLED`, unless the call had just
/// completed). A paused stream is released. NULL is ignored; idempotent; a no-op after the call
/// completed.
/// Thread-safety: safe from any thread, including inside the call's own callbacks, as long as the
/// caller has not freed the handle (or from inside a callback of this call).
#[no_mangle]
pub unsafe extern "C" fn llmwire_call_cancel(call: *const LlmwireCall) {
    guard_value((), || {
        // SAFETY: NULL or a live handle, per the header.
        if let Some(call) = unsafe { call.as_ref() } {
            call.cancel();
        }
    })
}

/// Pauses a started stream from outside its callbacks: nothing more is delivered (to `on_chunks`
/// for `llmwire_chat_stream_start`, to the queue for `llmwire_chat_stream_submit`) until
/// `llmwire_call_resume` or `llmwire_call_cancel`; reading the response goes on until the stream's
/// `max_buffered_chunks` wait undelivered (for a submitted stream: stops before the next chunk is
/// queued), then stops until the pause ends. For a consumer whose own buffer is full. NULL is
/// ignored; idempotent; a no-op for a call that is not a stream or has ended.
/// Thread-safety: as for `llmwire_call_cancel`.
#[no_mangle]
pub unsafe extern "C" fn llmwire_call_pause(call: *const LlmwireCall) {
    guard_value((), || {
        // SAFETY: NULL or a live handle, per the header.
        if let Some(call) = unsafe { call.as_ref() } {
            call.pause();
        }
    })
}

/// Ends a pause that `on_chunks` asked for (`LLMWIRE_CHUNKS_REPLY_PAUSE`) or that
/// `llmwire_call_pause` set: delivery and reading go on. Called while that `on_chunks` is still running (from another thread), it cancels the
/// pause it is about to ask for, so a consumer on another thread never loses a resume. NULL is
/// ignored; a no-op when not paused. Thread-safety: as for `llmwire_call_cancel`.
#[no_mangle]
pub unsafe extern "C" fn llmwire_call_resume(call: *const LlmwireCall) {
    guard_value((), || {
        // SAFETY: NULL or a live handle, per the header.
        if let Some(call) = unsafe { call.as_ref() } {
            call.resume();
        }
    })
}

/// Frees the caller's handle to a started call. NULL is ignored.
///
/// Ownership: takes back the handle `llmwire_chat_start`/`llmwire_chat_stream_start` wrote; call
/// it exactly once per handle, before, during (from inside `on_done` or `on_chunks`) or after
/// the call's completion. It does not cancel the call: a call freed before completion runs on and
/// still calls `on_done`, whose `call` argument stays valid for the callback's duration.
/// Thread-safety: safe from any thread.
#[no_mangle]
pub unsafe extern "C" fn llmwire_call_free(call: *mut LlmwireCall) {
    if call.is_null() {
        return;
    }
    guard_value((), || {
        // SAFETY: a pointer from `Arc::into_raw` in `start`, given back once, per the header.
        drop(unsafe { Arc::from_raw(call.cast_const()) });
    });
}

/// Sets the cap on library threads that run started calls (process-wide, for every client;
/// default 512). Threads start as calls need them, up to the cap; past it, started calls wait in
/// a FIFO queue (the wait counts against their `deadline_ms`); a thread idle for 10 s ends (one
/// that just finished a call first looks for the next for 150 us, so that calls made one after
/// another start at once). A running stream started with `llmwire_chat_stream_start` holds one
/// more thread, outside the cap, to deliver its chunks (one submitted to a queue does not).
/// Lowering the cap lets running calls finish; raising it starts queued calls at once.
/// Errors: `LLMWIRE_STATUS_INVALID_ARGUMENT` when `max_threads` is 0.
/// Thread-safety: safe from any thread, at any time.
#[no_mangle]
pub unsafe extern "C" fn llmwire_pool_set_max_threads(
    max_threads: usize,
    err: *mut *mut LlmwireError,
) -> Status {
    guard(err, || {
        if max_threads == 0 {
            return Err(invalid("max_threads must be at least 1"));
        }
        Pool::global().set_max_threads(max_threads);
        Ok(())
    })
}

/// The current cap on library threads (see `llmwire_pool_set_max_threads`). Never fails.
/// Thread-safety: safe from any thread.
#[no_mangle]
pub extern "C" fn llmwire_pool_max_threads() -> usize {
    guard_value(0, || Pool::global().max_threads())
}

// Handles may be used from any thread.
const _: () = {
    const fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<LlmwireCall>();
};
