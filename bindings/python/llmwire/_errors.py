"""The exceptions: :class:`Error` and one subclass per error class of the library.

An exception is built from an ``llmwire_error`` object (which is freed right after) and carries
everything the library said: the class, the C status name, the HTTP status, the server's
requested delay, every attempt, the stop reason, the summary and the whole error object as
``details``. Which subclass is raised is decided by the class name alone, through
:data:`EXCEPTION_BY_CLASS`; the library decides the class.

The classes also answer to the names of the official ``openai`` package, so that ``except``
clauses written for it keep working: each llmwire class derives from the official name that fits
it (the class statements below follow this table):

=========================================================  ============================
llmwire class                                              official name it derives from
=========================================================  ============================
RateLimited, QuotaExhausted                                RateLimitError
Overloaded, ServerError                                    InternalServerError
Timeout (client or server side)                            APITimeoutError
Network                                                    APIConnectionError
InvalidRequest, ContextLengthExceeded, ContentFiltered,    BadRequestError
ValidationFailed (nothing was sent; ``status_code`` None)
Authentication                                             AuthenticationError
PermissionDenied                                           PermissionDeniedError
NotFound                                                   NotFoundError
Conflict                                                   ConflictError
RequestTooLarge                                            APIStatusError
MalformedResponse, ResponseTooLarge                        APIError
Cancelled                                                  APIUserAbortError
InvalidArgument, InvalidConfig, Internal, Panic            OpenAIError (= :class:`Error`)
=========================================================  ============================

``UnprocessableEntityError`` exists for code that names it; llmwire classes a 422 as
``InvalidRequest``, which is a ``BadRequestError``.
"""

from __future__ import annotations

import json
from typing import Any, Optional


class Error(Exception):
    """A failed llmwire call. ``str(error)`` is the library's one-line summary.

    Attributes:
        error_class: the error's class name, e.g. ``"rate_limited"``.
        status: the C status name, e.g. ``"LLMWIRE_STATUS_RATE_LIMITED"``.
        http_status: the HTTP status of the response that decided the error, or ``None``.
        retry_after_ms: the delay the server asked for, in milliseconds, or ``None``.
        attempts: every attempt: ``{"n", "class", "http_status", "elapsed_ms", "delay_ms",
            "delay_source"}`` (and ``"target"`` with a ``targets`` configuration).
        summary: one line a person can act on.
        stop_reason: why the library stopped, e.g. ``"not_retryable"``, ``"max_attempts"``.
        message: the provider's own message (or llmwire's, for local errors).
        details: the whole error object (classification fields, attempts, …).
    """

    error_class: str
    status: str
    http_status: Optional[int]
    retry_after_ms: Optional[int]
    attempts: list[dict[str, Any]]
    summary: str
    stop_reason: Optional[str]
    message: str
    details: dict[str, Any]

    def __init__(
        self,
        summary: str,
        *,
        error_class: str,
        status: str,
        message: str = "",
        http_status: Optional[int] = None,
        retry_after_ms: Optional[int] = None,
        stop_reason: Optional[str] = None,
        attempts: Optional[list[dict[str, Any]]] = None,
        details: Optional[dict[str, Any]] = None,
    ) -> None:
        super().__init__(summary)
        self.summary = summary
        self.error_class = error_class
        self.status = status
        self.message = message
        self.http_status = http_status
        self.retry_after_ms = retry_after_ms
        self.stop_reason = stop_reason
        self.attempts = attempts if attempts is not None else []
        self.details = details if details is not None else {}

    def __str__(self) -> str:
        return self.summary

    def __repr__(self) -> str:
        return f"{type(self).__module__}.{type(self).__qualname__}({self.summary!r})"

    def __reduce__(self) -> Any:
        # Keyword-only arguments would otherwise be lost when pickling (e.g. across processes).
        return (_rebuild, (type(self), self.summary, self._fields()))

    def _fields(self) -> dict[str, Any]:
        return {
            "error_class": self.error_class,
            "status": self.status,
            "message": self.message,
            "http_status": self.http_status,
            "retry_after_ms": self.retry_after_ms,
            "stop_reason": self.stop_reason,
            "attempts": self.attempts,
            "details": self.details,
        }


