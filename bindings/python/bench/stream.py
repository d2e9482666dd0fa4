#!/usr/bin/env python3
"""Streaming throughput of the Python binding against the `openai` package, in one run.

One stream of about 500 chunks (`llmwire mock`'s `echo` scenario answers a 500-word message with
one chunk per word) on loopback, read to the end, repeated; each round reads one stream with every
client in turn, so that all of them meet the same load. Reported as chunks per second (best and
median of the rounds) for:

- ``llmwire stream``: ``Client.stream`` (a plain iterator);
- ``llmwire astream``: ``Client.astream`` under asyncio;
- ``openai stream`` and ``openai async stream``: ``chat.completions.create(stream=True)`` with
  ``openai.OpenAI`` / ``openai.AsyncOpenAI`` (when the package is installed; it is not a
  dependency of the binding: ``pip install openai`` into the same environment, e.g. build/venv-python).

    python3 bindings/python/bench/stream.py [--rounds 20] [--words 500]

Use a release build (LLMWIRE_LIB=target/release/libllmwire.so). The mock binary is
LLMWIRE_MOCK_BIN, else `llmwire` beside the loaded library.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path
from typing import Any, Callable, Optional

try:
    import llmwire
except ModuleNotFoundError as missing:
    if missing.name != "llmwire":
        raise
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    import llmwire

from overhead import MODEL, start_mock  # the benchmark next to this one


def measure(readers: list[tuple[str, Callable[[], int]]], rounds: int) -> list[dict[str, Any]]:
    """Reads one stream with each reader per round, in turn, so that every reader meets the same
    load on a shared machine; returns each reader's chunks per stream and rates."""
    for _, read_one in readers:
        for _ in range(3):  # warm-up: connection, caches
            read_one()
    rates: dict[str, list[float]] = {label: [] for label, _ in readers}
    chunks: dict[str, int] = {}
    for _ in range(rounds):
        for label, read_one in readers:
            started = time.perf_counter()
            chunks[label] = read_one()
            rates[label].append(chunks[label] / (time.perf_counter() - started))
    return [
        {
            "label": label,
            "chunks": chunks[label],
            "best": max(rates[label]),
            "median": statistics.median(rates[label]),
        }
        for label, _ in readers
    ]


# The event loops of the async readers, shut down at the end: a loop left open leaves the async
# generators its streams were read through unfinished ("Task was destroyed but it is pending").
LOOPS: list[asyncio.AbstractEventLoop] = []


def new_loop() -> asyncio.AbstractEventLoop:
    loop = asyncio.new_event_loop()
    LOOPS.append(loop)
    return loop


def close_loops() -> None:
    for loop in LOOPS:
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()


def llmwire_sync(base_url: str, messages: list[dict[str, str]]) -> Callable[[], int]:
    client = llmwire.Client(base_url=base_url, model=MODEL, api_key="sk-bench")

    def read_one() -> int:
        return sum(1 for _ in client.stream({"messages": messages}))

    return read_one


def llmwire_async(base_url: str, messages: list[dict[str, str]]) -> Callable[[], int]:
    client = llmwire.Client(base_url=base_url, model=MODEL, api_key="sk-bench")
    loop = new_loop()

    async def read() -> int:
        return len([chunk async for chunk in client.astream({"messages": messages})])

    return lambda: loop.run_until_complete(read())


def openai_sync(base_url: str, messages: list[dict[str, str]]) -> Optional[Callable[[], int]]:
    try:
        import openai
    except ImportError:
        return None
    client = openai.OpenAI(base_url=base_url, api_key="sk-bench", max_retries=0)

    def read_one() -> int:
        stream = client.chat.completions.create(model=MODEL, messages=messages, stream=True)  # type: ignore[arg-type]
        return sum(1 for _ in stream)

    return read_one


def openai_async(base_url: str, messages: list[dict[str, str]]) -> Optional[Callable[[], int]]:
    try:
        import openai
    except ImportError:
        return None
    client = openai.AsyncOpenAI(base_url=base_url, api_key="sk-bench", max_retries=0)
    loop = new_loop()

    async def read() -> int:
        stream = await client.chat.completions.create(model=MODEL, messages=messages, stream=True)  # type: ignore[arg-type]
        return len([chunk async for chunk in stream])

    return lambda: loop.run_until_complete(read())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--words", type=int, default=500)
    args = parser.parse_args()
    mock, base_url = start_mock(fast=False)
    messages = [{"role": "user", "content": " ".join(f"w{i}" for i in range(args.words))}]
    try:
        readers = []
        for label, make in (
            ("llmwire stream", llmwire_sync),
            ("llmwire astream", llmwire_async),
            ("openai stream", openai_sync),
            ("openai async stream", openai_async),
        ):
            read_one = make(base_url, messages)
            if read_one is None:
                print(f"{label}: skipped (pip install openai to compare)")
                continue
            readers.append((label, read_one))
        results = measure(readers, args.rounds)
        for result in results:
            print(
                f"{result['label']:<22} {result['chunks']:>4} chunks/stream  "
                f"{result['best']:>9,.0f} chunks/s best  {result['median']:>9,.0f} median"
            )
        by_label = {result["label"]: result for result in results}
        for ours, theirs in (("llmwire stream", "openai stream"), ("llmwire astream", "openai async stream")):
            if ours in by_label and theirs in by_label:
                ratio = by_label[ours]["median"] / by_label[theirs]["median"]
                print(f"{ours} / {theirs}: {ratio:.1f}x (medians)")
    finally:
        close_loops()
        assert mock.stdin is not None
        mock.stdin.close()
        mock.wait(timeout=10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
