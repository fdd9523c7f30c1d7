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

# Everything under GCC's AddressSanitizer and UBSan, in its own build dir.
ASAN_BUILD ?= build-asan
test-asan: | deps
	cmake -S . -B $(ASAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DCMAKE_CXX_FLAGS="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" \
	  -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined"
	cmake --build $(ASAN_BUILD) -j $(JOBS)
	cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=0 UBSAN_OPTIONS=print_stacktrace=1 ctest --output-on-failure -j $(JOBS)

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
