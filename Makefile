# One entry point for building, testing and demoing llmwire. `make help` lists the targets.

CARGO     ?= cargo
CC        ?= cc
CXX       ?= c++
PYTHON    ?= python3
PROFILE_DIR := target/debug
LIB_DIR   := $(CURDIR)/$(PROFILE_DIR)
BUILD     := build
SANITIZE  := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
CFLAGS_STRICT := -std=c11 -Wall -Wextra -Werror -pedantic
C_TESTS   := $(patsubst tests/c/%.c,$(BUILD)/c/%,$(wildcard tests/c/test_*.c))

.PHONY: help build demo test test-rust test-c test-python test-node header-check bless-header lint bench clean

help:
	@echo "make demo          build everything and run the demo (C, Python, Node) against the simulated provider"
	@echo "make examples      build the C example (examples/chat.c)"
	@echo "make test          run every test (Rust, C under AddressSanitizer, Python, Node)"
	@echo "make lint          cargo fmt --check, clippy and rustdoc with warnings as errors"
	@echo "make bench         every benchmark: Rust (cargo bench), Python and Node bindings vs openai"
	@echo "make bench-fleet   failover and client-side limits benchmarks (minutes)"
	@echo "make bless-header  refresh include/llmwire.h from the sources"

build:
	$(CARGO) build --lib --bins

# The main job: build, start the simulated provider on loopback, and run the same demo through the
# C API, then Python (ctypes, from the source tree) and Node (koffi), all against that one mock.
demo: build $(BUILD)/demo
	@test -d bindings/node/node_modules || (cd bindings/node && npm ci --no-audit --no-fund --silent)
	@scripts/with-mock.sh -- sh -c 'set -e; \
	  echo "== C (examples/demo.c) ========================================================="; $(BUILD)/demo; \
	  echo; echo "== Python (examples/demo.py) ==================================================="; \
	  PYTHONPATH=bindings/python LLMWIRE_LIB=$(LIB_DIR)/libllmwire.so $(PYTHON) examples/demo.py; \
	  echo; echo "== Node (examples/demo.mjs) ===================================================="; \
	  LLMWIRE_LIB=$(LIB_DIR)/libllmwire.so node examples/demo.mjs'

$(BUILD)/demo: examples/demo.c include/llmwire.h build
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_STRICT) -O1 -Iinclude $< -o $@ -L$(LIB_DIR) -lllmwire -Wl,-rpath,$(LIB_DIR)

# The examples, linked to the debug library: build/examples/chat (see examples/chat.c).
.PHONY: examples
examples: build $(BUILD)/examples/chat

$(BUILD)/examples/chat: examples/chat.c include/llmwire.h build
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_STRICT) -O1 -Iinclude $< -o $@ -L$(LIB_DIR) -lllmwire -pthread -Wl,-rpath,$(LIB_DIR)

# Every benchmark (minutes; not part of the tests). The binding benchmarks compare with the openai
# packages when they are installed: the Python one into build/venv-python (pip install openai), the
# Node one under build/bench-openai (npm install --prefix build/bench-openai openai).
BENCH_PYTHON = $(if $(wildcard $(BUILD)/venv-python/bin/python),$(BUILD)/venv-python/bin/python,$(PYTHON))
bench:
	$(CARGO) bench
	$(CARGO) build --release --lib --bins
	LLMWIRE_LIB=$(CURDIR)/target/release/libllmwire.so PYTHONPATH=bindings/python $(BENCH_PYTHON) bindings/python/bench/overhead.py --rust
	cd bindings/node && LLMWIRE_LIB=$(CURDIR)/target/release/libllmwire.so taskset -c 0 node bench/overhead.mjs --openai $(CURDIR)/build/bench-openai

# The fleet benchmarks (docs/fleet.md): overhead of targets, a primary's outage, client-side limits.
# About five minutes; figures from one run. The limits run's baseline is the openai Python package
# (benches/fleet_openai.py), when installed in build/venv-python. Then the shared state
# (docs/coordination.md, benches/coordination.rs): the Redis round trip, and 8 processes sharing
# one limit through Redis, through memory, and with the openai package (about six minutes more).
.PHONY: bench-fleet
bench-fleet:
	$(CARGO) bench --bench fleet
	$(CARGO) build --release --bins
	@if $(BENCH_PYTHON) -c 'import openai' 2>/dev/null; then $(BENCH_PYTHON) benches/fleet_openai.py target/release/llmwire; \
	  else echo "(the openai baseline needs: $(BENCH_PYTHON) -m pip install openai)"; fi
	$(CARGO) bench --bench coordination

# Every test the project has. CI runs exactly this.
test: test-rust test-c test-python test-node

test-rust:
	$(CARGO) test

# C programs compiled against the committed header, linked to the real shared library,
# run under AddressSanitizer and UndefinedBehaviorSanitizer (leak detection on).
# They run against the bundled simulated provider (scripts/with-mock.sh sets LLMWIRE_MOCK_ORIGIN).
test-c: build header-check $(C_TESTS)
	@scripts/with-mock.sh -- sh -c 'set -e; for t in $(C_TESTS); do echo "== $$t"; ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 $$t; done'

$(BUILD)/c/%: tests/c/%.c tests/c/check.h include/llmwire.h build
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_STRICT) -g $(SANITIZE) -Iinclude -Itests/c $< -o $@ -L$(LIB_DIR) -lllmwire -lpthread -Wl,-rpath,$(LIB_DIR)

# The header must compile on its own as strict C11 and as C++.
header-check:
	$(CC) $(CFLAGS_STRICT) -fsyntax-only -x c include/llmwire.h
	$(CXX) -std=c++11 -Wall -Wextra -Werror -pedantic -fsyntax-only -x c++ include/llmwire.h

# The Python binding (ctypes) with pytest, in a venv under build/, against the real library and mock.
test-python: build
	bindings/python/run_tests.sh -q

# The Node binding (koffi) with node --test, after a clean `npm ci`.
test-node: build
	cd bindings/node && npm ci --no-audit --no-fund && npm test

bless-header:
	LLMWIRE_BLESS=1 $(CARGO) test --test header

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --all-targets -- -D warnings
	RUSTDOCFLAGS="-D warnings" $(CARGO) doc --no-deps --quiet

clean:
	rm -rf $(BUILD)
	$(CARGO) clean
