"""llmwire: robust calls to OpenAI-compatible chat-completions endpoints.

A thin binding (ctypes) over the llmwire library, which validates requests locally, classifies
every failure precisely, retries only what can succeed (honouring the server's hints), streams,
cancels and keeps metrics::

    import llmwire

    with llmwire.Client(base_url="http://127.0.0.1:8080/v1", model="gpt-4o-mini") as client:
        try:
            reply = client.chat({"messages": [{"role": "user", "content": "Hello"}]})
        except llmwire.RateLimited as error:
            print("still rate limited after", len(error.attempts), "attempts:", error)

Code written for the official ``openai`` package runs with its import changed to
``from llmwire import OpenAI`` (or ``AsyncOpenAI``, or ``import llmwire as openai`` for the
exception names): see :class:`llmwire.OpenAI`.

Failures raise a subclass of :class:`llmwire.Error`, one per error class (``RateLimited``,
``QuotaExhausted``, ``InvalidRequest``, …). The shared library is found through the
``LLMWIRE_LIB`` environment variable, a copy next to this package, or the ``target/release`` and
``target/debug`` folders of the repository the package sits in; see :mod:`llmwire._native`.
"""

from ._client import CancelToken, ChatStream, Client, EventCallback, JSONObject
from . import _errors
from ._errors import (
    EXCEPTION_BY_CLASS,
    APIConnectionError,
    APIError,
    APIStatusError,
    APITimeoutError,
    APIUserAbortError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    InternalServerError,
    NotFoundError,
    OpenAIError,
    PermissionDeniedError,
    RateLimitError,
    UnprocessableEntityError,
    Authentication,
    Cancelled,
    Conflict,
    ContentFiltered,
    ContextLengthExceeded,
    Error,
    Internal,
    InvalidArgument,
    InvalidConfig,
    InvalidRequest,
    MalformedResponse,
    Network,
    NotFound,
    Overloaded,
    Panic,
    PermissionDenied,
    QuotaExhausted,
    RateLimited,
    RequestTooLarge,
    ResponseTooLarge,
    ServerError,
    Timeout,
    ValidationFailed,
)
from ._openai import AsyncOpenAI, AsyncStream, OpenAI, Stream
from ._functions import abi_version, classify, trim, validate, version
from ._native import ABI_VERSION, IncompatibleLibrary, LibraryNotFound
from ._native import lib as _lib
from ._started import AsyncChatStream, max_threads, set_max_threads

#: The path of the loaded shared library.
library_path: str = _lib.cdll._name

__version__ = "0.1.0"

# Public classes say `llmwire.X` in reprs and tracebacks, not the private module they live in.
for _name in ("AsyncChatStream", "CancelToken", "ChatStream", "Client"):
    globals()[_name].__module__ = __name__
_exceptions: list[type[Error]] = [Error, *EXCEPTION_BY_CLASS.values()]
for _exception in _exceptions:
    for _base in _exception.__mro__:  # the official names (RateLimitError, …) as well
        if _base.__module__ == _errors.__name__:
            _base.__module__ = __name__

# The official `openai` package's interface (see llmwire._openai).
for _name in ("OpenAI", "AsyncOpenAI", "Stream", "AsyncStream"):
    globals()[_name].__module__ = __name__
del _name, _exceptions, _exception, _base

__all__ = [
    "ABI_VERSION",
    "EXCEPTION_BY_CLASS",
    "AsyncChatStream",
    "Authentication",
    "CancelToken",
    "Cancelled",
    "ChatStream",
    "Client",
    "Conflict",
    "ContentFiltered",
    "ContextLengthExceeded",
    "Error",
    "EventCallback",
    "IncompatibleLibrary",
    "Internal",
    "InvalidArgument",
    "InvalidConfig",
    "InvalidRequest",
    "JSONObject",
    "LibraryNotFound",
    "MalformedResponse",
    "Network",
    "NotFound",
    "Overloaded",
    "Panic",
    "PermissionDenied",
    "QuotaExhausted",
    "RateLimited",
    "RequestTooLarge",
    "ResponseTooLarge",
    "ServerError",
    "Timeout",
    "ValidationFailed",
    "abi_version",
    "classify",
    "library_path",
    "max_threads",
    "set_max_threads",
    "trim",
    "validate",
    "version",
]
__all__ += [
    "APIConnectionError",
    "APIError",
    "APIStatusError",
    "APITimeoutError",
    "APIUserAbortError",
    "AsyncOpenAI",
    "AsyncStream",
    "AuthenticationError",
    "BadRequestError",
    "ConflictError",
    "InternalServerError",
    "NotFoundError",
    "OpenAI",
    "OpenAIError",
    "PermissionDeniedError",
    "RateLimitError",
    "Stream",
    "UnprocessableEntityError",
]
