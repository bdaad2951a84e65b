# A thin driver for CMake: the README's two commands, and a few more.
#
#   make demo          install what is missing, build, run cctrial on
#                      examples/demo (its .cctrialrc keeps it watching and
#                      says what to do at the first wait)
#   make test          install what is missing, build while fetching
#                      Debian 13's Twisted 24.11 into the build tree
#                      (scripts/fetch-twisted), run the plain tree's share
#                      of the tests with ctest while building the
#                      AddressSanitizer/UBSan tree, then run the rest there
#   make check-memory  the tests of memory: those labelled valgrind (the
#                      unit tests and cctrial itself under valgrind) and
#                      the endurance run (cctrial's size and descriptors
#                      over 20 runs of 5,000 tests)
#   make bench         the benchmarks of docs/benchmarks.md
#   make fuzz          the libFuzzer targets, each for a bounded time
#   make install PREFIX=/usr/local DESTDIR=

BUILD ?= build
# The same sources built with AddressSanitizer and UBSan, for `make test`.
SAN_BUILD ?= build-asan
# The second Twisted generation the tests run on (issue 13), shared by both
# trees; a failed fetch stops `make test`.
TWISTED24_DIR = $(abspath $(BUILD))/twisted-24.11
# Any sanitizer report fails the process that made it, with a status no
# test expects (cctrial's own are 0, 1, 2, 130 and 143).
SAN_ENV = ASAN_OPTIONS=detect_leaks=1:exitcode=86:halt_on_error=1 \
          UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:exitcode=87
PREFIX ?= /usr/local
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
# Tests at once: two more than the cores, for a test spends part of its
# time waiting (a quiet period, a timeout, an interpreter that hangs on
# purpose) and CTest would leave that core idle.  On two cores, from a
# clean clone, the sanitizer tree's share took 249 s with three at once
# (its tests' times summed over three slots, 743 s, the bound; their CPU,
# 433 s, not) and 244 s with four.
TEST_JOBS ?= $(shell echo $$(($(JOBS) + 2)))

.PHONY: all deps configure build test check-memory demo bench fuzz install \
        clean

all: build

deps:
	@scripts/install-deps

# Ninja, not Makefiles: the same build in three quarters of the CPU (the
# Makefile generator starts several cmake processes per target), which
# counts twice in `make test`.
GENERATOR = -G Ninja

configure: deps
	@test -f $(BUILD)/CMakeCache.txt || \
	    cmake $(GENERATOR) -S . -B $(BUILD) -DCMAKE_INSTALL_PREFIX=$(PREFIX)

build: configure
	@cmake --build $(BUILD) -j $(JOBS)

# Valgrind and the endurance run are left to check-memory.  Each test runs
# once, where it checks most (see tests/CMakeLists.txt): the plain tree,
# the build that is installed, runs the install tests, those labelled
# plain-only, the parity checks labelled shipped and the unit tests (but
# those labelled sanitized); the sanitizer tree, sharing the plain tree's
# Twisted 24.11 and trial's reference runs, runs every other test.
#
# Two steps that leave cores idle run beside another, their output kept
# in a log shown when they fail (or, for the fetch, always): the fetch of
# Twisted 24.11 (mostly the network) beside the plain build, and the
# sanitizer build beside the plain tree's tests (whose trial runs leave a
# core idle a third of the time).
test: configure
	@mkdir -p $(BUILD)
	@scripts/fetch-twisted $(TWISTED24_DIR) >$(BUILD)/fetch-twisted.log 2>&1 & \
	cmake --build $(BUILD) -j $(JOBS); built=$$?; \
	wait $$!; fetched=$$?; cat $(BUILD)/fetch-twisted.log; \
	test $$built = 0 && test $$fetched = 0
	@test -f $(SAN_BUILD)/CMakeCache.txt || \
	    cmake $(GENERATOR) -S . -B $(SAN_BUILD) -DCCT_SANITIZE=ON \
	          -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	          -DCCT_TWISTED24_DIR=$(TWISTED24_DIR) \
	          -DCCT_REFERENCE_CACHE=$(abspath $(BUILD))/trial-reference
	@echo "building $(SAN_BUILD) beside the plain tree's tests" \
	    "(its log: $(SAN_BUILD)/build.log)"
	@cmake --build $(SAN_BUILD) -j $(JOBS) >$(SAN_BUILD)/build.log 2>&1 & \
	ctest --test-dir $(BUILD) --output-on-failure -j $(TEST_JOBS) \
	    -L 'install|plain-only|shipped|unit' \
	    -LE 'valgrind|endurance|sanitized'; tested=$$?; \
	wait $$!; built=$$?; \
	test $$built = 0 || tail -n 50 $(SAN_BUILD)/build.log; \
	test $$tested = 0 && test $$built = 0
	$(SAN_ENV) ctest --test-dir $(SAN_BUILD) --output-on-failure \
	    -j $(TEST_JOBS) \
	    -LE 'valgrind|endurance|install|plain-only|shipped'

check-memory: build
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS) \
	    -L 'valgrind|endurance'

demo: build
	cd examples/demo && ../../$(BUILD)/cctrial

# The benchmarks of issue 8 (tests/bench/, not part of `make test`): rewrite
# docs/benchmarks.md and fail when a target is missed by more than 20%.
# BENCH_RUNS sets the repetitions of each measure (default 5).
bench: build
	/usr/bin/python3 tests/bench/run.py $(BUILD)

# Each fuzzer runs FUZZ_SECONDS in its own clang tree, one process (the
# machine is shared), on a working corpus in the tree grown from the
# committed seeds; it fails when a fuzzer finds a crash, a leak or a broken
# invariant, and leaves the input in $(FUZZ_BUILD)/crashes/<target>/.
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 60
FUZZ_TARGETS = amp config discovery

fuzz: deps
	@test -f $(FUZZ_BUILD)/CMakeCache.txt || \
	    CC=clang cmake $(GENERATOR) -S . -B $(FUZZ_BUILD) -DCCT_FUZZ=ON \
	        -DBUILD_TESTING=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo
	@cmake --build $(FUZZ_BUILD) -j $(JOBS) \
	    --target $(addprefix fuzz_,$(FUZZ_TARGETS))
	@for t in $(FUZZ_TARGETS); do \
	    echo "== fuzz_$$t for $(FUZZ_SECONDS) s"; \
	    mkdir -p $(FUZZ_BUILD)/corpus/$$t $(FUZZ_BUILD)/crashes/$$t && \
	    $(FUZZ_BUILD)/tests/fuzz/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) \
	        -timeout=30 -dict=tests/fuzz/dict/$$t.dict \
	        -artifact_prefix=$(FUZZ_BUILD)/crashes/$$t/ \
	        $(FUZZ_BUILD)/corpus/$$t tests/fuzz/corpus/$$t \
	        tests/fuzz/regressions/$$t || exit 1; \
	done

install: build
	DESTDIR="$(DESTDIR)" cmake --install $(BUILD) --prefix "$(PREFIX)"

clean:
	rm -rf $(BUILD)