def _rebuild(cls: type[Error], summary: str, fields: dict[str, Any]) -> Error:
    return cls(summary, **fields)


#: The official package's root name: every llmwire exception is one.
OpenAIError = Error


class APIError(Error):
    """The official ``openai.APIError``: a failure that involved (or would have involved) the API.

    Besides llmwire's fields, it has the official package's: ``body`` (the provider's error object,
    ``{"message", "type", "param", "code"}``), ``code``, ``param``, ``type`` and ``request``
    (always ``None``: llmwire does not expose its HTTP request objects).
    """

    request: None = None

    @property
    def body(self) -> Optional[dict[str, Any]]:
        """The provider's error object as the official package gives it, or ``None``."""
        if self.http_status is None:
            return None
        return {"message": self.message, "type": self.type, "param": self.param, "code": self.code}

    @property
    def code(self) -> Optional[str]:
        """The provider's error code (e.g. ``"insufficient_quota"``), or ``None``."""
        return _text_or_none(self.details.get("provider_code"))

    @property
    def param(self) -> Optional[str]:
        """The request parameter the provider blamed, or ``None``."""
        return _text_or_none(self.details.get("param"))

    @property
    def type(self) -> Optional[str]:
        """The provider's error type (e.g. ``"invalid_request_error"``), or ``None``."""
        return _text_or_none(self.details.get("error_type"))


class APIStatusError(APIError):
    """The official ``openai.APIStatusError``: the server answered with an error status.

    ``status_code`` is that status (``None`` only for a request llmwire refused before sending
    it); ``request_id`` the provider's request id; ``response`` a small stand-in for the official
    ``httpx.Response`` with ``status_code`` and ``headers`` (holding ``x-request-id`` when known).
    """

    @property
    def status_code(self) -> Optional[int]:
        """The HTTP status of the response that decided the error."""
        return self.http_status

    @property
    def request_id(self) -> Optional[str]:
        """The provider's request id (``x-request-id`` and the like), or ``None``."""
        return _text_or_none(self.details.get("request_id"))

    @property
    def response(self) -> StatusResponse:
        """A stand-in for the official ``response`` attribute."""
        return StatusResponse(self.http_status, self.request_id)


class StatusResponse:
    """What an :class:`APIStatusError` offers as ``response``: the status and known headers."""

    def __init__(self, status_code: Optional[int], request_id: Optional[str]) -> None:
        self.status_code = status_code
        self.headers: dict[str, str] = {"x-request-id": request_id} if request_id else {}

    def __repr__(self) -> str:
        return f"<llmwire.StatusResponse [{self.status_code}]>"


class BadRequestError(APIStatusError):
    """The official name for a 400: the request was rejected (or refused locally)."""


class AuthenticationError(APIStatusError):
    """The official name for a 401: missing or invalid credentials."""


class PermissionDeniedError(APIStatusError):
    """The official name for a 403."""


class NotFoundError(APIStatusError):
    """The official name for a 404."""


class ConflictError(APIStatusError):
    """The official name for a 409."""


class UnprocessableEntityError(APIStatusError):
    """The official name for a 422 (llmwire raises :class:`InvalidRequest` for one)."""


class RateLimitError(APIStatusError):
    """The official name for a 429: a rate limit, or an exhausted quota."""


class InternalServerError(APIStatusError):
    """The official name for a 5xx: a server fault or an overloaded provider."""


class APIConnectionError(APIError):
    """The official name for a failure to reach the server or to read its answer."""


class APITimeoutError(APIConnectionError):
    """The official name for a timed-out request."""


class APIUserAbortError(APIError):
    """The official name for a request the caller aborted."""


def _text_or_none(value: Any) -> Optional[str]:
    return value if isinstance(value, str) else None


class RateLimited(RateLimitError):
    """A per-minute or concurrency limit; passes after a delay (see ``retry_after_ms``)."""


class QuotaExhausted(RateLimitError):
    """A billing, daily or monthly quota is gone; retrying will not help."""


