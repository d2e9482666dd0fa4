"""The deadline and the cancel through the binding: sync ``chat``, ``achat``, and Ctrl-C.

Elapsed times are asserted with a margin that holds on a loaded machine (the library's bound is
50 ms); each test prints the measured figure (``pytest -s``).
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import textwrap
import time
from typing import Any, Callable

import pytest

import llmwire

from conftest import USER_HI, Mock

MARGIN = 0.4


def test_the_deadline_cuts_a_server_that_never_sends_its_head(
    make_client: Callable[..., llmwire.Client],
) -> None:
    client = make_client("slow_headers:delay_ms=30000", timeouts={"deadline_ms": 500})
    started = time.monotonic()
    with pytest.raises(llmwire.Timeout) as caught:
        client.chat(USER_HI)
    elapsed = time.monotonic() - started
    print(f"measure deadline python head: {elapsed * 1e3:.1f} ms for 500 ms")
    assert 0.495 <= elapsed < 0.5 + MARGIN
    assert caught.value.stop_reason == "deadline"
    assert caught.value.attempts[-1]["fault"] == "deadline"
    assert caught.value.attempts[-1]["phase"] == "head"


def test_cancel_from_another_thread_stops_a_trickled_body(
    make_client: Callable[..., llmwire.Client],
) -> None:
    client = make_client("trickle_body:interval_ms=1000")
    token = llmwire.CancelToken()
    timer = __import__("threading").Timer(0.3, token.cancel)
    timer.start()
    started = time.monotonic()
    with pytest.raises(llmwire.Cancelled) as caught:
        client.chat(USER_HI, cancel=token)
    elapsed = time.monotonic() - started
    print(f"measure cancel python body: {elapsed * 1e3:.1f} ms for a cancel at 300 ms")
    assert elapsed < 0.3 + MARGIN
    assert caught.value.attempts[-1]["phase"] == "body"
    metrics = client.metrics()
    assert metrics["successes"] == 0
    assert metrics["failures_by_class"]["cancelled"] == 1


def wait_for(condition: Callable[[], bool], seconds: float) -> bool:
    """Polls ``condition`` until it holds or ``seconds`` pass (a bound, not a synchronisation)."""
    until = time.monotonic() + seconds
    while time.monotonic() < until:
        if condition():
            return True
        time.sleep(0.005)
    return condition()


def test_a_cancelled_achat_stops_its_call_and_never_counts_as_a_success(
    make_client: Callable[..., llmwire.Client],
) -> None:
    client = make_client("trickle_body:interval_ms=1000")

    async def main() -> float:
        task = asyncio.ensure_future(client.achat(USER_HI))
        await asyncio.sleep(0.3)
        task.cancel()
        cancelled_at = time.monotonic()
        with pytest.raises(asyncio.CancelledError):
            await task
        return cancelled_at

    cancelled_at = asyncio.run(main())
    # The call itself ends (its thread reports it) within the bound, as a cancel.
    assert wait_for(lambda: client.metrics()["failures_by_class"]["cancelled"] == 1, MARGIN)
    print(f"measure cancel python achat: call ended {(time.monotonic() - cancelled_at) * 1e3:.1f} ms after")
    metrics = client.metrics()
    assert metrics["successes"] == 0
    assert metrics["calls"] == 1


CTRL_C = textwrap.dedent(
    """
    import json, os, signal, sys, threading, time
    # Started from a shell's background job, the child inherits SIGINT ignored; restore what an
    # interactive Python has, since Ctrl-C is what is measured.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    import llmwire
    base_url, extra = sys.argv[1], json.loads(sys.argv[2])
    client = llmwire.Client(base_url=base_url, model="m", api_key="sk-test", **extra)
    threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGINT)).start()
    started = time.monotonic()
    try:
        client.chat({"messages": [{"role": "user", "content": "hi"}]})
        print(json.dumps({"outcome": "returned"}))
    except KeyboardInterrupt:
        elapsed = time.monotonic() - started
        print(json.dumps({"outcome": "KeyboardInterrupt", "elapsed": elapsed,
                          "metrics": client.metrics()}))
    except llmwire.Error as error:
        print(json.dumps({"outcome": type(error).__name__}))
    """
)


@pytest.mark.parametrize(
    ("scenario", "extra", "label"),
    [
        ("slow_headers:delay_ms=30000", {}, "waiting for the head"),
        (
            "overloaded_then_ok:n=100",
            {"retry": {"initial_backoff_ms": 60000, "max_backoff_ms": 60000, "jitter": "none"}},
            "a retry sleep",
        ),
    ],
)
def test_ctrl_c_interrupts_a_sync_call(mock: Mock, scenario: str, extra: dict[str, Any], label: str) -> None:
    import json

    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
    run = subprocess.run(
        [sys.executable, "-c", CTRL_C, mock.url(scenario), json.dumps(extra)],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout.strip().splitlines()[-1])
    assert report["outcome"] == "KeyboardInterrupt", run.stdout + run.stderr
    print(f"measure ctrl-c python {label}: {report['elapsed'] * 1e3:.1f} ms for a SIGINT at 300 ms")
    assert report["elapsed"] < 0.3 + MARGIN
    assert report["metrics"]["successes"] == 0
    assert report["metrics"]["failures_by_class"]["cancelled"] == 1
    assert "Exception ignored" not in run.stderr
