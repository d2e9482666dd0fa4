"""``OpenAI`` and ``AsyncOpenAI``: the official ``openai`` package's interface over llmwire.

Code written for the official package runs with its import changed to ``from llmwire import
OpenAI``: ``client.chat.completions.create(...)`` returns objects with the same attributes
(:mod:`llmwire._openai_types`), streams iterate chunks, and failures raise exceptions that answer
to the official names (``openai.RateLimitError`` …, see :mod:`llmwire._errors`). Underneath, every
call goes through an :class:`llmwire.Client` (its public ``chat``, ``stream`` and ``achat``), so
validation, classification, retries that honour server hints and metrics come with it; the
client is at :attr:`OpenAI.llmwire`.

This module only translates: constructor options into the client configuration, keyword
arguments into a request body, dicts into response objects.
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import AsyncIterator, Iterable, Iterator, Mapping
from typing import Any, Literal, Optional, TypeVar, Union, overload

from ._client import CancelToken, ChatStream, Client
from ._errors import Cancelled
from ._openai_types import ChatCompletion, ChatCompletionChunk, to_plain

#: What ``timeout`` accepts: seconds, ``None`` (llmwire's default), or an object with a ``read``
#: (and optionally ``connect``) or a ``timeout`` attribute in seconds, like ``httpx.Timeout``.
TimeoutLike = Union[float, int, None, Any]

_NOT_SUPPORTED = ("http_client", "default_query", "websocket_base_url")
_UNSET: Any = object()


def _seconds_to_ms(seconds: Any, what: str) -> int:
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not seconds > 0:
        raise ValueError(f"{what} must be a positive number of seconds, got {seconds!r}")
    return max(1, round(seconds * 1000))


def _timeouts(timeout: TimeoutLike) -> dict[str, int]:
    """The ``timeouts`` configuration for an official-style ``timeout`` value."""
    if timeout is None:
        return {}
    if isinstance(timeout, (int, float)) and not isinstance(timeout, bool):
        return {"attempt_ms": _seconds_to_ms(timeout, "timeout")}
    read = getattr(timeout, "read", _UNSET)
    if read is _UNSET:
        read = getattr(timeout, "timeout", _UNSET)
    if read is _UNSET:
        raise TypeError(
            "timeout must be seconds (a float), None, or an object with a 'read' or 'timeout' "
            f"attribute in seconds (like httpx.Timeout), not {type(timeout).__name__}"
        )
    config: dict[str, int] = {}
    if read is not None:
        config["attempt_ms"] = _seconds_to_ms(read, "timeout.read")
    connect = getattr(timeout, "connect", None)
    if connect is not None:
        config["connect_ms"] = _seconds_to_ms(connect, "timeout.connect")
    return config


def _merge(base: Mapping[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    """``base`` with ``extra`` over it, nested objects merged one level deep."""
    merged = dict(base)
    for key, value in extra.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = {**merged[key], **value}
        else:
            merged[key] = value
    return merged


class _Settings:
    """The constructor's options, kept so that ``with_options`` can derive a client."""

    def __init__(
        self,
        *,
        api_key: Optional[str],
        organization: Optional[str],
        project: Optional[str],
        base_url: Optional[str],
        timeout: TimeoutLike,
        max_retries: Optional[int],
        default_headers: Optional[Mapping[str, str]],
        provider: Optional[str],
        llmwire_config: Mapping[str, Any],
    ) -> None:
        for name in _NOT_SUPPORTED:
            if llmwire_config.get(name) is not None:
                raise TypeError(
                    f"llmwire.OpenAI does not support {name}=: llmwire makes its own HTTP "
                    "requests; put headers in default_headers and the full path in base_url"
                )
        official = provider in (None, "openai")
        self.api_key = api_key if api_key is not None else (
            os.environ.get("OPENAI_API_KEY") if official else None
        )
        self.organization = organization if organization is not None else (
            os.environ.get("OPENAI_ORG_ID") if official else None
        )
        self.project = project if project is not None else (
            os.environ.get("OPENAI_PROJECT_ID") if official else None
        )
        self.base_url = base_url if base_url is not None else (
            os.environ.get("OPENAI_BASE_URL") if official else None
        )
        if max_retries is not None and (
            isinstance(max_retries, bool) or not isinstance(max_retries, int) or max_retries < 0
        ):
            raise ValueError(f"max_retries must be an int >= 0, got {max_retries!r}")
        self.timeout = timeout
        self.max_retries = max_retries
        self.default_headers = dict(default_headers or {})
        self.provider = provider
        self.llmwire_config = {k: v for k, v in llmwire_config.items() if k not in _NOT_SUPPORTED}

    def replace(self, **changes: Any) -> _Settings:
        options: dict[str, Any] = {
            "api_key": self.api_key,
            "organization": self.organization,
            "project": self.project,
            "base_url": self.base_url,
            "timeout": self.timeout,
            "max_retries": self.max_retries,
            "default_headers": self.default_headers,
            "provider": self.provider,
            "llmwire_config": self.llmwire_config,
        }
        for key, value in changes.items():
            if value is _UNSET:
                continue
            if key == "default_headers":
                value = {**self.default_headers, **(value or {})}
            elif key == "llmwire_config":
                value = _merge(self.llmwire_config, value)
            options[key] = value
        return _Settings(**options)

    def client_config(
        self, timeout: TimeoutLike = _UNSET, headers: Optional[Mapping[str, str]] = None
    ) -> dict[str, Any]:
        """The :class:`llmwire.Client` configuration these options stand for."""
        config = dict(self.llmwire_config)
        for key, value in (("provider", self.provider), ("base_url", self.base_url), ("api_key", self.api_key)):
            if value is not None:
                config[key] = value
        sent_headers = dict(config.get("headers") or {})
        if self.organization:
            sent_headers["OpenAI-Organization"] = self.organization
        if self.project:
            sent_headers["OpenAI-Project"] = self.project
        sent_headers.update(self.default_headers)
        sent_headers.update(headers or {})
        if sent_headers:
            config["headers"] = sent_headers
        timeouts = _timeouts(self.timeout if timeout is _UNSET else timeout)
        if timeouts:
            config["timeouts"] = {**dict(config.get("timeouts") or {}), **timeouts}
        if self.max_retries is not None:
            config["retry"] = {**dict(config.get("retry") or {}), "max_attempts": self.max_retries + 1}
        return config


