#!/usr/bin/env python3
"""Stream one chat completion through llmwire, printing tokens as they arrive.

Against the simulated provider (start it with `target/debug/llmwire mock`, note the port):

    python3 examples/chat.py --base-url http://127.0.0.1:PORT/v1 "Tell me a joke"
    python3 examples/chat.py --base-url http://127.0.0.1:PORT/s/overloaded_then_ok/demo/v1 "Hi"

Against a real provider, with its key in the environment (OPENAI_API_KEY by default):

    python3 examples/chat.py --model gpt-4o-mini "Tell me a joke"
    python3 examples/chat.py --provider openrouter --base-url https://openrouter.ai/api/v1 \\
        --api-key-env OPENROUTER_API_KEY --model openai/gpt-4o-mini "Hi"

LLMWIRE_BASE_URL and LLMWIRE_MODEL may replace --base-url and --model. The package is used from
bindings/python when it is not installed. Exit status: 0 success, 1 a failed call, 2 bad usage,
130 interrupted.
"""

from __future__ import annotations

import argparse
import os
import signal
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


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("prompt", nargs="*", help="what to ask (default: a greeting)")
    parser.add_argument("--base-url", default=os.environ.get("LLMWIRE_BASE_URL"))
    parser.add_argument("--model", default=os.environ.get("LLMWIRE_MODEL", "gpt-4o-mini"))
    parser.add_argument("--provider", default=None, help="provider profile, e.g. openai, gemini")
    parser.add_argument("--api-key-env", default=None, help="variable holding the API key")
    parser.add_argument("--system", default=None, help="a system message")
    parser.add_argument("--max-attempts", type=int, default=4)
    parser.add_argument("--timeout-ms", type=int, default=120_000, help="the whole call's deadline")
    parser.add_argument("--no-stream", action="store_true", help="wait for the whole answer")
    return parser.parse_args()


def build_request(arguments: argparse.Namespace) -> dict[str, Any]:
    messages = []
    if arguments.system:
        messages.append({"role": "system", "content": arguments.system})
    prompt = " ".join(arguments.prompt) or "Say hello in five words."
    messages.append({"role": "user", "content": prompt})
    return {"messages": messages}


def describe_attempts(report: dict[str, Any]) -> str:
    attempts = report.get("attempts", [])
    parts = []
    for attempt in attempts:
        outcome = attempt.get("class") or "ok"
        status = attempt.get("http_status")
        delay = f", waited {attempt['delay_ms']} ms ({attempt['delay_source']})" if attempt.get("delay_ms") else ""
        parts.append(f"#{attempt['n']} {outcome}{f' {status}' if status else ''}{delay}")
    return "; ".join(parts)


def explain(error: llmwire.Error, arguments: argparse.Namespace) -> str:
    """What the person at the terminal can do about ``error``."""
    if isinstance(error, llmwire.Authentication):
        variable = arguments.api_key_env or "OPENAI_API_KEY"
        return f"check the API key (read from ${variable})"
    if isinstance(error, llmwire.RateLimited):
        wait = f" the server asked for {error.retry_after_ms / 1000:.1f} s;" if error.retry_after_ms else ""
        return f"still rate limited after {len(error.attempts)} attempt(s);{wait} try again later"
    if isinstance(error, llmwire.QuotaExhausted):
        return "the quota or billing limit is used up; retrying will not help"
    if isinstance(error, llmwire.ContextLengthExceeded):
        return "the prompt is too long for this model: shorten it or pick a larger model"
    if isinstance(error, llmwire.ValidationFailed):
        findings = (error.report or {}).get("errors", [])
        lines = [f"  {f.get('path') or '/'}: {f.get('message')}" for f in findings]
        return "the request was not sent:\n" + "\n".join(lines) if lines else "the request was not sent"
    if isinstance(error, (llmwire.Network, llmwire.Timeout)):
        return f"could not get an answer from {arguments.base_url or 'the provider'}; is it reachable?"
    if isinstance(error, (llmwire.NotFound, llmwire.PermissionDenied)):
        return f"check the model name ({arguments.model}) and that this key may use it"
    if isinstance(error, llmwire.ContentFiltered):
        return "the provider refused the content"
    if isinstance(error, llmwire.Cancelled):
        return "cancelled"
    if isinstance(error, (llmwire.InvalidConfig, llmwire.InvalidArgument)):
        return "fix the options above"
    return f"stopped: {error.stop_reason or error.error_class}"


def run(arguments: argparse.Namespace, client: llmwire.Client, cancel: llmwire.CancelToken) -> dict[str, Any]:
    request = build_request(arguments)
    if arguments.no_stream:
        completion = client.chat(request, cancel=cancel)
        print(completion["choices"][0]["message"].get("content") or "")
        return completion
    with client.stream(request, cancel=cancel) as chunks:
        for chunk in chunks:
            for choice in chunk.get("choices", []):
                text = (choice.get("delta") or {}).get("content")
                if text:
                    print(text, end="", flush=True)
        print()
        return chunks.response


def main() -> int:
    arguments = parse_arguments()
    config: dict[str, Any] = {
        "model": arguments.model,
        "retry": {"max_attempts": arguments.max_attempts},
        "timeouts": {"deadline_ms": arguments.timeout_ms},
    }
    for key in ("base_url", "provider", "api_key_env"):
        if getattr(arguments, key):
            config[key] = getattr(arguments, key)
    cancel = llmwire.CancelToken()
    try:
        client = llmwire.Client(**config)
    except llmwire.InvalidConfig as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    with client:
        try:
            completion = run(arguments, client, cancel)
        except KeyboardInterrupt:
            cancel.cancel()
            print("\ninterrupted", file=sys.stderr)
            return 128 + signal.SIGINT
        except llmwire.Error as error:
            print(f"\nerror [{error.error_class}]: {error}", file=sys.stderr)
            print(f"  {explain(error, arguments)}", file=sys.stderr)
            if error.attempts:
                print(f"  attempts: {describe_attempts(error.details)}", file=sys.stderr)
            return 1
    usage: Optional[dict[str, Any]] = completion.get("usage")
    report = completion.get("llmwire", {})
    print(f"[{describe_attempts(report)}]" + (f" [usage: {usage}]" if usage else ""), file=sys.stderr)
    for warning in report.get("warnings", []):
        print(f"[warning: {warning.get('message', warning)}]", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
