"""achat and astream on the library's own threads: no Python thread per call, chunks in batches
with backpressure, cancellation from the task or a token, interpreter exit with calls pending."""

from __future__ import annotations

import asyncio
import gc
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Callable

import pytest

import llmwire

from conftest import USER_HI, Mock


def os_threads() -> int:
    """The process's threads as the kernel counts them (Python's and the library's)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("Threads:"):
            return int(line.split()[1])
    raise AssertionError("no Threads line in /proc/self/status")


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux /proc")
def test_1000_concurrent_achat_calls_start_no_python_thread(
    make_client: Callable[..., llmwire.Client],
) -> None:
    client = make_client("slow_headers:delay_ms=1000")
    python_before = threading.active_count()
    peak = {"python": 0, "os": 0}

    async def main() -> list[dict[str, Any]]:
        calls = [
            asyncio.ensure_future(client.achat({"messages": [{"role": "user", "content": f"n{i}"}]}))
            for i in range(1000)
        ]
        await asyncio.sleep(0.3)  # every call has started and waits on the network
        peak["python"] = threading.active_count()
        peak["os"] = os_threads()
        return await asyncio.gather(*calls)

    started = time.monotonic()
    replies = asyncio.run(main())
    elapsed = time.monotonic() - started
    assert [r["choices"][0]["message"]["content"] for r in replies] == [f"n{i}" for i in range(1000)]
    assert peak["python"] == python_before, "achat started Python threads"
    # The library runs them on its pool (default cap 512): far fewer OS threads than calls.
    assert peak["os"] <= 512 + 64, peak
    print(f"1000 achat calls to a 1 s endpoint: {elapsed:.2f} s, peak OS threads {peak['os']}")
    assert elapsed < 10  # 2 waves of 1 s through a 512-thread cap, with a margin for load


def test_astream_yields_every_chunk_then_the_response(make_client: Callable[..., llmwire.Client]) -> None:
    client = make_client("echo")
    words = " ".join(f"w{i}" for i in range(300))

    async def main() -> tuple[str, int, llmwire.AsyncChatStream]:
        text = ""
        count = 0
        async with client.astream({"messages": [{"role": "user", "content": words}]}) as chunks:
            async for chunk in chunks:
                count += 1
                if chunk["choices"]:
                    text += chunk["choices"][0]["delta"].get("content") or ""
        return text, count, chunks

    text, count, chunks = asyncio.run(main())
    assert text.split() == words.split()
    assert count >= 300
    assert chunks.response["choices"][0]["message"]["content"] == text
    assert repr(chunks) == "<llmwire.AsyncChatStream completed>"


def test_an_unread_astream_pauses_the_library(make_client: Callable[..., llmwire.Client]) -> None:
    client = make_client("echo")
    words = " ".join(f"w{i}" for i in range(400))

    async def main() -> int:
        chunks = client.astream({"messages": [{"role": "user", "content": words}]}, max_buffered_chunks=8)
        await asyncio.sleep(0.3)  # ample for a loopback stream to end, were it read ahead
        assert not chunks.call.finished, "the call cannot end while its chunks wait unread"
        assert chunks._flow._unread < 2 * 8  # paused at 8, plus at most the batch that got there
        return len([chunk async for chunk in chunks])

    assert asyncio.run(main()) >= 400


def test_a_dropped_astream_is_cancelled_when_collected(make_client: Callable[..., llmwire.Client]) -> None:
    client = make_client("stream_stall:chunks=1,stall_ms=30000")

    async def main() -> None:
        chunks = client.astream(USER_HI)
        assert (await chunks.__anext__())["object"] == "chat.completion.chunk"
        call = chunks.call
        del chunks
        gc.collect()
        until = time.monotonic() + 10  # a bound, not a synchronisation
        while not call.finished and time.monotonic() < until:
            await asyncio.sleep(0.005)
        assert call.finished, "the dropped stream's call did not stop"

    asyncio.run(main())
    assert client.metrics()["failures_by_class"]["cancelled"] == 1


def test_astream_failure_raises_after_the_chunks_before_it(make_client: Callable[..., llmwire.Client]) -> None:
    client = make_client("stream_error_after_chunks:chunks=3,n=9", retry={"max_attempts": 1})

    async def main() -> list[Any]:
        seen: list[Any] = []
        with pytest.raises(llmwire.Error) as failure:
            async for chunk in client.astream(USER_HI):
                seen.append(chunk)
        assert failure.value.stop_reason in ("stream_started", "max_attempts", "not_retryable")
        return seen

    assert len(asyncio.run(main())) == 3


def test_cancelling_a_task_reading_astream_cancels_the_call(make_client: Callable[..., llmwire.Client]) -> None:
    client = make_client("stream_stall:chunks=1,stall_ms=30000")

    async def main() -> None:
        chunks = client.astream(USER_HI)

        async def read() -> None:
            async for _ in chunks:
                pass

        task = asyncio.create_task(read())
        await asyncio.sleep(0.2)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(main())


def test_a_token_cancels_achat_waiting_in_backoff(make_client: Callable[..., llmwire.Client]) -> None:
    client = make_client("retry_after_then_ok:s=30")
    token = llmwire.CancelToken()

    async def main() -> None:
        call = asyncio.ensure_future(client.achat(USER_HI, cancel=token))
        await asyncio.sleep(0.2)
        token.cancel()
        with pytest.raises(llmwire.Cancelled):
            await call

    started = time.monotonic()
    asyncio.run(main())
    assert time.monotonic() - started < 5


def test_max_threads_is_reported_and_checked() -> None:
    assert llmwire.max_threads() == 512
    with pytest.raises(ValueError):
        llmwire.set_max_threads(0)


def test_interpreter_exit_with_calls_pending_neither_hangs_nor_crashes(mock: Mock) -> None:
    script = f"""
import asyncio, llmwire
client = llmwire.Client(base_url={mock.url("slow_headers:delay_ms=20000")!r}, api_key="sk-test", model="m")
async def main():
    calls = [asyncio.ensure_future(client.achat({{"messages": [{{"role": "user", "content": "hi"}}]}}))
             for _ in range(4)]
    await asyncio.sleep(0.2)
    print("exiting", flush=True)
asyncio.run(main())
"""
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60,
        env={**__import__("os").environ, "PYTHONPATH": str(Path(llmwire.__file__).parent.parent)},
    )
    assert done.returncode == 0, done.stderr
    assert "exiting" in done.stdout
    assert time.monotonic() - started < 15  # not the 20 s the answers would take
