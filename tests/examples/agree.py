#!/usr/bin/env python3
"""The three chat examples (C, Python, Node) agree: run with the same flags against the bundled
simulated provider, they print the same answer, the same report and exit with the same status.
And the three demos show a stream arriving in pieces and metrics that count every call they made.

Run by `make test-examples` (inside scripts/with-mock.sh, so $LLMWIRE_MOCK_ORIGIN is set; one case
unsets it to check that `--mock` starts its own mock in every language). Needs build/examples/chat
and build/demo (`make examples build/demo`), the debug library and bindings/node/node_modules.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LIBRARY = ROOT / "target" / "debug" / "libllmwire.so"

PROGRAMS = {
    "c": [str(ROOT / "build" / "examples" / "chat")],
    "python": [sys.executable, str(ROOT / "examples" / "chat.py")],
    "node": ["node", str(ROOT / "examples" / "chat.mjs")],
}

# (flags, expected exit status, what stdout must be (None: anything, the same in all three),
#  whether to unset LLMWIRE_MOCK_ORIGIN)
CASES = [
    (["--mock", "hello", "there"], 0, "hello there\n", False),
    (["--mock", "--no-stream", "hello", "there"], 0, "hello there\n", False),
    (["--mock", "spawned", "mock"], 0, "spawned mock\n", True),
    (["--mock=overloaded_then_ok:n=2", "--max-attempts", "4", "survive"], 0, "survive\n", False),
    (["--mock=quota_exhausted", "hi"], 1, "", False),
    (["--mock=rate_limited_then_ok:n=5", "--max-attempts", "2", "hi"], 1, "", False),
    (["--mock=stream_error_after_chunks:chunks=2", "one two three"], 1, None, False),
    (["--mock", "--provider", "nosuch", "hi"], 2, "", False),
    (["--mock", "--max-attempts", "0", "hi"], 2, "", False),
    (["--bogus"], 2, "", False),
    (["--help"], 0, None, False),
]


def normalise(text: str) -> str:
    """Jittered delays differ from run to run; nothing else may."""
    return re.sub(r"retrying in \d+ ms", "retrying in N ms", text)


def run(language: str, flags: list[str], unset_origin: bool) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, LLMWIRE_LIB=str(LIBRARY), PYTHONPATH=str(ROOT / "bindings" / "python"))
    env.pop("LLMWIRE_BASE_URL", None)
    env.pop("LLMWIRE_MODEL", None)
    if unset_origin:
        env.pop("LLMWIRE_MOCK_ORIGIN", None)
    return subprocess.run(
        PROGRAMS[language] + flags, env=env, capture_output=True, text=True, timeout=60, check=False
    )


DEMOS = {
    "c": [str(ROOT / "build" / "demo")],
    "python": [sys.executable, str(ROOT / "examples" / "demo.py")],
    "node": ["node", str(ROOT / "examples" / "demo.mjs")],
}


def check_demos() -> int:
    """The demos' metrics count every call each demo made, and the stream arrives in pieces."""
    failures = 0
    env = dict(os.environ, LLMWIRE_LIB=str(LIBRARY), PYTHONPATH=str(ROOT / "bindings" / "python"))
    for language, command in DEMOS.items():
        result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120, check=False)
        counted = re.search(r"^   llmwire_calls_total (\d+)$", result.stdout, re.M)
        made = re.search(r"\(this demo made (\d+) calls\)", result.stdout)
        pieces = re.search(r"\((\d+) pieces over \d+ ms", result.stdout)
        problems = []
        if result.returncode != 0:
            problems.append(f"exit {result.returncode}: {result.stderr}")
        if not (counted and made and counted.group(1) == made.group(1)):
            problems.append(f"metrics count {counted and counted.group(1)} calls, the demo made {made and made.group(1)}")
        if not (pieces and int(pieces.group(1)) > 1):
            problems.append("the stream did not arrive in pieces")
        if problems:
            failures += 1
            print(f"FAIL demo ({language})", *problems, sep="\n  ")
        else:
            print(f"ok   demo ({language}): {made.group(1)} calls counted, stream in {pieces.group(1)} pieces")
    return failures


def main() -> int:
    if not os.environ.get("LLMWIRE_MOCK_ORIGIN"):
        print("agree.py: run it inside scripts/with-mock.sh (make test-examples)", file=sys.stderr)
        return 2
    failures = 0
    for flags, status, stdout, unset_origin in CASES:
        results = {language: run(language, flags, unset_origin) for language in PROGRAMS}
        problems = []
        for language, result in results.items():
            if result.returncode != status:
                problems.append(f"{language} exited {result.returncode}, not {status}: {result.stderr}")
            if stdout is not None and result.stdout != stdout:
                problems.append(f"{language} printed {result.stdout!r}, not {stdout!r}")
            if re.search(r"error \[(\w+)\]: \1: ", result.stderr):
                problems.append(f"{language} names the class twice: {result.stderr!r}")
        reference = results["c"]
        for language in ("python", "node"):
            result = results[language]
            if result.stdout != reference.stdout:
                problems.append(f"stdout: c {reference.stdout!r} vs {language} {result.stdout!r}")
            # Usage errors name the program the same way; everything else is the library's report.
            if normalise(result.stderr) != normalise(reference.stderr):
                problems.append(f"stderr:\n  c: {reference.stderr!r}\n  {language}: {result.stderr!r}")
        label = " ".join(flags)
        if problems:
            failures += 1
            print(f"FAIL {label}", *problems, sep="\n  ")
        else:
            first = reference.stderr.strip().splitlines()
            print(f"ok   {label}  (exit {status}; {first[-1] if first else 'no report'})")
    print(f"{len(CASES) - failures} of {len(CASES)} cases agree")
    failures += check_demos()
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
