#!/usr/bin/env python3
"""llmwire demo in Python: what a robust client does that the usual ones don't.

The scenes of examples/demo.c, through the Python binding, against the bundled simulated provider
(`make demo` starts it and sets LLMWIRE_MOCK_ORIGIN). Each scene makes real HTTP calls and prints
what happened, attempt by attempt, as reported by the client's event hook. Without `make`:

    cargo build && scripts/with-mock.sh -- python3 examples/demo.py
"""

from __future__ import annotations

import os
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

try:
    import llmwire
except ModuleNotFoundError as missing:
    if missing.name != "llmwire":
        raise
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bindings" / "python"))
    import llmwire

HELLO = {"messages": [{"role": "user", "content": "Hello, robust world"}]}
BAD_GEMINI = {
    "model": "models/gemini-2.5-flash",
    "messages": [{"role": "user", "content": "Weather in Paris?"}],
    "tools": [
        {
            "type": "function",
            "function": {
                "name": "get_weather",
                "parameters": {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {"city": {"type": ["string", "null"]}},
                },
            },
        }
    ],
}


def print_attempt(event: dict[str, Any]) -> None:
    """The event hook: one line per attempt, as the library reports it."""
    n, status = event["attempt"], event["http_status"] or "-"
    if event["decision"] == "done":
        print(f"    attempt {n}: HTTP {status}, a usable completion")
    elif event["decision"] == "retry":
        print(f"    attempt {n}: {event['class']} (HTTP {status}) -> retry in {event['delay_ms']} ms ({event['delay_source']})")
    else:
        print(f"    attempt {n}: {event['class']} (HTTP {status}) -> stop: {event['stop_reason']}")


# Every client's counters, added up as each client is closed (Prometheus series -> value), and the
# number of calls the demo made: the metrics scene shows that the two agree.
TOTALS: dict[str, float] = {}
CALLS_MADE = 0


def tally(client: llmwire.Client) -> None:
    """Adds a client's counters (the `_total` series) to the demo's totals."""
    for line in client.metrics("prometheus").splitlines():
        series, _, value = line.rpartition(" ")
        if series and not line.startswith("#") and series.split("{")[0].endswith("_total"):
            TOTALS[series] = TOTALS.get(series, 0.0) + float(value)


@contextmanager
def client(origin: str, path: str, **config: Any) -> Iterator[llmwire.Client]:
    """A Gemini client for one mock scenario and session, reporting its attempts; its counters go
    to the demo's totals when the block ends."""
    created = llmwire.Client(
        provider="gemini", base_url=origin + path, api_key="demo-key", model="gemini-2.5-flash", **config
    )
    created.on_event(print_attempt)
    with created:
        yield created
        tally(created)


def scene(title: str, what_others_do: str) -> None:
    print(f"\n== {title}\n   ({what_others_do})")


def call(client: llmwire.Client, request: dict[str, Any]) -> None:
    """Makes the call and prints the outcome: the answer, or the failure's one-line summary."""
    global CALLS_MADE
    CALLS_MADE += 1
    try:
        completion = client.chat(request)
    except llmwire.Error as error:  # one subclass per class: llmwire.QuotaExhausted, …
        print(f"  => llmwire.{type(error).__name__}: {error.summary}")
        return
    print(f'  => answer: "{completion["choices"][0]["message"]["content"]}"')
    for repair in completion["llmwire"].get("repairs", []):
        print(f"     repaired {repair['path']}: {repair['code']}")


def long_conversation() -> dict[str, Any]:
    """A system prompt, 60 question/answer turns, and the newest question."""
    messages: list[dict[str, Any]] = [{"role": "system", "content": "Be brief."}]
    for turn in range(60):
        messages.append({"role": "user", "content": "".join(f"question {turn} part {p}, " for p in range(40))})
        messages.append({"role": "assistant", "content": "".join(f"answer {turn} part {p}, " for p in range(40))})
    messages.append({"role": "user", "content": "And the newest question?"})
    return {"model": "gpt-4", "max_tokens": 500, "messages": messages}


