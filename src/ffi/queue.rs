//! Completion queues: calls that report to a queue an event loop watches through a file
//! descriptor, instead of calling back into the caller on a library thread.
//!
//! `llmwire_chat_submit` and `llmwire_chat_stream_submit` run a call on the pool as the start
//! functions do; its chunks and its end become events in an `llmwire_queue`. The queue's pipe is
//! readable while events wait (one byte is written on the empty-to-non-empty edge only), and
//! `llmwire_queue_take` hands every waiting event over in one JSON array. A library thread never
//! waits for the consumer, except a stream's reader, by design, when that stream's untaken chunks
//! reach its cap or the consumer paused it (backpressure).
//!
//! A queue is an `Arc<Shared>`: the caller's handle owns one reference, every call submitted to
//! it another, so `llmwire_queue_free` may come first. Freeing closes the pipe, drops the waiting
//! events and cancels the calls; their later events are dropped.

use std::collections::HashMap;
use std::ffi::c_char;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use super::async_call::{buffered_cap, call_args, launch, LlmwireCall, Report, StartedCalls};
use super::client::{handle, invalid, LlmwireClient};
use super::error::LlmwireError;
use super::status::Status;
use super::{guard, guard_value, require_out, write_string};
use crate::error::ErrorObject;
use crate::taxonomy::ErrorClass;

/// A completion queue. Opaque in C.
pub struct LlmwireQueue {
    shared: Arc<Shared>,
}

/// What the queue's handle and its calls share.
struct Shared {
    state: Mutex<State>,
    /// Calls submitted to this queue that may still run: freeing the queue cancels them.
    calls: StartedCalls,
}

struct State {
    events: Vec<Event>,
    /// For each call (by its registry id) whose chunk event still waits, that event's index in
    /// `events`: chunks that arrive before the consumer takes them join it.
    open_chunks: HashMap<u64, usize>,
    /// A byte was written to the pipe and no take has happened since.
    signalled: bool,
    /// The pipe; `None` once the queue was freed (events are then dropped). Shared, so that a
    /// call can write its byte after letting go of the lock (a consumer woken by that byte would
    /// otherwise find the lock still held), while `llmwire_queue_free` drops its own reference.
    wake: Option<Arc<wake::Pipe>>,
}

enum Event {
    Chunks {
        tag: u64,
        call: Arc<LlmwireCall>,
        chunks: Vec<String>,
    },
    Done {
        tag: u64,
        /// The error boxed: it is much larger than the other variants.
        outcome: Result<String, Box<ErrorObject>>,
    },
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// After an event was appended (under the lock): the pipe to write a byte to once the lock is
    /// released, when this event makes the queue non-empty for its consumer.
    fn signal(state: &mut State) -> Option<Arc<wake::Pipe>> {
        if state.signalled {
            return None;
        }
        state.signalled = true;
        state.wake.clone()
    }
}

/// A call's link to the queue it reports to.
pub(crate) struct Submitted {
    queue: Arc<Shared>,
    /// The call's key in the queue's registry.
    id: u64,
    tag: u64,
}

impl Submitted {
    /// A stream's reader: queues one chunk (its JSON text) once the call has room for it (see
    /// `LlmwireCall::reserve`), or drops it when the call was cancelled.
    pub(crate) fn chunk(&self, call: &Arc<LlmwireCall>, text: String, max_queued: usize) {
        if !call.reserve(max_queued) {
            return;
        }
        let mut state = self.queue.lock();
        if state.wake.is_none() {
            return;
        }
        if let Some(&at) = state.open_chunks.get(&self.id) {
            if let Some(Event::Chunks { chunks, .. }) = state.events.get_mut(at) {
                chunks.push(text);
                return;
            }
        }
        let at = state.events.len();
        state.events.push(Event::Chunks {
            tag: self.tag,
            call: Arc::clone(call),
            chunks: vec![text],
        });
        state.open_chunks.insert(self.id, at);
        let pipe = Shared::signal(&mut state);
        drop(state);
        pipe.inspect(|pipe| pipe.notify());
    }

    /// The call's end: its last event.
    pub(crate) fn done(self, outcome: Result<String, ErrorObject>) {
        self.queue.calls.remove(self.id);
        let mut state = self.queue.lock();
        if state.wake.is_none() {
            return;
        }
        state.open_chunks.remove(&self.id);
        state.events.push(Event::Done {
            tag: self.tag,
            outcome: outcome.map_err(Box::new),
        });
        let pipe = Shared::signal(&mut state);
        drop(state);
        pipe.inspect(|pipe| pipe.notify());
    }
}

