# Thin wrapper over Meson so that the usual verbs work from the root.
#   make        build build/karakuri
#   make test   every suite (unit, fuzz-corpus replay, e2e), then again under ASan+UBSan
#               (but lint and the timer-bound e2e-timed tests)
#   make run    whatever set-up is missing (packages, Docker engine, images), then karakuri run
#   make bench  the benchmarks
#   make fuzz   real libFuzzer runs of every fuzz target (FUZZ_SECONDS each)
MESON ?= meson
BUILD ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 60

.PHONY: all test test-fast run bench fuzz deps engine images lint clean

all: $(BUILD)/build.ninja
	$(MESON) compile -C $(BUILD)

$(BUILD)/build.ninja:
	$(MESON) setup $(BUILD)

$(ASAN_BUILD)/build.ninja:
	$(MESON) setup $(ASAN_BUILD) -Db_sanitize=address,undefined -Dbuildtype=debug

test:
	scripts/run-tests $(BUILD) $(ASAN_BUILD)

# One build, no sanitizer pass: for quick local iteration.
test-fast:
	scripts/run-tests $(BUILD)

deps:
	scripts/setup deps

engine:
	scripts/setup engine

images: all
	scripts/setup images

run:
	scripts/setup all
	$(BUILD)/karakuri run $(if $(CONF),-c $(CONF))

bench: all
	scripts/run-bench $(BUILD)

fuzz:
	CC=clang $(MESON) setup $(FUZZ_BUILD) -Dfuzzing=true -Db_sanitize=address,undefined \
		-Db_lundef=false -Dbuildtype=debugoptimized 2>/dev/null || true
	$(MESON) compile -C $(FUZZ_BUILD)
	scripts/run-fuzz $(FUZZ_BUILD) $(FUZZ_SECONDS)

lint:
	scripts/lint

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
