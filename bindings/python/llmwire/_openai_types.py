"""Light response objects shaped like the official ``openai`` package's (no pydantic).

A completion or chunk dict from the library becomes a tree of small objects with attribute access
(``completion.choices[0].message.content``), ``model_dump()`` and ``model_dump_json()``. Declared
fields that the provider left out read as ``None``; fields the provider added beyond them are kept
as attributes too, and in the dumps. The objects can be passed back in a request (e.g. appending
``completion.choices[0].message`` to ``messages``): :func:`to_plain` turns them into dicts again.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any, ClassVar, Optional, TypeVar

_T = TypeVar("_T", bound="ResponseObject")


class ResponseObject:
    """The base of every response object: attribute access over a JSON object.

    Subclasses declare their fields as annotations; ``_nested`` names the fields holding another
    object, ``_lists`` those holding a list of objects.
    """

    _nested: ClassVar[Mapping[str, type[ResponseObject]]] = {}
    _lists: ClassVar[Mapping[str, type[ResponseObject]]] = {}
    _field_names: ClassVar[tuple[str, ...]] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        names: list[str] = []
        for klass in reversed(cls.__mro__):
            for name in vars(klass).get("__annotations__", {}):
                if not name.startswith("_") and name not in names:
                    names.append(name)
        cls._field_names = tuple(names)

    def __init__(self, data: Mapping[str, Any]) -> None:
        for name in self._field_names:
            setattr(self, name, None)
        for key, value in data.items():
            setattr(self, key, self._convert(key, value))
        self._keys_set = tuple(data)

    @classmethod
    def construct(cls: type[_T], data: Mapping[str, Any]) -> _T:
        """Builds the object from a JSON object (a dict), as returned by the API."""
        return cls(data)

    @classmethod
    def _convert(cls, key: str, value: Any) -> Any:
        if key in cls._nested and isinstance(value, Mapping):
            return cls._nested[key](value)
        if key in cls._lists and isinstance(value, list):
            item_type = cls._lists[key]
            return [item_type(item) if isinstance(item, Mapping) else item for item in value]
        return value

    def _keys(self) -> Iterator[str]:
        yield from self._field_names
        for key in self._keys_set:
            if key not in self._field_names:
                yield key

    def model_dump(
        self,
        *,
        mode: str = "python",
        exclude_none: bool = False,
        exclude_unset: bool = False,
    ) -> dict[str, Any]:
        """The object as a dict (every declared field, plus any the provider added).

        ``exclude_unset`` leaves out fields the provider did not send, ``exclude_none`` those
        that are ``None``; ``mode`` is accepted for compatibility (the values are JSON already).
        """
        dump: dict[str, Any] = {}
        for key in self._keys():
            if exclude_unset and key not in self._keys_set:
                continue
            value = _dump(getattr(self, key, None), exclude_none, exclude_unset)
            if exclude_none and value is None:
                continue
            dump[key] = value
        return dump

    def model_dump_json(
        self, *, indent: Optional[int] = None, exclude_none: bool = False, exclude_unset: bool = False
    ) -> str:
        """The object as JSON text."""
        return json.dumps(
            self.model_dump(exclude_none=exclude_none, exclude_unset=exclude_unset),
            indent=indent,
            ensure_ascii=False,
        )

    def to_dict(self) -> dict[str, Any]:
        """The fields the provider sent, as a dict (the newer official name)."""
        return self.model_dump(exclude_unset=True)

    def to_json(self, *, indent: Optional[int] = 2) -> str:
        """The fields the provider sent, as JSON text (the newer official name)."""
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        assert isinstance(other, ResponseObject)
        return self.model_dump() == other.model_dump()

    __hash__ = None  # type: ignore[assignment]  # mutable, like the official models

    def __repr__(self) -> str:
        shown = ", ".join(f"{key}={getattr(self, key, None)!r}" for key in self._keys())
        return f"{type(self).__name__}({shown})"


def _dump(value: Any, exclude_none: bool, exclude_unset: bool) -> Any:
    if isinstance(value, ResponseObject):
        return value.model_dump(exclude_none=exclude_none, exclude_unset=exclude_unset)
    if isinstance(value, list):
        return [_dump(item, exclude_none, exclude_unset) for item in value]
    return value


def to_plain(value: Any) -> Any:
    """``value`` with every response object (at any depth) turned back into a dict."""
    if isinstance(value, ResponseObject):
        return value.model_dump(exclude_unset=True)
    if isinstance(value, Mapping):
        return {key: to_plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_plain(item) for item in value]
    return value


class Function(ResponseObject):
    """The function a tool call names, with its arguments as JSON text."""

    name: str
    arguments: str


class ChatCompletionMessageToolCall(ResponseObject):
    """One tool call of a message."""

    _nested = {"function": Function}
    id: str
    type: str
    function: Function


class ChatCompletionMessage(ResponseObject):
    """The assistant's message in a completion."""

    _lists = {"tool_calls": ChatCompletionMessageToolCall}
    role: str
    content: Optional[str]
    refusal: Optional[str]
    tool_calls: Optional[list[ChatCompletionMessageToolCall]]