def print_fleet_event(event: dict[str, Any]) -> None:
    """The event hook of the fleet scenes: attempts with their target, state changes, failovers."""
    if event["event"] == "failover":
        print(f"    failover {event['from']} -> {event['to']} after {event['class']}")
    elif event["event"] == "target":
        until = f" for {event['until_ms'] - int(time.time() * 1000)} ms" if event.get("until_ms") else ""
        print(f"    target {event['target']}: {event['transition']}{until}")
    elif event["decision"] == "done":
        print(f"    attempt {event['attempt']} on {event['target']}: HTTP {event['http_status']}, a usable completion")
    else:
        print(f"    attempt {event['attempt']} on {event['target']}: {event['class']} (HTTP {event['http_status']})")


def failover_scene(origin: str) -> None:
    """A primary that fails, a backup that answers, and the primary's breaker opening."""
    global CALLS_MADE
    scene("Failover: a failing primary, a healthy backup", "others fail the call, or retry the dead endpoint")
    with llmwire.Client(
        targets=[
            {"name": "primary", "base_url": origin + "/s/always_500/demo-py-f1/v1", "api_key": "demo-key"},
            {"name": "backup", "base_url": origin + "/s/echo/demo-py-f2/v1", "api_key": "demo-key"},
        ],
        model="gpt-4o-mini",
        fleet={"breaker": {"failures": 2, "cooldown_ms": 30000}},
    ) as fleet:
        fleet.on_event(print_fleet_event)
        for n in range(1, 4):
            print(f"  call {n}:")
            CALLS_MADE += 1
            fleet.chat(HELLO)
        primary = fleet.metrics()["targets"][0]
        print(f"  => the primary is {primary['state']} ({primary['breaker']} breaker) after {primary['attempts']} attempts")
        tally(fleet)


def limits_scene(origin: str) -> None:
    """Client-side limits: calls over the rate wait for their slot instead of drawing 429s."""
    global CALLS_MADE
    scene("Client-side limits: 3 requests a second, 6 calls", "others send them all and collect 429s")
    with llmwire.Client(
        targets=[{"name": "limited", "base_url": origin + "/s/echo/demo-py-l1/v1", "api_key": "demo-key",
                  "limits": {"rpm": 3, "window_ms": 1000}}],
        model="gpt-4o-mini",
    ) as limited:
        started = time.monotonic()
        for n in range(1, 7):
            CALLS_MADE += 1
            limited.chat(HELLO)
            print(f"  call {n} answered at {time.monotonic() - started:4.1f} s")
        tally(limited)


