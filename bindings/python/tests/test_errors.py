"""Every error class reaches Python as its own exception, with every field of the error object."""

from __future__ import annotations

import pickle
from typing import Any, Callable

import pytest

import llmwire
from llmwire._functions import _debug_panic
from llmwire._native import lib

from conftest import USER_HI, Mock, needs_validator, new_session


def library_class_names() -> list[str]:
    """Every class the library can report, read from its status names (any code from 1 to 999,
    so a class the library adds is found here before a user meets it)."""
    names = []
    for code in range(1, 1000):
        status = lib.llmwire_status_str(code).decode()
        if status == "LLMWIRE_STATUS_UNKNOWN":
            continue
        assert status.startswith("LLMWIRE_STATUS_"), code
        names.append(status[len("LLMWIRE_STATUS_") :].lower())
    assert len(names) >= 22
    return names


def camel(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_"))


def test_every_library_class_has_its_own_exception_named_after_it() -> None:
    names = library_class_names()
    assert sorted(names) == sorted(llmwire.EXCEPTION_BY_CLASS)
    for name in names:
        exception = llmwire.EXCEPTION_BY_CLASS[name]
        assert exception.__name__ == camel(name)
        assert issubclass(exception, llmwire.Error)
        assert getattr(llmwire, exception.__name__) is exception
    assert len(set(llmwire.EXCEPTION_BY_CLASS.values())) == len(names)


def test_timeout_does_not_shadow_the_builtin() -> None:
    assert llmwire.Timeout is not TimeoutError  # type: ignore[comparison-overlap]
    assert not issubclass(llmwire.Timeout, TimeoutError)


def assert_error_object(error: llmwire.Error, error_class: str) -> None:
    assert type(error) is llmwire.EXCEPTION_BY_CLASS[error_class]
    assert error.error_class == error_class
    assert error.status == f"LLMWIRE_STATUS_{error_class.upper()}"
    assert str(error) == error.summary and error.summary
    assert error.details["class"] == error_class
    assert error.details["status"] == error.status
    assert error.details["summary"] == error.summary
    assert error.details["message"] == error.message
    assert error.attempts == error.details["attempts"]
    assert error.stop_reason == error.details["stop_reason"]
    assert error.http_status == error.details["http_status"]
    assert error.retry_after_ms == error.details["retry_after_ms"]


# class, scenario, extra client config, expected HTTP status, expected attempts, stop reason
SERVER_CASES: list[tuple[str, str, dict[str, Any], int, int, str]] = [
    ("rate_limited", "rate_limited_then_ok:n=100", {"retry": {"max_attempts": 2}}, 429, 2, "max_attempts"),
    ("quota_exhausted", "quota_exhausted", {}, 429, 1, "not_retryable"),
    ("overloaded", "overloaded_then_ok:n=100", {"retry": {"max_attempts": 2}}, 503, 2, "max_attempts"),
    ("server_error", "server_error_no_retry", {}, 500, 1, "not_retryable"),
    ("timeout", "gateway_timeout_html_then_ok:n=100", {"retry": {"max_attempts": 2}}, 504, 2, "max_attempts"),
    ("invalid_request", "gemini_unknown_field_400", {}, 400, 1, "not_retryable"),
    ("context_length_exceeded", "context_length_exceeded", {}, 400, 1, "not_retryable"),
    ("authentication", "invalid_api_key:format=openai", {}, 401, 1, "not_retryable"),
    ("permission_denied", "py_permission_denied_403", {}, 403, 1, "not_retryable"),
    ("not_found", "model_not_found_404", {}, 404, 1, "not_retryable"),
    ("content_filtered", "py_content_filter_400", {}, 400, 1, "not_retryable"),
    ("request_too_large", "request_too_large_413", {}, 413, 1, "not_retryable"),
    ("conflict", "conflict_409_then_ok:n=100", {"retry": {"max_attempts": 2}}, 409, 2, "max_attempts"),
    ("malformed_response", "empty_choices_then_ok:n=100", {"retry": {"max_attempts": 2}}, 200, 2, "max_attempts"),
]


@pytest.mark.parametrize(
    ("error_class", "scenario", "config", "http_status", "attempts", "stop_reason"),
    SERVER_CASES,
    ids=[case[0] for case in SERVER_CASES],
)
def test_server_failure_raises_the_exception_of_its_class(
    make_client: Callable[..., llmwire.Client],
    error_class: str,
    scenario: str,
    config: dict[str, Any],
    http_status: int,
    attempts: int,
    stop_reason: str,
) -> None:
    client = make_client(scenario, **config)
    with pytest.raises(llmwire.Error) as caught:
        client.chat(USER_HI)
    error = caught.value
    assert_error_object(error, error_class)
    assert error.http_status == http_status
    assert len(error.attempts) == attempts
    assert [attempt["n"] for attempt in error.attempts] == list(range(1, attempts + 1))
    assert all(attempt["class"] == error_class for attempt in error.attempts)
    assert error.stop_reason == stop_reason
    assert error.message  # the provider's own words, never empty


def test_network_failure_raises_network(make_client: Callable[..., llmwire.Client]) -> None:
    client = make_client("reset_before_headers_then_ok:n=100", retry={"max_attempts": 2})
    with pytest.raises(llmwire.Network) as caught:
        client.chat(USER_HI)
    assert_error_object(caught.value, "network")
    assert caught.value.http_status is None
    assert len(caught.value.attempts) == 2


def test_response_over_the_cap_raises_response_too_large(
    make_client: Callable[..., llmwire.Client],
) -> None:
    client = make_client("huge_body:size=64kb", max_response_bytes=4096, retry={"max_attempts": 1})
    with pytest.raises(llmwire.ResponseTooLarge) as caught:
        client.chat(USER_HI)
    assert_error_object(caught.value, "response_too_large")


def test_hint_too_long_stops_at_once_and_reports_the_delay(
    make_client: Callable[..., llmwire.Client],
) -> None:
    client = make_client("retry_after_ms_then_ok:ms=5000", retry={"max_server_delay_ms": 100})
    with pytest.raises(llmwire.RateLimited) as caught:
        client.chat(USER_HI)
    assert caught.value.stop_reason == "server_delay_too_long"
    assert caught.value.retry_after_ms == 5000
    assert len(caught.value.attempts) == 1


def test_unknown_config_key_raises_invalid_config_naming_it() -> None:
    with pytest.raises(llmwire.InvalidConfig) as caught:
        llmwire.Client(base_url="http://127.0.0.1:9/v1", retyr={"max_attempts": 2})
    assert_error_object(caught.value, "invalid_config")
    assert "retyr" in str(caught.value)
    assert caught.value.attempts == []


def test_bad_config_value_raises_invalid_config() -> None:
    with pytest.raises(llmwire.InvalidConfig, match="base_url"):
        llmwire.Client(base_url="ftp://example.invalid")
    with pytest.raises(llmwire.InvalidConfig, match="max_atempts"):
        llmwire.Client(retry={"max_atempts": 3})


def test_unreadable_input_raises_invalid_argument() -> None:
    with pytest.raises(llmwire.InvalidArgument) as caught:
        llmwire.classify({"status": "four hundred"})
    assert_error_object(caught.value, "invalid_argument")
    with pytest.raises(llmwire.InvalidArgument, match="status"):
        llmwire.classify({"provider": "openai"})


@needs_validator
def test_invalid_request_in_strict_mode_raises_validation_failed_and_sends_nothing(
    mock: Mock, make_client: Callable[..., llmwire.Client]
) -> None:
    session = new_session()
    client = make_client("echo", session=session, validation="strict")
    with pytest.raises(llmwire.ValidationFailed) as caught:
        client.chat({"messages": []})
    error = caught.value
    assert_error_object(error, "validation_failed")
    assert error.report is not None and error.report["ok"] is False
    assert any(finding["code"] == "empty_messages" for finding in error.report["errors"])
    assert mock.requests(session) == []


def test_triggered_token_raises_cancelled(make_client: Callable[..., llmwire.Client]) -> None:
    token = llmwire.CancelToken()
    token.cancel()
    with pytest.raises(llmwire.Cancelled) as caught:
        make_client("echo").chat(USER_HI, cancel=token)
    assert_error_object(caught.value, "cancelled")
    assert caught.value.stop_reason == "cancelled"


def test_panic_inside_the_library_raises_panic() -> None:
    with pytest.raises(llmwire.Panic) as caught:
        _debug_panic()
    assert_error_object(caught.value, "panic")
    assert "llmwire_debug_panic" in caught.value.message


def test_errors_survive_pickling(make_client: Callable[..., llmwire.Client]) -> None:
    with pytest.raises(llmwire.QuotaExhausted) as caught:
        make_client("quota_exhausted").chat(USER_HI)
    copy = pickle.loads(pickle.dumps(caught.value))
    assert type(copy) is llmwire.QuotaExhausted
    assert (copy.summary, copy.status, copy.http_status, copy.attempts, copy.details) == (
        caught.value.summary,
        caught.value.status,
        caught.value.http_status,
        caught.value.attempts,
        caught.value.details,
    )


def test_error_repr_names_the_public_class() -> None:
    with pytest.raises(llmwire.InvalidConfig) as caught:
        llmwire.Client(nope=1)
    assert repr(caught.value).startswith("llmwire.InvalidConfig(")
