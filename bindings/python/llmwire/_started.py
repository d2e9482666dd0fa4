"""Calls that run on the library's own threads (``llmwire_chat_start``,
``llmwire_chat_stream_start``): what :meth:`Client.achat` awaits, and the stream iterators of
:meth:`Client.stream` and :meth:`Client.astream`.

No Python thread is started per call. The library calls back on one of its threads; the ctypes
trampolines (two for the whole process, alive as long as the module) take the GIL themselves and
turn the result, or a batch of chunks (one JSON array: everything that arrived since the previous
batch), into Python objects there. A :class:`ChunkFlow` hands them on, to the event loop with
``loop.call_soon_threadsafe`` or to a queue a blocking iterator waits on, and pauses the library
while the reader is behind. Each started call is found again through the integer passed as its
``user_data``.

A call handle is freed by the completion callback, under the call's lock, so a cancel from the
awaiting task never touches a freed handle.
"""

from __future__ import annotations

import asyncio
import atexit
import collections
import itertools
import json
import queue
import threading
import weakref
from collections.abc import Iterator
from ctypes import byref, c_void_p, cast
from typing import Any, Callable, NamedTuple, Optional, Union

from ._errors import Error
from ._ffi import error_from_pointer, take_string
from ._native import CHUNKS_CALLBACK, DONE_CALLBACK, ErrorPtr, lib

#: ``llmwire_chunks_reply`` values.
_CONTINUE, _PAUSE, _ABORT = 0, 1, 2

JSONObject = dict[str, Any]


class StartedCall:
    """One call running on library threads: its handle, and where its results go.

    ``on_chunks(batch) -> reply`` and ``on_done(result, error)`` run on a library thread, with
    the GIL held.
    """

    def __init__(
        self,
        on_done: Callable[[Optional[JSONObject], Optional[BaseException]], None],
        on_chunks: Optional[Callable[[list[JSONObject]], int]] = None,
    ) -> None:
        self.on_done = on_done
        self.on_chunks = on_chunks
        # Re-entrant: a garbage-collected ChatStream cancels its call from wherever the collector
        # happens to run, which may be this thread while it holds the lock.
        self.lock = threading.RLock()
        self.handle: Optional[int] = None
        self.finished = False

    def cancel(self) -> None:
        """Cancels the call (a no-op once it reported). Safe from any thread."""
        with self.lock:
            if self.handle is not None and not self.finished:
                lib.llmwire_call_cancel(self.handle)

    def resume(self) -> None:
        """Ends a pause the chunk callback asked for."""
        with self.lock:
            if self.handle is not None and not self.finished:
                lib.llmwire_call_resume(self.handle)


_calls: dict[int, StartedCall] = {}
_ids = itertools.count(1)
_calls_lock = threading.Lock()


def _done(call: Any, status: int, response: Any, error: Any, user_data: Any) -> None:
    # The call leaves `_calls` only as the callback's last step: until then, the exit handler
    # below waits for it, so that no library thread is still in here (and about to take the GIL
    # again) when the interpreter shuts down. A thread that asks for the GIL during shutdown is
    # ended with a forced unwind, which the library's panic boundary cannot let through.
    key = user_data or 0
    try:
        with _calls_lock:
            started = _calls.get(key)
        result: Optional[JSONObject] = None
        failure: Optional[BaseException] = None
        try:
            if status == 0:
                result = json.loads(take_string(c_void_p(response)))
            else:
                failure = error_from_pointer(cast(error, ErrorPtr) if error else ErrorPtr(), status)
        except BaseException as unexpected:  # delivered to the caller, never into the library
            failure = unexpected
        if started is None:  # cannot happen; free what there is
            lib.llmwire_call_free(call)
            return
        with started.lock:
            started.finished = True
            lib.llmwire_call_free(call)
        try:
            started.on_done(result, failure)
        except BaseException:
            pass  # a closed loop: nobody is waiting any more
    finally:
        with _calls_lock:
            _calls.pop(key, None)


def _chunks(call: Any, chunks_json: Optional[bytes], count: int, user_data: Any) -> int:
    started = _calls.get(user_data or 0)
    if started is None or started.on_chunks is None:
        return _ABORT
    try:
        return started.on_chunks(json.loads(chunks_json or b"[]"))
    except BaseException:
        return _ABORT


