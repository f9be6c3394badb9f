# backstop: `make run` and `make test` are the two set-up commands (README.md).
# Each target installs missing Debian packages first (scripts/deps.sh), then builds with CMake.
SHELL := /bin/bash
CORPUS ?= $(abspath ../shared/corpus)
JOBS ?= $(shell nproc)
# The fuzz smoke run in `make test`: 180 s in all, 60 s for each of the three targets.
FUZZ_SECONDS ?= 180
FUZZ_LONG_SECONDS ?= 1800
GEN := -G Ninja

RELEASE := build/release
TEST := build/test
FUZZ := build/fuzz

.PHONY: all deps release run test unit eval bench bench-shield bench-milter bench-dns compare fuzz fuzz-build clean format

all: release

deps:
	@scripts/deps.sh

release: deps
	@cmake -S . -B $(RELEASE) $(GEN) -DCMAKE_BUILD_TYPE=Release -DBACKSTOP_TESTS=OFF >/dev/null
	@cmake --build $(RELEASE) -j $(JOBS)

# backstop's main job on its embedded defaults: the shield on 127.0.0.1:2525 (etc/backstop.toml).
run: release
	@scripts/run.sh $(RELEASE)/apps/backstop/backstop

fuzz-build: deps
	@CXX=clang++ cmake -S . -B $(FUZZ) $(GEN) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBACKSTOP_FUZZ=ON >/dev/null
	@cmake --build $(FUZZ) -j $(JOBS)

# RelWithDebInfo with ASan and UBSan; ctest runs unit tests, integration tests against real
# peers, the corpus evaluation (when ../shared/corpus is present) and a fuzz smoke run.
test: deps fuzz-build
	@cmake -S . -B $(TEST) $(GEN) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBACKSTOP_SANITIZE=ON \
	  -DBACKSTOP_CORPUS="$(CORPUS)" -DBACKSTOP_FUZZ_DIR="$(abspath $(FUZZ))" \
	  -DBACKSTOP_FUZZ_SECONDS=$(FUZZ_SECONDS) >/dev/null
	@cmake --build $(TEST) -j $(JOBS)
	@cd $(TEST) && ctest --output-on-failure -j $(JOBS)

# The corpus evaluation alone, on the release build, with its figures.
eval: release
	@python3 tests/eval/corpus_eval.py $(RELEASE)/apps/backstop/backstop "$(CORPUS)" \
	  --disagreements docs/corpus-disagreements.md

bench: deps
	@scripts/deps.sh --bench
	@cmake -S . -B $(RELEASE) $(GEN) -DCMAKE_BUILD_TYPE=Release -DBACKSTOP_TESTS=OFF >/dev/null
	@cmake --build $(RELEASE) -j $(JOBS)
	@bench/classify/run.sh $(RELEASE) "$(CORPUS)"

# The shield's reject path against Postfix's smtp-sink on loopback, and memory per idle
# session (bench/shield/run.sh; DURATION, CONCURRENCY, IDLE_SESSIONS, ... in its header).
bench-shield: release
	@cmake --build $(RELEASE) -j $(JOBS) --target storm_load
	@bench/shield/run.sh $(RELEASE)

# One Postfix, smtpd services with backstop's milter (content mode, storm mode) and with Postfix's
# native anti-backscatter recipe, the same `backstop drill` storm against each in turn
# (bench/milter/run.py; ROUNDS, DURATION, CONCURRENCY, ... in its header). Needs root.
bench-milter: release
	@python3 bench/milter/run.py $(RELEASE)/apps/backstop/backstop

# backstop's DNSBL server vs rbldnsd serving the same 1,000,000 entries, dnsperf against each
# in turn (bench/dns/run.py; ROUNDS, DURATION, CLIENTS, ENTRIES, ... in its header).
bench-dns: release
	@scripts/deps.sh --bench
	@python3 bench/dns/run.py $(RELEASE)/apps/backstop/backstop

# Side by side on loopback: the same `backstop drill` workload against backstop, Postfix's classic
# anti-backscatter recipe, Postfix with SpamAssassin's VBounce, Haraka with its bounce plugin and smtp-sink (bench/compare/run.sh;
# DURATION, CONCURRENCY, SYSTEMS in its header); rewrites docs/benchmarks.md "Side by side".
compare: deps
	@bench/compare/run.sh $(RELEASE)

# Longer fuzzing than the smoke run in `make test`: FUZZ_LONG_SECONDS in all, split over targets.
fuzz: fuzz-build
	@tests/fuzz/run.sh $(FUZZ) $(FUZZ_LONG_SECONDS)

format:
	@clang-format -i $$(git ls-files '*.cpp' '*.h')

clean:
	rm -rf build