/// Writes the events as the JSON array `llmwire_queue_take` documents.
fn render(events: &[Event]) -> String {
    // Sized for the chunks up front: a take may carry hundreds of them.
    let chunk_bytes: usize = events
        .iter()
        .map(|event| match event {
            Event::Chunks { chunks, .. } => chunks.iter().map(|chunk| chunk.len() + 1).sum(),
            Event::Done { .. } => 0,
        })
        .sum();
    let mut text = String::with_capacity(chunk_bytes + 64 * events.len() + 2);
    text.push('[');
    for (n, event) in events.iter().enumerate() {
        if n > 0 {
            text.push(',');
        }
        match event {
            Event::Chunks { tag, chunks, .. } => {
                text.push_str(&format!("{{\"tag\":{tag},\"chunks\":["));
                for (n, chunk) in chunks.iter().enumerate() {
                    if n > 0 {
                        text.push(',');
                    }
                    text.push_str(chunk);
                }
                text.push_str("]}");
            }
            Event::Done {
                tag,
                outcome: Ok(completion),
            } => {
                text.push_str(&format!("{{\"tag\":{tag},\"ok\":"));
                text.push_str(completion);
                text.push('}');
            }
            Event::Done {
                tag,
                outcome: Err(error),
            } => {
                text.push_str(&format!("{{\"tag\":{tag},\"error\":"));
                text.push_str(&error.to_json());
                text.push('}');
            }
        }
    }
    text.push(']');
    text
}

/// Creates a completion queue: calls submitted to it (`llmwire_chat_submit`,
/// `llmwire_chat_stream_submit`) report there instead of through callbacks, and an event loop
/// learns that events wait by watching `llmwire_queue_fd`.
///
/// Ownership: on success `*out_queue` receives a queue the caller frees once with
/// `llmwire_queue_free`. One queue may serve any number of clients and calls.
/// Errors: `LLMWIRE_STATUS_INVALID_ARGUMENT` when `out_queue` is NULL; `LLMWIRE_STATUS_INTERNAL`
/// when the process is out of file descriptors, or on platforms without pipes (Windows: use
/// `llmwire_chat_start` there).
/// Thread-safety: safe from any thread.
#[no_mangle]
pub unsafe extern "C" fn llmwire_queue_new(
    out_queue: *mut *mut LlmwireQueue,
    err: *mut *mut LlmwireError,
) -> Status {
    guard(err, || {
        require_out(out_queue, "out_queue")?;
        let pipe = wake::Pipe::new().map_err(|error| {
            let message = format!("cannot create the queue's pipe: {error}");
            ErrorObject::local(ErrorClass::Internal, message)
        })?;
        let queue = LlmwireQueue {
            shared: Arc::new(Shared {
                state: Mutex::new(State {
                    events: Vec::new(),
                    open_chunks: HashMap::new(),
                    signalled: false,
                    wake: Some(Arc::new(pipe)),
                }),
                calls: StartedCalls::default(),
            }),
        };
        // SAFETY: checked non-NULL above; writable per the header.
        unsafe { *out_queue = Box::into_raw(Box::new(queue)) };
        Ok(())
    })
}

/// Frees a queue. NULL is ignored.
///
/// Calls still running that were submitted to it are cancelled (as by `llmwire_call_cancel`) and
/// their events, waiting or later, are dropped: nothing more is reported for them. The pipe is
/// closed before this function returns, so stop watching `llmwire_queue_fd` first. Call handles
/// of those calls stay valid until the caller frees them with `llmwire_call_free`.
/// Ownership: takes back a queue from `llmwire_queue_new`; call it once.
/// Thread-safety: call it once no other thread uses the queue (submitting, taking); calls in
/// flight on library threads need no care.
#[no_mangle]
pub unsafe extern "C" fn llmwire_queue_free(queue: *mut LlmwireQueue) {
    if queue.is_null() {
        return;
    }
    guard_value((), || {
        // SAFETY: a pointer from `llmwire_queue_new`, given back once, per the header.
        let queue = unsafe { Box::from_raw(queue) };
        let (events, pipe) = {
            let mut state = queue.shared.lock();
            state.open_chunks.clear();
            (std::mem::take(&mut state.events), state.wake.take())
        };
        if let Some(pipe) = pipe {
            close_unshared(pipe);
        }
        drop(events);
        queue.shared.calls.cancel_all();
    })
}

