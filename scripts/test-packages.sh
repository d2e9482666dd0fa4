#!/usr/bin/env bash
# The packages as users install them: `make test-packages` (CI runs it after `make test`).
#
#   scripts/test-packages.sh [c|python|node]...     (default: all three)
#
# One release build (`make release`) is shared by the three:
#   c       `make install PREFIX=<temporary>`; the SONAME and links; README's C quick start built
#           with `pkg-config --cflags --libs llmwire` (shared and --static) and with CMake
#           (`find_package(llmwire)`, llmwire::llmwire and llmwire::llmwire_static, C and C++).
#   python  `python -m build --wheel bindings/python` (platform tag checked), installed into a fresh
#           venv outside the repository: the bundled library is the one loaded, a call to the mock
#           works, LLMWIRE_LIB still overrides.
#   node    `npm pack` in bindings/node (prebuilds/linux-x64/ and rust/ inside), installed into a fresh
#           folder: require() and import both work against the mock; tsc resolves the types of both.
# The wheel and the tarball package the shared release build (LLMWIRE_PREBUILT_LIB) instead of
# building the library again, and `cargo install --path .` (whose `llmwire mock` every section talks
# to) reuses it too. LLMWIRE_PACKAGES_FROM_SOURCE=1 adds the slow paths users take without a prebuilt
# library: `pip install ./bindings/python` from another folder and `pip install` of the sdist
# (setuptools-rust runs cargo), and an npm install of a tarball with no prebuilt library (the
# install script runs cargo).
#
# Tools beyond Rust, C/C++, Python 3 and Node come from PyPI and npm into build/ and the temporary
# folder: build, setuptools-rust, cmake and pkgconf (when the system has no cmake or pkg-config),
# koffi and typescript.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
sections=("$@")
[ ${#sections[@]} -gt 0 ] || sections=(c python node)

# Runs a command with the repository hidden: an empty tmpfs over it, in a private mount namespace
# (as root, with util-linux's unshare); elsewhere it runs as is, and the checks of the loaded
# library's path still prove the repository was not used.
without_repo() {
    if [ "$(id -u)" = 0 ] && unshare --mount true 2>/dev/null; then
        unshare --mount sh -c 'mount -t tmpfs llmwire-hidden "$0" && exec "$@"' "$repo" "$@"
    else
        "$@"
    fi
}

test_c() {
    local prefix="$work/c/prefix" dir="$work/c"
    step "C: make install PREFIX=$prefix"
    make --no-print-directory install PREFIX="$prefix" >/dev/null
    local so
    so="$(sed -n 's/^pub const ABI_VERSION: u32 = \([0-9]*\);/\1/p' src/lib.rs)"
    so="libllmwire.so.$((so - 1))"
    ls -l "$prefix/lib" "$prefix/include" "$prefix/lib/pkgconfig" "$prefix/lib/cmake/llmwire"
    [ "$(readlink "$prefix/lib/libllmwire.so")" = "$so" ] || fail "libllmwire.so does not point to $so"
    [[ "$(readlink "$prefix/lib/$so")" == "$so".*.* ]] || fail "$so does not point to a versioned file"
    readelf -d "$prefix/lib/$so" | grep -q "Library soname: \[$so\]" || fail "the SONAME is not $so"

    # The README's C quick start, as written there.
    awk '/^## Quick start: C/ {on = 1} on && /^```c/ {copy = 1; next} copy && /^```/ {exit} copy' README.md \
        > "$dir/quick.c"
    grep -q llmwire_classify "$dir/quick.c" || fail "no C quick start found in README.md"
    cp "$dir/quick.c" "$dir/quick.cpp"
    export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
    local expect='"class":"rate_limited"'

    step "C: pkg-config --cflags --libs llmwire"
    # shellcheck disable=SC2046
    cc -std=c11 -Wall -Wextra -Werror "$dir/quick.c" $(pkg-config --cflags --libs llmwire) \
        -Wl,-rpath,"$prefix/lib" -o "$dir/quick"
    readelf -d "$dir/quick" | grep -q "Shared library: \[$so\]" || fail "quick does not need $so"
    "$dir/quick" | tee "$dir/out" && grep -q "$expect" "$dir/out" || fail "quick (shared) printed no classification"

    step "C: pkg-config --static (Libs.private)"
    # shellcheck disable=SC2046
    cc -std=c11 "$dir/quick.c" $(pkg-config --cflags llmwire) -Wl,-Bstatic -lllmwire -Wl,-Bdynamic \
        $(pkg-config --static --libs llmwire | sed 's/-lllmwire//') -o "$dir/quick-static"
    ! readelf -d "$dir/quick-static" | grep -q libllmwire || fail "quick-static still needs libllmwire.so"
    "$dir/quick-static" | grep -q "$expect" || fail "quick (static) printed no classification"

    step "C and C++: CMake find_package(llmwire)"
    cat > "$dir/CMakeLists.txt" <<'EOF'
cmake_minimum_required(VERSION 3.16)
project(quick C CXX)
find_package(llmwire 0.1 REQUIRED)
add_executable(quick_shared quick.c)
target_link_libraries(quick_shared PRIVATE llmwire::llmwire)
add_executable(quick_static quick.c)
target_link_libraries(quick_static PRIVATE llmwire::llmwire_static)
add_executable(quick_cxx quick.cpp)
target_link_libraries(quick_cxx PRIVATE llmwire::llmwire)
EOF
    cmake -S "$dir" -B "$dir/cmake-build" -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
    cmake --build "$dir/cmake-build" >/dev/null
    local program
    for program in quick_shared quick_static quick_cxx; do
        "$dir/cmake-build/$program" | grep -q "$expect" || fail "$program printed no classification"
        echo "$program: ok"
    done
    sed -i 's/find_package(llmwire 0.1 REQUIRED)/find_package(llmwire 0.2 REQUIRED)/' "$dir/CMakeLists.txt"
    ! cmake -S "$dir" -B "$dir/cmake-too-new" -DCMAKE_PREFIX_PATH="$prefix" >/dev/null 2>&1 \
        || fail "find_package(llmwire 0.2) accepted version 0.1"
    echo "find_package(llmwire 0.2): refused, as it should be"
}

test_python() {
    local dir="$work/python"
    mkdir -p "$dir"
    step "Python: python -m build --wheel bindings/python"
    LLMWIRE_PREBUILT_LIB="$lib" "$tools/bin/python" -m build --wheel --no-isolation \
        --outdir "$dir/dist" bindings/python > "$dir/build.log" 2>&1 || { cat "$dir/build.log"; fail "no wheel"; }
    rm -rf bindings/python/build bindings/python/*.egg-info
    local wheel
    wheel="$(ls "$dir"/dist/*.whl)"
    echo "$wheel"
    [[ "$(basename "$wheel")" == llmwire-*-py3-none-linux_*.whl ]] || fail "the wheel is not tagged py3-none-linux_*"
    python_smoke "$dir" "$wheel"

    step "Python: the sdist carries the crate"
    "$tools/bin/python" -m build --sdist --no-isolation --outdir "$dir/dist" bindings/python \
        > "$dir/sdist.log" 2>&1 || { cat "$dir/sdist.log"; fail "no sdist"; }
    rm -rf bindings/python/*.egg-info
    local sdist entry
    sdist="$(ls "$dir"/dist/*.tar.gz)"
    tar -tzf "$sdist" > "$dir/sdist-contents"
    for entry in rust/Cargo.toml rust/Cargo.lock rust/build.rs rust/src/lib.rs rust/LICENSE-MIT setup.py; do
        grep -qx "llmwire-[0-9.]*/$entry" "$dir/sdist-contents" || fail "$entry is not in $(basename "$sdist")"
    done
    echo "$(basename "$sdist"): rust/ and setup.py inside"

    if [ -n "${LLMWIRE_PACKAGES_FROM_SOURCE:-}" ]; then
        local started=$SECONDS
        step "Python: pip install ./bindings/python from another folder (setuptools-rust runs cargo)"
        python_smoke "$dir/source" "$repo/bindings/python"
        echo "(from the checkout: $((SECONDS - started)) s)"
        started=$SECONDS
        step "Python: pip install of the sdist (the crate inside it, built from scratch)"
        python_smoke "$dir/sdist" "$sdist"
        echo "(from the sdist: $((SECONDS - started)) s)"
    fi
}

# Installs $2 (a wheel or a source folder) into a fresh venv under $1 and uses it from outside the
# repository, with no LLMWIRE_LIB.
python_smoke() {
    local dir="$1" package="$2"
    mkdir -p "$dir"
    "$python" -m venv "$dir/venv"
    (cd "$dir" && env -u LLMWIRE_LIB "$dir/venv/bin/python" -m pip install --quiet --disable-pip-version-check \
        "$package")
    cat > "$dir/smoke.py" <<'EOF'
import os, pathlib, uuid
import llmwire

site = pathlib.Path(llmwire.__file__).resolve().parent
library = pathlib.Path(llmwire.library_path).resolve()
assert library.parent == site, f"loaded {library}, not the library inside the package ({site})"
origin = os.environ["LLMWIRE_MOCK_ORIGIN"]
fast = {"initial_backoff_ms": 1, "max_backoff_ms": 5, "jitter": "none"}
with llmwire.Client(base_url=f"{origin}/s/overloaded_then_ok/{uuid.uuid4().hex}/v1", model="m", api_key="k", retry=fast) as client:
    reply = client.chat({"messages": [{"role": "user", "content": "hi"}]})
    assert reply["choices"][0]["message"]["content"], reply
    assert len(reply["llmwire"]["attempts"]) > 1, reply["llmwire"]
assert llmwire.classify({"status": 429, "body": "{}"})["class"] == "rate_limited"
assert callable(llmwire.OpenAI)  # every module of the package is inside the wheel
print(f"python: ok ({llmwire.version()}, {library})")
EOF
    (cd "$dir" && without_repo env -u LLMWIRE_LIB -u PYTHONPATH "$dir/venv/bin/python" smoke.py)
    local other="$work/c/prefix/lib/libllmwire.so"
    [ -e "$other" ] || other="$lib"
    (cd "$dir" && LLMWIRE_LIB="$other" "$dir/venv/bin/python" -c \
        'import llmwire, sys; assert llmwire.library_path == sys.argv[1], llmwire.library_path; print("LLMWIRE_LIB overrides: ok")' \
        "$other")
}

test_node() {
    local dir="$work/node"
    mkdir -p "$dir/app"
    step "Node: npm pack"
    local tarball
    tarball="$(cd bindings/node && LLMWIRE_PREBUILT_LIB="$lib" npm pack --silent --pack-destination "$dir")"
    tarball="$dir/$tarball"
    tar -tzf "$tarball" > "$dir/contents"
    for entry in package/prebuilds/linux-x64/libllmwire.so package/index.mjs package/index.d.mts \
        package/rust/Cargo.toml package/rust/src/lib.rs package/scripts/install.js; do
        grep -qx "$entry" "$dir/contents" || fail "$entry is not in the tarball"
    done
    [ ! -e bindings/node/prebuilds ] || fail "npm pack left bindings/node/prebuilds behind"
    echo "$tarball ($(du -k "$tarball" | cut -f1) kB)"
    node_smoke "$dir/app" "$tarball" prebuilds

    if [ -n "${LLMWIRE_PACKAGES_FROM_SOURCE:-}" ]; then
        step "Node: a tarball without a prebuilt library (the install script runs cargo)"
        mkdir -p "$dir/strip" "$dir/source"
        tar -xzf "$tarball" -C "$dir/strip"
        rm -rf "$dir/strip/package/prebuilds"
        tar -czf "$dir/llmwire-source.tgz" -C "$dir/strip" package
        local started=$SECONDS
        node_smoke "$dir/source" "$dir/llmwire-source.tgz" prebuilds
        echo "(from source: $((SECONDS - started)) s)"
    fi
}

# Installs tarball $2 into a fresh folder $1; require(), import and tsc, with no LLMWIRE_LIB.
node_smoke() {
    local app="$1" tarball="$2"
    mkdir -p "$app"
    (cd "$app" && echo '{"name": "app", "version": "1.0.0", "private": true}' > package.json &&
        env -u LLMWIRE_LIB npm install --no-audit --no-fund --silent "$tarball" typescript@5.9.3 @types/node@20)
    cat > "$app/smoke.cjs" <<'EOF'
const assert = require('node:assert/strict');
const path = require('node:path');
const llmwire = require('llmwire');
const own = path.join(__dirname, 'node_modules', 'llmwire', 'prebuilds', `${process.platform}-${process.arch}`);
assert.equal(path.dirname(llmwire.libraryPath), own, `loaded ${llmwire.libraryPath}`);
const client = new llmwire.Client({ base_url: `${process.env.LLMWIRE_MOCK_ORIGIN}/s/overloaded_then_ok/${require('node:crypto').randomUUID()}/v1`,
  model: 'm', api_key: 'k', retry: { initial_backoff_ms: 1, max_backoff_ms: 5, jitter: 'none' } });
client.chat({ messages: [{ role: 'user', content: 'hi' }] }).then(async (reply) => {
  assert.ok(reply.choices[0].message.content);
  await client.close();
  console.log(`node require(): ok (${llmwire.version()}, ${llmwire.libraryPath})`);
});
EOF
    cat > "$app/smoke.mjs" <<'EOF'
import assert from 'node:assert/strict';
import llmwire, { Client, OpenAI, RateLimited, classify } from 'llmwire';
assert.equal(llmwire.Client, Client);
assert.equal(typeof OpenAI, 'function');
assert.ok(classify({ status: 429, body: '{}' }).class === 'rate_limited' && RateLimited.prototype instanceof Error);
const client = new Client({ base_url: `${process.env.LLMWIRE_MOCK_ORIGIN}/s/echo/esm/v1`, model: 'm', api_key: 'k' });
const reply = await client.chat({ messages: [{ role: 'user', content: 'hi' }] });
assert.ok(reply.choices[0].message.content);
await client.close();
console.log('node import: ok');
EOF
    cat > "$app/types.cts" <<'EOF'
import llmwire = require('llmwire');
const client: llmwire.Client = new llmwire.Client({ model: 'm' });
export const done: Promise<void> = client.close();
export const report: llmwire.Classification = llmwire.classify({ status: 429, body: '{}' });
EOF
    cat > "$app/types.mts" <<'EOF'
import llmwire, { Client, type Classification, LlmwireError } from 'llmwire';
const client: Client = new llmwire.Client({ model: 'm' });
export const done: Promise<void> = client.close();
export const report: Classification = llmwire.classify({ status: 429, body: '{}' });
export const isError = (e: unknown): boolean => e instanceof LlmwireError;
EOF
    (cd "$app" && without_repo env -u LLMWIRE_LIB node smoke.cjs && without_repo env -u LLMWIRE_LIB node smoke.mjs)
    (cd "$app" && npx --no-install tsc --noEmit --strict --module nodenext --moduleResolution nodenext \
        --target es2022 --types node types.cts types.mts) || fail "tsc could not resolve llmwire's types"
    echo "tsc (CommonJS and ES module): ok"
}

run_sections() {
    local section
    for section in "${sections[@]}"; do
        case "$section" in
            c) test_c ;;
            python) test_python ;;
            node) test_node ;;
            *) fail "unknown section $section (c, python or node)" ;;
        esac
    done
}

