"""Bad inputs fail clearly, before anything reaches the library; unusual good inputs work."""

from __future__ import annotations

import datetime
import math
from typing import Any, Callable

import pytest

import llmwire

from conftest import USER_HI, Mock, new_session


def ask(text: str) -> dict[str, Any]:
    return {"messages": [{"role": "user", "content": text}]}


@pytest.mark.parametrize(
    "request_value",
    [[{"role": "user", "content": "hi"}], "a string", None, 42, b"{}"],
    ids=["list", "str", "None", "int", "bytes"],
)
def test_request_that_is_not_a_dict_is_a_type_error(
    make_client: Callable[..., llmwire.Client], request_value: Any
) -> None:
    client = make_client()
    with pytest.raises(TypeError, match="request must be a dict"):
        client.chat(request_value)
    with pytest.raises(TypeError, match="request must be a dict"):
        client.stream(request_value)
    assert client.metrics()["calls"] == 0  # nothing reached the library


@pytest.mark.parametrize(
    "bad_value",
    [{1, 2}, datetime.date(2024, 1, 1), object(), b"raw bytes"],
    ids=["set", "date", "object", "bytes"],
)
def test_value_json_cannot_represent_is_a_type_error(
    make_client: Callable[..., llmwire.Client], bad_value: Any
) -> None:
    request = {"messages": [{"role": "user", "content": "hi"}], "metadata": {"x": bad_value}}
    with pytest.raises(TypeError, match="JSON-serialisable"):
        make_client().chat(request)


def test_nan_is_refused_rather_than_sent_as_invalid_json(
    make_client: Callable[..., llmwire.Client],
) -> None:
    with pytest.raises(ValueError, match="JSON-serialisable"):
        make_client().chat({**USER_HI, "temperature": math.nan})


def test_self_containing_request_is_refused(make_client: Callable[..., llmwire.Client]) -> None:
    request: dict[str, Any] = dict(USER_HI)
    request["loop"] = request
    with pytest.raises(ValueError):
        make_client().chat(request)


def test_config_must_be_serialisable() -> None:
    with pytest.raises(TypeError, match="client configuration"):
        llmwire.Client(headers={"x-a": object()})


def test_classify_input_must_be_a_dict() -> None:
    with pytest.raises(TypeError, match="classification input must be a dict"):
        llmwire.classify([429])  # type: ignore[arg-type]


def test_nul_characters_travel_escaped_and_come_back_intact(
    make_client: Callable[..., llmwire.Client],
) -> None:
    text = "before\x00after"
    reply = make_client("echo").chat(ask(text))
    assert reply["choices"][0]["message"]["content"] == text


def test_nul_in_a_plain_string_argument_is_refused(make_client: Callable[..., llmwire.Client]) -> None:
    with pytest.raises(ValueError, match="NUL"):
        make_client().metrics("json\x00prometheus")  # type: ignore[call-overload]


def test_lone_surrogate_is_the_librarys_invalid_argument(
    make_client: Callable[..., llmwire.Client],
) -> None:
    with pytest.raises(llmwire.InvalidArgument, match="UTF-8"):
        make_client().chat(ask("broken \ud800 text"))


def test_unicode_round_trips(make_client: Callable[..., llmwire.Client]) -> None:
    text = "héllo wörld — 你好 🦀"
    assert make_client("echo").chat(ask(text))["choices"][0]["message"]["content"] == text


def test_huge_string_is_sent_whole(mock: Mock, make_client: Callable[..., llmwire.Client]) -> None:
    session = new_session()
    text = "x" * (8 * 1024 * 1024)
    reply = make_client("echo", session=session, validation="off").chat(ask(text))
    assert len(reply["choices"][0]["message"]["content"]) == len(text)
    (received,) = mock.requests(session)
    assert received["body_bytes"] > len(text)


def test_stream_arguments_are_checked(make_client: Callable[..., llmwire.Client]) -> None:
    with pytest.raises(ValueError, match="max_buffered_chunks"):
        make_client().stream(USER_HI, max_buffered_chunks=0)


def test_event_callback_must_be_callable(make_client: Callable[..., llmwire.Client]) -> None:
    with pytest.raises(TypeError, match="callable"):
        make_client().on_event("print")  # type: ignore[arg-type]
