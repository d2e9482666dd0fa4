"""Calls that run on the library's own threads (``llmwire_chat_start``,
``llmwire_chat_stream_start``): what :meth:`Client.achat` and :meth:`Client.astream` await.

No Python thread is started per call. The library calls back on one of its threads; the ctypes
trampolines (two for the whole process, alive as long as the module) take the GIL themselves,
turn the result into Python objects there, and hand them to the event loop with
``loop.call_soon_threadsafe``. Each started call is found again through the integer passed as its
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
import threading
from ctypes import byref, c_void_p, cast
from typing import Any, Callable, Optional

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
        self.lock = threading.Lock()
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


class AsyncChatStream:
    """The async iterator returned by :meth:`Client.astream`: chunk dicts, then :attr:`response`.

    Chunks arrive in batches (everything the library buffered since the previous batch). At most
    ``max_buffered_chunks`` wait unread here; past that the library pauses, and stops reading the
    response once as many wait on its side, until the reader catches up. Also an async context
    manager: leaving ``async with`` (or :meth:`aclose`) cancels the call if it still runs.
    """

    def __init__(self, max_buffered_chunks: int) -> None:
        self._max_buffered = max_buffered_chunks
        self._loop = asyncio.get_running_loop()
        self._chunks: collections.deque[JSONObject] = collections.deque()
        self._lock = threading.Lock()
        self._unread = 0  # chunks accepted and not yet read, counted on both threads
        self._paused = False
        self._waiter: Optional[asyncio.Future[None]] = None
        self._finished = False
        self._closed = False
        self._response: Optional[JSONObject] = None
        self._error: Optional[BaseException] = None
        self.call = StartedCall(self._done_from_library, self._chunks_from_library)

    # -- library thread -----------------------------------------------------------------------

    def _chunks_from_library(self, batch: list[JSONObject]) -> int:
        if self._closed:
            return _ABORT
        with self._lock:
            self._unread += len(batch)
            pause = self._unread >= self._max_buffered
            self._paused = self._paused or pause
        try:
            self._loop.call_soon_threadsafe(self._accept, batch)
        except RuntimeError:
            return _ABORT  # the loop is closed
        return _PAUSE if pause else _CONTINUE

    def _done_from_library(self, result: Optional[JSONObject], error: Optional[BaseException]) -> None:
        self._loop.call_soon_threadsafe(self._finish, result, error)

    # -- loop thread --------------------------------------------------------------------------

    def _accept(self, batch: list[JSONObject]) -> None:
        if self._closed:
            return
        self._chunks.extend(batch)
        self._wake()

    def _finish(self, result: Optional[JSONObject], error: Optional[BaseException]) -> None:
        self._finished = True
        self._response = result
        self._error = error
        self._wake()

    def _wake(self) -> None:
        waiter, self._waiter = self._waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def __aiter__(self) -> AsyncChatStream:
        return self

    async def __anext__(self) -> JSONObject:
        while True:
            if self._chunks:
                chunk = self._chunks.popleft()
                with self._lock:
                    self._unread -= 1
                    resume = self._paused and self._unread <= self._max_buffered // 2
                    if resume:
                        self._paused = False
                if resume:
                    self.call.resume()
                return chunk
            if self._closed:
                raise StopAsyncIteration
            if self._finished:
                self._closed = True
                if self._error is not None:
                    raise self._error
                raise StopAsyncIteration
            self._waiter = self._loop.create_future()
            try:
                await self._waiter
            except asyncio.CancelledError:
                self.call.cancel()
                raise

    async def aclose(self) -> None:
        """Stops reading; cancels the call if it still runs. Idempotent."""
        if not self._closed:
            self._closed = True
            self._chunks.clear()
            self.call.cancel()

    async def __aenter__(self) -> AsyncChatStream:
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        await self.aclose()

    @property
    def response(self) -> JSONObject:
        """The assembled completion (with the ``"llmwire"`` report), once the iterator is exhausted.

        Raises ``RuntimeError`` before that, or when the stream failed or was closed early.
        """
        if self._response is not None:
            return self._response
        if self._error is not None:
            raise RuntimeError("the stream failed; there is no completion") from self._error
        if self._closed:
            raise RuntimeError("the stream was closed before it completed")
        raise RuntimeError("the stream has not completed yet: iterate it to the end first")

    def __repr__(self) -> str:
        if self._response is not None:
            state = "completed"
        elif self._error is not None:
            state = "failed"
        elif self._closed:
            state = "closed"
        else:
            state = "running"
        return f"<llmwire.AsyncChatStream {state}>"


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


__all__ = ["AsyncChatStream", "Error", "StartedCall", "max_threads", "set_max_threads", "start"]