def _request_body(
    messages: Iterable[Any],
    model: Optional[str],
    params: Mapping[str, Any],
    extra_body: Optional[Mapping[str, Any]],
) -> dict[str, Any]:
    """The request body for ``create``'s arguments. ``None`` values are left out (the official
    package's "not given")."""
    # A string or a single message is sent as given, so that validation names what is wrong with
    # it, rather than taking its characters or keys for messages.
    if isinstance(messages, (str, Mapping)):
        plain: Any = to_plain(messages)
    else:
        plain = [to_plain(message) for message in messages]
    body: dict[str, Any] = {"messages": plain}
    if model is not None:
        body["model"] = model
    for key, value in params.items():
        if value is not None:
            body[key] = to_plain(value)
    if extra_body:
        body.update(to_plain(dict(extra_body)))
    return body


class _Transport:
    """The llmwire clients behind one ``OpenAI``: the main one, and one per distinct per-request
    ``timeout``/``extra_headers`` (made on first use, closed with the main one)."""

    def __init__(self, settings: _Settings) -> None:
        self.settings = settings
        self.main = Client(**settings.client_config())
        self._derived: dict[tuple[Any, ...], Client] = {}
        self._lock = threading.Lock()

    def client(self, timeout: TimeoutLike, extra_headers: Optional[Mapping[str, str]]) -> Client:
        if timeout is _UNSET and not extra_headers:
            return self.main
        headers = dict(extra_headers or {})
        key = (repr(timeout), tuple(sorted(headers.items())))
        with self._lock:
            client = self._derived.get(key)
            if client is None:
                client = Client(**self.settings.client_config(timeout, headers))
                self._derived[key] = client
            return client

    def close(self) -> None:
        with self._lock:
            derived, self._derived = list(self._derived.values()), {}
        for client in [self.main, *derived]:
            client.close()


