"""A hostile loopback server: secrets echoed in every field, a body nested too deep to read.

The server is a few lines of ``http.server`` answering every POST with the bytes a test chose, so
the binding is seen receiving what no well-behaved provider sends.
"""

from __future__ import annotations

import gc
import json
import threading
import weakref
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Iterator

import pytest

import llmwire

from conftest import USER_HI

KEY = "sk-py.hostile*key+(0123456789)"


class Canned(BaseHTTPRequestHandler):
    status = 200
    body = b""

    def do_POST(self) -> None:  # noqa: N802 (the name http.server calls)
        self.rfile.read(int(self.headers.get("content-length") or 0))
        self.send_response(self.status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(self.body)))
        self.send_header("connection", "close")
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *_: Any) -> None:
        pass


@pytest.fixture
def serve() -> Iterator[Callable[[int, bytes], str]]:
    """Starts a server answering every request with (status, body); returns its base URL."""
    servers: list[ThreadingHTTPServer] = []

    def start(status: int, body: bytes) -> str:
        handler = type("Handler", (Canned,), {"status": status, "body": body})
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/v1"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def fast_client(base_url: str, **config: Any) -> llmwire.Client:
    settings: dict[str, Any] = {
        "base_url": base_url,
        "api_key": KEY,
        "model": "m",
        "validation": "off",
        "retry": {"initial_backoff_ms": 1, "max_backoff_ms": 2, "jitter": "none"},
    }
    settings.update(config)
    return llmwire.Client(**settings)


def test_a_key_echoed_in_every_field_never_reaches_details_or_events(
    serve: Callable[[int, bytes], str],
) -> None:
    body = {
        "error": {
            "message": "x" * 4090 + " " + KEY,
            "type": f"type-{KEY}",
            "code": f"code-{KEY}",
            "param": f"param-{KEY}",
            "details": [
                {
                    "@type": "type.googleapis.com/google.rpc.QuotaFailure",
                    "violations": [{"quotaId": f"quota-{KEY}"}],
                }
            ],
        }
    }
    url = serve(429, json.dumps(body).encode())
    events: list[dict[str, Any]] = []
    with fast_client(url, provider="gemini", retry={"max_attempts": 2, "initial_backoff_ms": 1}) as client:
        client.on_event(events.append)
        with pytest.raises(llmwire.RateLimited) as caught:
            client.chat(USER_HI)
    shown = json.dumps(caught.value.details) + str(caught.value) + json.dumps(events)
    assert KEY not in shown and KEY[:12] not in shown
    assert caught.value.details["provider_code"] == "code-[REDACTED]"
    assert caught.value.details["quota_id"] == "quota-[REDACTED]"
    assert len(events) == 2


def test_a_body_nested_too_deep_is_malformed_response_not_recursion_error(
    serve: Callable[[int, bytes], str],
) -> None:
    deep = "[" * 20_000 + "]" * 20_000
    body = '{"choices":[{"message":{"role":"assistant","content":"hi","x":%s}}]}' % deep
    with fast_client(serve(200, body.encode())) as client:
        with pytest.raises(llmwire.MalformedResponse) as caught:
            client.chat(USER_HI)
    assert len(caught.value.attempts) == 2
    assert "nests" in caught.value.message


def test_replaced_event_callbacks_are_released() -> None:
    client = llmwire.Client(base_url="http://127.0.0.1:9/v1", api_key="k", model="m")
    with client:
        first = lambda event: None  # noqa: E731
        released = weakref.ref(first)
        client.on_event(first)
        for _ in range(100):
            client.on_event(lambda event: None)
        del first
        gc.collect()
        assert released() is None, "a replaced callback is no longer kept"
        client.on_event(None)
