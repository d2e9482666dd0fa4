"""The client, its cancel tokens and its stream iterator.

A :class:`Client` wraps one ``llmwire_client``: every call goes through the library, which
validates, sends, classifies and retries. This module only turns that into Python idiom: a
context manager, iterators and awaitables (from :mod:`llmwire._started`), exceptions.
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import sys
import threading
import weakref
from collections.abc import Mapping
from ctypes import byref
from types import TracebackType
from typing import Any, Callable, Literal, Optional, Union, overload
from urllib.parse import urlsplit, urlunsplit

from ._errors import Error
from ._ffi import call_for_string, encode_json, encode_text, error_from_pointer
from . import _started
from ._started import ChatStream
from ._native import EVENT_CALLBACK, INTERRUPT_CHECK, ClientPtr, ErrorPtr, lib

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
        # What must be cancelled with this token: tokens made for one call (a stream), or calls
        # started on the library's threads (achat, astream). Anything with a ``cancel()``.
        self._linked: set[Any] = set()
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

    def _link(self, token: Any) -> None:
        """Makes ``token`` cancelled whenever this one is (at once, if it already is)."""
        with self._lock:
            if not self._cancelled:
                self._linked.add(token)
                return
        token.cancel()

    def _unlink(self, token: Any) -> None:
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


def _stream_arguments(
    request: Mapping[str, Any], cancel: Optional[CancelToken], max_buffered_chunks: Any
) -> bytes:
    """Checks a streaming call's arguments; returns the encoded request."""
    body = encode_json(request, "request")
    _check_token(cancel)
    if not isinstance(max_buffered_chunks, int) or max_buffered_chunks < 1:
        raise ValueError("max_buffered_chunks must be a positive int")
    return body


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
        # The installed event callback, and those it replaced while calls were running (one of
        # them may still be inside an old callback): released once no other call is running.
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

        The call starts on the first ``next()``, on the library's threads (no Python thread);
        chunks reach the iterator in batches, at most ``max_buffered_chunks`` waiting unread (a
        slow consumer then pauses the reading). A failure raises from the iterator, after the
        chunks that came before it. When the iterator is exhausted, :attr:`ChatStream.response`
        is the assembled completion. Abandoning the iterator (``break`` inside ``with``,
        :meth:`ChatStream.close`, a Ctrl-C while it waits, or garbage collection) cancels the
        call, as does ``cancel``. ::

            with client.stream(request) as chunks:
                for chunk in chunks:
                    print(chunk["choices"][0]["delta"].get("content") or "", end="")
            completion = chunks.response
        """
        body = _stream_arguments(request, cancel, max_buffered_chunks)
        return ChatStream(functools.partial(self._start_stream, body, cancel), max_buffered_chunks)

    async def achat(
        self, request: Mapping[str, Any], *, cancel: Optional[CancelToken] = None
    ) -> JSONObject:
        """Like :meth:`chat`, awaitable: the call runs on the library's own threads (no Python
        thread is started) and its result reaches the loop through ``call_soon_threadsafe``.

        Cancelling the awaiting task cancels the call, as does ``cancel`` when one is given.
        """
        body = encode_json(request, "request")
        _check_token(cancel)
        loop = asyncio.get_running_loop()
        future: asyncio.Future[JSONObject] = loop.create_future()
        settle = _started.settle(loop, future)

        def on_done(result: Optional[JSONObject], error: Optional[BaseException]) -> None:
            self._leave()
            settle(result, error)

        handle = self._enter()
        call = _started.StartedCall(on_done)
        try:
            _started.start(handle, body, call)
        except BaseException:
            self._leave()
            raise
        if cancel is not None:
            cancel._link(call)
        try:
            return await future
        except asyncio.CancelledError:
            call.cancel()
            raise
        finally:
            if cancel is not None:
                cancel._unlink(call)

    def astream(
        self,
        request: Mapping[str, Any],
        *,
        cancel: Optional[CancelToken] = None,
        max_buffered_chunks: int = 64,
    ) -> _started.AsyncChatStream:
        """Streams a request for ``async for``: chunk dicts as they arrive, then ``.response``.

        Call it from a running event loop. The call starts at once, on the library's threads (no
        Python thread); chunks arrive in batches, at most ``max_buffered_chunks`` wait unread (then
        the library pauses reading). A failure raises from the iterator after the chunks before
        it. Leaving ``async with`` early, :meth:`AsyncChatStream.aclose`, cancelling the task
        that awaits a chunk, or ``cancel`` cancels the call. ::

            async with client.astream(request) as chunks:
                async for chunk in chunks:
                    ...  # as for stream()
            completion = chunks.response
        """
        body = _stream_arguments(request, cancel, max_buffered_chunks)
        stream = _started.AsyncChatStream(max_buffered_chunks)
        self._start_stream(body, cancel, stream._flow)
        return stream

    def _start_stream(
        self, body: bytes, cancel: Optional[CancelToken], flow: _started.ChunkFlow
    ) -> None:
        """Starts a streaming call on the library's threads, feeding ``flow``; raises on failure."""
        call = flow.call
        deliver = call.on_done

        def on_done(result: Optional[JSONObject], error: Optional[BaseException]) -> None:
            self._leave()
            if cancel is not None:
                cancel._unlink(call)
            deliver(result, error)

        call.on_done = on_done
        handle = self._enter()
        try:
            _started.start(handle, body, call, flow.max_buffered)
        except BaseException:
            self._leave()
            raise
        if cancel is not None:
            cancel._link(call)

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
            error = ErrorPtr()
            status = lib.llmwire_client_set_event_callback(handle, native, None, byref(error))
            if status != 0:
                raise error_from_pointer(error, status)
            with self._lock:
                # From now on the library hands out the new callback only; an old one can still be
                # running only inside a call in progress. With none but this one, drop them all.
                if self._active == 1:
                    self._event_callbacks.clear()
                if callback is not None:
                    self._event_callbacks.append(native)
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


__all__ = ["CancelToken", "ChatStream", "Client", "Error", "EventCallback", "JSONObject"]
