"""Calls through the client: answers, retries and hinted delays, metrics, events, threads, lifetime."""

from __future__ import annotations

import logging
import threading
from typing import Any, Callable

import pytest

import llmwire

from conftest import USER_HI, Mock, new_session


def ask(text: str) -> dict[str, Any]:
    return {"messages": [{"role": "user", "content": text}]}


def content(reply: dict[str, Any]) -> str:
    text: str = reply["choices"][0]["message"]["content"]
    return text


def test_chat_returns_the_completion_with_the_llmwire_report(
    make_client: Callable[..., llmwire.Client],
) -> None:
    reply = make_client("echo").chat(ask("hello there"))
    assert reply["object"] == "chat.completion"
    assert content(reply) == "hello there"
    assert reply["model"] == "mock-model"  # the client's model fills a request without one
    report = reply["llmwire"]
    assert [attempt["http_status"] for attempt in report["attempts"]] == [200]
    assert isinstance(report["repairs"], list) and isinstance(report["warnings"], list)


def test_overloaded_then_ok_is_retried_with_backoff_and_every_attempt_reported(
    make_client: Callable[..., llmwire.Client],
) -> None:
    reply = make_client("overloaded_then_ok:n=2").chat(USER_HI)
    attempts = reply["llmwire"]["attempts"]
    assert [(a["n"], a["class"], a["http_status"]) for a in attempts] == [
        (1, "overloaded", 503),
        (2, "overloaded", 503),
        (3, None, 200),
    ]
    assert [a["delay_source"] for a in attempts] == ["backoff", "backoff", None]
    assert [a["delay_ms"] for a in attempts] == [5, 10, 0]  # jitter "none": 5 ms, doubled


def test_retry_after_ms_hint_is_honoured_without_a_wasted_attempt(
    mock: Mock, make_client: Callable[..., llmwire.Client]
) -> None:
    session = new_session()
    reply = make_client("retry_after_ms_then_ok:ms=150", session=session).chat(USER_HI)
    first, second = reply["llmwire"]["attempts"]
    assert (first["http_status"], first["delay_source"]) == (429, "retry-after-ms")
    assert first["delay_ms"] >= 150
    assert second["http_status"] == 200
    # The mock answers 429 again to any arrival before the hinted time: two arrivals in all.
    assert len(mock.requests(session)) == 2


def test_delay_in_the_gemini_body_is_honoured(
    mock: Mock, make_client: Callable[..., llmwire.Client]
) -> None:
    session = new_session()
    client = make_client("retry_info_then_ok:ms=200,format=gemini", session=session)
    attempts = client.chat(USER_HI)["llmwire"]["attempts"]
    assert attempts[0]["delay_source"] == "retry_info"
    assert attempts[0]["delay_ms"] >= 200
    assert [a["http_status"] for a in attempts] == [429, 200]
    assert len(mock.requests(session)) == 2


def test_metrics_count_calls_attempts_and_retries(make_client: Callable[..., llmwire.Client]) -> None:
    client = make_client("overloaded_then_ok:n=1")
    client.chat(USER_HI)
    metrics = client.metrics()
    assert (metrics["calls"], metrics["attempts"], metrics["successes"]) == (1, 2, 1)
    assert metrics["retries_by_class"]["overloaded"] == 1
    text = client.metrics("prometheus")
    assert isinstance(text, str)
    assert "llmwire_calls_total 1" in text


def test_unknown_metrics_format_is_the_librarys_invalid_argument(
    make_client: Callable[..., llmwire.Client],
) -> None:
    with pytest.raises(llmwire.InvalidArgument, match="xml"):
        make_client().metrics("xml")  # type: ignore[call-overload]


def test_event_callback_receives_one_dict_per_attempt(make_client: Callable[..., llmwire.Client]) -> None:
    client = make_client("overloaded_then_ok:n=1")
    events: list[dict[str, Any]] = []
    assert client.on_event(events.append) is not None
    client.chat(USER_HI)
    assert [(e["attempt"], e["outcome"], e["decision"]) for e in events] == [
        (1, "failure", "retry"),
        (2, "success", "done"),
    ]
    assert events[0]["class"] == "overloaded" and events[0]["http_status"] == 503
    assert "sk-test-not-a-secret" not in repr(events)
    client.on_event(None)
    client.chat(USER_HI)
    assert len(events) == 2


def test_event_callback_exception_is_logged_not_raised(
    make_client: Callable[..., llmwire.Client], caplog: pytest.LogCaptureFixture
) -> None:
    client = make_client("echo")

    @client.on_event
    def broken(event: dict[str, Any]) -> None:
        raise RuntimeError("bug in a user callback")

    with caplog.at_level(logging.ERROR, logger="llmwire"):
        reply = client.chat(ask("still answered"))
    assert content(reply) == "still answered"
    assert any("bug in a user callback" in (r.exc_text or "") for r in caplog.records)


def test_sixteen_threads_share_one_client(make_client: Callable[..., llmwire.Client]) -> None:
    client = make_client("echo")
    calls_per_thread = 10
    answers: dict[int, list[str]] = {}
    failures: list[BaseException] = []
    start = threading.Barrier(16)

    def work(index: int) -> None:
        try:
            start.wait()
            answers[index] = [
                content(client.chat(ask(f"thread {index} call {n}"))) for n in range(calls_per_thread)
            ]
        except BaseException as error:  # reported below
            failures.append(error)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert answers == {
        i: [f"thread {i} call {n}" for n in range(calls_per_thread)] for i in range(16)
    }
    assert client.metrics()["calls"] == 16 * calls_per_thread


def test_closed_client_refuses_calls_and_close_is_idempotent(
    make_client: Callable[..., llmwire.Client],
) -> None:
    client = make_client("echo")
    client.close()
    client.close()
    assert client.closed
    with pytest.raises(ValueError, match="closed"):
        client.chat(USER_HI)
    with pytest.raises(ValueError, match="closed"):
        client.metrics()


def test_context_manager_closes(mock: Mock) -> None:
    with llmwire.Client(base_url=mock.url("echo"), model="m") as client:
        assert content(client.chat(ask("in a with block"))) == "in a with block"
    assert client.closed


def test_repr_never_shows_secrets(mock: Mock) -> None:
    client = llmwire.Client(
        base_url=f"http://user:hunter2@127.0.0.1:{mock.port}/v1?key=sk-in-query",
        api_key="sk-very-secret",
        model="m",
    )
    try:
        shown = repr(client)
    finally:
        client.close()
    assert "127.0.0.1" in shown
    for secret in ("hunter2", "sk-in-query", "sk-very-secret"):
        assert secret not in shown


def test_api_key_is_sent_but_never_logged_by_the_mock(
    mock: Mock, make_client: Callable[..., llmwire.Client]
) -> None:
    session = new_session()
    make_client("echo", session=session, api_key="sk-abc123").chat(USER_HI)
    (received,) = mock.requests(session)
    headers = {name.lower(): value for name, value in _header_pairs(received["headers"])}
    assert headers["authorization"] == "Bearer ***"  # the mock redacts what it logs


def _header_pairs(headers: Any) -> list[tuple[str, str]]:
    if isinstance(headers, dict):
        return [(str(k), str(v)) for k, v in headers.items()]
    return [(str(pair[0]), str(pair[1])) for pair in headers]
