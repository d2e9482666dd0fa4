"""The interpreter exits cleanly right after calls that ran on the library's threads.

A library thread still inside a completion callback when the interpreter shuts down would ask for
the GIL during shutdown; CPython ends such a thread with a forced unwind, which aborts the process
("FATAL: exception not rethrown"). The exit handler must wait until every callback has returned.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

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
