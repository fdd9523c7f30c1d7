# The two commands of the README: `make demo` and `make test`.
# `make vsix` packages the VS Code extension (editors/vscode, npm registry only).
# Both install missing Debian packages, configure and build first.
BUILD ?= build
BUILD_TYPE ?= Release
JOBS ?= $(shell nproc)
VORONKA = $(BUILD)/bin/voronka

.PHONY: all deps configure build test demo bench vsix clean fuzz test-asan

all: build

deps:
	@scripts/deps.sh

$(BUILD)/build.ninja: | deps
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE)

configure: $(BUILD)/build.ninja

build: configure
	cmake --build $(BUILD) -j $(JOBS)

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)
	@scripts/fuzz.sh 15

# docs/operations.md: the fuzzers for 10 minutes each (clang-14).
fuzz: build
	@scripts/fuzz.sh 600

# Everything under GCC's AddressSanitizer and UBSan, in its own build dir;
# every report of every process fails it (docs/operations.md).
ASAN_BUILD ?= build-asan
test-asan: | deps
	ASAN_BUILD=$(ASAN_BUILD) JOBS=$(JOBS) scripts/test_asan.sh

demo: build
	@scripts/demo.sh $(VORONKA)

bench: build
	@scripts/bench.sh $(BUILD)

# The VS Code extension as editors/vscode/voronka-funnel.vsix: dependencies
# pinned by package-lock.json, one bundled extension.js, no prompt.
vsix:
	cd editors/vscode && npm ci --no-audit --no-fund && npm run package </dev/null

clean:
	rm -rf $(BUILD)
