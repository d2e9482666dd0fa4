"""Targets through the Python binding: the configuration is plain keyword arguments (JSON)."""

from __future__ import annotations

from typing import Any

import pytest

import llmwire

from conftest import USER_HI, Mock


def target(name: str, url: str) -> dict[str, Any]:
    return {"name": name, "base_url": url, "api_key": "sk-test-not-a-secret", "model": "mock-model"}


def test_a_failing_primary_moves_the_call_to_the_backup_and_attempts_name_targets(mock: Mock) -> None:
    with llmwire.Client(
        targets=[target("primary", mock.url("always_500")), target("backup", mock.url("echo"))],
        validation="off",
    ) as client:
        reply = client.chat(USER_HI)
        attempts = reply["llmwire"]["attempts"]
        assert [a["target"] for a in attempts] == ["primary", "backup"]
        assert attempts[0]["delay_source"] == "failover"
        names = [t["name"] for t in client.metrics()["targets"]]
        assert names == ["primary", "backup"]


def test_every_target_cooling_past_the_deadline_raises_with_each_state(mock: Mock) -> None:
    cooling = "retry_after_ms_then_ok:ms=60000"
    with llmwire.Client(
        targets=[target("a", mock.url(cooling)), target("b", mock.url(cooling))],
        timeouts={"deadline_ms": 1000},
        validation="off",
    ) as client:
        with pytest.raises(llmwire.RateLimited) as raised:
            client.chat(USER_HI)
        error = raised.value
        assert error.stop_reason == "all_targets_unavailable"
        assert [(t["name"], t["state"]) for t in error.details["targets"]] == [("a", "cooling"), ("b", "cooling")]