/// Closes the pipe once no call holds it: a call holds it only while it writes its wake-up byte,
/// and the header promises the descriptor is closed when `llmwire_queue_free` returns.
fn close_unshared(mut pipe: Arc<wake::Pipe>) {
    loop {
        match Arc::try_unwrap(pipe) {
            Ok(pipe) => return drop(pipe),
            Err(shared) => {
                pipe = shared;
                std::thread::yield_now();
            }
        }
    }
}

/// The queue's file descriptor, to watch for readability with the event loop (epoll, kqueue,
/// poll, `uv_poll_t`, `GSource`, `QSocketNotifier`, asio's `posix::stream_descriptor`): it is
/// readable while events wait to be taken, and `llmwire_queue_take` empties it. It is the read
/// end of a non-blocking, close-on-exec pipe; the library writes one byte to it whenever events
/// start waiting, so a loop that reads the byte itself (edge or level triggered) still must call
/// `llmwire_queue_take`, and a loop that does not read it loses nothing.
///
/// Ownership: the queue owns the descriptor and closes it in `llmwire_queue_free`; never close it
/// yourself (a loop that insists on owning what it watches can watch a `dup` of it). Returns -1
/// for NULL. Never fails. Thread-safety: safe from any thread.
#[no_mangle]
pub unsafe extern "C" fn llmwire_queue_fd(queue: *const LlmwireQueue) -> i32 {
    guard_value(-1, || {
        // SAFETY: NULL or a live queue, per the header.
        let Some(queue) = (unsafe { queue.as_ref() }) else {
            return -1;
        };
        queue
            .shared
            .lock()
            .wake
            .as_ref()
            .map_or(-1, |pipe| pipe.fd())
    })
}

/// Takes every event waiting in the queue, in one call, as a JSON array (`[]` when none waits),
/// and empties the queue's file descriptor. Each element names the call by the `tag` given at
/// submission (a JSON integer) and is one of:
/// - `{"tag":T,"chunks":[...]}`: chat.completion.chunk objects of a stream, in order (every
///   chunk that arrived since the previous take, in one event);
/// - `{"tag":T,"ok":{...}}`: the call succeeded; the completion as `llmwire_chat` (or, for a
///   stream, `llmwire_chat_stream`) writes it. The call's last event.
/// - `{"tag":T,"error":{...}}`: the call failed; the error object as `llmwire_error_to_json`
///   renders it (`"status"` is the status name, `"class"` the class). The call's last event.
///
/// Events of one call come in order; the last event of every submitted call comes exactly once
/// (unless the queue is freed first). Taking a stream's chunks makes room for as many more (see
/// `llmwire_chat_stream_submit`).
///
/// Ownership: on success `*out_json` receives a new string for `llmwire_string_free`.
/// Errors: `LLMWIRE_STATUS_INVALID_ARGUMENT` when `queue` or `out_json` is NULL.
/// Thread-safety: safe from any thread; two threads taking at once each get a share of the
/// events, so one consumer thread is the usual design.
#[no_mangle]
pub unsafe extern "C" fn llmwire_queue_take(
    queue: *const LlmwireQueue,
    out_json: *mut *mut c_char,
    err: *mut *mut LlmwireError,
) -> Status {
    guard(err, || {
        // SAFETY: NULL or a live queue, per the header.
        let queue = unsafe { handle(queue, "queue") }?;
        require_out(out_json, "out_json")?;
        let events = {
            let mut state = queue.shared.lock();
            if let Some(pipe) = &state.wake {
                pipe.drain();
            }
            state.signalled = false;
            state.open_chunks.clear();
            std::mem::take(&mut state.events)
        };
        for event in &events {
            if let Event::Chunks { call, chunks, .. } = event {
                call.taken(chunks.len());
            }
        }
        // SAFETY: checked non-NULL above; writable per the header.
        unsafe { write_string(out_json, render(&events)) };
        Ok(())
    })
}

