#!/usr/bin/env python3
"""Per-call overhead of the Python binding, against the `openai` package and raw HTTP.

Sequential chat-completions calls over one keep-alive connection to a fast loopback endpoint
(`llmwire mock --fast`: one fixed completion, answered at once, so that what is measured is the
clients), each measured as calls per second and µs per call:

- ``llmwire``: ``llmwire.Client.chat`` (the binding plus the whole Rust call);
- ``openai``: ``openai.OpenAI(...).chat.completions.create`` (when the package is installed;
  ``pip install openai`` in the same environment; it is not a dependency of the binding);
- ``http.client``: the same request and JSON parse with the standard library, a floor for what
  the server and loopback cost from Python;
- ``binding-only``: the binding's Python-side work per call with the Rust call replaced by a
  no-op export (an estimate of what the binding adds over the Rust API).

- ``rust-api`` (with ``--rust``): the same call from a Rust program (``Client::chat``, a
  ``Value`` in and out), run by ``cargo bench --bench client -- fast`` against the same mock, so
  that "what the binding costs over Rust" is one subtraction within one run.

    python3 bindings/python/bench/overhead.py                    # starts `llmwire mock --fast` itself
    python3 bindings/python/bench/overhead.py --base-url http://127.0.0.1:PORT/v1 --calls 5000

By default the benchmark and the mock it starts share one CPU (``--cpus 0``; ``--cpus all`` to
leave placement to the scheduler). Sequential calls then cost what the clients, the server and
the kernel do, rather than how long an idle core takes to wake up, which on a small VM varies
from run to run and from connection to connection by more than a whole call costs.

The mock binary is LLMWIRE_MOCK_BIN, else `llmwire` beside the loaded library. Use a release
build (LLMWIRE_LIB=target/release/libllmwire.so) for figures that mean something.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable, Optional
from urllib.parse import urlsplit

try:
    import llmwire
except ModuleNotFoundError as missing:
    if missing.name != "llmwire":
        raise
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    import llmwire

MESSAGES = [{"role": "user", "content": "ping"}]
# A model llmwire knows, as in the Rust benchmark: an unknown one adds a validation warning to
# every answer (more to build and to parse).
MODEL = "gpt-4o-mini"


def start_mock(fast: bool = True) -> tuple[subprocess.Popen[str], str]:
    """Starts `llmwire mock` (`--fast` unless told otherwise); returns it and its base URL."""
    binary = os.environ.get("LLMWIRE_MOCK_BIN") or str(Path(llmwire.library_path).resolve().parent / "llmwire")
    process = subprocess.Popen(
        [binary, "mock", "--port", "0", "--until-stdin-eof", *(["--fast"] if fast else [])],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    match = re.search(r"port (\d+)", process.stdout.readline())
    if not match:
        process.kill()
        raise SystemExit(f"{binary} mock did not announce its port")
    return process, f"http://127.0.0.1:{match.group(1)}/v1"


def measure(label: str, call: Callable[[], Any], calls: int, rounds: int) -> dict[str, Any]:
    for _ in range(min(200, calls)):  # warm-up: connection, caches
        call()
    per_call = []
    for _ in range(rounds):
        started = time.perf_counter()
        for _ in range(calls):
            call()
        per_call.append((time.perf_counter() - started) / calls)
    best = min(per_call)
    median = statistics.median(per_call)
    return {"label": label, "us_per_call": best * 1e6, "median_us": median * 1e6, "calls_per_s": 1 / best}


def llmwire_call(base_url: str) -> Callable[[], Any]:
    client = llmwire.Client(base_url=base_url, model=MODEL, api_key="sk-bench")
    request = {"messages": MESSAGES}

    def call() -> Any:
        return client.chat(request)

    return call


def binding_python_side(base_url: str) -> Callable[[], Any]:
    """Everything ``Client.chat`` does in Python, with the Rust call replaced by a no-op export.

    Encodes the request, marks the call, makes two foreign calls (standing in for ``llmwire_chat``
    and ``llmwire_string_free``), reads an owned response string and parses it: an estimate of
    the binding's own cost per call, to compare with the ≤ 30 µs target.
    """
    from ctypes import addressof, byref, c_void_p, create_string_buffer, string_at

    from llmwire._ffi import encode_json
    from llmwire._native import ErrorPtr, lib

    client = llmwire.Client(base_url=base_url, model=MODEL, api_key="sk-bench")
    request = {"messages": MESSAGES}
    response = create_string_buffer(json.dumps(client.chat(request)).encode())
    address = addressof(response)

    def call(_keep_alive: Any = response) -> Any:
        encode_json(request, "request")
        client._enter()
        try:
            out = c_void_p()
            error = ErrorPtr()
            byref(out), byref(error)
            lib.llmwire_abi_version()
            text = string_at(address).decode("utf-8", "replace")
            lib.llmwire_string_free(None)
        finally:
            client._leave()
        return json.loads(text)

    return call


def openai_call(base_url: str) -> Optional[Callable[[], Any]]:
    try:
        import openai
    except ImportError:
        return None
    client = openai.OpenAI(base_url=base_url, api_key="sk-bench", max_retries=0)

    def call() -> Any:
        return client.chat.completions.create(model=MODEL, messages=MESSAGES)  # type: ignore[arg-type]

    return call


def raw_http_call(base_url: str) -> Callable[[], Any]:
    parts = urlsplit(base_url)
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port or 80)
    path = parts.path.rstrip("/") + "/chat/completions"
    body = json.dumps({"model": MODEL, "messages": MESSAGES}).encode()
    headers = {"content-type": "application/json", "authorization": "Bearer sk-bench"}

    def call() -> Any:
        connection.request("POST", path, body, headers)
        return json.loads(connection.getresponse().read())

    return call


def rust_api(base_url: str) -> dict[str, Any]:
    """Times ``Client::chat`` from Rust against ``base_url`` with the client benchmark's ``fast`` mode."""
    repo = Path(__file__).resolve().parents[3]
    env = dict(os.environ, LLMWIRE_BENCH_BASE_URL=base_url, LLMWIRE_BENCH_PIN="0")  # already pinned
    run = subprocess.run(
        ["cargo", "bench", "--quiet", "--bench", "client", "--", "fast"],
        cwd=repo, env=env, capture_output=True, text=True, check=True,
    )
    match = re.search(r"chat \(a Value in.*?([0-9.]+) µs/call", run.stdout)
    if not match:
        raise SystemExit(f"unexpected output from the Rust benchmark:\n{run.stdout}{run.stderr}")
    us = float(match.group(1))
    return {"label": "rust-api", "us_per_call": us, "median_us": us, "calls_per_s": 1e6 / us}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base-url", help="an endpoint answering quickly (default: start the mock)")
    parser.add_argument("--calls", type=int, default=2000, help="calls per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--cpus", default="0", help="CPUs to run on, e.g. 0 or 0,1 (default 0), or 'all'")
    parser.add_argument("--rust", action="store_true", help="also time the Rust API (needs cargo)")
    arguments = parser.parse_args()
    if arguments.cpus != "all":
        # Set before the mock starts: it inherits the same CPUs.
        os.sched_setaffinity(0, {int(cpu) for cpu in arguments.cpus.split(",")})
    cpus = ",".join(str(cpu) for cpu in sorted(os.sched_getaffinity(0)))

    mock: Optional[subprocess.Popen[str]] = None
    base_url = arguments.base_url
    if not base_url:
        mock, base_url = start_mock()
    try:
        results = [measure("llmwire", llmwire_call(base_url), arguments.calls, arguments.rounds)]
        openai_function = openai_call(base_url)
        if openai_function is None:
            print("note: the openai package is not installed (pip install openai); skipped", file=sys.stderr)
        else:
            results.append(measure("openai", openai_function, arguments.calls, arguments.rounds))
        results.append(measure("http.client", raw_http_call(base_url), arguments.calls, arguments.rounds))
        results.append(
            measure("binding-only", binding_python_side(base_url), arguments.calls, arguments.rounds)
        )
        if arguments.rust:
            results.append(rust_api(base_url))
    finally:
        if mock is not None and mock.stdin is not None:
            mock.stdin.close()
            mock.wait(10)

    if arguments.json:
        print(json.dumps({"cpus": cpus, "results": results}, indent=2))
        return 0
    print(
        f"library {llmwire.library_path} (version {llmwire.version()}); CPUs {cpus}; "
        f"{arguments.calls} calls x {arguments.rounds} rounds, best round"
    )
    for result in results:
        print(f"  {result['label']:<12} {result['calls_per_s']:>9.0f} calls/s  {result['us_per_call']:>8.1f} µs/call  (median round {result['median_us']:.1f} µs)")
    by_label = {result["label"]: result for result in results}
    if "openai" in by_label:
        ratio = by_label["openai"]["us_per_call"] / by_label["llmwire"]["us_per_call"]
        print(f"  llmwire is {ratio:.1f}x faster per call than openai")
    if "rust-api" in by_label:
        over = by_label["llmwire"]["median_us"] - by_label["rust-api"]["median_us"]
        print(f"  the binding costs {over:.1f} µs per call over the Rust API (median rounds)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
