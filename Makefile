# Hotline: the two commands a user needs are `make run` and `make test`.
# Everything else here is a step they use.

BUILD_RELEASE := build/release
BUILD_TEST    := build/test
JOBS          ?= $(shell nproc)
FUZZ_SECONDS  ?= 15
ARGS          ?= --sip 127.0.0.1:5060

.PHONY: run test build build-test deps deps-test unit sim fuzz e2e valgrind bench clean

run: deps build
	./$(BUILD_RELEASE)/hotline $(ARGS)

test: deps-test build-test unit sim fuzz e2e valgrind

deps:
	@./scripts/deps.sh

deps-test:
	@./scripts/deps.sh test
	@cd test/e2e && npm ci --no-audit --no-fund --loglevel=error

build:
	cmake -S . -B $(BUILD_RELEASE) -DCMAKE_BUILD_TYPE=RelWithDebInfo \
		-DHOTLINE_TESTS=OFF >/dev/null
	cmake --build $(BUILD_RELEASE) -j$(JOBS) --target hotline hotline-sim

# Tests build with clang: ASan + UBSan everywhere, libFuzzer targets too.
build-test:
	CC=clang cmake -S . -B $(BUILD_TEST) -DCMAKE_BUILD_TYPE=Debug \
		-DHOTLINE_SANITIZE=ON -DHOTLINE_FUZZ=ON -DHOTLINE_WERROR=ON >/dev/null
	cmake --build $(BUILD_TEST) -j$(JOBS)

unit:
	cd $(BUILD_TEST) && ctest --output-on-failure -j$(JOBS)

# The router in virtual time against the Erlang-C formula (test/sim/): the
# checks under ASan, the statistics table (~37 M simulated calls) with the
# release build's hotline-sim (16 times faster)
sim: build
	HOTLINE_SIM=$(CURDIR)/$(BUILD_TEST)/hotline-sim \
	HOTLINE_SIM_STATS=$(CURDIR)/$(BUILD_RELEASE)/hotline-sim \
		node --test test/sim/

fuzz:
	./scripts/fuzz.sh $(BUILD_TEST) $(FUZZ_SECONDS)

e2e:
	HOTLINE_BIN=$(CURDIR)/$(BUILD_TEST)/hotline node --test \
		--test-concurrency=1 test/e2e/

# Scenarios listed in test/e2e/valgrind.txt again, against the release
# build under valgrind memcheck: any memory error or definite leak fails
# the daemon's exit.
VALGRIND_E2E := $(addprefix test/e2e/,$(shell grep -v '^\#' test/e2e/valgrind.txt))
valgrind: build
	HOTLINE_BIN=$(CURDIR)/scripts/valgrind-hotline node --test \
		--test-concurrency=1 $(VALGRIND_E2E)

bench: deps-test build
	./bench/run.sh $(BUILD_RELEASE)

clean:
	rm -rf build