class Overloaded(InternalServerError):
    """The provider is overloaded (503 "overloaded", 529)."""


class ServerError(InternalServerError):
    """A transient server fault (500, 502, …)."""


class Timeout(APITimeoutError):
    """The server (408, 504) or the client (attempt timeout) timed out.

    Named ``Timeout`` rather than ``TimeoutError`` so as not to shadow the builtin.
    """


class Network(APIConnectionError):
    """Connection refused or reset, DNS, TLS, or a truncated response."""


class InvalidRequest(BadRequestError):
    """The provider rejected the request's shape."""


class ContextLengthExceeded(BadRequestError):
    """The prompt plus the output budget exceed the model's context window."""


class Authentication(AuthenticationError):
    """Missing, invalid or expired credentials."""


class PermissionDenied(PermissionDeniedError):
    """Valid credentials, but not allowed to do this (403)."""


class NotFound(NotFoundError):
    """Unknown model or route."""


class ContentFiltered(BadRequestError):
    """A safety or policy refusal."""


class RequestTooLarge(APIStatusError):
    """The request is over a size limit (413)."""


class Conflict(ConflictError):
    """A conflicting concurrent operation (409)."""


class MalformedResponse(APIError):
    """A 2xx answer that is not a usable completion."""


class InvalidArgument(Error):
    """Bad input to the library (e.g. text that is not valid UTF-8 or JSON)."""


class InvalidConfig(Error):
    """An unusable client configuration, e.g. an unknown key (named in the message)."""


class ValidationFailed(BadRequestError):
    """Local validation rejected the request; nothing was sent. See :attr:`report`."""

    @property
    def report(self) -> Optional[dict[str, Any]]:
        """The validation report (``ok``, ``errors``, ``warnings``, …), when the library gave one."""
        report = self.details.get("validation")
        return report if isinstance(report, dict) else None


class Cancelled(APIUserAbortError):
    """The call was cancelled (a cancel token, or an abandoned stream)."""


class ResponseTooLarge(APIError):
    """The response was larger than ``max_response_bytes``."""


class Internal(Error):
    """An internal error in llmwire."""


class Panic(Error):
    """A bug inside llmwire panicked; the panic was caught at the C boundary."""


#: The exception raised for each error class name. Every class of the library has one entry;
#: a name this binding does not know (a newer library) raises the base :class:`Error`.
EXCEPTION_BY_CLASS: dict[str, type[Error]] = {
    "rate_limited": RateLimited,
    "quota_exhausted": QuotaExhausted,
    "overloaded": Overloaded,
    "server_error": ServerError,
    "timeout": Timeout,
    "network": Network,
    "invalid_request": InvalidRequest,
    "context_length_exceeded": ContextLengthExceeded,
    "authentication": Authentication,
    "permission_denied": PermissionDenied,
    "not_found": NotFound,
    "content_filtered": ContentFiltered,
    "request_too_large": RequestTooLarge,
    "conflict": Conflict,
    "malformed_response": MalformedResponse,
    "invalid_argument": InvalidArgument,
    "invalid_config": InvalidConfig,
    "validation_failed": ValidationFailed,
    "cancelled": Cancelled,
    "response_too_large": ResponseTooLarge,
    "internal": Internal,
    "panic": Panic,
}


def error_from_details(details: dict[str, Any], *, error_class: str, status: str) -> Error:
    """Builds the exception for an error object already rendered as a dict."""
    retry_after_ms = details.get("retry_after_ms")
    http_status = details.get("http_status")
    attempts = details.get("attempts")
    return EXCEPTION_BY_CLASS.get(error_class, Error)(
        str(details.get("summary") or error_class),
        error_class=error_class,
        status=status,
        message=str(details.get("message") or ""),
        http_status=http_status if isinstance(http_status, int) else None,
        retry_after_ms=retry_after_ms if isinstance(retry_after_ms, int) else None,
        stop_reason=details.get("stop_reason"),
        attempts=attempts if isinstance(attempts, list) else [],
        details=details,
    )


def parse_details(text: str) -> dict[str, Any]:
    """Parses a rendered error object; anything but a JSON object gives ``{}``."""
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