python="${PYTHON:-python3}"
tools="$repo/build/venv-packaging"
lib="$repo/target/release/libllmwire.so"
step() { printf '\n== %s\n' "$*"; }
fail() { echo "FAIL: $*" >&2; exit 1; }

if [ -n "${LLMWIRE_PACKAGES_WORK:-}" ]; then
    # The second half: running under the simulated provider, set up by the first half below.
    work="$LLMWIRE_PACKAGES_WORK"
    export PATH="$PATH:$tools/bin"  # system tools first; the venv's cmake/pkgconf only when missing
    run_sections
    exit 0
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/llmwire-packages.XXXXXX")"
trap 'rm -rf "$work"' EXIT
case "$work" in "$repo"/*) fail "the temporary folder must be outside the repository" ;; esac

step "release build (shared by every package)"
started=$SECONDS
make --no-print-directory release
echo "($((SECONDS - started)) s)"

if [ "$(id -u)" = 0 ] && unshare --mount true 2>/dev/null; then
    echo "(the smoke runs see the repository hidden under an empty tmpfs)"
fi

step "packaging tools in $tools"
[ -x "$tools/bin/python" ] || "$python" -m venv "$tools"
need=(build "setuptools>=77" "setuptools-rust>=1.9" wheel)
command -v cmake >/dev/null || need+=(cmake)
command -v pkg-config >/dev/null || need+=(pkgconf)
"$tools/bin/python" -m pip install --quiet --disable-pip-version-check "${need[@]}"
if ! command -v pkg-config >/dev/null && [ -x "$tools/bin/pkgconf" ]; then
    ln -sf pkgconf "$tools/bin/pkg-config"
fi

# The command line as the README installs it (cargo install reuses the release build); its
# simulated provider serves every section.
step "cargo install --path . (the llmwire command)"
cargo install --quiet --locked --path . --root "$work/cargo"
# That build shares target/ and recompiled the library with the CLI's features (under deps/); build
# the shipped one once more, so the packages certainly take it, and check the simulator is not in it.
make --no-print-directory release-lib
for shipped in "$lib" "${lib%.so}.a"; do
    if nm "$shipped" | grep -Eq '7llmwire4mock|llmwire\.\.mock\.\.'; then
        fail "$shipped contains the simulated provider (llmwire::mock)"
    fi
done
echo '{"status": 503, "body": "overloaded"}' | "$work/cargo/bin/llmwire" classify | grep -q '"class":"overloaded"' \
    || fail "the installed llmwire does not classify"
echo "$work/cargo/bin/llmwire: ok"
LLMWIRE_PACKAGES_WORK="$work" scripts/with-mock.sh "$work/cargo/bin/llmwire" -- "$0" "${sections[@]}"
step "packages: all good ($((SECONDS)) s in all)"