class Stream(Iterator[ChatCompletionChunk]):
    """A streamed completion: iterate it for :class:`ChatCompletionChunk` objects.

    A context manager: leaving the ``with`` block (or :meth:`close`) stops the stream and cancels
    the call if it still runs. Once iterated to the end, :attr:`completion` is the assembled
    completion.
    """

    def __init__(self, chunks: ChatStream) -> None:
        self._chunks = chunks

    def __iter__(self) -> Stream:
        return self

    def __next__(self) -> ChatCompletionChunk:
        return ChatCompletionChunk(next(self._chunks))

    def close(self) -> None:
        """Stops reading; cancels the call if it still runs. Idempotent."""
        self._chunks.close()

    @property
    def completion(self) -> ChatCompletion:
        """The assembled completion (llmwire's addition); raises ``RuntimeError`` before the end."""
        return ChatCompletion(self._chunks.response)

    def __enter__(self) -> Stream:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


_DONE: Any = object()


class _ChunksInThreads:
    """``Client.stream``'s iterator for ``async for``: each chunk is awaited in a worker thread.

    Used only with a binding whose ``Client`` has no ``astream`` (which serves chunks without a
    Python thread); it has the same three members: ``__anext__``, ``aclose`` and ``response``.
    """

    def __init__(self, client: Client, body: dict[str, Any]) -> None:
        self._token = CancelToken()
        self._chunks = client.stream(body, cancel=self._token)

    async def __anext__(self) -> Any:
        try:
            chunk = await asyncio.get_running_loop().run_in_executor(None, next, self._chunks, _DONE)
        except asyncio.CancelledError:
            self._token.cancel()
            raise
        if chunk is _DONE:
            raise StopAsyncIteration
        return chunk

    async def aclose(self) -> None:
        # Through the token, not ChatStream.close(): a worker thread may be waiting for a chunk,
        # and a cancelled call always ends that wait.
        self._token.cancel()

    @property
    def response(self) -> Any:
        return self._chunks.response


class AsyncStream(AsyncIterator[ChatCompletionChunk]):
    """A streamed completion for ``async for``; an async context manager.

    The event loop never blocks. Leaving the ``async with`` block, :meth:`close`, or cancelling
    the iterating task cancels the call.
    """

    def __init__(self, client: Client, body: dict[str, Any]) -> None:
        astream = getattr(client, "astream", None)
        self._chunks: Any = astream(body) if astream is not None else _ChunksInThreads(client, body)
        self._closed = False

    def __aiter__(self) -> AsyncStream:
        return self

    async def __anext__(self) -> ChatCompletionChunk:
        if self._closed:
            raise StopAsyncIteration
        try:
            chunk = await self._chunks.__anext__()
        except Cancelled:
            if self._closed:  # closed by us while a chunk was awaited
                raise StopAsyncIteration from None
            raise
        return ChatCompletionChunk(chunk)

    async def close(self) -> None:
        """Stops reading; cancels the call if it still runs. Idempotent."""
        if not self._closed:
            self._closed = True
            await self._chunks.aclose()

    aclose = close

    @property
    def completion(self) -> ChatCompletion:
        """The assembled completion (llmwire's addition); raises ``RuntimeError`` before the end."""
        return ChatCompletion(self._chunks.response)

    async def __aenter__(self) -> AsyncStream:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()