/// What both submit functions share.
///
/// # Safety
/// Each pointer is NULL or valid as the header describes for these functions.
unsafe fn submit(
    client: *const LlmwireClient,
    request_json: *const c_char,
    stream: Option<usize>,
    queue: *const LlmwireQueue,
    tag: u64,
    out_call: *mut *mut LlmwireCall,
    err: *mut *mut LlmwireError,
) -> Status {
    guard(err, || {
        // SAFETY: the caller's pointers, per the header.
        let (client, request) = unsafe { call_args(client, request_json) }?;
        // SAFETY: NULL or a live queue, per the header.
        let queue = unsafe { handle(queue, "queue") }?;
        if queue.shared.lock().wake.is_none() {
            return Err(invalid("the queue was freed"));
        }
        let call = Arc::new(LlmwireCall::new());
        let id = queue.shared.calls.add(&call);
        let target = Submitted {
            queue: Arc::clone(&queue.shared),
            id,
            tag,
        };
        if let Err(error) = launch(client, request, stream, Report::Queue(target), &call) {
            queue.shared.calls.remove(id);
            return Err(error);
        }
        if !out_call.is_null() {
            // SAFETY: non-NULL, writable per the header.
            unsafe { *out_call = Arc::into_raw(call).cast_mut() };
        }
        Ok(())
    })
}

/// Starts a chat-completions call on a library thread and returns at once; its end is reported
/// to `queue` as one event tagged `tag` (see `llmwire_queue_take`). The call is the one
/// `llmwire_chat_start` makes: validation, retries, deadline, and the wait for a library thread
/// counted against the deadline.
///
/// Threads: the library never calls into the caller's code for this call; its threads only queue
/// the event and wake `llmwire_queue_fd`. Cancellation: `llmwire_call_cancel` on the handle,
/// `llmwire_client_free` or `llmwire_queue_free`; a cancelled call still reports its end (usually
/// with status `LLMWIRE_STATUS_CANCELLED`), unless the queue was freed.
///
/// Ownership: `client`, `request_json` and `queue` are borrowed for this function only (the call
/// keeps what it needs of them alive). `tag` is the caller's, passed back untouched. `out_call`
/// may be NULL when the caller will never cancel the call; otherwise on success `*out_call`
/// receives a handle the caller frees once with `llmwire_call_free`, before or after the call's
/// end was taken (freeing does not cancel).
/// Errors (then no event will come, and `*out_call` is untouched): `LLMWIRE_STATUS_INVALID_ARGUMENT`
/// for a NULL `client`, `request_json` or `queue`, or a request that is not JSON;
/// `LLMWIRE_STATUS_INTERNAL` when no thread can be started. Every other failure (validation
/// included) comes as the call's error event.
/// Thread-safety: any number of threads may submit to one client and one queue at once.
#[no_mangle]
pub unsafe extern "C" fn llmwire_chat_submit(
    client: *const LlmwireClient,
    request_json: *const c_char,
    queue: *const LlmwireQueue,
    tag: u64,
    out_call: *mut *mut LlmwireCall,
    err: *mut *mut LlmwireError,
) -> Status {
    // SAFETY: the caller's pointers, as the header requires.
    unsafe { submit(client, request_json, None, queue, tag, out_call, err) }
}

/// Starts a streaming call on a library thread and returns at once: its chunks are reported to
/// `queue` as chunk events tagged `tag`, then its end as one event (the assembled completion, as
/// `llmwire_chat_stream` returns it, or the error). Retries, deadline and queueing as for
/// `llmwire_chat_start`; a stream that delivered chunks is never replayed (stop reason
/// "stream_started").
///
/// Backpressure: at most `max_buffered_chunks` (0 means 256) of this call's chunks wait in the
/// queue untaken; when that many wait, the library stops reading the response until
/// `llmwire_queue_take` takes them. `llmwire_call_pause` stops it too (the consumer's own buffer
/// is full), until `llmwire_call_resume`. A stream holds one library thread, which waits while
/// the stream is held back.
///
/// Cancellation, threads, ownership, errors and thread-safety as for `llmwire_chat_submit`. After
/// a cancel, chunks already queued may still be taken, followed by the end event.
#[no_mangle]
pub unsafe extern "C" fn llmwire_chat_stream_submit(
    client: *const LlmwireClient,
    request_json: *const c_char,
    max_buffered_chunks: usize,
    queue: *const LlmwireQueue,
    tag: u64,
    out_call: *mut *mut LlmwireCall,
    err: *mut *mut LlmwireError,
) -> Status {
    // SAFETY: the caller's pointers, as the header requires.
    unsafe {
        submit(
            client,
            request_json,
            Some(buffered_cap(max_buffered_chunks)),
            queue,
            tag,
            out_call,
            err,
        )
    }
}