# Alive for the life of the process: a call may report at any time.
_DONE_TRAMPOLINE = DONE_CALLBACK(_done)
_CHUNKS_TRAMPOLINE = CHUNKS_CALLBACK(_chunks)


def start(
    client_handle: Any,
    body: bytes,
    started: StartedCall,
    max_buffered_chunks: Optional[int] = None,
) -> None:
    """Starts ``body`` as a chat (or, with ``max_buffered_chunks``, a stream); raises on failure."""
    call_id = next(_ids)
    with _calls_lock:
        _calls[call_id] = started
    handle = c_void_p()
    error = ErrorPtr()
    with started.lock:  # so that a fast completion waits until the handle is recorded
        if max_buffered_chunks is None:
            status = lib.llmwire_chat_start(
                client_handle, body, _DONE_TRAMPOLINE, call_id, byref(handle), byref(error)
            )
        else:
            status = lib.llmwire_chat_stream_start(
                client_handle,
                body,
                max_buffered_chunks,
                _CHUNKS_TRAMPOLINE,
                _DONE_TRAMPOLINE,
                call_id,
                byref(handle),
                byref(error),
            )
        if status == 0:
            started.handle = handle.value
    if status != 0:
        with _calls_lock:
            _calls.pop(call_id, None)
        raise error_from_pointer(error, status)


def _cancel_all_at_exit() -> None:
    """At interpreter exit, cancel what still runs, and give it a moment to report, so that no
    library thread calls into an interpreter that is shutting down."""
    with _calls_lock:
        running = list(_calls.values())
    for started in running:
        started.cancel()
    deadline = 2.0
    step = 0.01
    while deadline > 0:
        with _calls_lock:
            if not _calls:
                return
        threading.Event().wait(step)
        deadline -= step


atexit.register(_cancel_all_at_exit)


def settle(
    loop: asyncio.AbstractEventLoop,
    future: asyncio.Future[Any],
) -> Callable[[Optional[JSONObject], Optional[BaseException]], None]:
    """A completion handler that settles ``future`` on its loop's thread."""

    def settle_now(result: Optional[JSONObject], error: Optional[BaseException]) -> None:
        if future.done():  # the awaiting task was cancelled
            return
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)

    def on_done(result: Optional[JSONObject], error: Optional[BaseException]) -> None:
        loop.call_soon_threadsafe(settle_now, result, error)

    return on_done


class StreamEnd(NamedTuple):
    """How a started stream ended: the assembled completion, or the exception to raise."""

    response: Optional[JSONObject]
    error: Optional[BaseException]


#: What a started stream hands its reader: a batch of chunk dicts, or, last, its end.
StreamItem = Union[list[JSONObject], StreamEnd]


class ChunkFlow:
    """The library's side of one started stream, shared by :class:`ChatStream` and
    :class:`AsyncChatStream`: batches and the end go to ``deliver`` (called on a library thread),
    and the count of chunks delivered but not yet read pauses and resumes the library.

    Holds no reference to its reader unless ``deliver`` does, so that a :class:`ChatStream`
    dropped unread can be collected (which cancels the call).
    """

    def __init__(self, max_buffered_chunks: int, deliver: Callable[[StreamItem], None]) -> None:
        self.max_buffered = max_buffered_chunks
        self._deliver = deliver
        self._lock = threading.Lock()
        self._unread = 0  # delivered and not yet read; changed on both threads
        self._paused = False
        self.stopped = False
        self.call = StartedCall(self._end_from_library, self._chunks_from_library)

    def _chunks_from_library(self, batch: list[JSONObject]) -> int:
        if self.stopped:
            return _ABORT
        with self._lock:
            self._unread += len(batch)
            pause = self._unread >= self.max_buffered
            if pause:
                self._paused = True
        try:
            self._deliver(batch)
        except RuntimeError:
            return _ABORT  # an event loop that is closed: nobody reads any more
        return _PAUSE if pause else _CONTINUE

    def _end_from_library(
        self, response: Optional[JSONObject], error: Optional[BaseException]
    ) -> None:
        self._deliver(StreamEnd(response, error))

    def read(self, count: int) -> None:
        """The reader is done with ``count`` chunks; resumes a paused library once half the
        buffer is free. ``llmwire_call_resume`` also undoes a pause the library is just asking
        for, so a resume racing the chunk callback is never lost."""
        with self._lock:
            self._unread -= count
            resume = self._paused and self._unread <= self.max_buffered // 2
            if resume:
                self._paused = False
        if resume:
            self.call.resume()

    def stop(self) -> None:
        """The reader is gone: cancel the call if it still runs, refuse further chunks."""
        self.stopped = True
        self.call.cancel()


