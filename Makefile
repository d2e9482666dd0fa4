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
# The tests of calls on library threads, also built with ThreadSanitizer. Stable Rust cannot
# instrument the library (-Zsanitizer is nightly-only), so TSan checks the C side: the callbacks on
# library threads against the main thread. ignore_noninstrumented_modules keeps it from reporting
# the library's own memory traffic, whose locks it cannot see; setarch -R avoids its failure on
# kernels with high ASLR entropy.
C_TSAN_TESTS := $(patsubst tests/c/%.c,$(BUILD)/c-tsan/%,$(wildcard tests/c/test_async*.c))

.PHONY: help build demo test test-rust test-c test-python test-node test-examples header-check bless-header lint \
	bench clean install uninstall release release-lib test-packages

help:
	@echo "make demo          build everything and run the demo (C, Python, Node) against the simulated provider"
	@echo "make examples      build the C example (examples/chat.c)"
	@echo "make test          run every test (Rust, C under AddressSanitizer, Python, Node)"
	@echo "make test-packages build the wheel, the npm tarball and a C install; use each as a user would"
	@echo "make release       release builds: the llmwire tool, then the shipped library (no simulator), plus the libllmwire.so.0 link"
	@echo "make install       install the C library, header, pkg-config and CMake files (PREFIX=/usr/local)"
	@echo "make lint          cargo fmt --check, clippy and rustdoc with warnings as errors"
	@echo "make bench         every benchmark: Rust (cargo bench), Python and Node bindings vs openai"
	@echo "make bench-fleet   failover and client-side limits benchmarks (minutes)"
	@echo "make bless-header  refresh include/llmwire.h from the sources"

build:
	$(CARGO) build --lib --bins
	@ln -sf libllmwire.so $(LIB_DIR)/$(SONAME)

