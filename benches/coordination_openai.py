#!/usr/bin/env python3
"""One worker process of the coordination benchmark's `openai` baseline (benches/coordination.rs).

Runs CALLS chat-completions calls over THREADS threads with the `openai` package's defaults
(max_retries=2, honouring retry-after) against BASE_URL, then prints one JSON line:
{"ok", "failed", "latencies_ms"}.

    python3 benches/coordination_openai.py BASE_URL CALLS THREADS
"""

import json
import sys
import threading
import time

import openai


def main() -> None:
    base_url, calls, threads = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    client = openai.OpenAI(base_url=base_url, api_key="bench-key")
    lock = threading.Lock()
    state = {"next": 0, "ok": 0, "failed": 0, "latencies_ms": []}

    def work() -> None:
        while True:
            with lock:
                if state["next"] >= calls:
                    return
                state["next"] += 1
            started = time.monotonic()
            try:
                client.chat.completions.create(
                    model="gpt-4o-mini",
                    messages=[{"role": "user", "content": "How fast is this?"}],
                )
                outcome = "ok"
            except openai.OpenAIError:
                outcome = "failed"
            elapsed_ms = (time.monotonic() - started) * 1000
            with lock:
                state[outcome] += 1
                state["latencies_ms"].append(elapsed_ms)

    workers = [threading.Thread(target=work) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    del state["next"]
    print(json.dumps(state))


if __name__ == "__main__":
    main()