_NO_CHUNK: Any = None  # what next() on an exhausted batch gives: chunks are dicts, never None


class _StreamReader:
    """What the two stream iterators share: the batch being read, the recorded end, and the
    cancel that comes with garbage collection.

    Nothing the library side holds (the call registry, the flow) refers to the reader, so a
    stream dropped before its end is collected, and that cancels its call.
    """

    def __init__(self, flow: ChunkFlow) -> None:
        self._flow = flow
        self._batch: Iterator[JSONObject] = iter(())
        self._closed = False  # closed early, or the end was read
        self._response: Optional[JSONObject] = None
        self._error: Optional[BaseException] = None
        self._cancel_when_dropped = weakref.finalize(self, flow.stop)

    def _open(self, item: StreamItem) -> bool:
        """Makes ``item`` the batch to read (True), or records the end (False; raises the
        stream's error, if it failed).

        A batch counts as read once it is taken: the library, resumed now rather than when the
        batch is used up, reads on meanwhile instead of waiting for the reader to come back, and
        this side holds at most ``max_buffered_chunks`` waiting plus the batch being read.
        """
        if isinstance(item, list):
            self._batch = iter(item)
            self._flow.read(len(item))
            return True
        self._closed = True
        self._cancel_when_dropped.detach()
        self._response, self._error = item.response, item.error
        if item.error is not None:
            raise item.error
        return False

    def _stop(self) -> None:
        """Closes the reader early: cancels the call if it still runs. Idempotent."""
        self._cancel_when_dropped.detach()
        if not self._closed:
            self._closed = True
            self._batch = iter(())
            self._flow.stop()

    @property
    def response(self) -> JSONObject:
        """The assembled completion (content, tool calls, usage, and the ``"llmwire"`` report).

        Available once the iterator is exhausted; raises ``RuntimeError`` before that, or when
        the stream failed or was closed early.
        """
        if self._response is not None:
            return self._response
        if self._error is not None:
            raise RuntimeError("the stream failed; there is no completion") from self._error
        if self._closed:
            raise RuntimeError("the stream was closed before it completed")
        raise RuntimeError("the stream has not completed yet: iterate it to the end first")

    def _state(self) -> str:
        if self._response is not None:
            return "completed"
        if self._error is not None:
            return "failed"
        return "closed" if self._closed else "running"


class ChatStream(_StreamReader, Iterator[JSONObject]):
    """The iterator returned by :meth:`Client.stream`: chunk dicts, then :attr:`response`.

    The call starts on the first ``next()``, on the library's threads (no Python thread): chunks
    arrive in batches through a queue the iterator blocks on (a Ctrl-C still interrupts it, and
    cancels the call). At most ``max_buffered_chunks`` wait in the queue besides the batch being
    read; past that the library pauses, and stops reading the response once as many wait on its
    side, until the reader catches up. Also a context manager: leaving the ``with`` block,
    :meth:`close`, an exception from the wait, or garbage collection cancels the call if it still
    runs.
    """

    def __init__(self, start: Callable[[ChunkFlow], None], max_buffered_chunks: int) -> None:
        self._queue: queue.SimpleQueue[StreamItem] = queue.SimpleQueue()
        super().__init__(ChunkFlow(max_buffered_chunks, self._queue.put))
        self._start: Optional[Callable[[ChunkFlow], None]] = start

    def __iter__(self) -> ChatStream:
        return self

    def __next__(self) -> JSONObject:
        chunk = next(self._batch, _NO_CHUNK)
        if chunk is not _NO_CHUNK:
            return chunk
        while not self._closed:
            if self._start is not None:
                start, self._start = self._start, None
                try:
                    start(self._flow)
                except BaseException:
                    self._stop()  # nothing to cancel: the call did not start
                    raise
            try:
                item = self._queue.get()
            except BaseException:  # KeyboardInterrupt, or whatever else a signal handler raised
                self.close()
                raise
            if self._closed:  # closed from another thread during the wait: the call was cancelled
                break
            if not self._open(item):
                break
            chunk = next(self._batch, _NO_CHUNK)
            if chunk is not _NO_CHUNK:
                return chunk
        raise StopIteration

    def close(self) -> None:
        """Stops reading; cancels the call if it is still running. Idempotent."""
        self._start = None
        self._stop()

    def __enter__(self) -> ChatStream:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "not started" if self._start is not None else self._state()
        return f"<llmwire.ChatStream {state}>"


