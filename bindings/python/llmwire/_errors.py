"""The exceptions: :class:`Error` and one subclass per error class of the library.

An exception is built from an ``llmwire_error`` object (which is freed right after) and carries
everything the library said: the class, the C status name, the HTTP status, the server's
requested delay, every attempt, the stop reason, the summary and the whole error object as
``details``. Which subclass is raised is decided by the class name alone, through
:data:`EXCEPTION_BY_CLASS`; the library decides the class.
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


class RateLimited(Error):
    """A per-minute or concurrency limit; passes after a delay (see ``retry_after_ms``)."""


class QuotaExhausted(Error):
    """A billing, daily or monthly quota is gone; retrying will not help."""


class Overloaded(Error):
    """The provider is overloaded (503 "overloaded", 529)."""


class ServerError(Error):
    """A transient server fault (500, 502, …)."""


class Timeout(Error):
    """The server (408, 504) or the client (attempt timeout) timed out.

    Named ``Timeout`` rather than ``TimeoutError`` so as not to shadow the builtin.
    """


class Network(Error):
    """Connection refused or reset, DNS, TLS, or a truncated response."""


class InvalidRequest(Error):
    """The provider rejected the request's shape."""


class ContextLengthExceeded(Error):
    """The prompt plus the output budget exceed the model's context window."""


class Authentication(Error):
    """Missing, invalid or expired credentials."""


class PermissionDenied(Error):
    """Valid credentials, but not allowed to do this (403)."""


class NotFound(Error):
    """Unknown model or route."""


class ContentFiltered(Error):
    """A safety or policy refusal."""


class RequestTooLarge(Error):
    """The request is over a size limit (413)."""


class Conflict(Error):
    """A conflicting concurrent operation (409)."""


class MalformedResponse(Error):
    """A 2xx answer that is not a usable completion."""


class InvalidArgument(Error):
    """Bad input to the library (e.g. text that is not valid UTF-8 or JSON)."""


class InvalidConfig(Error):
    """An unusable client configuration, e.g. an unknown key (named in the message)."""


class ValidationFailed(Error):
    """Local validation rejected the request; nothing was sent. See :attr:`report`."""

    @property
    def report(self) -> Optional[dict[str, Any]]:
        """The validation report (``ok``, ``errors``, ``warnings``, …), when the library gave one."""
        report = self.details.get("validation")
        return report if isinstance(report, dict) else None


class Cancelled(Error):
    """The call was cancelled (a cancel token, or an abandoned stream)."""


class ResponseTooLarge(Error):
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
