"""Streaming: chunks as they arrive, the assembled completion, mid-stream errors, abandonment."""

from __future__ import annotations

import gc
import threading
import time
from typing import Any, Callable

import pytest

import llmwire

from conftest import USER_HI


def ask(text: str) -> dict[str, Any]:
    return {"messages": [{"role": "user", "content": text}]}


def deltas(chunks: list[dict[str, Any]]) -> str:
    return "".join(
        choice["delta"].get("content") or "" for chunk in chunks for choice in chunk["choices"]
    )


def assert_call_cancelled(client: llmwire.Client, thread: threading.Thread | None) -> None:
    """The stream's worker thread ended (its library call returned) with a cancellation."""
    assert thread is not None
    thread.join(10)
    assert not thread.is_alive(), "the abandoned stream's call did not stop"
    assert client.metrics()["failures_by_class"]["cancelled"] == 1


def test_stream_yields_chunk_dicts_then_offers_the_assembled_completion(
    make_client: Callable[..., llmwire.Client],
) -> None:
    stream = make_client("echo").stream(ask("one two three"))
    with pytest.raises(RuntimeError, match="not completed"):
        stream.response
    chunks = list(stream)
    assert len(chunks) >= 3
    assert all(chunk["object"] == "chat.completion.chunk" for chunk in chunks)
    assert deltas(chunks) == "one two three"
    completion = stream.response
    assert completion["choices"][0]["message"]["content"] == "one two three"
    assert completion["llmwire"]["attempts"][0]["http_status"] == 200
    assert list(stream) == []  # exhausted stays exhausted


def test_stream_is_retried_before_the_first_chunk(make_client: Callable[..., llmwire.Client]) -> None:
    stream = make_client("overloaded_then_ok:n=2").stream(ask("after retries"))
    assert deltas(list(stream)) == "after retries"
    assert [a["http_status"] for a in stream.response["llmwire"]["attempts"]] == [503, 503, 200]


def test_error_after_chunks_is_raised_from_the_iterator_and_never_replayed(
    make_client: Callable[..., llmwire.Client],
) -> None:
    client = make_client("stream_error_after_chunks:chunks=2,n=100")
    received: list[dict[str, Any]] = []
    with pytest.raises(llmwire.Error) as caught:
        for chunk in client.stream(ask("interrupted answer")):
            received.append(chunk)
    assert len(received) == 2
    error = caught.value
    assert error.stop_reason == "stream_started"
    assert len(error.attempts) == 1
    assert error.details["class"] == error.error_class


def test_failed_stream_has_no_response(make_client: Callable[..., llmwire.Client]) -> None:
    stream = make_client("quota_exhausted").stream(USER_HI)
    with pytest.raises(llmwire.QuotaExhausted):
        next(stream)
    with pytest.raises(RuntimeError, match="failed"):
        stream.response
    with pytest.raises(StopIteration):
        next(stream)


# The library stops a stream at the next chunk or when the current read returns, not inside a
# blocked read: the stalls here are short so that each test shows the call was cancelled (not
# completed) without waiting long.
STALL = "stream_stall:chunks=1,stall_ms=300"


def test_break_inside_with_cancels_the_call(make_client: Callable[..., llmwire.Client]) -> None:
    client = make_client(STALL)
    started = time.monotonic()
    with client.stream(ask("a b c d")) as stream:
        for _ in stream:
            break
    assert_call_cancelled(client, stream._call.thread)
    assert time.monotonic() - started < 10
    with pytest.raises(RuntimeError, match="closed"):
        stream.response


def test_garbage_collected_iterator_cancels_the_call(make_client: Callable[..., llmwire.Client]) -> None:
    client = make_client(STALL)
    stream = client.stream(ask("a b c d"))
    next(stream)
    thread = stream._call.thread
    del stream
    gc.collect()
    assert_call_cancelled(client, thread)


def test_slow_consumer_gets_every_chunk_through_a_small_buffer(
    make_client: Callable[..., llmwire.Client],
) -> None:
    words = " ".join(f"w{n}" for n in range(50))
    stream = make_client("echo").stream(ask(words), max_buffered_chunks=1)
    chunks = []
    for chunk in stream:
        chunks.append(chunk)
    assert deltas(chunks) == words


def test_cancel_token_stops_a_stream(make_client: Callable[..., llmwire.Client]) -> None:
    client = make_client(STALL)
    token = llmwire.CancelToken()
    stream = client.stream(ask("x y"), cancel=token)
    first = next(stream)
    assert first["object"] == "chat.completion.chunk"
    token.cancel()
    started = time.monotonic()
    with pytest.raises(llmwire.Cancelled) as caught:
        for _ in stream:
            pass
    assert time.monotonic() - started < 5
    assert caught.value.stop_reason in {"cancelled", "aborted_by_callback"}
    assert client.metrics()["successes"] == 0


def test_stream_keeps_the_client_open_until_it_ends(make_client: Callable[..., llmwire.Client]) -> None:
    client = make_client("echo")
    stream = client.stream(ask("outlives close"))
    first = next(stream)
    client.close()  # the running call finishes first; the handle is freed after it
    rest = list(stream)
    assert deltas([first, *rest]) == "outlives close"
    with pytest.raises(ValueError, match="closed"):
        next(client.stream(USER_HI))


def test_stream_repr_tells_its_state(make_client: Callable[..., llmwire.Client]) -> None:
    stream = make_client("echo").stream(USER_HI)
    assert "not started" in repr(stream)
    list(stream)
    assert "completed" in repr(stream)
