#!/usr/bin/env python3
"""The `limits` benchmark of benches/fleet.rs with the `openai` package as the client: the baseline.

16 threads, 1,200 calls, against `llmwire mock` limiting requests to 1,200 a minute (20 per 1 s
window), the package's default retries. Prints failed calls, the share of requests answered 429
(counted by the mock) and goodput (completed calls per second over the limit).

    python3 benches/fleet_openai.py [path/to/llmwire]   # needs `pip install openai`
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import threading
import time
import urllib.request

import openai

THREADS = 16
CALLS = 1_200
PER_SECOND = 20


def main() -> int:
    binary = sys.argv[1] if len(sys.argv) > 1 else "target/release/llmwire"
    mock = subprocess.Popen(
        [binary, "mock", "--port", "0", "--until-stdin-eof", "--rpm", str(PER_SECOND), "--limit-window-ms", "1000"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert mock.stdout is not None and mock.stdin is not None
    port = int(re.search(r"port (\d+)", mock.stdout.readline()).group(1))  # type: ignore[union-attr]
    origin = f"http://127.0.0.1:{port}"
    client = openai.OpenAI(base_url=f"{origin}/v1", api_key="bench-key")
    next_call = iter(range(CALLS))
    lock = threading.Lock()
    counts = {"ok": 0, "failed": 0}

    def worker() -> None:
        while True:
            with lock:
                if next(next_call, None) is None:
                    return
            try:
                client.chat.completions.create(
                    model="gpt-4o-mini", messages=[{"role": "user", "content": "How fast is this?"}]
                )
                outcome = "ok"
            except openai.OpenAIError:
                outcome = "failed"
            with lock:
                counts[outcome] += 1

    started = time.monotonic()
    threads = [threading.Thread(target=worker) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    with urllib.request.urlopen(f"{origin}/_mock/limits", timeout=10) as response:
        stats = json.load(response)
    mock.stdin.close()
    mock.wait(timeout=10)
    requests = stats["admitted"] + stats["limited"]
    print(
        f"  {'openai ' + openai.__version__ + ' (default retries)':<34} failed {counts['failed']:>4}  "
        f"429s {stats['limited']:>5} of {requests:>5} requests ({stats['limited'] * 100 / max(requests, 1):5.2f}%)  "
        f"goodput {counts['ok'] / elapsed / PER_SECOND * 100:5.1f}% of the limit  ({elapsed:.1f} s)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
