"""The package's type hints hold: mypy --strict passes on it as installed (with py.typed)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import llmwire

USAGE = '''
from typing import Optional
import llmwire
from llmwire import AsyncOpenAI, OpenAI

client = OpenAI(base_url="http://127.0.0.1:9/v1", timeout=5.0, max_retries=1)
completion = client.chat.completions.create(model="m", messages=[{"role": "user", "content": "hi"}])
content: Optional[str] = completion.choices[0].message.content
total: int = completion.usage.total_tokens if completion.usage else 0
calls = completion.choices[0].message.tool_calls or []
arguments: str = calls[0].function.arguments if calls else ""
dumped: dict[str, object] = completion.model_dump()
text: str = completion.model_dump_json()
with client.chat.completions.create(model="m", messages=[], stream=True) as stream:
    for chunk in stream:
        piece: Optional[str] = chunk.choices[0].delta.content
try:
    pass
except llmwire.RateLimitError as error:
    status: Optional[int] = error.status_code
    attempts: int = len(error.attempts)
    summary: str = error.summary

async def main() -> None:
    async_client = AsyncOpenAI()
    reply = await async_client.chat.completions.create(model="m", messages=[])
    later: Optional[str] = reply.choices[0].message.content
    chunks = await async_client.chat.completions.create(model="m", messages=[], stream=True)
    async for chunk in chunks:
        more: Optional[str] = chunk.choices[0].delta.content
'''


def test_package_and_its_openai_interface_pass_mypy_strict(tmp_path: Path) -> None:
    mypy: Any = pytest.importorskip("mypy.api")
    usage = tmp_path / "usage.py"
    usage.write_text(USAGE, encoding="utf-8")
    cache = str(tmp_path / "cache")
    for target in (["-p", "llmwire"], [str(usage)]):
        stdout, stderr, status = mypy.run(["--strict", "--no-incremental", "--cache-dir", cache, *target])
        assert status == 0, f"{target}: {stdout}{stderr} (llmwire from {llmwire.__file__})"
