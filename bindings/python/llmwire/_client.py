"""The client, its cancel tokens and its stream iterator.

A :class:`Client` wraps one ``llmwire_client``: every call goes through the library, which
validates, sends, classifies and retries. This module only turns that into Python idiom: a
context manager, an iterator fed by a worker thread, an awaitable, exceptions.
"""

from __future__ import annotations

import asyncio
import json
import logging
import queue
import sys
import threading
import weakref
from collections.abc import Iterator, Mapping
from ctypes import byref, c_void_p
from types import TracebackType
from typing import Any, Callable, Literal, Optional, Union, overload
from urllib.parse import urlsplit, urlunsplit

from ._errors import Error
from ._ffi import call_for_string, encode_json, encode_text, error_from_pointer, take_string
from ._native import CHUNK_CALLBACK, EVENT_CALLBACK, INTERRUPT_CHECK, ClientPtr, ErrorPtr, lib

_log = logging.getLogger("llmwire")

#: A JSON object as Python sees it.
JSONObject = dict[str, Any]
#: An event callback: receives each event (a dict) on the thread making the call.
EventCallback = Callable[[JSONObject], None]


class CancelToken:
    """A cancel handle for one or more calls.

    Pass it as ``cancel=`` to :meth:`Client.chat`, :meth:`Client.stream` or :meth:`Client.achat`;
    :meth:`cancel` (from any thread) stops every call using it, now and later, whatever it is
    doing (resolving, connecting, sending, waiting, reading, or waiting to retry), within a few
    milliseconds. The call then raises :class:`llmwire.Cancelled`; it is never a success. Once
    cancelled, a token stays cancelled.
    """

    def __init__(self) -> None:
        handle = lib.llmwire_cancel_new()
        if not handle:
            raise MemoryError("llmwire_cancel_new returned NULL")
        self._handle = handle
        self._lock = threading.Lock()
        self._cancelled = False
        # Tokens made for one call (a stream, an achat) that must be cancelled with this one.
        self._linked: set[CancelToken] = set()
        # Calls hold a reference to their token, so it is freed only after they returned. Not at
        # interpreter exit: a daemon thread may still be inside a call that uses it.
        finalizer = weakref.finalize(self, lib.llmwire_cancel_free, handle)
        finalizer.atexit = False

    def cancel(self) -> None:
        """Cancels every call using this token. Idempotent; safe from any thread."""
        with self._lock:
            self._cancelled = True
            linked = list(self._linked)
        lib.llmwire_cancel_trigger(self._handle)
        for token in linked:
            token.cancel()

    @property
    def cancelled(self) -> bool:
        """Whether :meth:`cancel` was called."""
        return self._cancelled

    def _link(self, token: CancelToken) -> None:
        """Makes ``token`` cancelled whenever this one is (at once, if it already is)."""
        with self._lock:
            if not self._cancelled:
                self._linked.add(token)
                return
        token.cancel()

    def _unlink(self, token: CancelToken) -> None:
        with self._lock:
            self._linked.discard(token)

    def __repr__(self) -> str:
        state = "cancelled" if self._cancelled else "active"
        return f"<llmwire.CancelToken {state}>"


def _check_token(cancel: Optional[CancelToken]) -> None:
    if cancel is not None and not isinstance(cancel, CancelToken):
        raise TypeError(
            f"cancel must be an llmwire.CancelToken or None, not {type(cancel).__name__}"
        )


def _public_url(url: Any) -> str:
    """A URL without user info, query or fragment, which may hold secrets (e.g. ``?key=``)."""
    try:
        parts = urlsplit(str(url))
        host = parts.hostname or ""
        if parts.port is not None:
            host = f"{host}:{parts.port}"
        return urlunsplit((parts.scheme, host, parts.path, "", ""))
    except ValueError:
        return "<unparseable>"


