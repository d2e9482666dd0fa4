//! The client over the C ABI: create, chat, stream, cancel, metrics, event hook.

use std::ffi::{c_char, c_void};
use std::sync::Arc;

use serde_json::Value;

use super::error::LlmwireError;
use super::status::Status;
use super::{
    arg_str, free_boxed, guard, guard_value, optional_arg_str, require_out, to_cstring,
    write_string,
};
use crate::client::{CancelToken, ChunkControl, Client};
use crate::error::ErrorObject;
use crate::stream::ChunkText;
use crate::taxonomy::ErrorClass;

/// A chat-completions client. Opaque in C.
pub struct LlmwireClient {
    /// Shared with the calls started on library threads, which may outlive this handle.
    pub(crate) client: Arc<Client>,
    /// Calls started with `llmwire_chat_start`/`llmwire_chat_stream_start` still running: freeing
    /// the client cancels them.
    pub(crate) started: Arc<super::async_call::StartedCalls>,
}

impl Drop for LlmwireClient {
    fn drop(&mut self) {
        self.started.cancel_all();
    }
}

/// A cancel handle. Opaque in C.
pub struct LlmwireCancel {
    token: Arc<CancelToken>,
}

/// Receives one stream chunk (a chat.completion.chunk JSON object, NUL-terminated) and the
/// `user_data` given to `llmwire_chat_stream`. Return 0 to continue, non-zero to stop the stream
/// (the call then fails with `LLMWIRE_STATUS_CANCELLED`, stop reason "aborted_by_callback").
/// The string is borrowed for the duration of the callback only. It is the provider's own text
/// for the chunk (its spacing and escapes as sent, surrounding whitespace trimmed), not a
/// re-serialisation: compare parsed objects, not strings.
pub type LlmwireChunkCallback =
    Option<unsafe extern "C" fn(chunk_json: *const c_char, user_data: *mut c_void) -> i32>;

/// Receives one event (a JSON object, NUL-terminated, borrowed for the duration of the callback)
/// and the `user_data` given to `llmwire_client_set_event_callback`.
pub type LlmwireEventCallback =
    Option<unsafe extern "C" fn(event_json: *const c_char, user_data: *mut c_void)>;

pub(super) fn invalid(message: &str) -> ErrorObject {
    ErrorObject::local(ErrorClass::InvalidArgument, message)
}

/// Borrows a handle, naming the parameter when it is NULL.
///
/// # Safety
/// `ptr` is NULL or a live handle returned by llmwire.
pub(super) unsafe fn handle<'a, T>(ptr: *const T, name: &str) -> Result<&'a T, ErrorObject> {
    // SAFETY: per this function's contract.
    unsafe { ptr.as_ref() }.ok_or_else(|| invalid(&format!("{name} is NULL")))
}

pub(super) fn parse_request(text: &str) -> Result<Value, ErrorObject> {
    crate::json::parse(text).map_err(|e| invalid(&format!("request_json is not valid JSON: {e}")))
}

