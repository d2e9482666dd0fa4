"""llmwire.OpenAI and AsyncOpenAI: official options mapped onto the client configuration,
per-request options, response objects, the official exception fields, streams."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from typing import Any, Optional

import pytest

import llmwire
from conftest import FAST_RETRY, Mock, new_session
from llmwire import AsyncOpenAI, OpenAI

HELLO = [{"role": "user", "content": "hello mock"}]


def wait_for_cancelled_call(client: llmwire.Client, successes: int = 0, timeout: float = 5.0) -> bool:
    """Whether the client's metrics count a cancelled call within ``timeout`` seconds, and still
    ``successes`` successes (a stream that was not cancelled would end as one more success)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        metrics = client.metrics()
        if metrics["failures_by_class"]["cancelled"] == 1:
            return metrics["successes"] == successes
        time.sleep(0.02)
    return False


@pytest.fixture
def make_openai(mock: Mock) -> Iterator[Any]:
    clients: list[OpenAI] = []

    def build(scenario: str = "echo", session: Optional[str] = None, **options: Any) -> OpenAI:
        options.setdefault("api_key", "sk-test-not-a-secret")
        options.setdefault("base_url", mock.url(scenario, session))
        options.setdefault("retry", FAST_RETRY)
        client = OpenAI(**options)
        clients.append(client)
        return client

    yield build
    for client in clients:
        client.close()


def test_api_key_and_base_url_come_from_the_environment(
    mock: Mock, monkeypatch: pytest.MonkeyPatch
) -> None:
    session = new_session()
    monkeypatch.setenv("OPENAI_API_KEY", "sk-from-env")
    monkeypatch.setenv("OPENAI_BASE_URL", mock.url("echo", session))
    with OpenAI() as client:
        assert client.api_key == "sk-from-env"
        assert client.base_url == mock.url("echo", session)
        completion = client.chat.completions.create(model="gpt-4o-mini", messages=HELLO)
    assert completion.choices[0].message.content == "hello mock"
    [request] = mock.requests(session)
    assert request["headers"]["authorization"] == "Bearer ***"


def test_response_objects_have_attributes_and_dumps(make_openai: Any) -> None:
    completion = make_openai().chat.completions.create(model="gpt-4o-mini", messages=HELLO)
    assert isinstance(completion, llmwire._openai_types.ChatCompletion)
    assert completion.object == "chat.completion"
    assert completion.choices[0].message.role == "assistant"
    assert completion.choices[0].message.tool_calls is None
    assert completion.usage is not None and completion.usage.total_tokens > 0
    dump = completion.model_dump()
    assert dump["choices"][0]["message"]["content"] == "hello mock"
    assert dump["usage"]["total_tokens"] == completion.usage.total_tokens
    assert completion.model_dump_json().startswith('{"id": ')
    assert completion.llmwire is not None and len(completion.llmwire["attempts"]) == 1
    assert "refusal" not in completion.model_dump(exclude_unset=True)["choices"][0]["message"]
    assert repr(completion).startswith("ChatCompletion(id=")


def test_max_retries_sets_the_attempts(make_openai: Any, mock: Mock) -> None:
    session = new_session()
    client = make_openai("overloaded_then_ok:n=5", session, max_retries=1)
    with pytest.raises(llmwire.InternalServerError) as caught:
        client.chat.completions.create(model="m", messages=HELLO)
    assert len(caught.value.attempts) == 2
    assert client.with_options(max_retries=0).max_retries == 0
    assert len(mock.requests(session)) == 2


def test_headers_extra_body_and_per_request_options_reach_the_server(
    make_openai: Any, mock: Mock
) -> None:
    session = new_session()
    client = make_openai("echo", session, default_headers={"x-team": "blue"}, organization="org-1")
    client.chat.completions.create(model="m", messages=HELLO, seed=7, user=None)
    client.chat.completions.create(
        model="m",
        messages=HELLO,
        extra_headers={"x-request-tag": "seven"},
        extra_body={"metadata": {"purpose": "test"}},
        timeout=30,
    )
    first, second = mock.requests(session)
    assert first["headers"]["x-team"] == "blue"
    assert first["headers"]["openai-organization"] == "org-1"
    assert "x-request-tag" not in first["headers"]
    assert first["body"]["seed"] == 7 and "user" not in first["body"]
    assert second["headers"]["x-request-tag"] == "seven"
    assert second["headers"]["x-team"] == "blue"
    assert second["body"]["metadata"] == {"purpose": "test"}


class _HttpxLikeTimeout:
    def __init__(self, read: float, connect: float) -> None:
        self.read = read
        self.connect = connect


