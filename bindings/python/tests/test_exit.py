"""The interpreter exits cleanly right after calls that ran on the library's threads, and with
streams still open on them.

A library thread still inside a completion callback when the interpreter shuts down would ask for
the GIL during shutdown; CPython ends such a thread with a forced unwind, which aborts the process
("FATAL: exception not rethrown"). The exit handler must wait until every callback has returned.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time

from conftest import Mock

PROGRAM = textwrap.dedent(
    """
    import asyncio, sys
    import llmwire

    async def main(url):
        client = llmwire.Client(base_url=url, model="m")
        await client.achat({"messages": [{"role": "user", "content": "first"}]})
        async for _ in client.astream({"messages": [{"role": "user", "content": "hi there"}]}):
            pass
        for _ in client.stream({"messages": [{"role": "user", "content": "and again"}]}):
            pass
        # The client is deliberately left open: exit must cope with it.

    asyncio.run(main(sys.argv[1]))
    """
)


def test_exit_right_after_library_thread_calls_never_aborts(mock: Mock) -> None:
    # Without the wait, about half of such exits aborted; ten in a row makes a pass by luck unlikely.
    for run in range(10):
        result = subprocess.run(
            [sys.executable, "-c", PROGRAM, mock.url("echo", f"exit-{run}")],
            capture_output=True,
            text=True,
            timeout=60,
            env=dict(os.environ),
        )
        assert result.returncode == 0, (run, result.returncode, result.stderr)


OPEN_STREAMS = textwrap.dedent(
    """
    import sys, time
    import llmwire

    def ask(text):
        return {"messages": [{"role": "user", "content": text}]}

    # One stream waits on a server that stalls, one is paused by its unread chunks; neither is
    # closed, and the interpreter exits while their calls still run on the library's threads.
    stalled = llmwire.Client(base_url=sys.argv[1], model="m").stream(ask("a b c"))
    next(stalled)
    words = " ".join(f"w{n}" for n in range(400))
    paused = llmwire.Client(base_url=sys.argv[2], model="m").stream(ask(words), max_buffered_chunks=4)
    next(paused)
    time.sleep(0.1)
    print("exiting", flush=True)
    """
)


def test_exit_with_sync_streams_open_neither_hangs_nor_crashes(mock: Mock) -> None:
    for run in range(3):
        started = time.monotonic()
        result = subprocess.run(
            [
                sys.executable,
                "-c",
                OPEN_STREAMS,
                mock.url("stream_stall:chunks=1,stall_ms=30000", f"stalled-{run}"),
                mock.url("echo", f"paused-{run}"),
            ],
            capture_output=True,
            text=True,
            timeout=60,
            env=dict(os.environ),
        )
        elapsed = time.monotonic() - started
        assert result.returncode == 0, (run, result.returncode, result.stderr)
        assert "exiting" in result.stdout
        assert result.stderr == ""
        assert elapsed < 15, elapsed  # not the 30 s the stalled server would take