class _CompletionsBase:
    def __init__(self, transport: _Transport) -> None:
        self._transport = transport

    def _prepare(
        self, messages: Iterable[Any], model: Optional[str], params: dict[str, Any]
    ) -> tuple[Client, dict[str, Any]]:
        """The client and request body for ``create``'s arguments (the per-request options
        ``extra_headers``, ``extra_query``, ``extra_body`` and ``timeout`` taken out of them)."""
        extra_headers = params.pop("extra_headers", None)
        if params.pop("extra_query", None):
            raise TypeError("llmwire.OpenAI does not support extra_query=: put the query in base_url")
        extra_body = params.pop("extra_body", None)
        timeout = params.pop("timeout", _UNSET)
        body = _request_body(messages, model, params, extra_body)
        return self._transport.client(timeout, extra_headers), body


class Completions(_CompletionsBase):
    """``client.chat.completions``."""

    @overload
    def create(
        self,
        *,
        messages: Iterable[Any],
        model: Optional[str] = ...,
        stream: Literal[False] = ...,
        **params: Any,
    ) -> ChatCompletion: ...

    @overload
    def create(
        self, *, messages: Iterable[Any], model: Optional[str] = ..., stream: Literal[True], **params: Any
    ) -> Stream: ...

    @overload
    def create(
        self, *, messages: Iterable[Any], model: Optional[str] = ..., stream: bool, **params: Any
    ) -> Union[ChatCompletion, Stream]: ...

    def create(
        self, *, messages: Iterable[Any], model: Optional[str] = None, stream: bool = False, **params: Any
    ) -> Union[ChatCompletion, Stream]:
        """Creates a chat completion, as the official ``client.chat.completions.create``.

        Every request parameter (``tools``, ``response_format``, ``temperature``, …) is passed
        through; ``None`` means "not given". The per-request options: ``extra_body`` (merged into
        the body), ``extra_headers`` and ``timeout`` (seconds, or a timeout object) for this
        request only; ``extra_query`` raises ``TypeError``. With ``stream=True`` the result is a
        :class:`Stream` of chunks. Failures raise :class:`llmwire.Error` subclasses, which are
        also the official exception types (``RateLimitError``, …).
        """
        client, body = self._prepare(messages, model, params)
        if stream:
            body["stream"] = True
            return Stream(client.stream(body))
        return ChatCompletion(client.chat(body))


class AsyncCompletions(_CompletionsBase):
    """``client.chat.completions`` of an :class:`AsyncOpenAI`."""

    @overload
    async def create(
        self,
        *,
        messages: Iterable[Any],
        model: Optional[str] = ...,
        stream: Literal[False] = ...,
        **params: Any,
    ) -> ChatCompletion: ...

    @overload
    async def create(
        self, *, messages: Iterable[Any], model: Optional[str] = ..., stream: Literal[True], **params: Any
    ) -> AsyncStream: ...

    @overload
    async def create(
        self, *, messages: Iterable[Any], model: Optional[str] = ..., stream: bool, **params: Any
    ) -> Union[ChatCompletion, AsyncStream]: ...

    async def create(
        self, *, messages: Iterable[Any], model: Optional[str] = None, stream: bool = False, **params: Any
    ) -> Union[ChatCompletion, AsyncStream]:
        """Like :meth:`Completions.create`, awaitable; ``stream=True`` gives an
        :class:`AsyncStream` for ``async for``. Cancelling the awaiting task cancels the call."""
        client, body = self._prepare(messages, model, params)
        if stream:
            body["stream"] = True
            return AsyncStream(client, body)
        return ChatCompletion(await client.achat(body))


class Chat:
    """``client.chat`` of an :class:`OpenAI`."""

    def __init__(self, transport: _Transport) -> None:
        self.completions = Completions(transport)


class AsyncChat:
    """``client.chat`` of an :class:`AsyncOpenAI`."""

    def __init__(self, transport: _Transport) -> None:
        self.completions = AsyncCompletions(transport)


_Self = TypeVar("_Self", bound="_BaseOpenAI")