class Choice(ResponseObject):
    """One choice of a completion."""

    _nested = {"message": ChatCompletionMessage}
    index: int
    message: ChatCompletionMessage
    finish_reason: Optional[str]
    logprobs: Optional[Any]


class CompletionUsage(ResponseObject):
    """Token counts of a completion."""

    prompt_tokens: int
    completion_tokens: int
    total_tokens: int


class ChatCompletion(ResponseObject):
    """A chat completion. ``llmwire`` holds llmwire's report (attempts, repairs, warnings)."""

    _nested = {"usage": CompletionUsage}
    _lists = {"choices": Choice}
    id: str
    object: str
    created: int
    model: str
    choices: list[Choice]
    usage: Optional[CompletionUsage]
    system_fingerprint: Optional[str]
    llmwire: Optional[dict[str, Any]]


class ChoiceDeltaToolCallFunction(ResponseObject):
    """A piece of a streamed tool call's function: its name first, then pieces of arguments."""

    name: Optional[str]
    arguments: Optional[str]


class ChoiceDeltaToolCall(ResponseObject):
    """A piece of a streamed tool call; ``index`` says which call it continues."""

    _nested = {"function": ChoiceDeltaToolCallFunction}
    index: int
    id: Optional[str]
    type: Optional[str]
    function: Optional[ChoiceDeltaToolCallFunction]


class ChoiceDelta(ResponseObject):
    """What a chunk adds to a choice."""

    _lists = {"tool_calls": ChoiceDeltaToolCall}
    role: Optional[str]
    content: Optional[str]
    refusal: Optional[str]
    tool_calls: Optional[list[ChoiceDeltaToolCall]]


class ChunkChoice(ResponseObject):
    """One choice of a chunk."""

    _nested = {"delta": ChoiceDelta}
    index: int
    delta: ChoiceDelta
    finish_reason: Optional[str]
    logprobs: Optional[Any]


class ChatCompletionChunk(ResponseObject):
    """One chunk of a streamed completion; the last may carry only ``usage``."""

    _nested = {"usage": CompletionUsage}
    _lists = {"choices": ChunkChoice}
    id: str
    object: str
    created: int
    model: str
    choices: list[ChunkChoice]
    usage: Optional[CompletionUsage]
    system_fingerprint: Optional[str]


__all__ = [
    "ChatCompletion",
    "ChatCompletionChunk",
    "ChatCompletionMessage",
    "ChatCompletionMessageToolCall",
    "Choice",
    "ChoiceDelta",
    "ChoiceDeltaToolCall",
    "ChoiceDeltaToolCallFunction",
    "ChunkChoice",
    "CompletionUsage",
    "Function",
    "ResponseObject",
    "to_plain",
]
