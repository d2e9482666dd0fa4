#!/usr/bin/env bash
# Runs the Python binding's tests against the real library and the real simulated provider.
#
#   bindings/python/run_tests.sh [pytest arguments...]
#
# Builds the library (cargo build: a no-op when up to date) unless LLMWIRE_LIB is already set,
# creates the virtual environment build/venv-python (needs PyPI only for pytest, setuptools,
# setuptools-rust and mypy), installs the package from bindings/python into it with that library
# packaged inside (LLMWIRE_PREBUILT_LIB, so the install does not run a release build), and runs
# pytest with LLMWIRE_LIB pointing at target/debug/libllmwire.so. The `llmwire mock` binary is taken
# from beside the library (or LLMWIRE_MOCK_BIN). Exits with pytest's status.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
venv="$repo/build/venv-python"
python="${PYTHON:-python3}"

if [ -z "${LLMWIRE_LIB:-}" ]; then
    case "$(uname -s)" in
        Darwin) lib_name=libllmwire.dylib ;;
        *) lib_name=libllmwire.so ;;
    esac
    (cd "$repo" && cargo build --lib --bins --quiet)
    export LLMWIRE_LIB="$repo/target/debug/$lib_name"
fi

if [ ! -x "$venv/bin/python" ]; then
    "$python" -m venv "$venv"
fi
if ! "$venv/bin/python" -c "import pytest, setuptools_rust, mypy" >/dev/null 2>&1; then
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check pytest "setuptools>=77" \
        "setuptools-rust>=1.9" wheel mypy
fi
# A real (non-editable) install, so the tests exercise the package as users get it.
LLMWIRE_PREBUILT_LIB="$LLMWIRE_LIB" "$venv/bin/python" -m pip install --quiet \
    --disable-pip-version-check --no-build-isolation --no-deps --force-reinstall "$here"
rm -rf "$here/build" "$here"/*.egg-info  # setuptools builds in the source tree

cd "$repo"
exec "$venv/bin/pytest" "$here/tests" "$@"