class _BaseOpenAI:
    _transport: _Transport

    def __init__(
        self,
        *,
        api_key: Optional[str] = None,
        organization: Optional[str] = None,
        project: Optional[str] = None,
        base_url: Optional[str] = None,
        timeout: TimeoutLike = None,
        max_retries: Optional[int] = None,
        default_headers: Optional[Mapping[str, str]] = None,
        provider: Optional[str] = None,
        **llmwire_config: Any,
    ) -> None:
        self._start(
            _Settings(
                api_key=api_key,
                organization=organization,
                project=project,
                base_url=base_url,
                timeout=timeout,
                max_retries=max_retries,
                default_headers=default_headers,
                provider=provider,
                llmwire_config=llmwire_config,
            )
        )

    def _start(self, settings: _Settings) -> None:
        self._transport = _Transport(settings)

    @property
    def llmwire(self) -> Client:
        """The :class:`llmwire.Client` making the calls: metrics, events, the full-control API."""
        return self._transport.main

    @property
    def api_key(self) -> Optional[str]:
        return self._transport.settings.api_key

    @property
    def base_url(self) -> Optional[str]:
        """The base URL given (or from ``OPENAI_BASE_URL``); ``None`` means the provider's."""
        return self._transport.settings.base_url

    @property
    def timeout(self) -> TimeoutLike:
        return self._transport.settings.timeout

    @property
    def max_retries(self) -> Optional[int]:
        """Retries after the first attempt; ``None`` means llmwire's retry policy (4 retries)."""
        return self._transport.settings.max_retries

    def with_options(
        self: _Self,
        *,
        api_key: Any = _UNSET,
        base_url: Any = _UNSET,
        timeout: Any = _UNSET,
        max_retries: Any = _UNSET,
        default_headers: Any = _UNSET,
        **llmwire_config: Any,
    ) -> _Self:
        """A new client of the same kind with these options changed (headers and configuration
        merged); it has llmwire clients of its own, to close separately."""
        derived = type(self).__new__(type(self))
        derived._start(
            self._transport.settings.replace(
                api_key=api_key,
                base_url=base_url,
                timeout=timeout,
                max_retries=max_retries,
                default_headers=default_headers,
                llmwire_config=llmwire_config,
            )
        )
        return derived

    copy = with_options

    def __repr__(self) -> str:
        return f"<llmwire.{type(self).__name__} via {self._transport.main!r}>"


class OpenAI(_BaseOpenAI):
    """A client with the official ``openai.OpenAI`` interface, over an :class:`llmwire.Client`.

    ``api_key`` defaults to ``OPENAI_API_KEY`` and ``base_url`` to ``OPENAI_BASE_URL`` (for the
    ``openai`` provider, the default); ``timeout`` (seconds) bounds each attempt;
    ``max_retries`` sets the attempts to ``max_retries + 1`` (default: llmwire's policy, 5
    attempts honouring the server's hints); ``default_headers`` are sent with every request.
    ``provider`` and any other keyword are :class:`llmwire.Client` configuration keys (``retry``,
    ``timeouts``, ``validation``, …). Without a key anywhere, requests go without one (for local
    servers) rather than failing here.
    """

    def _start(self, settings: _Settings) -> None:
        super()._start(settings)
        self.chat = Chat(self._transport)

    def close(self) -> None:
        """Frees the underlying clients. Idempotent."""
        self._transport.close()

    def __enter__(self) -> OpenAI:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class AsyncOpenAI(_BaseOpenAI):
    """:class:`OpenAI` for asyncio: ``await client.chat.completions.create(...)``, and
    ``async for`` over streams. The same options; calls run on the library's threads."""

    def _start(self, settings: _Settings) -> None:
        super()._start(settings)
        self.chat = AsyncChat(self._transport)

    async def close(self) -> None:
        """Frees the underlying clients. Idempotent."""
        self._transport.close()

    async def __aenter__(self) -> AsyncOpenAI:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()


__all__ = ["AsyncOpenAI", "AsyncStream", "OpenAI", "Stream"]
