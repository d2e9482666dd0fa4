"""Programs written for the official ``openai`` package run on llmwire with one line changed.

Each file in ``programs/`` is an ordinary program in the style of the official package's
documentation, except for one import line, marked ``# was: <the official import>``. Each runs
here as its own process, configured as its users would configure the official package (only
``OPENAI_BASE_URL`` and ``OPENAI_API_KEY`` in the environment), against the simulated provider;
the test checks its output and, where it matters, what reached the server.

When the official package is installed in the test environment, the same programs also run with
the marked line restored, so the suite shows that both give the same output.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from conftest import Mock, new_session

PROGRAMS = Path(__file__).resolve().parent / "programs"
MARKED_LINE = re.compile(r"^(?P<line>.*?)\s+# was: (?P<original>.+)$", re.MULTILINE)

#: program → (scenario, the exact output expected).
CASES: dict[str, tuple[str, str]] = {
    "basic.py": ("echo", "Say hello to the compatibility suite.\nstop\n"),
    "system_prompt.py": (
        "echo",
        "assistant Why is the sky blue?\nTrue\nWhy is the sky blue?\nTrue\n",
    ),
    "streaming.py": ("echo", "count one two three\ntotal tokens: True\nand once more\n"),
    "tool_calls.py": (
        "compat_tool_then_answer",
        "tool_calls\ncalling get_weather ['city']\nIt is sunny in the city you asked about.\n",
    ),
    "json_mode.py": ("compat_json_answer", "Mars 2\n"),
    "async_usage.py": (
        "echo",
        "hello from asyncio\nstreamed from asyncio\n['request 0', 'request 1', 'request 2']\n",
    ),
    "error_handling.py": (
        "quota_exhausted",
        "A 429 status code was received; we should back off a bit.\n429\n",
    ),
    "timeouts.py": (
        "slow_headers:delay_ms=3000",
        "timed out\ntimed out again: True\n",
    ),
}


def run_program(source: str, base_url: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    path = tmp_path / "program.py"
    path.write_text(source, encoding="utf-8")
    environment = {
        **os.environ,
        "OPENAI_BASE_URL": base_url,
        "OPENAI_API_KEY": "sk-compat-not-a-secret",
        "PYTHONPATH": "",
    }
    return subprocess.run(
        [sys.executable, str(path)],
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


def marked_line(source: str) -> re.Match[str]:
    marks = list(MARKED_LINE.finditer(source))
    assert len(marks) == 1, f"exactly one line must be marked '# was:', found {len(marks)}"
    return marks[0]


def official_version(source: str) -> str:
    mark = marked_line(source)
    return source[: mark.start()] + mark["original"] + source[mark.end() :]


def test_every_program_has_a_case() -> None:
    assert sorted(path.name for path in PROGRAMS.glob("*.py")) == sorted(CASES)


@pytest.mark.parametrize("program", sorted(CASES))
def test_program_differs_from_its_official_version_in_one_import_line(program: str) -> None:
    source = (PROGRAMS / program).read_text(encoding="utf-8")
    mark = marked_line(source)
    assert mark["line"].startswith(("from llmwire import", "import llmwire as openai"))
    assert mark["original"].startswith(("from openai import", "import openai"))
    assert "llmwire" not in official_version(source)


@pytest.mark.parametrize("program", sorted(CASES))
def test_program_runs_on_llmwire(program: str, mock: Mock, tmp_path: Path) -> None:
    scenario, expected = CASES[program]
    result = run_program((PROGRAMS / program).read_text(encoding="utf-8"), mock.url(scenario), tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == expected, result.stderr


def test_tool_program_sends_the_assistant_message_and_the_tool_result_back(
    mock: Mock, tmp_path: Path
) -> None:
    session = new_session()
    source = (PROGRAMS / "tool_calls.py").read_text(encoding="utf-8")
    result = run_program(source, mock.url("compat_tool_then_answer", session), tmp_path)
    assert result.returncode == 0, result.stderr
    first, second = [request["body"] for request in mock.requests(session)]
    assert first["tools"][0]["function"]["name"] == "get_weather"
    assistant, tool_result = second["messages"][1:]
    call = assistant["tool_calls"][0]
    assert assistant["role"] == "assistant"
    assert call["function"] == {"name": "get_weather", "arguments": '{"city":"mock"}'}
    assert tool_result == {"role": "tool", "tool_call_id": call["id"], "content": "sunny in mock"}


def test_json_program_sends_response_format(mock: Mock, tmp_path: Path) -> None:
    session = new_session()
    source = (PROGRAMS / "json_mode.py").read_text(encoding="utf-8")
    result = run_program(source, mock.url("compat_json_answer", session), tmp_path)
    assert result.returncode == 0, result.stderr
    [request] = mock.requests(session)
    assert request["body"]["response_format"] == {"type": "json_object"}
    assert request["headers"]["authorization"] == "Bearer ***"


@pytest.mark.parametrize(
    ("scenario", "expected"),
    [
        ("model_not_found_404", "Another non-200-range status code was received\n404\nTrue False\n"),
        ("context_length_exceeded", "Another non-200-range status code was received\n400\nFalse True\n"),
    ],
)
def test_error_program_reaches_the_status_branch(
    scenario: str, expected: str, mock: Mock, tmp_path: Path
) -> None:
    source = (PROGRAMS / "error_handling.py").read_text(encoding="utf-8")
    result = run_program(source, mock.url(scenario), tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == expected


def test_error_program_reaches_the_connection_branch(tmp_path: Path) -> None:
    import socket

    with socket.socket() as listener:  # a port nobody listens on once this block ends
        listener.bind(("127.0.0.1", 0))
        port = listener.getsockname()[1]
    source = (PROGRAMS / "error_handling.py").read_text(encoding="utf-8")
    result = run_program(source, f"http://127.0.0.1:{port}/v1", tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "The server could not be reached\n"


def _official_installed() -> bool:
    return importlib.util.find_spec("openai") is not None


@pytest.mark.skipif(not _official_installed(), reason="the official openai package is not installed")
@pytest.mark.parametrize("program", sorted(CASES))
def test_official_package_gives_the_same_output(program: str, mock: Mock, tmp_path: Path) -> None:
    scenario, expected = CASES[program]
    source = official_version((PROGRAMS / program).read_text(encoding="utf-8"))
    result = run_program(source, mock.url(scenario), tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == expected, result.stderr


def test_programs_type_check(tmp_path: Path) -> None:
    mypy: Any = pytest.importorskip("mypy.api")
    stdout, stderr, status = mypy.run(
        ["--strict", "--no-incremental", "--cache-dir", str(tmp_path), str(PROGRAMS)]
    )
    assert status == 0, stdout + stderr