class _Inbox:
    """Where a started stream's batches and end wait for an :class:`AsyncChatStream`, handed over
    on its event loop's thread. The library side holds this rather than the stream."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.items: collections.deque[StreamItem] = collections.deque()
        self.waiter: Optional[asyncio.Future[None]] = None

    def deliver(self, item: StreamItem) -> None:
        """On a library thread; raises ``RuntimeError`` once the loop is closed."""
        self.loop.call_soon_threadsafe(self._accept, item)

    def _accept(self, item: StreamItem) -> None:
        self.items.append(item)
        waiter, self.waiter = self.waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_result(None)


class AsyncChatStream(_StreamReader):
    """The async iterator returned by :meth:`Client.astream`: chunk dicts, then :attr:`response`.

    Chunks arrive in batches (everything the library buffered since the previous batch). At most
    ``max_buffered_chunks`` wait here besides the batch being read; past that the library pauses,
    and stops reading the response once as many wait on its side, until the reader catches up.
    Also an async context manager: leaving ``async with``, :meth:`aclose`, or garbage collection
    cancels the call if it still runs.
    """

    def __init__(self, max_buffered_chunks: int) -> None:
        self._inbox = _Inbox(asyncio.get_running_loop())
        super().__init__(ChunkFlow(max_buffered_chunks, self._inbox.deliver))
        self.call = self._flow.call

    def __aiter__(self) -> AsyncChatStream:
        return self

    async def __anext__(self) -> JSONObject:
        chunk = next(self._batch, _NO_CHUNK)
        if chunk is not _NO_CHUNK:
            return chunk
        inbox = self._inbox
        while not self._closed:
            if not inbox.items:
                inbox.waiter = inbox.loop.create_future()
                try:
                    await inbox.waiter
                except asyncio.CancelledError:
                    self._flow.stop()
                    raise
                continue
            if not self._open(inbox.items.popleft()):
                break
            chunk = next(self._batch, _NO_CHUNK)
            if chunk is not _NO_CHUNK:
                return chunk
        raise StopAsyncIteration

    async def aclose(self) -> None:
        """Stops reading; cancels the call if it still runs. Idempotent."""
        self._inbox.items.clear()
        self._stop()

    async def __aenter__(self) -> AsyncChatStream:
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        await self.aclose()

    def __repr__(self) -> str:
        return f"<llmwire.AsyncChatStream {self._state()}>"


def set_max_threads(max_threads: int) -> None:
    """Sets the cap on the library's threads for started calls (process-wide; default 512).

    Past the cap, calls wait in a queue, and the wait counts against their ``deadline_ms``.
    """
    if not isinstance(max_threads, int) or max_threads < 1:
        raise ValueError("max_threads must be a positive int")
    error = ErrorPtr()
    status = lib.llmwire_pool_set_max_threads(max_threads, byref(error))
    if status != 0:
        raise error_from_pointer(error, status)


def max_threads() -> int:
    """The cap on the library's threads for started calls (see :func:`set_max_threads`)."""
    return int(lib.llmwire_pool_max_threads())


__all__ = [
    "AsyncChatStream",
    "ChatStream",
    "ChunkFlow",
    "Error",
    "StartedCall",
    "StreamEnd",
    "max_threads",
    "set_max_threads",
    "start",
]