class Client:
    """A thread-safe chat-completions client.

    Keyword arguments are the client configuration's keys (``provider``, ``base_url``,
    ``api_key``, ``api_key_env``, ``model``, ``headers``, ``timeouts``, ``retry``, ``validation``,
    ``max_response_bytes``, ``proxy``, ``ca_certs_pem``, ``user_agent``); an unknown key or a bad
    value raises :class:`llmwire.InvalidConfig` naming it. The API key is read once, here.

    Any number of threads may call one client at once; they share its connection pool, retry
    budget and metrics. Use it as a context manager, or call :meth:`close`::

        with llmwire.Client(base_url="http://127.0.0.1:8080/v1", model="m") as client:
            reply = client.chat({"messages": [{"role": "user", "content": "Hi"}]})
    """

    def __init__(self, **config: Any) -> None:
        self._closed = True  # until the handle exists, so __del__ has nothing to free
        config_json = encode_json(config, "the client configuration")
        handle = ClientPtr()
        error = ErrorPtr()
        status = lib.llmwire_client_new(config_json, byref(handle), byref(error))
        if status != 0:
            raise error_from_pointer(error, status)
        self._handle: Optional[Any] = handle
        self._lock = threading.Lock()
        self._active = 0
        self._closed = False
        # Every event callback ever installed stays alive until the handle is freed: a call
        # running on another thread may still be inside the one that was just replaced.
        self._event_callbacks: list[Any] = []
        # What repr shows: the settings given that cannot hold a secret (URLs lose user info and
        # query, where keys hide).
        shown = {key: config[key] for key in ("provider", "base_url", "model") if key in config}
        if "base_url" in shown:
            shown["base_url"] = _public_url(shown["base_url"])
        self._description = "".join(f" {key}={value!r}" for key, value in shown.items())

    # -- lifetime ---------------------------------------------------------------------------

    def close(self) -> None:
        """Frees the client. Calls still running finish first; new calls raise ``ValueError``.

        Idempotent. Called by ``with`` and when the client is garbage-collected.
        """
        with self._lock:
            if self._closed:
                return
            self._closed = True
            handle = self._take_handle_if_idle()
        if handle is not None:
            lib.llmwire_client_free(handle)

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` was called."""
        return self._closed

    def __enter__(self) -> Client:
        return self

    def __exit__(
        self,
        exc_type: Optional[type[BaseException]],
        exc: Optional[BaseException],
        traceback: Optional[TracebackType],
    ) -> None:
        self.close()

    def __del__(self) -> None:
        if not getattr(self, "_closed", True):
            self.close()

    def __repr__(self) -> str:
        state = " closed" if self._closed else ""
        return f"<llmwire.Client{self._description}{state}>"

    def _enter(self) -> Any:
        """Marks a call as running and returns the handle; raises if the client is closed."""
        with self._lock:
            if self._closed:
                raise ValueError("this llmwire.Client is closed")
            self._active += 1
            return self._handle

    def _leave(self) -> None:
        """Marks a call as finished; the last one after :meth:`close` frees the handle."""
        with self._lock:
            self._active -= 1
            handle = self._take_handle_if_idle() if self._closed else None
        if handle is not None:
            lib.llmwire_client_free(handle)

    def _take_handle_if_idle(self) -> Optional[Any]:
        # Called with the lock held.
        if self._active or self._handle is None:
            return None
        handle, self._handle = self._handle, None
        return handle

    # -- calls ------------------------------------------------------------------------------

    def chat(
        self, request: Mapping[str, Any], *, cancel: Optional[CancelToken] = None
    ) -> JSONObject:
        """Sends a chat-completions request and returns the completion.

        ``request`` is the provider API's request object (``messages``, ``model``, ``tools``, …);
        without ``model`` the client's is used. The completion has an extra ``"llmwire"`` key
        with the attempts, repairs and warnings. Failures raise a :class:`llmwire.Error`
        subclass. Blocks the calling thread (with the GIL released) until the call ends.
        """
        body = encode_json(request, "request")
        _check_token(cancel)
        return self._chat_encoded(body, cancel)

    def _chat_encoded(self, body: bytes, cancel: Optional[CancelToken]) -> JSONObject:
        if threading.get_ident() == _MAIN_THREAD_ID and _interrupts.usable:
            return self._chat_interruptible(body, cancel)
        handle = self._enter()
        try:
            text = call_for_string(
                lib.llmwire_chat, handle, body, cancel._handle if cancel is not None else None
            )
        finally:
            self._leave()
        result: JSONObject = json.loads(text)
        return result

    def _chat_interruptible(self, body: bytes, cancel: Optional[CancelToken]) -> JSONObject:
        """A sync call on the main thread, which a Ctrl-C (``KeyboardInterrupt``) stops.

        See :class:`_Interrupts` for how the signal reaches the blocked call.
        """
        token = _interrupts.token(cancel)
        previous_hook = sys.unraisablehook
        sys.unraisablehook = _interrupts.unraisable
        handle = self._enter()
        try:
            text = call_for_string(lib.llmwire_chat, handle, body, token._handle)
        except Error:
            _interrupts.raise_pending()
            raise
        finally:
            self._leave()
            sys.unraisablehook = previous_hook
            if cancel is not None:
                cancel._unlink(token)
        _interrupts.raise_pending()
        result: JSONObject = json.loads(text)
        return result

    def stream(
        self,
        request: Mapping[str, Any],
        *,
        cancel: Optional[CancelToken] = None,
        max_buffered_chunks: int = 64,
    ) -> ChatStream:
        """Streams a request: returns an iterator of ``chat.completion.chunk`` dicts.

        The call starts on the first ``next()``, in a worker thread; chunks reach the iterator
        through a queue of at most ``max_buffered_chunks`` (a slow consumer slows the reading).
        A failure raises from the iterator, after the chunks that came before it. When the
        iterator is exhausted, :attr:`ChatStream.response` is the assembled completion.
        Abandoning the iterator (``break`` inside ``with``, :meth:`ChatStream.close`, or garbage
        collection) cancels the call. ::

            with client.stream(request) as chunks:
                for chunk in chunks:
                    print(chunk["choices"][0]["delta"].get("content") or "", end="")
            completion = chunks.response
        """
        body = encode_json(request, "request")
        _check_token(cancel)
        if not isinstance(max_buffered_chunks, int) or max_buffered_chunks < 1:
            raise ValueError("max_buffered_chunks must be a positive int")
        return ChatStream(_StreamCall(self, body, cancel, max_buffered_chunks))

    async def achat(
        self, request: Mapping[str, Any], *, cancel: Optional[CancelToken] = None
    ) -> JSONObject:
        """Like :meth:`chat`, awaitable: the call runs in its own thread, never blocking the loop.

        Cancelling the awaiting task cancels the call (through a cancel token of its own, linked
        to ``cancel`` when one is given).
        """
        body = encode_json(request, "request")
        _check_token(cancel)
        token = CancelToken()
        if cancel is not None:
            cancel._link(token)
        loop = asyncio.get_running_loop()
        future: asyncio.Future[JSONObject] = loop.create_future()

        def run() -> None:
            try:
                outcome: tuple[Optional[JSONObject], Optional[BaseException]] = (
                    self._chat_encoded(body, token),
                    None,
                )
            except BaseException as error:  # delivered to the awaiting task
                outcome = (None, error)
            try:
                loop.call_soon_threadsafe(_settle, future, *outcome)
            except RuntimeError:
                pass  # the loop is closed: nobody is waiting any more

        threading.Thread(target=run, name="llmwire-achat", daemon=True).start()
        try:
            return await future
        except asyncio.CancelledError:
            token.cancel()
            raise
        finally:
            if cancel is not None:
                cancel._unlink(token)

    # -- observation ------------------------------------------------------------------------

    @overload
    def metrics(self, format: Literal["json"] = "json") -> JSONObject: ...

    @overload
    def metrics(self, format: Literal["prometheus"]) -> str: ...

    def metrics(self, format: str = "json") -> Union[JSONObject, str]:
        """The client's metrics: calls, attempts, outcomes and retries by class, time slept,
        retry-budget level. ``format="json"`` gives a dict, ``"prometheus"`` the text format.
        """
        format_c = encode_text(format, "format")
        handle = self._enter()
        try:
            text = call_for_string(lib.llmwire_client_metrics, handle, format_c)
        finally:
            self._leave()
        if format == "json":
            metrics: JSONObject = json.loads(text)
            return metrics
        return text

    def on_event(self, callback: Optional[EventCallback]) -> Optional[EventCallback]:
        """Installs ``callback`` to receive one event dict per attempt outcome (``None`` removes it).

        Events carry the call id, attempt number, class, HTTP status, timings, the decision and
        delay, the stop reason and the message; never a key or a request body. The callback runs
        on the thread making the call, possibly on several threads at once, and must not call
        this client. An exception it raises is logged (logger ``"llmwire"``) and ignored.
        Returns ``callback``, so it can be used as a decorator.
        """
        if callback is not None and not callable(callback):
            raise TypeError(f"callback must be callable or None, not {type(callback).__name__}")
        # EVENT_CALLBACK() with no argument is the NULL function pointer, which removes it.
        native = EVENT_CALLBACK(_event_trampoline(callback) if callback is not None else 0)
        handle = self._enter()
        try:
            if callback is not None:
                self._event_callbacks.append(native)
            error = ErrorPtr()
            status = lib.llmwire_client_set_event_callback(handle, native, None, byref(error))
            if status != 0:
                raise error_from_pointer(error, status)
        finally:
            self._leave()
        return callback


_MAIN_THREAD_ID = threading.main_thread().ident


class _Interrupts:
    """Delivers a Ctrl-C (or any exception a signal handler raises) to a sync call on the main
    thread, within about 20 ms, while the library is blocked in it.

    Python runs signal handlers only on the main thread, between bytecodes, so a thread blocked in
    a foreign call never sees them. The call's cancel token therefore carries an interrupt check
    (``llmwire_cancel_set_interrupt_check``) that the library runs every 10 ms while blocked.
    Running it runs Python code, so a pending handler runs too; the exception it raises
    (``KeyboardInterrupt``) escapes the check, where ctypes can only report it to
    ``sys.unraisablehook``: for the duration of the call that hook is :meth:`unraisable`, which
    keeps the exception. The next check then returns 1, the library cancels the call, and the
    exception is raised from :meth:`Client.chat` instead of :class:`llmwire.Cancelled`.

    The cost when nothing happens: two assignments of ``sys.unraisablehook`` per call.
    """

    def __init__(self) -> None:
        self.usable = lib.has("llmwire_cancel_set_interrupt_check")
        self.pending: Optional[BaseException] = None
        self.check = INTERRUPT_CHECK(self._check)
        self._shared: Optional[CancelToken] = None

    def _check(self, _user_data: Any) -> int:
        return 0 if self.pending is None else 1

    def unraisable(self, unraisable: Any) -> None:
        """``sys.unraisablehook`` during a call: keeps what escaped the check, passes the rest on."""
        traceback = unraisable.exc_traceback
        while traceback is not None:
            if traceback.tb_frame.f_code is _Interrupts._check.__code__:
                if self.pending is None:
                    self.pending = unraisable.exc_value
                return
            traceback = traceback.tb_next
        sys.__unraisablehook__(unraisable)

    def _armed(self) -> CancelToken:
        token = CancelToken()
        lib.llmwire_cancel_set_interrupt_check(token._handle, self.check, None)
        return token

    def token(self, cancel: Optional[CancelToken]) -> CancelToken:
        """The token for one call: the shared one, or one linked to the caller's ``cancel``."""
        if cancel is not None:
            token = self._armed()
            cancel._link(token)
            return token
        if self._shared is None:
            self._shared = self._armed()
        return self._shared

    def raise_pending(self) -> None:
        """Raises what a signal handler raised during the call, if anything."""
        pending, self.pending = self.pending, None
        if pending is not None:
            self._shared = None  # the library cancelled it: the next call needs a fresh one
            raise pending from None


_interrupts = _Interrupts()


def _event_trampoline(callback: EventCallback) -> Callable[[Optional[bytes], Any], None]:
    def trampoline(event_json: Optional[bytes], _user_data: Any) -> None:
        # Nothing may propagate into the library: ctypes would print it and carry on anyway.
        try:
            callback(json.loads(event_json or b"{}"))
        except BaseException:
            _log.exception("llmwire: the event callback %r raised; ignored", callback)

    return trampoline


def _settle(
    future: asyncio.Future[JSONObject],
    result: Optional[JSONObject],
    error: Optional[BaseException],
) -> None:
    if future.done():  # the awaiting task was cancelled
        return
    if error is not None:
        future.set_exception(error)
    else:
        assert result is not None
        future.set_result(result)


_CHUNK = "chunk"
_DONE = "done"
_FAILED = "failed"


class _StreamCall:
    """One streaming call: the worker thread and what it shares with the iterator.

    Holds no reference to the :class:`ChatStream`, so abandoning the iterator lets it be
    collected, which cancels the call.
    """

    def __init__(
        self,
        client: Client,
        body: bytes,
        cancel: Optional[CancelToken],
        max_buffered_chunks: int,
    ) -> None:
        self.client = client
        self.body = body
        self.user_token = cancel
        self.token = CancelToken()
        self.queue: queue.Queue[tuple[str, Any]] = queue.Queue(max_buffered_chunks)
        self.abandoned = False
        self.started = False
        self.thread: Optional[threading.Thread] = None
        self.callback_error: Optional[BaseException] = None
        self.on_chunk = CHUNK_CALLBACK(self._on_chunk)

    def start(self) -> None:
        handle = self.client._enter()
        self.started = True
        if self.user_token is not None:
            self.user_token._link(self.token)
        try:
            self.thread = threading.Thread(
                target=self._run, args=(handle,), name="llmwire-stream", daemon=True
            )
            self.thread.start()
        except BaseException:
            self._finish()
            raise

    def _on_chunk(self, chunk_json: Optional[bytes], _user_data: Any) -> int:
        # A cancelled token also stops the stream here, at the next chunk: the library checks its
        # cancel handle between attempts and reads, but not between the chunks of one stream.
        if self.abandoned or self.token.cancelled:
            return 1
        try:
            chunk = json.loads(chunk_json or b"null")
        except BaseException as error:
            self.callback_error = error
            return 1
        self.queue.put((_CHUNK, chunk))
        return 1 if self.abandoned else 0

    def _run(self, handle: Any) -> None:
        outcome: tuple[str, Any]
        try:
            out = c_void_p()
            error = ErrorPtr()
            status = lib.llmwire_chat_stream(
                handle, self.body, self.token._handle, self.on_chunk, None, byref(out), byref(error)
            )
            if status != 0:
                failure = error_from_pointer(error, status)
                outcome = (_FAILED, self.callback_error or failure)
            else:
                outcome = (_DONE, json.loads(take_string(out)))
        except BaseException as unexpected:
            outcome = (_FAILED, unexpected)
        finally:
            self._finish()
        if not self.abandoned:
            self.queue.put(outcome)

    def _finish(self) -> None:
        self.client._leave()
        if self.user_token is not None:
            self.user_token._unlink(self.token)

    def abandon(self) -> None:
        """The consumer is gone: stop the call and unblock the worker."""
        self.abandoned = True
        if self.started:
            self.token.cancel()
        # After `abandoned` is set the worker adds at most one more item, so emptying the queue
        # once guarantees it never blocks on a full queue again.
        while True:
            try:
                self.queue.get_nowait()
            except queue.Empty:
                break


class ChatStream(Iterator[JSONObject]):
    """The iterator returned by :meth:`Client.stream`: chunk dicts, then :attr:`response`.

    Also a context manager: leaving the ``with`` block closes the stream, which cancels the
    call if it is still running.
    """

    def __init__(self, call: _StreamCall) -> None:
        self._call = call
        self._finished = False
        self._response: Optional[JSONObject] = None
        self._error: Optional[BaseException] = None
        self._abandon = weakref.finalize(self, call.abandon)

    def __iter__(self) -> ChatStream:
        return self

    def __next__(self) -> JSONObject:
        if self._finished:
            raise StopIteration
        call = self._call
        if not call.started:
            call.start()
        kind, value = call.queue.get()
        if kind == _CHUNK:
            chunk: JSONObject = value
            return chunk
        self._finished = True
        self._abandon.detach()
        if kind == _DONE:
            self._response = value
            raise StopIteration
        self._error = value
        raise value

    def close(self) -> None:
        """Stops reading; cancels the call if it is still running. Idempotent."""
        if not self._finished:
            self._finished = True
            self._abandon()

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
        if self._finished:
            raise RuntimeError("the stream was closed before it completed")
        raise RuntimeError("the stream has not completed yet: iterate it to the end first")

    def __enter__(self) -> ChatStream:
        return self

    def __exit__(
        self,
        exc_type: Optional[type[BaseException]],
        exc: Optional[BaseException],
        traceback: Optional[TracebackType],
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        if self._response is not None:
            state = "completed"
        elif self._error is not None:
            state = "failed"
        elif self._finished:
            state = "closed"
        else:
            state = "running" if self._call.started else "not started"
        return f"<llmwire.ChatStream {state}>"


__all__ = ["CancelToken", "ChatStream", "Client", "Error", "EventCallback", "JSONObject"]
