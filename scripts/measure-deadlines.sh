#!/usr/bin/env bash
# Prints the measured overshoot of the deadline and of a cancel, per phase: how long after its
# deadline (or after the cancel) each call of the fault matrix
# (tests/integration/client_deadline.rs) returned.
#
#   scripts/measure-deadlines.sh [RUNS]     # default 3 runs, release build, one test at a time
#
# The tests themselves assert a margin that holds on a loaded machine; these are the real figures.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
cargo test --release --quiet --test integration --no-run
for run in $(seq 1 "$runs"); do
    cargo test --release --quiet --test integration client_deadline:: -- --nocapture --test-threads=1 2>/dev/null \
        | grep -o 'measure.*' | sed "s/^measure/run $run:/"
done | sort -k2,2 -k3,6 -s
