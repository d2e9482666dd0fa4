"""Streaming: chunks as they arrive, the assembled completion, mid-stream errors, abandonment."""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
import textwrap
import threading
import time
from typing import Any, Callable

import pytest

import llmwire
from llmwire._started import StartedCall

from conftest import USER_HI, Mock


def ask(text: str) -> dict[str, Any]:
    return {"messages": [{"role": "user", "content": text}]}


def deltas(chunks: list[dict[str, Any]]) -> str:
    return "".join(
        choice["delta"].get("content") or "" for chunk in chunks for choice in chunk["choices"]
    )


def assert_call_cancelled(client: llmwire.Client, call: StartedCall) -> None:
    """The stream's call (on the library's threads) reported its end, as a cancellation."""
    until = time.monotonic() + 10  # a bound, not a synchronisation
    while not call.finished and time.monotonic() < until:
        time.sleep(0.005)
    assert call.finished, "the abandoned stream's call did not stop"
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


# A cancel cuts even a blocked read, so the stall's length does not matter for these tests; it is
# short so that a call that was not cancelled would complete soon (and fail the test) rather than
# keep the server busy.
STALL = "stream_stall:chunks=1,stall_ms=300"


def test_break_inside_with_cancels_the_call(make_client: Callable[..., llmwire.Client]) -> None:
    client = make_client(STALL)
    started = time.monotonic()
    with client.stream(ask("a b c d")) as stream:
        for _ in stream:
            break
    assert_call_cancelled(client, stream._flow.call)
    assert time.monotonic() - started < 10
    with pytest.raises(RuntimeError, match="closed"):
        stream.response


def test_garbage_collected_iterator_cancels_the_call(make_client: Callable[..., llmwire.Client]) -> None:
    client = make_client(STALL)
    stream = client.stream(ask("a b c d"))
    next(stream)
    call = stream._flow.call
    del stream
    gc.collect()
    assert_call_cancelled(client, call)


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


def test_a_stream_starts_no_python_thread(make_client: Callable[..., llmwire.Client]) -> None:
    client = make_client("echo")
    words = " ".join(f"w{n}" for n in range(200))
    before = threading.active_count()
    counts = set()
    chunks = []
    for chunk in client.stream(ask(words)):
        counts.add(threading.active_count())
        chunks.append(chunk)
    assert counts == {before}
    assert deltas(chunks) == words


def test_an_unread_stream_pauses_the_library(make_client: Callable[..., llmwire.Client]) -> None:
    client = make_client("echo")
    words = " ".join(f"w{n}" for n in range(400))
    stream = client.stream(ask(words), max_buffered_chunks=8)
    first = next(stream)
    time.sleep(0.3)  # ample for a loopback stream to end, were it read ahead
    assert not stream._flow.call.finished, "the call cannot end while its chunks wait unread"
    # Paused once 8 wait unread; the batch being read when that happened may hold up to 8 more.
    assert stream._flow._unread < 2 * 8
    assert deltas([first, *stream]) == words


CTRL_C = textwrap.dedent(
    """
    import json, os, signal, sys, threading, time
    # Started from a shell's background job, the child inherits SIGINT ignored; restore what an
    # interactive Python has, since Ctrl-C is what is measured.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    import llmwire
    client = llmwire.Client(base_url=sys.argv[1], model="m", api_key="sk-test")
    stream = client.stream({"messages": [{"role": "user", "content": "a b c"}]})
    next(stream)
    threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGINT)).start()
    started = time.monotonic()
    try:
        for _ in stream:
            pass
        print(json.dumps({"outcome": "returned"}))
    except KeyboardInterrupt:
        elapsed = time.monotonic() - started
        until = time.monotonic() + 10
        while client.metrics()["failures_by_class"]["cancelled"] == 0 and time.monotonic() < until:
            time.sleep(0.005)
        print(json.dumps({"outcome": "KeyboardInterrupt", "elapsed": elapsed,
                          "metrics": client.metrics(), "stream": repr(stream)}))
    """
)


def test_ctrl_c_interrupts_a_stream_waiting_for_chunks_and_cancels_its_call(mock: Mock) -> None:
    run = subprocess.run(
        [sys.executable, "-c", CTRL_C, mock.url("stream_stall:chunks=1,stall_ms=30000")],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)},
    )
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout.strip().splitlines()[-1])
    assert report["outcome"] == "KeyboardInterrupt", run.stdout + run.stderr
    print(f"measure ctrl-c python stream: {report['elapsed'] * 1e3:.1f} ms for a SIGINT at 300 ms")
    assert report["elapsed"] < 0.3 + 0.4
    assert report["metrics"]["successes"] == 0
    assert report["metrics"]["failures_by_class"]["cancelled"] == 1
    assert report["stream"] == "<llmwire.ChatStream closed>"
    assert "Exception ignored" not in run.stderr


def test_closing_a_stream_from_another_thread_ends_a_waiting_iterator(
    make_client: Callable[..., llmwire.Client],
) -> None:
    client = make_client("stream_stall:chunks=1,stall_ms=30000")
    stream = client.stream(ask("a b"))
    next(stream)
    closer = threading.Timer(0.2, stream.close)
    closer.start()
    started = time.monotonic()
    assert list(stream) == []
    assert time.monotonic() - started < 0.2 + 0.4
    closer.join()
    assert_call_cancelled(client, stream._flow.call)
