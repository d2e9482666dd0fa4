"""Cancellation from another thread, and the awaitable call."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any, Callable

import pytest

import llmwire

from conftest import USER_HI


def cancel_on_first_retry(client: llmwire.Client, token: llmwire.CancelToken) -> None:
    """Cancels ``token`` as soon as the client decides to wait before a retry (no sleeps)."""

    def on_event(event: dict[str, Any]) -> None:
        if event["decision"] == "retry":
            # From another thread, as a user would.
            threading.Thread(target=token.cancel).start()

    client.on_event(on_event)


def test_cancel_during_a_long_backoff_returns_promptly(make_client: Callable[..., llmwire.Client]) -> None:
    client = make_client("retry_after_then_ok:s=30")
    token = llmwire.CancelToken()
    cancel_on_first_retry(client, token)
    started = time.monotonic()
    with pytest.raises(llmwire.Cancelled) as caught:
        client.chat(USER_HI, cancel=token)
    assert time.monotonic() - started < 5  # not the 30 s the server asked for
    assert caught.value.stop_reason == "cancelled"
    assert caught.value.attempts[0]["http_status"] == 429
    assert token.cancelled


def test_one_token_cancels_every_call_using_it(make_client: Callable[..., llmwire.Client]) -> None:
    client = make_client("retry_after_then_ok:s=30")
    token = llmwire.CancelToken()
    outcomes: list[BaseException] = []
    waiting = threading.Semaphore(0)
    client.on_event(lambda event: waiting.release() if event["decision"] == "retry" else None)

    def call() -> None:
        try:
            client.chat(USER_HI, cancel=token)
        except BaseException as error:
            outcomes.append(error)

    threads = [threading.Thread(target=call) for _ in range(3)]
    for thread in threads:
        thread.start()
    for _ in threads:
        assert waiting.acquire(timeout=10)
    token.cancel()
    for thread in threads:
        thread.join(10)
    assert [type(error) for error in outcomes] == [llmwire.Cancelled] * 3


def test_cancel_rejects_things_that_are_not_tokens(make_client: Callable[..., llmwire.Client]) -> None:
    with pytest.raises(TypeError, match="CancelToken"):
        make_client().chat(USER_HI, cancel=True)  # type: ignore[arg-type]


def test_achat_returns_the_completion(make_client: Callable[..., llmwire.Client]) -> None:
    client = make_client("echo")
    reply = asyncio.run(client.achat({"messages": [{"role": "user", "content": "async hi"}]}))
    assert reply["choices"][0]["message"]["content"] == "async hi"


def test_achat_does_not_block_the_event_loop(make_client: Callable[..., llmwire.Client]) -> None:
    client = make_client("echo:delay_ms=400")

    async def main() -> tuple[int, dict[str, Any]]:
        ticks = 0
        done = asyncio.Event()

        async def ticker() -> None:
            nonlocal ticks
            while not done.is_set():
                ticks += 1
                await asyncio.sleep(0.01)

        ticking = asyncio.create_task(ticker())
        try:
            reply = await client.achat(USER_HI)
        finally:
            done.set()
            await ticking
        return ticks, reply

    ticks, reply = asyncio.run(main())
    assert reply["choices"][0]["message"]["content"] == "hi"
    assert ticks >= 10  # ~40 expected in 400 ms; a blocked loop would tick once


def test_achat_runs_calls_concurrently(make_client: Callable[..., llmwire.Client]) -> None:
    client = make_client("echo:delay_ms=300")

    async def main() -> list[dict[str, Any]]:
        requests = [{"messages": [{"role": "user", "content": f"n{i}"}]} for i in range(12)]
        return await asyncio.gather(*(client.achat(request) for request in requests))

    started = time.monotonic()
    replies = asyncio.run(main())
    elapsed = time.monotonic() - started
    assert [r["choices"][0]["message"]["content"] for r in replies] == [f"n{i}" for i in range(12)]
    assert elapsed < 12 * 0.3 / 2  # far less than one after the other


def test_cancelling_the_task_cancels_the_call(make_client: Callable[..., llmwire.Client]) -> None:
    client = make_client("retry_after_then_ok:s=30")
    retrying = threading.Event()
    client.on_event(lambda event: retrying.set() if event["decision"] == "retry" else None)
    before = threading.active_count()

    async def main() -> None:
        task = asyncio.create_task(client.achat(USER_HI))
        loop = asyncio.get_running_loop()
        assert await loop.run_in_executor(None, retrying.wait, 10)
        # The call now waits 30 s before its retry, on a library thread (no Python thread).
        assert threading.active_count() <= before + 1  # + the executor's thread
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    started = time.monotonic()
    asyncio.run(main())
    # The library reports the cancelled call on its own thread, at once.
    while client.metrics()["failures_by_class"].get("cancelled") != 1:
        assert time.monotonic() - started < 5, "the call was not cancelled"  # not the 30 s asked
        time.sleep(0.01)


def test_achat_honours_a_callers_token(make_client: Callable[..., llmwire.Client]) -> None:
    client = make_client("retry_after_then_ok:s=30")
    token = llmwire.CancelToken()
    cancel_on_first_retry(client, token)

    async def main() -> None:
        with pytest.raises(llmwire.Cancelled):
            await client.achat(USER_HI, cancel=token)

    started = time.monotonic()
    asyncio.run(main())
    assert time.monotonic() - started < 5