/// Creates a client from a JSON configuration (see the README's "Configuration"; NULL or "" means
/// every default). The API key comes from `api_key`, or else from the environment variable named
/// by `api_key_env` (default: the provider's usual one, e.g. OPENAI_API_KEY), read once, here.
///
/// Targets and limits (README "Targets, failover and limits"): `targets` lists endpoints a call
/// tries in order, each with its own `provider`, `model`, `base_url`, key and optional `limits`
/// (`rpm`, `tpm`, `max_in_flight`); a failure moves the call to the next available target at once,
/// and the failed target cools down, opens its circuit breaker or is disabled, by class. Example:
///
/// ```text
/// {"validation": "repair", "timeouts": {"deadline_ms": 30000},
///  "targets": [
///    {"name": "main", "provider": "openai", "model": "gpt-4o-mini",
///     "limits": {"rpm": 500, "max_in_flight": 32}},
///    {"name": "backup", "provider": "gemini", "model": "gemini-2.0-flash"}]}
/// ```
///
/// Shared state (README "Shared state across processes: Redis"): with
/// `"coordination": {"backend": "redis", "url": "redis://…", "namespace": "…"}`, every client
/// naming the same Redis and namespace, in any process, shares the targets' cooldowns, breakers,
/// limit windows and the retry budget (keys `llmwire:{namespace}:…`, each with a TTL). When Redis
/// is unreachable, slow (over `timeout_ms`, default 100) or restarted, calls go on with this
/// client's own state and Redis is retried with backoff; this never fails a call. The URL's
/// password never appears in errors, metrics or events. A malformed `url` is
/// `LLMWIRE_STATUS_INVALID_CONFIG`.
///
/// A call that finds every target unavailable past its deadline fails with stop reason
/// "all_targets_unavailable"; its error JSON lists every target's state under "targets". A
/// target on its provider's public endpoint without a key is `LLMWIRE_STATUS_INVALID_CONFIG`.
///
/// Ownership: `config_json` is borrowed for the call; on success `*out_client` receives a client
/// the caller frees with `llmwire_client_free`.
/// Errors: `LLMWIRE_STATUS_INVALID_CONFIG` for an unknown key (named in the message) or a bad
/// value; `LLMWIRE_STATUS_INVALID_ARGUMENT` for a NULL `out_client` or non-UTF-8 text.
/// Thread-safety: safe from any thread.
#[no_mangle]
pub unsafe extern "C" fn llmwire_client_new(
    config_json: *const c_char,
    out_client: *mut *mut LlmwireClient,
    err: *mut *mut LlmwireError,
) -> Status {
    guard(err, || {
        require_out(out_client, "out_client")?;
        // SAFETY: NULL or a NUL-terminated string valid for the call, per the header.
        let config = unsafe { optional_arg_str(config_json, "config_json") }?;
        let client = Client::new(config.unwrap_or_default())?;
        let raw = Box::into_raw(Box::new(LlmwireClient {
            client: Arc::new(client),
            started: Arc::default(),
        }));
        // SAFETY: checked non-NULL above.
        unsafe { *out_client = raw };
        Ok(())
    })
}

/// Frees a client. NULL is ignored.
///
/// Ownership: takes back a client from `llmwire_client_new`. Thread-safety: call it once, after
/// every blocking call on this client (on any thread) has returned.
///
/// Calls started with `llmwire_chat_start` or `llmwire_chat_stream_start` that are still running
/// are cancelled, and this function returns at once without waiting for them: they keep what
/// they need of the client alive, and each still completes, later, on a library thread, through
/// its `on_done` (usually with `LLMWIRE_STATUS_CANCELLED`; a call that finished at the same moment
/// may report its result). Their `user_data`, and the event callback's, must stay valid until then.
/// Calls submitted to a queue (`llmwire_chat_submit`) are cancelled alike and end through their
/// queue. This may be called from inside an `on_done` callback.
#[no_mangle]
pub unsafe extern "C" fn llmwire_client_free(client: *mut LlmwireClient) {
    // SAFETY: NULL or a pointer llmwire handed out, freed once, per the header.
    unsafe { free_boxed(client) }
}

