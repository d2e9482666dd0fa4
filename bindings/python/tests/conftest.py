"""Fixtures: the real library (via LLMWIRE_LIB or discovery) and the real simulated provider.

The session fixture :func:`mock` starts ``llmwire mock --port 0`` as a subprocess, reads the port
from its first stdout line (``llmwire mock listening on http://127.0.0.1:PORT (port PORT)``) and
stops it at the end (it also stops by itself when this process dies: ``--until-stdin-eof``).
Each test gets its own mock session, so tests never share scenario state.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import threading
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Callable, Optional
from urllib.parse import quote

import pytest

import llmwire
from llmwire._native import find_repository

TESTS_DIR = Path(__file__).resolve().parent
SCENARIOS_FILE = TESTS_DIR / "scenarios.json"
#: Scenarios of the compatibility suite (tests/compat), loaded by the same mock.
COMPAT_SCENARIOS_FILE = TESTS_DIR / "compat" / "scenarios.json"

#: Tiny backoff so retries take milliseconds.
FAST_RETRY = {"initial_backoff_ms": 5, "max_backoff_ms": 20, "jitter": "none"}
USER_HI = {"messages": [{"role": "user", "content": "hi"}]}


def mock_binary() -> Path:
    """``LLMWIRE_MOCK_BIN``, else ``llmwire`` next to the loaded library, else target/debug."""
    explicit = os.environ.get("LLMWIRE_MOCK_BIN")
    if explicit:
        return Path(explicit)
    beside_library = Path(llmwire.library_path).resolve().parent / "llmwire"
    if beside_library.is_file():
        return beside_library
    repository = find_repository(TESTS_DIR)
    if repository is None:
        pytest.fail("cannot find the llmwire binary: set LLMWIRE_MOCK_BIN")
    return repository / "target" / "debug" / "llmwire"


class Mock:
    """A running ``llmwire mock``."""

    def __init__(self, process: subprocess.Popen[str], port: int) -> None:
        self.process = process
        self.port = port
        self.origin = f"http://127.0.0.1:{port}"

    def url(self, scenario: str = "echo", session: Optional[str] = None) -> str:
        """A base URL (ending in /v1) selecting ``scenario`` for a fresh (or the given) session."""
        session = session or new_session()
        return f"{self.origin}/s/{quote(scenario, safe='')}/{quote(session, safe='')}/v1"

    def requests(self, session: str) -> list[dict[str, Any]]:
        """What the mock received in ``session``."""
        with urllib.request.urlopen(
            f"{self.origin}/_mock/requests?session={quote(session)}", timeout=10
        ) as response:
            received: list[dict[str, Any]] = json.load(response)["requests"]
            return received


def new_session() -> str:
    return f"py-{uuid.uuid4().hex[:12]}"


def _read_first_line(process: subprocess.Popen[str], timeout: float) -> str:
    assert process.stdout is not None
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.append(process.stdout.readline()), daemon=True)  # type: ignore[union-attr]
    reader.start()
    reader.join(timeout)
    return lines[0] if lines else ""


@pytest.fixture(scope="session")
def mock() -> Iterator[Mock]:
    binary = mock_binary()
    if not binary.is_file():
        pytest.fail(f"the llmwire binary {binary} does not exist: run `cargo build` first")
    process = subprocess.Popen(
        [str(binary), "mock", "--port", "0", "--until-stdin-eof", "--scenarios", str(SCENARIOS_FILE),
         "--scenarios", str(COMPAT_SCENARIOS_FILE)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        first_line = _read_first_line(process, timeout=30)
        match = re.search(r"port (\d+)", first_line)
        if not match:
            process.kill()
            _, stderr = process.communicate(timeout=10)
            if 'unknown command "mock"' in stderr:
                pytest.skip(f"{binary} has no `mock` command yet (the simulated provider is not in this build)")
            pytest.fail(f"llmwire mock did not announce its port: stdout {first_line!r}, stderr {stderr!r}")
        yield Mock(process, int(match.group(1)))
    finally:
        if process.poll() is None:
            assert process.stdin is not None
            process.stdin.close()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.fixture
def make_client(mock: Mock) -> Iterator[Callable[..., llmwire.Client]]:
    """Builds clients for a scenario (each with its own mock session) and closes them afterwards.

    ``make_client("overloaded_then_ok:n=2", retry={"max_attempts": 2}, session="s1")``: ``retry``
    is merged over :data:`FAST_RETRY`; other keywords are client config keys.
    """
    clients: list[llmwire.Client] = []

    def build(scenario: str = "echo", *, session: Optional[str] = None, **config: Any) -> llmwire.Client:
        config.setdefault("base_url", mock.url(scenario, session))
        config.setdefault("model", "mock-model")
        config.setdefault("api_key", "sk-test-not-a-secret")
        config["retry"] = {**FAST_RETRY, **config.get("retry", {})}
        client = llmwire.Client(**config)
        clients.append(client)
        return client

    yield build
    for client in clients:
        client.close()


def has_validator() -> bool:
    return llmwire._native.lib.has("llmwire_validate")


needs_validator = pytest.mark.skipif(
    not has_validator(),
    reason="the loaded library has no llmwire_validate yet (the validator is not on main)",
)


def pytest_report_header() -> list[str]:
    return [
        f"llmwire package: {Path(llmwire.__file__).parent}",
        f"llmwire library: {llmwire.library_path} (version {llmwire.version()}, ABI {llmwire.abi_version()})",
    ]