def test_timeout_bounds_each_attempt_as_seconds_or_a_timeout_object(make_openai: Any) -> None:
    for timeout in (0.3, _HttpxLikeTimeout(read=0.3, connect=5.0)):
        client = make_openai("slow_headers:delay_ms=3000", timeout=timeout, max_retries=0)
        started = time.monotonic()
        with pytest.raises(llmwire.APITimeoutError) as caught:
            client.chat.completions.create(model="m", messages=HELLO)
        assert time.monotonic() - started < 0.3 + 2.0
        assert isinstance(caught.value, llmwire.Timeout)
    with pytest.raises(TypeError, match="'read' or 'timeout' attribute"):
        OpenAI(base_url="http://127.0.0.1:9/v1", timeout="soon")


def test_errors_carry_the_official_fields_and_llmwires(make_openai: Any) -> None:
    client = make_openai("quota_exhausted")
    with pytest.raises(llmwire.RateLimitError) as caught:
        client.chat.completions.create(model="m", messages=HELLO)
    error = caught.value
    assert isinstance(error, llmwire.QuotaExhausted)
    assert isinstance(error, llmwire.APIStatusError) and isinstance(error, llmwire.OpenAIError)
    assert error.status_code == 429
    assert error.type == "insufficient_quota"
    assert error.body is not None and error.body["type"] == "insufficient_quota"
    assert error.request_id is not None and error.request_id.startswith("req_")
    assert error.response.status_code == 429
    assert error.response.headers == {"x-request-id": error.request_id}
    assert error.error_class == "quota_exhausted"
    assert error.summary.startswith("not retried: quota_exhausted")
    assert len(error.attempts) == 1
    assert repr(error).startswith("llmwire.QuotaExhausted(")


@pytest.mark.parametrize(
    ("scenario", "official"),
    [
        ("invalid_api_key", llmwire.AuthenticationError),
        ("model_not_found_404", llmwire.NotFoundError),
        ("context_length_exceeded", llmwire.BadRequestError),
        ("conflict_409_then_ok:n=9", llmwire.ConflictError),
        ("always_500", llmwire.InternalServerError),
    ],
)
def test_each_status_raises_its_official_type(
    scenario: str, official: type[Exception], make_openai: Any
) -> None:
    with pytest.raises(official):
        make_openai(scenario, max_retries=0).chat.completions.create(model="m", messages=HELLO)


def test_a_stream_iterates_chunks_and_closing_it_cancels_the_call(make_openai: Any) -> None:
    client = make_openai("echo:chunk_delay_ms=100")
    with client.chat.completions.create(
        model="m", messages=[{"role": "user", "content": "a b c d e f g h"}], stream=True
    ) as stream:
        first = next(stream)
        assert first.object == "chat.completion.chunk"
    assert list(stream) == []  # closed: nothing more
    assert wait_for_cancelled_call(client.llmwire)

    full = client.chat.completions.create(model="m", messages=HELLO, stream=True)
    text = "".join(chunk.choices[0].delta.content or "" for chunk in full if chunk.choices)
    assert text == "hello mock"
    assert full.completion.choices[0].message.content == "hello mock"


def test_messages_that_are_not_a_list_are_refused_for_what_they_are(make_openai: Any) -> None:
    client = make_openai()
    for messages in ("Hello", {"role": "user", "content": "Hello"}):
        with pytest.raises(llmwire.ValidationFailed) as caught:
            client.chat.completions.create(model="m", messages=messages)
        message = str(caught.value)
        assert "messages" in message and "array" in message, message
        assert "message 0" not in message, message


def test_unsupported_options_are_refused_by_name() -> None:
    with pytest.raises(TypeError, match="does not support http_client="):
        OpenAI(base_url="http://127.0.0.1:9/v1", http_client=object())
    with pytest.raises(ValueError, match="max_retries must be an int >= 0"):
        OpenAI(base_url="http://127.0.0.1:9/v1", max_retries=-1)
    with pytest.raises(llmwire.InvalidConfig) as caught:
        OpenAI(base_url="http://127.0.0.1:9/v1", colour="blue")
    message = str(caught.value)
    assert message.startswith('invalid_config: unknown key "colour" in config (expected one of: provider,')
    assert "line 1" not in message and message.count("base_url") == 1


def test_async_client_awaits_and_closing_a_stream_early_cancels_its_call(mock: Mock) -> None:
    async def main() -> None:
        async with AsyncOpenAI(
            api_key="sk-test-not-a-secret", base_url=mock.url("echo:chunk_delay_ms=100")
        ) as client:
            completion = await client.chat.completions.create(model="m", messages=HELLO)
            assert completion.choices[0].message.content == "hello mock"
            stream = await client.chat.completions.create(
                model="m", messages=[{"role": "user", "content": "a b c d e f g h"}], stream=True
            )
            async with stream:
                async for chunk in stream:
                    assert chunk.object == "chat.completion.chunk"
                    break
            assert [chunk async for chunk in stream] == []
            cancelled = await asyncio.get_running_loop().run_in_executor(
                None, wait_for_cancelled_call, client.llmwire, 1
            )
            assert cancelled

    asyncio.run(main())