/// Sends a chat-completions request (a JSON object, as for the provider's API) and waits for the
/// completion, retrying what can succeed. A request without "model" gets the config's model.
///
/// On success `*out_response_json` receives the completion JSON: the provider's text as it
/// arrived (its layout kept), with an extra "llmwire" key, last, holding the attempts, repairs,
/// warnings and trims. On failure `*err` (if given) receives the error
/// object: class, stop reason, summary, the provider's message and every attempt.
///
/// `cancel` may be NULL; otherwise `llmwire_cancel_trigger` on it (from any thread) stops the call
/// with `LLMWIRE_STATUS_CANCELLED` within a few milliseconds (documented bound: 50 ms), whatever
/// it is doing: resolving, connecting, in the TLS handshake, sending, waiting, reading (even a read
/// that keeps receiving bytes) or waiting to retry. A cancelled call is never a success, and its
/// connection is not reused. The config's `timeouts.deadline_ms` bounds the call the same way
/// (`LLMWIRE_STATUS_TIMEOUT`, stop reason "deadline").
///
/// Ownership: `client`, `request_json` and `cancel` are borrowed for the call; `*out_response_json`
/// is a new string for `llmwire_string_free`.
/// Errors: the status of the final failure's class (e.g. `LLMWIRE_STATUS_RATE_LIMITED`),
/// `LLMWIRE_STATUS_VALIDATION_FAILED` when local validation stopped the request (nothing was
/// sent), `LLMWIRE_STATUS_CANCELLED`, `LLMWIRE_STATUS_INVALID_ARGUMENT` for NULL or non-JSON input.
/// Thread-safety: any number of threads may call this on one client at once.
#[no_mangle]
pub unsafe extern "C" fn llmwire_chat(
    client: *const LlmwireClient,
    request_json: *const c_char,
    cancel: *const LlmwireCancel,
    out_response_json: *mut *mut c_char,
    err: *mut *mut LlmwireError,
) -> Status {
    // SAFETY: the caller's pointers, as the header requires.
    unsafe {
        run_chat(
            client,
            request_json,
            cancel,
            out_response_json,
            err,
            |client, request, cancel| client.chat_json(request, cancel),
        )
    }
}

/// Streams a chat-completions request: `on_chunk` receives each chunk as it arrives, on the
/// calling thread; at the end `*out_response_json` receives the assembled completion (content,
/// tool calls merged by index, usage) with the "llmwire" report key, as for `llmwire_chat`.
///
/// Retries happen only until a chunk with output (text, tool calls, reasoning) reached `on_chunk`
/// (a chunk with only the role or empty text does not count); a stream that fails after that
/// is never replayed (stop reason "stream_started"). A non-zero return from `on_chunk` stops the
/// call with `LLMWIRE_STATUS_CANCELLED` (stop reason "aborted_by_callback").
///
/// Ownership and errors as for `llmwire_chat`; `user_data` is passed through untouched.
/// `on_chunk` must not be NULL. Thread-safety: as for `llmwire_chat`.
#[no_mangle]
pub unsafe extern "C" fn llmwire_chat_stream(
    client: *const LlmwireClient,
    request_json: *const c_char,
    cancel: *const LlmwireCancel,
    on_chunk: LlmwireChunkCallback,
    user_data: *mut c_void,
    out_response_json: *mut *mut c_char,
    err: *mut *mut LlmwireError,
) -> Status {
    let Some(on_chunk) = on_chunk else {
        return guard(err, || Err(invalid("on_chunk is NULL")));
    };
    let mut sink = |chunk: ChunkText| {
        let text = to_cstring(chunk.text);
        // SAFETY: the caller's callback, given a string that lives until it returns.
        match unsafe { on_chunk(text.as_ptr(), user_data) } {
            0 => ChunkControl::Continue,
            _ => ChunkControl::Abort,
        }
    };
    // SAFETY: the caller's pointers, as the header requires.
    unsafe {
        run_chat(
            client,
            request_json,
            cancel,
            out_response_json,
            err,
            |client, request, cancel| {
                client
                    .chat_stream_text(request, &mut sink, cancel)
                    .map(|completion| completion.to_string())
            },
        )
    }
}

