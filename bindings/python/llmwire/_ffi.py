"""Conversions at the C boundary: Python values to JSON text, owned strings back, errors raised.

Ownership is visible here: every owned ``char *`` goes through :func:`take_string`, which frees it
in ``finally``; every ``llmwire_error *`` goes through :func:`error_from_pointer`, which frees it
in ``finally``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from ctypes import byref, c_void_p, string_at
from typing import Any, Callable, Optional

from ._errors import EXCEPTION_BY_CLASS, Error, Internal, parse_details
from ._native import ErrorPtr, lib


# One encoder for every call: ``json.dumps`` with options builds a new one each time.
_ENCODER = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":"))


def encode_json(value: Any, what: str) -> bytes:
    """Serialises ``value`` (a JSON object given as a mapping) to UTF-8 JSON for the library.

    Raises ``TypeError`` when ``value`` is not a mapping or holds something JSON cannot represent,
    and ``ValueError`` for NaN or infinite floats, before anything reaches the library.
    """
    if type(value) is not dict and not isinstance(value, Mapping):
        raise TypeError(
            f"{what} must be a dict (a JSON object), not {type(value).__name__}"
        )
    try:
        text = _ENCODER.encode(value)
    except TypeError as error:
        raise TypeError(f"{what} must be JSON-serialisable: {error}") from None
    except ValueError as error:
        raise ValueError(f"{what} must be JSON-serialisable: {error}") from None
    except RecursionError:
        raise ValueError(f"{what} is nested too deeply (or contains itself)") from None
    # JSON escapes every control character, so the text never holds a NUL byte and cannot be
    # cut short at the C boundary. A lone surrogate (not encodable as UTF-8) is passed through
    # as invalid UTF-8 so that the library reports it, with its offset, as invalid_argument.
    return text.encode("utf-8", "surrogatepass")


def encode_text(text: str, what: str) -> bytes:
    """Encodes a plain string argument, refusing NUL bytes (C would silently cut the text there)."""
    if not isinstance(text, str):
        raise TypeError(f"{what} must be a str, not {type(text).__name__}")
    if "\0" in text:
        raise ValueError(f"{what} must not contain NUL characters")
    return text.encode("utf-8", "surrogatepass")


def take_string(pointer: c_void_p) -> str:
    """Reads an owned ``char *`` from the library and frees it."""
    address = pointer.value
    if not address:
        return ""
    try:
        return string_at(address).decode("utf-8", "replace")
    finally:
        lib.llmwire_string_free(address)


def _text(raw: Optional[bytes]) -> str:
    return raw.decode("utf-8", "replace") if raw else ""


def error_from_pointer(error: Any, status: int) -> Error:
    """Builds the exception for a failed call's ``llmwire_error *`` and frees the error object."""
    if not error:
        # The library always writes an error when given somewhere to write it; this is a bug.
        name = _text(lib.llmwire_status_str(status))
        return Internal(
            f"internal: llmwire returned {name} without an error object",
            error_class="internal",
            status=name,
        )
    try:
        error_class = _text(lib.llmwire_error_class(error))
        status_name = _text(lib.llmwire_status_str(lib.llmwire_error_status(error)))
        http_status = int(lib.llmwire_error_http_status(error))
        retry_after_ms = int(lib.llmwire_error_retry_after_ms(error))
        summary = _text(lib.llmwire_error_summary(error))
        message = _text(lib.llmwire_error_message(error))
        rendered = c_void_p()
        if lib.llmwire_error_to_json(error, byref(rendered), None) == 0:
            details = parse_details(take_string(rendered))
        else:
            details = {}
    finally:
        lib.llmwire_error_free(error)
    attempts = details.get("attempts")
    return EXCEPTION_BY_CLASS.get(error_class, Error)(
        summary or f"{error_class}: {message}",
        error_class=error_class,
        status=status_name,
        message=message,
        http_status=http_status or None,
        retry_after_ms=retry_after_ms if retry_after_ms >= 0 else None,
        stop_reason=details.get("stop_reason"),
        attempts=attempts if isinstance(attempts, list) else [],
        details=details,
    )


def call_for_string(function: Callable[..., int], *arguments: Any) -> str:
    """Calls ``function(*arguments, &out, &err)``; returns the owned result text or raises."""
    out = c_void_p()
    error = ErrorPtr()
    status = function(*arguments, byref(out), byref(error))
    if status != 0:
        raise error_from_pointer(error, status)
    return take_string(out)


def call_for_json(function: Callable[..., int], *arguments: Any) -> Any:
    """Like :func:`call_for_string`, with the result parsed as JSON."""
    return json.loads(call_for_string(function, *arguments))
