"""No leak across many calls: every string and error object handed out is freed.

Resident memory (VmRSS from /proc/self/status) is measured after a warm-up and again after 10,000
rounds of classify + validate + error paths; the growth must stay under a generous bound.
"""

from __future__ import annotations

import gc
import sys
from typing import Any, Callable

import pytest

import llmwire

from conftest import USER_HI, has_validator

ROUNDS = 10_000
BOUND_KB = 8 * 1024

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="reads VmRSS from /proc/self/status"
)


def rss_kb() -> int:
    gc.collect()
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS line")


def report(capsys: pytest.CaptureFixture[str], what: str, before: int, after: int) -> None:
    with capsys.disabled():
        print(
            f"\n[leak check] {what}: VmRSS {before} kB -> {after} kB "
            f"(growth {after - before} kB, bound {BOUND_KB} kB)"
        )


def test_no_leak_across_10k_classify_validate_and_error_rounds(
    make_client: Callable[..., llmwire.Client], capsys: pytest.CaptureFixture[str]
) -> None:
    client = make_client("echo")
    cancelled = llmwire.CancelToken()
    cancelled.cancel()
    classify_input = {
        "provider": "auto",
        "status": 429,
        "headers": {"retry-after": "2"},
        "body": '{"error": {"message": "Rate limit reached", "type": "requests", "code": "rate_limit_exceeded"}}',
    }
    request = {"model": "gpt-4o", "messages": [{"role": "user", "content": "hello " * 50}]}
    validating = has_validator()

    def one_round() -> None:
        assert llmwire.classify(classify_input)["class"] == "rate_limited"
        if validating:
            llmwire.validate(request, provider="openai")
        try:
            llmwire.classify({"status": "not a number"})
        except llmwire.InvalidArgument:
            pass
        try:
            llmwire.Client(not_a_key=True)
        except llmwire.InvalidConfig:
            pass
        try:
            client.chat(USER_HI, cancel=cancelled)
        except llmwire.Cancelled as error:
            assert error.details

    for _ in range(1000):  # warm-up: allocator pools, caches, lazy statics
        one_round()
    before = rss_kb()
    for _ in range(ROUNDS):
        one_round()
    after = rss_kb()
    report(capsys, f"{ROUNDS} rounds of classify{' + validate' if validating else ''} + 3 error paths", before, after)
    assert after - before < BOUND_KB


def test_no_leak_across_successful_calls_and_streams(
    make_client: Callable[..., llmwire.Client], capsys: pytest.CaptureFixture[str]
) -> None:
    client = make_client("echo")
    events: list[dict[str, Any]] = []
    client.on_event(events.append)

    def one_round(n: int) -> None:
        reply = client.chat({"messages": [{"role": "user", "content": f"call {n}"}]})
        assert reply["choices"][0]["message"]["content"] == f"call {n}"
        if n % 10 == 0:
            assert len(list(client.stream({"messages": [{"role": "user", "content": "s t"}]}))) >= 2
        events.clear()

    for n in range(200):
        one_round(n)
    before = rss_kb()
    for n in range(2000):
        one_round(n)
    after = rss_kb()
    report(capsys, "2000 chats + 200 streams with an event callback", before, after)
    assert after - before < BOUND_KB