/// What `llmwire_chat` and `llmwire_chat_stream` share: check the arguments, make the call, hand
/// the response out.
///
/// # Safety
/// Each pointer is NULL or valid as the header describes for these functions.
unsafe fn run_chat(
    client: *const LlmwireClient,
    request_json: *const c_char,
    cancel: *const LlmwireCancel,
    out_response_json: *mut *mut c_char,
    err: *mut *mut LlmwireError,
    call: impl FnOnce(&Client, &Value, Option<&CancelToken>) -> Result<String, ErrorObject>,
) -> Status {
    guard(err, || {
        // SAFETY: NULL or a live client, per the header.
        let client = unsafe { handle(client, "client") }?;
        // SAFETY: a NUL-terminated string valid for the call, per the header.
        let request = parse_request(unsafe { arg_str(request_json, "request_json") }?)?;
        require_out(out_response_json, "out_response_json")?;
        // SAFETY: NULL or a live cancel handle, per the header.
        let token = unsafe { cancel.as_ref() }.map(|c| Arc::clone(&c.token));
        let response = call(&client.client, &request, token.as_deref())?;
        // SAFETY: checked non-NULL above.
        unsafe { write_string(out_response_json, response) };
        Ok(())
    })
}

/// Creates a cancel handle, or returns NULL if memory is exhausted.
///
/// Ownership: the caller frees it with `llmwire_cancel_free`, after every call using it returned.
/// One handle may serve several calls; once triggered it stays triggered.
/// Thread-safety: safe from any thread.
#[no_mangle]
pub extern "C" fn llmwire_cancel_new() -> *mut LlmwireCancel {
    guard_value(std::ptr::null_mut(), || {
        Box::into_raw(Box::new(LlmwireCancel {
            token: Arc::new(CancelToken::new()),
        }))
    })
}

/// Cancels every call using this handle, now and later. NULL is ignored. Idempotent.
/// Thread-safety: meant to be called from another thread while a call runs.
#[no_mangle]
pub unsafe extern "C" fn llmwire_cancel_trigger(cancel: *const LlmwireCancel) {
    guard_value((), || {
        // SAFETY: NULL or a live cancel handle, per the header.
        if let Some(cancel) = unsafe { cancel.as_ref() } {
            cancel.token.cancel();
        }
    })
}

/// Frees a cancel handle. NULL is ignored. Thread-safety: once, after every call using it returned.
#[no_mangle]
pub unsafe extern "C" fn llmwire_cancel_free(cancel: *mut LlmwireCancel) {
    // SAFETY: NULL or a pointer llmwire handed out, freed once, per the header.
    unsafe { free_boxed(cancel) }
}

/// Asked by a blocked call whether to stop: return non-zero to cancel the handle (as
/// `llmwire_cancel_trigger` would), 0 to go on waiting. Gets the `user_data` given to
/// `llmwire_cancel_set_interrupt_check`.
pub type LlmwireInterruptCheck = Option<unsafe extern "C" fn(user_data: *mut c_void) -> i32>;

/// The `user_data` of an interrupt check, carried to the thread that runs the call.
struct CheckData(*mut c_void);
// SAFETY: llmwire only hands the pointer back to the caller's check; the header makes the caller
// responsible for what it points to (it is used on the thread that runs the call).
unsafe impl Send for CheckData {}
// SAFETY: as above; llmwire never dereferences it.
unsafe impl Sync for CheckData {}

