"""Module-level functions: classification, validation, trimming, versions."""

from __future__ import annotations

from collections.abc import Mapping
from ctypes import byref
from typing import Any, Callable

from ._errors import Panic
from ._ffi import call_for_json, encode_json, error_from_pointer
from ._native import ABI_VERSION, ErrorPtr, lib

JSONObject = dict[str, Any]


def version() -> str:
    """The loaded library's version, e.g. ``"0.1.0"``."""
    raw: bytes = lib.llmwire_version()
    return raw.decode("utf-8")


def abi_version() -> int:
    """The loaded library's C ABI version (this binding requires :data:`llmwire.ABI_VERSION`)."""
    return int(lib.llmwire_abi_version())


def classify(input: Mapping[str, Any]) -> JSONObject:
    """Classifies a provider's failure, as the client does after each attempt.

    ``input`` is ``{"provider": "auto"|"openai"|"gemini"|…, "status": 429, "headers": {…},
    "body": "<raw text>"}`` or ``{"transport": "connection_refused"|"timeout"|…}``. Returns the
    classification: ``class``, ``retryable``, ``retry_after_ms``, ``hint_source``,
    ``http_status``, ``provider``, ``provider_status``, ``provider_code``, ``error_type``,
    ``param``, ``message``, ``request_id``, ``quota_id``.
    Raises :class:`llmwire.InvalidArgument` for input the library cannot read.
    """
    result: JSONObject = call_for_json(
        lib.llmwire_classify, encode_json(input, "the classification input")
    )
    return result


def _optional_export(name: str, feature: str) -> Callable[..., int]:
    if not lib.has(name):
        raise NotImplementedError(
            f"llmwire.{feature}() needs the C function {name}, which the loaded library "
            f"(version {version()}) does not export; update the llmwire library"
        )
    function: Callable[..., int] = getattr(lib, name)
    return function


def validate(
    request: Mapping[str, Any],
    provider: str = "generic",
    repair: bool = False,
    **options: Any,
) -> JSONObject:
    """Checks a request against a provider's known rules, without sending it.

    Returns the report: ``{"ok", "errors": [{"code", "path", "message"}], "warnings": […],
    "repairs": […] (repair mode only), "estimated_prompt_tokens", …}``; with ``repair=True`` the
    safely repaired request is under ``"request"``. Further keyword arguments are validation
    options passed to the library as they are (unknown ones are rejected by it).
    """
    function = _optional_export("llmwire_validate", "validate")
    options_json = encode_json(
        {"provider": provider, "repair": repair, **options}, "the validation options"
    )
    report: JSONObject = call_for_json(function, encode_json(request, "request"), options_json)
    return report


def trim(request: Mapping[str, Any], **options: Any) -> JSONObject:
    """Trims a request's history to fit a token budget, keeping tool-call rounds whole.

    Keyword arguments are the trimming options (``budget_tokens`` or ``window_tokens``,
    ``reserve_output_tokens``, ``provider``, ``strategy``). Returns ``{"request": ..., "report": ...}``;
    raises :class:`llmwire.ContextLengthExceeded` when even the kept messages cannot fit.
    """
    function = _optional_export("llmwire_trim", "trim")
    result: JSONObject = call_for_json(
        function, encode_json(request, "request"), encode_json(options, "the trimming options")
    )
    return result


def _debug_panic() -> None:
    """Test hook: makes the library panic behind its C boundary; raises :class:`llmwire.Panic`."""
    error = ErrorPtr()
    status = lib.llmwire_debug_panic(byref(error))
    if status != 0:
        raise error_from_pointer(error, status)
    raise Panic(  # pragma: no cover - the hook always fails
        "panic: llmwire_debug_panic returned OK", error_class="panic", status="LLMWIRE_STATUS_OK"
    )


__all__ = ["ABI_VERSION", "abi_version", "classify", "trim", "validate", "version"]