def main() -> int:
    origin = os.environ.get("LLMWIRE_MOCK_ORIGIN")
    if not origin:
        print("demo: run it with `make demo` (it needs LLMWIRE_MOCK_ORIGIN)", file=sys.stderr)
        return 2
    print(f"llmwire {llmwire.version()} demo against the simulated provider at {origin}")

    scene("1. An invalid Gemini request is caught before it is sent", "others send it and get a 400 they cannot read")
    with client(origin, "/s/echo/demo-py-1/v1beta/openai") as strict:
        call(strict, BAD_GEMINI)
    print('   ... and with "validation": "repair" it is fixed and sent:')
    with client(origin, "/s/echo/demo-py-1/v1beta/openai", validation="repair") as repairing:
        call(repairing, BAD_GEMINI)

    scene(
        "2. Gemini's list-wrapped 400 is read, and not retried",
        'others cannot parse the list, retry, and print "no more retries left"',
    )
    with client(origin, "/s/gemini_unknown_field_400/demo-py-2/v1beta/openai", validation="off") as listed:
        call(listed, HELLO)

    scene("3. A per-day quota is not retried", "others retry a quota that is gone until tomorrow")
    with client(origin, "/s/quota_exhausted/demo-py-3/v1beta/openai") as quota:
        call(quota, HELLO)

    scene("4. Gemini's RetryInfo delay (in the body) is honoured", "others ignore it, retry too early, and give up")
    with client(origin, "/s/retry_info_then_ok:ms=1000/demo-py-4/v1beta/openai") as hinted:
        call(hinted, HELLO)

    scene("5. An overloaded model is ridden out (3 x 503, then OK)", "others give up after their 3rd try")
    with client(origin, "/s/overloaded_then_ok:n=3/demo-py-5/v1beta/openai") as overloaded:
        call(overloaded, HELLO)

    scene("6. A stream, token by token, printed as it arrives", "retried only before the first token reaches you")
    global CALLS_MADE
    with client(origin, "/s/echo:chunk_delay_ms=80/demo-py-6/v1beta/openai") as streaming:
        streaming.on_event(None)  # keep the tokens on one line
        print("  => ", end="", flush=True)
        request = {"messages": [{"role": "user", "content": "streamed one token at a time"}]}
        CALLS_MADE += 1
        started, pieces = time.monotonic(), 0
        with streaming.stream(request) as chunks:
            for chunk in chunks:
                for choice in chunk["choices"]:
                    text = choice["delta"].get("content")
                    if text:
                        print(text, end="", flush=True)
                        pieces += 1
        print(f"\n     ({pieces} pieces over {(time.monotonic() - started) * 1000:.0f} ms, each printed on arrival)")

    scene(
        "7. A conversation over gpt-4's 8k window is trimmed before it is sent",
        "others send it and get a 400 no retry can cure",
    )
    with llmwire.Client(
        provider="openai",
        base_url=origin + "/s/echo/demo-py-7/v1",
        api_key="demo-key",
        context={"on_overflow": "trim"},
    ) as trimming:
        trimming.on_event(print_attempt)
        CALLS_MADE += 1
        completion = trimming.chat(long_conversation())
        report = completion["llmwire"]["trimmed"][0]
        print(
            f"  => dropped the {report['dropped_turns']} oldest turns: about "
            f"{report['estimated_tokens_before']} -> {report['estimated_tokens_after']} tokens; "
            "the system prompt and the newest question kept"
        )
        print(f'  => answer: "{completion["choices"][0]["message"]["content"]}"')
        tally(trimming)

    failover_scene(origin)
    limits_scene(origin)

    shared_limit_scene(origin)

    scene("8. Metrics, per class (Prometheus text), over every client of this demo", "for dashboards and alerts")
    for series, value in TOTALS.items():
        if value:
            print(f"   {series} {value:g}")
    print(f"   (this demo made {CALLS_MADE} calls)")
    return 0


# --- Shared limit across processes (Redis) -------------------------------------------------------
# A self-contained scene: two processes of this script share one limit of 3 requests a second
# through a redis-server the scene starts (and stops) itself; skipped when none is installed.


def shared_limit_worker(name: str, origin: str, redis_url: str, namespace: str, started: float) -> None:
    """One of the two processes: three calls under the shared limit, each printed when answered."""
    with llmwire.Client(
        targets=[{"name": "limited", "base_url": origin + "/s/echo/demo-py-shared/v1", "api_key": "demo-key",
                  "limits": {"rpm": 3, "window_ms": 1000}}],
        model="gpt-4o-mini",
        coordination={"backend": "redis", "url": redis_url, "namespace": namespace},
    ) as shared:
        for n in range(1, 4):
            shared.chat(HELLO)
            print(f"  process {name}: call {n} answered at {time.time() - started:4.1f} s", flush=True)


def shared_limit_scene(origin: str) -> None:
    """Two processes, one limit: Redis holds the window both reserve from."""
    import shutil
    import socket
    import subprocess

    scene("Shared limit: 2 processes, 3 requests a second between them (Redis)",
          "others limit each process alone, so together they send twice the rate")
    server = shutil.which("redis-server")
    if server is None:
        print("  skipped: redis-server is not installed (apt-get install redis-server)")
        return
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    redis = subprocess.Popen([server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
                break
            except OSError:
                time.sleep(0.05)
        url, namespace, started = f"redis://127.0.0.1:{port}/0", f"demo-{os.getpid()}", time.time()
        workers = [subprocess.Popen([sys.executable, __file__, "--shared-limit-worker", name, origin, url, namespace,
                                     str(started)]) for name in ("A", "B")]
        for worker in workers:
            worker.wait()
        print("  => 3 calls at once, the other 3 a second later: never more than 3 a second between the two processes")
    finally:
        redis.kill()
        redis.wait()


if __name__ == "__main__" and sys.argv[1:2] == ["--shared-limit-worker"]:
    worker_name, worker_origin, worker_url, worker_namespace, worker_started = sys.argv[2:7]
    shared_limit_worker(worker_name, worker_origin, worker_url, worker_namespace, float(worker_started))
    sys.exit(0)


if __name__ == "__main__":
    sys.exit(main())
