#!/usr/bin/env python3
"""One robust chat completion through llmwire's Python binding, printed as it streams.

The same program as examples/chat.c and examples/chat.mjs: the same options, the same report and
the same exit status (tests/examples/agree.py runs the three side by side).

Against the bundled simulated provider (no key needed; uses $LLMWIRE_MOCK_ORIGIN when it is set,
else starts `llmwire mock` from next to the library):

    python3 examples/chat.py --mock "Tell me about retries"
    python3 examples/chat.py --mock=overloaded_then_ok:n=2 "Survive two 503s"
    python3 examples/chat.py --mock=quota_exhausted "See a quota error explained"

Against a real provider, with its key in the environment (OPENAI_API_KEY by default):

    python3 examples/chat.py --model gpt-4o-mini "Tell me a joke"
    python3 examples/chat.py --provider gemini --model gemini-2.5-flash "Hi"   # GEMINI_API_KEY

Options: --mock[=SCENARIO], --base-url URL, --model M (gpt-4o-mini), --provider P,
--api-key-env VAR, --system TEXT, --max-attempts N (4), --timeout-ms N (120000: the whole call),
--no-stream. LLMWIRE_BASE_URL and LLMWIRE_MODEL may replace --base-url and --model.

The answer goes to stdout; the report (retries as they happen, then the attempts and tokens, or
the error's class, summary and advice) to stderr. Exit status: 0 success, 1 the call failed,
2 usage or configuration, 130 interrupted. The package is used from bindings/python when it is not
installed.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any, Optional

try:
    import llmwire
except ModuleNotFoundError as missing:
    if missing.name != "llmwire":
        raise
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bindings" / "python"))
    import llmwire

USAGE = """\
usage: chat [--mock[=SCENARIO]] [--base-url URL] [--model M] [--provider P] [--api-key-env VAR]
            [--system TEXT] [--max-attempts N] [--timeout-ms N] [--no-stream] [PROMPT...]"""

# The scenario `--mock` alone plays: an echo, streamed a little slowly so it can be seen arriving.
DEFAULT_SCENARIO = "echo:chunk_delay_ms=40"

# What the person at the terminal can do about a failure, by class (the same table in all three).
ADVICE = {
    "authentication": "check the API key (the provider's variable, or --api-key-env)",
    "rate_limited": "still rate limited after every attempt: try again later",
    "quota_exhausted": "the quota or billing limit is used up; retrying will not help",
    "context_length_exceeded": "the prompt is too long for this model",
    "request_too_large": "the request is over the provider's size limit: shorten it",
    "validation_failed": "the request was not sent: fix what the summary names",
    "network": "no answer from the provider: is the base URL reachable?",
    "timeout": "no answer from the provider: is the base URL reachable?",
    "overloaded": "the provider is struggling: try again in a while",
    "server_error": "the provider is struggling: try again in a while",
    "not_found": "check the model name and that this key may use it",
    "permission_denied": "check the model name and that this key may use it",
    "content_filtered": "the provider refused the content",
}


class Usage(Exception):
    """A usage error: the message, then the usage, and exit status 2."""


def parse_options(argv: list[str]) -> Optional[dict[str, Any]]:
    """The options; None when help was asked for."""
    options: dict[str, Any] = {
        "mock": None,
        "base_url": os.environ.get("LLMWIRE_BASE_URL"),
        "model": os.environ.get("LLMWIRE_MODEL"),
        "provider": None,
        "api_key_env": None,
        "system": None,
        "max_attempts": 4,
        "timeout_ms": 120_000,
        "stream": True,
    }
    texts = {"--base-url", "--model", "--provider", "--api-key-env", "--system"}
    numbers = {"--max-attempts", "--timeout-ms"}
    words = []
    arguments = iter(argv)
    for argument in arguments:
        name = argument.lstrip("-").replace("-", "_")
        if argument in ("-h", "--help"):
            return None
        if argument == "--no-stream":
            options["stream"] = False
        elif argument == "--mock" or argument.startswith("--mock="):
            options["mock"] = argument.partition("=")[2] or DEFAULT_SCENARIO
        elif argument in texts or argument in numbers:
            value = next(arguments, None)
            if value is None:
                raise Usage(f"{argument} needs a value")
            if argument in numbers:
                if not value.isdigit() or int(value) <= 0:
                    raise Usage(f'{argument} wants a positive number, not "{value}"')
                options[name] = int(value)
            else:
                options[name] = value
        elif argument.startswith("--"):
            raise Usage(f"unknown option {argument}")
        else:
            words.append(argument)
    options["prompt"] = " ".join(words) or "Say hello in five words."
    return options


class Mock:
    """The bundled simulated provider: $LLMWIRE_MOCK_ORIGIN, or `llmwire mock` started here."""

    def __init__(self) -> None:
        self.process: Optional[subprocess.Popen[str]] = None
        self.origin = os.environ.get("LLMWIRE_MOCK_ORIGIN", "")
        if self.origin:
            return
        binary = os.environ.get("LLMWIRE_BIN") or str(Path(llmwire.library_path).parent / "llmwire")
        self.process = subprocess.Popen(
            [binary, "mock", "--port", "0", "--until-stdin-eof"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        port = line.partition("(port ")[2].partition(")")[0]
        if not port.isdigit():
            self.stop()
            raise RuntimeError(f"unexpected output from {binary}: {line!r}")
        self.origin = f"http://127.0.0.1:{port}"

    def base_url(self, scenario: str) -> str:
        return f"{self.origin}/s/{scenario}/chat-{os.getpid()}/v1"

    def stop(self) -> None:
        if self.process is not None:
            assert self.process.stdin is not None
            self.process.stdin.close()  # --until-stdin-eof: it stops on its own
            self.process.wait()
            self.process = None


def build_config(options: dict[str, Any], mock: Optional[Mock]) -> dict[str, Any]:
    config: dict[str, Any] = {
        "model": options["model"] or ("mock-model" if mock else "gpt-4o-mini"),
        "retry": {"max_attempts": options["max_attempts"]},
        "timeouts": {"deadline_ms": options["timeout_ms"]},
    }
    for key in ("provider", "api_key_env", "base_url"):
        if options[key]:
            config[key] = options[key]
    if mock is not None:
        config["base_url"] = mock.base_url(options["mock"])
        config["api_key"] = "sk-mock"
    return config


def build_request(options: dict[str, Any]) -> dict[str, Any]:
    messages = []
    if options["system"]:
        messages.append({"role": "system", "content": options["system"]})
    messages.append({"role": "user", "content": options["prompt"]})
    request: dict[str, Any] = {"messages": messages}
    if options["stream"]:
        request["stream_options"] = {"include_usage": True}  # the token counts, at the end
    return request


def on_event(event: dict[str, Any]) -> None:
    """Reports each retry as it happens."""
    if event.get("decision") == "retry":
        status = event.get("http_status") or "-"
        report(
            f"attempt {event['attempt']} failed ({event.get('class')}, HTTP {status}); "
            f"retrying in {event.get('delay_ms')} ms ({event.get('delay_source')})"
        )


def report(line: str) -> None:
    sys.stdout.flush()  # the answer's text first, when both go to one terminal or file
    print(f"[llmwire] {line}", file=sys.stderr, flush=True)


def report_error(error: llmwire.Error) -> None:
    # A local error's summary starts with its class already: say it once.
    summary = error.summary.removeprefix(f"{error.error_class}: ")
    report(f"error [{error.error_class}]: {summary}")
    advice = ADVICE.get(error.error_class)
    if advice is not None:
        if error.retry_after_ms is not None:
            advice += f" (the server asked for {error.retry_after_ms / 1000:.1f} s)"
        report(advice)


def call(client: llmwire.Client, options: dict[str, Any], cancel: llmwire.CancelToken) -> dict[str, Any]:
    """Makes the call, printing the answer; returns the completion."""
    request = build_request(options)
    if not options["stream"]:
        completion = client.chat(request, cancel=cancel)
        print(completion["choices"][0]["message"].get("content") or "")
        return completion
    printed = False
    try:
        with client.stream(request, cancel=cancel) as chunks:
            for chunk in chunks:
                for choice in chunk.get("choices") or []:
                    text = (choice.get("delta") or {}).get("content")
                    if text:
                        print(text, end="", flush=True)
                        printed = True
            print()
            return chunks.response
    except BaseException:
        if printed:
            print()  # a failure starts on a line of its own
        raise


def main(argv: list[str]) -> int:
    try:
        options = parse_options(argv)
    except Usage as problem:
        print(f"chat: {problem}\n{USAGE}", file=sys.stderr)
        return 2
    if options is None:
        print(USAGE)
        return 0
    mock = Mock() if options["mock"] is not None else None
    try:
        try:
            client = llmwire.Client(**build_config(options, mock))
        except llmwire.Error as error:
            report_error(error)
            return 2
        cancel = llmwire.CancelToken()
        with client:
            client.on_event(on_event)
            try:
                completion = call(client, options, cancel)
            except KeyboardInterrupt:
                cancel.cancel()
                report("interrupted")
                return 128 + signal.SIGINT
            except llmwire.Error as error:
                report_error(error)
                return 1
    finally:
        if mock is not None:
            mock.stop()
    attempts = len(completion.get("llmwire", {}).get("attempts", []))
    usage = completion.get("usage")
    tokens = f"; {usage['prompt_tokens']} prompt + {usage['completion_tokens']} completion tokens" if usage else ""
    report(f"done in {attempts} attempt(s){tokens}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