# The library's SONAME is libllmwire.so.N, N the C ABI version counted from 0 (build.rs sets it).
# Programs linked against a build tree look for that name at run time: `build` and `release` put a
# link to the library under it next to the library.
VERSION     := $(shell sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
ABI_VERSION := $(shell sed -n 's/^pub const ABI_VERSION: u32 = \([0-9]*\);/\1/p' src/lib.rs)
SO_MAJOR    := $(shell echo $$(( $(ABI_VERSION) - 1 )))
SONAME      := libllmwire.so.$(SO_MAJOR)
REAL_NAME   := libllmwire.so.$(SO_MAJOR).$(word 2,$(subst ., ,$(VERSION))).$(word 3,$(subst ., ,$(VERSION)))
RELEASE_DIR := $(CURDIR)/target/release

# The shipped library leaves the simulated provider out: it is built with --no-default-features
# plus LIB_FEATURES (the `shipped` feature of Cargo.toml: what it ships with). The packaging builds
# (bindings/python/setup.py, bindings/node/scripts/crate.js) pass the same flags.
LIB_FEATURES ?= shipped
LIB_CARGO_FLAGS := --no-default-features $(if $(strip $(LIB_FEATURES)),--features $(LIB_FEATURES))

# The command line first, the library last: building the tool recompiles the library with the
# CLI's features under target/release/deps, and target/release/libllmwire.* is the last build
# that asked for the library itself.
release:
	$(CARGO) build --release --bins
	$(MAKE) --no-print-directory release-lib

release-lib:
	$(CARGO) build --release --lib $(LIB_CARGO_FLAGS)
	@ln -sf libllmwire.so $(RELEASE_DIR)/$(SONAME)

# `make install PREFIX=...` (and DESTDIR for staging): the header, the shared library under its
# versioned name with the SONAME and development links, the static library, llmwire.pc and the
# CMake package llmwire::llmwire. ELF platforms (Linux, the BSDs); docs/packaging.md has the layout.
PREFIX     ?= /usr/local
LIBDIR     ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
# What the static library needs besides libc (rustc --print native-static-libs, for the standard
# library on Linux): pkg-config --static and the CMake static target add these.
STATIC_LIBS := -lgcc_s -lutil -lrt -lpthread -lm -ldl -lc
SUBST = sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@LIBDIR@|$(LIBDIR)|g' -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|g' \
	-e 's|@VERSION@|$(VERSION)|g' -e 's|@VERSION_MAJOR@|$(word 1,$(subst ., ,$(VERSION)))|g' \
	-e 's|@VERSION_MINOR@|$(word 2,$(subst ., ,$(VERSION)))|g' -e 's|@ABI_VERSION@|$(ABI_VERSION)|g' \
	-e 's|@SONAME@|$(SONAME)|g' -e 's|@REAL_NAME@|$(REAL_NAME)|g' -e 's|@STATIC_LIBS@|$(STATIC_LIBS)|g' \
	-e 's|@SIZEOF_VOID_P@|$(shell getconf LONG_BIT | sed 's/64/8/;s/32/4/')|g'

install: release
	install -d $(DESTDIR)$(INCLUDEDIR) $(DESTDIR)$(LIBDIR)/pkgconfig $(DESTDIR)$(LIBDIR)/cmake/llmwire
	install -m 644 include/llmwire.h $(DESTDIR)$(INCLUDEDIR)/llmwire.h
	install -m 755 $(RELEASE_DIR)/libllmwire.so $(DESTDIR)$(LIBDIR)/$(REAL_NAME)
	ln -sf $(REAL_NAME) $(DESTDIR)$(LIBDIR)/$(SONAME)
	ln -sf $(SONAME) $(DESTDIR)$(LIBDIR)/libllmwire.so
	install -m 644 $(RELEASE_DIR)/libllmwire.a $(DESTDIR)$(LIBDIR)/libllmwire.a
	$(SUBST) packaging/llmwire.pc.in > $(DESTDIR)$(LIBDIR)/pkgconfig/llmwire.pc
	$(SUBST) packaging/llmwireConfig.cmake.in > $(DESTDIR)$(LIBDIR)/cmake/llmwire/llmwireConfig.cmake
	$(SUBST) packaging/llmwireConfigVersion.cmake.in > $(DESTDIR)$(LIBDIR)/cmake/llmwire/llmwireConfigVersion.cmake

uninstall:
	rm -f $(DESTDIR)$(INCLUDEDIR)/llmwire.h $(DESTDIR)$(LIBDIR)/$(REAL_NAME) $(DESTDIR)$(LIBDIR)/$(SONAME) \
	  $(DESTDIR)$(LIBDIR)/libllmwire.so $(DESTDIR)$(LIBDIR)/libllmwire.a $(DESTDIR)$(LIBDIR)/pkgconfig/llmwire.pc
	rm -rf $(DESTDIR)$(LIBDIR)/cmake/llmwire

# The packages as users install them (minutes: one release build shared by all three): the C
# install (pkg-config and CMake), the Python wheel and the npm tarball, each used from a fresh
# environment outside the repository against `llmwire mock`. See scripts/test-packages.sh.
test-packages:
	scripts/test-packages.sh

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
test: test-rust test-c test-python test-node test-examples

test-rust:
	$(CARGO) test

# C programs compiled against the committed header, linked to the real shared library,
# run under AddressSanitizer and UndefinedBehaviorSanitizer (leak detection on).
# They run against the bundled simulated provider (scripts/with-mock.sh sets LLMWIRE_MOCK_ORIGIN).
test-c: build header-check $(C_TESTS) $(C_TSAN_TESTS)
	@scripts/with-mock.sh -- sh -c 'set -e; for t in $(C_TESTS); do echo "== $$t"; ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 $$t; done; \
	  for t in $(C_TSAN_TESTS); do echo "== $$t (ThreadSanitizer)"; TSAN_OPTIONS=halt_on_error=1:ignore_noninstrumented_modules=1 setarch -R $$t; done'

$(BUILD)/c-tsan/%: tests/c/%.c tests/c/check.h tests/c/mock_client.h include/llmwire.h build
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_STRICT) -g -O1 -fsanitize=thread -Iinclude -Itests/c $< -o $@ -L$(LIB_DIR) -lllmwire -lpthread -Wl,-rpath,$(LIB_DIR)

$(BUILD)/c/%: tests/c/%.c tests/c/check.h tests/c/mock_client.h include/llmwire.h build
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

# The three chat examples (C, Python, Node) run with the same flags against the mock and agree.
test-examples: examples $(BUILD)/demo
	@test -d bindings/node/node_modules || (cd bindings/node && npm ci --no-audit --no-fund --silent)
	scripts/with-mock.sh -- $(PYTHON) tests/examples/agree.py

bless-header:
	LLMWIRE_BLESS=1 $(CARGO) test --test integration header::committed_header_matches_generated_header -- --exact

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --all-targets -- -D warnings
	$(CARGO) clippy --lib --no-default-features -- -D warnings
	RUSTDOCFLAGS="-D warnings" $(CARGO) doc --no-deps --quiet

clean:
	rm -rf $(BUILD)
	$(CARGO) clean