/// Installs (or, with a NULL `check`, removes) an interrupt check on a cancel handle: while a call
/// using the handle is blocked (on the network, or waiting to retry), it calls `check(user_data)`
/// every 10 ms, on the thread that runs the call; a non-zero return cancels the handle. For a
/// caller that cannot call `llmwire_cancel_trigger` from another thread while its own thread is
/// in the call — a language runtime that only notices an interrupt (Ctrl-C) when it runs its own
/// code on that thread, such as Python.
///
/// `check` must not call into llmwire with this handle and must return quickly; `user_data` must
/// stay valid until the check is removed or the handle freed. A handle without a check costs
/// nothing extra.
/// Errors: `LLMWIRE_STATUS_INVALID_ARGUMENT` for a NULL handle.
/// Thread-safety: set it before the calls that use the handle start, not while they run.
#[no_mangle]
pub unsafe extern "C" fn llmwire_cancel_set_interrupt_check(
    cancel: *const LlmwireCancel,
    check: LlmwireInterruptCheck,
    user_data: *mut c_void,
) -> Status {
    guard(std::ptr::null_mut(), || {
        // SAFETY: NULL or a live cancel handle, per the header.
        let cancel = unsafe { handle(cancel, "cancel") }?;
        let installed = check.map(|check| {
            let data = CheckData(user_data);
            Box::new(move || {
                let data = &data;
                // SAFETY: the caller's function and pointer, valid per the header.
                unsafe { check(data.0) != 0 }
            }) as crate::client::cancel::InterruptCheck
        });
        cancel.token.set_interrupt_check(installed);
        Ok(())
    })
}

/// Renders the client's metrics: calls, attempts, successes, failures and retries by class, time
/// slept, retry-budget level. `format` is "json" (or NULL) or "prometheus" (text format).
///
/// Ownership: on success `*out` receives a new string for `llmwire_string_free`.
/// Errors: `LLMWIRE_STATUS_INVALID_ARGUMENT` for a NULL client or out, or an unknown format.
/// Thread-safety: safe while calls run on other threads.
#[no_mangle]
pub unsafe extern "C" fn llmwire_client_metrics(
    client: *const LlmwireClient,
    format: *const c_char,
    out: *mut *mut c_char,
    err: *mut *mut LlmwireError,
) -> Status {
    guard(err, || {
        // SAFETY: NULL or a live client, per the header.
        let client = unsafe { handle(client, "client") }?;
        require_out(out, "out")?;
        let format = if format.is_null() {
            "json"
        } else {
            // SAFETY: a NUL-terminated string valid for the call, per the header.
            unsafe { arg_str(format, "format") }?
        };
        let text = match format {
            "json" => client.client.metrics_json().to_string(),
            "prometheus" => client.client.metrics_prometheus(),
            other => {
                return Err(invalid(&format!(
                    "format \"{other}\" is unknown (expected \"json\" or \"prometheus\")"
                )))
            }
        };
        // SAFETY: checked non-NULL above.
        unsafe { write_string(out, text) };
        Ok(())
    })
}

/// Installs an event callback, called once per attempt outcome with a JSON event (call id,
/// attempt number, class, HTTP status, elapsed ms, decision, delay, stop reason, message; never a
/// key or a request body). NULL `callback` removes it.
///
/// The callback runs on whichever thread makes the call, possibly several at once: it must be
/// thread-safe, and must not call back into this client. `user_data` is passed through untouched
/// and must stay valid until the callback is replaced or the client is freed.
/// Errors: `LLMWIRE_STATUS_INVALID_ARGUMENT` for a NULL client.
#[no_mangle]
pub unsafe extern "C" fn llmwire_client_set_event_callback(
    client: *const LlmwireClient,
    callback: LlmwireEventCallback,
    user_data: *mut c_void,
    err: *mut *mut LlmwireError,
) -> Status {
    guard(err, || {
        // SAFETY: NULL or a live client, per the header.
        let client = unsafe { handle(client, "client") }?;
        // Raw pointers are not Send; the caller promised thread-safe use of user_data.
        let user_data = user_data as usize;
        let hook = callback.map(|callback| {
            Arc::new(move |event: &str| {
                let text = to_cstring(event.to_owned());
                // SAFETY: the caller's callback, given a string that lives until it returns.
                unsafe { callback(text.as_ptr(), user_data as *mut c_void) }
            }) as crate::client::EventHook
        });
        client.client.set_event_hook(hook);
        Ok(())
    })
}

// docs/design.md §6: a client (and a cancel handle) may be used from any number of threads at once.
const _: () = {
    const fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<LlmwireClient>();
    assert_send_sync::<LlmwireCancel>();
};
