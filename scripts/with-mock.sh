#!/usr/bin/env bash
# Runs a command with the bundled simulated provider listening on loopback.
# usage: scripts/with-mock.sh [LLMWIRE_BIN] -- COMMAND [ARGS...]
# The command sees LLMWIRE_MOCK_ORIGIN=http://127.0.0.1:PORT; the mock stops when the command ends.
set -euo pipefail
bin=target/debug/llmwire
if [ "${1:-}" != "--" ]; then bin=$1; shift; fi
[ "${1:-}" = "--" ] && shift

out=$(mktemp)
"$bin" mock --port 0 >"$out" 2>&1 &
mock_pid=$!
trap 'kill "$mock_pid" 2>/dev/null || true; wait "$mock_pid" 2>/dev/null || true; rm -f "$out"' EXIT

for _ in $(seq 1 200); do
  port=$(sed -n 's/.*(port \([0-9][0-9]*\)).*/\1/p' "$out" | head -n 1)
  [ -n "$port" ] && break
  kill -0 "$mock_pid" 2>/dev/null || { cat "$out" >&2; echo "the mock did not start" >&2; exit 1; }
  sleep 0.05
done
[ -n "${port:-}" ] || { echo "the mock printed no port" >&2; exit 1; }

export LLMWIRE_MOCK_ORIGIN="http://127.0.0.1:$port"
"$@"