/// The queue's wake-up: a non-blocking pipe (portable to every Unix, unlike eventfd).
#[cfg(unix)]
mod wake {
    use std::io;
    use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};

    pub(super) struct Pipe {
        read: OwnedFd,
        write: OwnedFd,
    }

    /// Sets O_NONBLOCK and FD_CLOEXEC on a descriptor this module owns.
    fn configure(fd: RawFd) -> io::Result<()> {
        // SAFETY: fcntl on a descriptor this module opened and still owns.
        unsafe {
            let flags = libc::fcntl(fd, libc::F_GETFL);
            if flags < 0 || libc::fcntl(fd, libc::F_SETFL, flags | libc::O_NONBLOCK) < 0 {
                return Err(io::Error::last_os_error());
            }
            if libc::fcntl(fd, libc::F_SETFD, libc::FD_CLOEXEC) < 0 {
                return Err(io::Error::last_os_error());
            }
        }
        Ok(())
    }

    impl Pipe {
        pub(super) fn new() -> io::Result<Pipe> {
            let mut fds = [0 as RawFd; 2];
            // SAFETY: `fds` is writable storage for two descriptors.
            if unsafe { libc::pipe(fds.as_mut_ptr()) } != 0 {
                return Err(io::Error::last_os_error());
            }
            // SAFETY: both descriptors were just opened and are owned by nobody else.
            let pipe = unsafe {
                Pipe {
                    read: OwnedFd::from_raw_fd(fds[0]),
                    write: OwnedFd::from_raw_fd(fds[1]),
                }
            };
            configure(fds[0])?;
            configure(fds[1])?;
            Ok(pipe)
        }

        pub(super) fn fd(&self) -> i32 {
            self.read.as_raw_fd()
        }

        /// Makes the read end readable. A full pipe (impossible: one byte per take) is ignored.
        pub(super) fn notify(&self) {
            // SAFETY: writes one byte from a live buffer to a descriptor this module owns.
            let _ = unsafe { libc::write(self.write.as_raw_fd(), [1u8].as_ptr().cast(), 1) };
        }

        /// Reads every byte waiting (non-blocking).
        pub(super) fn drain(&self) {
            let mut buffer = [0u8; 64];
            loop {
                // SAFETY: reads into a live buffer of the given size from a descriptor owned here.
                let read = unsafe {
                    libc::read(
                        self.read.as_raw_fd(),
                        buffer.as_mut_ptr().cast(),
                        buffer.len(),
                    )
                };
                if read < buffer.len() as isize {
                    return; // empty (EAGAIN), or an error that leaves nothing to read
                }
            }
        }
    }
}

/// No pipe outside Unix: `llmwire_queue_new` fails there.
#[cfg(not(unix))]
mod wake {
    use std::io;

    pub(super) struct Pipe;

    impl Pipe {
        pub(super) fn new() -> io::Result<Pipe> {
            Err(io::Error::new(
                io::ErrorKind::Unsupported,
                "completion queues need a Unix pipe",
            ))
        }

        pub(super) fn fd(&self) -> i32 {
            -1
        }

        pub(super) fn notify(&self) {}

        pub(super) fn drain(&self) {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn taken_events_are_one_json_array_in_order() {
        let call = Arc::new(LlmwireCall::new());
        let events = vec![
            Event::Chunks {
                tag: 7,
                call,
                chunks: vec![r#"{"n":1}"#.into(), r#"{"n":2}"#.into()],
            },
            Event::Done {
                tag: 7,
                outcome: Ok(r#"{"id":"x"}"#.into()),
            },
            Event::Done {
                tag: u64::MAX,
                outcome: Err(Box::new(ErrorObject::local(ErrorClass::Cancelled, "stop"))),
            },
        ];
        let value: serde_json::Value = serde_json::from_str(&render(&events)).unwrap();
        assert_eq!(value[0]["tag"], 7);
        assert_eq!(value[0]["chunks"][1]["n"], 2);
        assert_eq!(value[1]["ok"]["id"], "x");
        assert_eq!(value[2]["tag"], u64::MAX);
        assert_eq!(value[2]["error"]["status"], "LLMWIRE_STATUS_CANCELLED");
        assert_eq!(render(&[]), "[]");
    }
}
