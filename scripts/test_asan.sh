#!/bin/sh
# `make test-asan` (docs/operations.md): everything built with GCC's
# AddressSanitizer and UBSan in build-asan/, then ctest there. A report
# stops the process (UBSan halts on its first error) and shows in the
# failing test's output; it prints the time the build and the tests took.
#
# usage: scripts/test_asan.sh [CTEST ARGUMENTS...]
#   ASAN_BUILD    the build directory (default build-asan)
#   ASAN_TARGETS  build only these targets (default: all), for a subset
#                 run such as ASAN_TARGETS=voronka_store_tests with -R Sqlite
#   ASAN_LEAKS    1 (default): LeakSanitizer checks every process at its
#                 exit; 0 leaves leaks unchecked
#   JOBS          parallel compiles and tests (default: nproc)
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
B=${ASAN_BUILD:-build-asan}
JOBS=${JOBS:-$(nproc)}
LEAKS=${ASAN_LEAKS:-1}
cd "$ROOT"
started=$(date +%s)
cmake -S . -B "$B" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" \
  -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" >/dev/null
# The build runs each gtest binary to list its tests: no leak check there.
for target in ${ASAN_TARGETS:-all}; do
  ASAN_OPTIONS=detect_leaks=0 cmake --build "$B" -j "$JOBS" --target "$target"
done
built=$(date +%s)

# A report aborts the process (SIGABRT) rather than exiting with 1: 1 is
# voronka's own exit for an error, and the lit tests that run
# `not voronka check …` take any exit but a crash (LLVM's `not` fails on a
# signal) as the failure they expect, so a report exiting 1 would pass.
# Leaks are checked when each process exits, which costs little (the heap
# is scanned once); a server a test kills with SIGKILL is not checked.
status=0
(cd "$B" && ASAN_OPTIONS=detect_leaks=$LEAKS:abort_on_error=1 \
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:abort_on_error=1 \
  ctest --output-on-failure -j "$JOBS" "$@") || status=1
finished=$(date +%s)
echo "test-asan: build $((built - started)) s, tests $((finished - built)) s"
exit $status
