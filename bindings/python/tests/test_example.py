"""examples/chat.py works in one command against the simulated provider."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import Mock
from llmwire._native import find_repository

REPOSITORY = find_repository(Path(__file__).resolve().parent)
EXAMPLE = REPOSITORY / "examples" / "chat.py" if REPOSITORY else None

pytestmark = pytest.mark.skipif(
    EXAMPLE is None or not EXAMPLE.is_file(), reason="examples/chat.py is not beside these tests"
)


def run_example(*arguments: str) -> subprocess.CompletedProcess[str]:
    assert EXAMPLE is not None
    return subprocess.run(
        [sys.executable, str(EXAMPLE), *arguments],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "RUST_BACKTRACE": "0"},
    )


def test_example_streams_the_answer(mock: Mock) -> None:
    result = run_example("--base-url", mock.url("echo"), "--model", "mock-model", "hello from the example")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "hello from the example"
    assert "[llmwire] done in 1 attempt(s)" in result.stderr


def test_example_explains_a_failure(mock: Mock) -> None:
    result = run_example("--base-url", mock.url("quota_exhausted"), "--model", "mock-model", "hi")
    assert result.returncode == 1
    assert "[llmwire] error [quota_exhausted]" in result.stderr
    assert "retrying will not help" in result.stderr


def test_readme_streaming_example_prints_the_usage(mock: Mock) -> None:
    """The README's `llmwire.Client` example runs as written (pointed at the mock) and prints usage."""
    assert REPOSITORY is not None
    readme = (REPOSITORY / "bindings" / "python" / "README.md").read_text()
    blocks = [block.split("```", 1)[0] for block in readme.split("```python\n")[1:]]
    code = next(block for block in blocks if "llmwire.Client(" in block)
    assert 'base_url="http://127.0.0.1:8080/v1"' in code
    code = code.replace("http://127.0.0.1:8080/v1", mock.url("echo"))
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=dict(os.environ)
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("Hello [{"), lines  # the reply, then its attempts
    assert lines[1] == "Count to 3", lines  # the streamed echo
    usage = lines[2]
    assert "'prompt_tokens':" in usage and "'completion_tokens':" in usage, lines
