#!/bin/sh
# Runs the libFuzzer harnesses of tests/fuzz for SECONDS each (default 15),
# built with clang-14, AddressSanitizer and UBSan in build-fuzz/. Seeds:
# tests/fuzz/seeds, every .funnel of the repository (the parser), modules
# built from the examples (the loader). A crash is written to
# tests/fuzz/regressions/NAME/ — commit it: ctest runs it from then on.
# Without clang-14 it says so and exits 0 (`make test` calls it).
# usage: scripts/fuzz.sh [SECONDS]
set -eu
SECONDS_EACH=${1:-15}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
B=${FUZZ_BUILD:-$ROOT/build-fuzz}
VORONKA=${VORONKA:-$ROOT/build/bin/voronka}
if ! command -v clang++-14 >/dev/null 2>&1; then
  echo "fuzz: skipped: clang++-14 is not installed (apt-get install clang-14 to run the fuzzers)"
  exit 0
fi
if [ ! -x "$VORONKA" ]; then
  echo "fuzz: $VORONKA is missing: build first (make build)" >&2
  exit 2
fi
# clang rejects misc/InterpreterDataReader.h of Debian's ANTLR 4.9 runtime,
# which nothing here uses: a copy of antlr4-runtime.h without it, found
# before the original (-I comes before -isystem), leaves it out.
mkdir -p "$B/antlr-shim"
sed '/InterpreterDataReader/d' /usr/include/antlr4-runtime/antlr4-runtime.h >"$B/antlr-shim/antlr4-runtime.h"
cmake -S "$ROOT" -B "$B" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -gline-tables-only -DNDEBUG" \
  -DCMAKE_CXX_COMPILER=clang++-14 -DVORONKA_FUZZ=ON \
  -DCMAKE_CXX_FLAGS="-I$B/antlr-shim -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined -Wno-unknown-warning-option" \
  -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" >/dev/null
TARGETS="text_scan module_loader json_intake parser"
ninja -C "$B" -j "${JOBS:-2}" $(for t in $TARGETS; do printf 'fuzz_%s ' "$t"; done) >/dev/null

# Corpora: the seeds, plus modules compiled from the examples.
mkdir -p "$B/corpus"
for t in $TARGETS; do
  mkdir -p "$B/corpus/$t"
  [ -d "$ROOT/tests/fuzz/seeds/$t" ] && cp -n "$ROOT/tests/fuzz/seeds/$t"/* "$B/corpus/$t/" 2>/dev/null || true
done
for f in "$ROOT"/examples/*/*.funnel; do
  case "$f" in *_test.funnel) continue ;; esac
  "$VORONKA" build "$f" -o "$B/corpus/module_loader/$(basename "$f" .funnel).funnelc" >/dev/null 2>&1 || true
done
# The parser: every .funnel of the repository.
mkdir -p "$B/corpus/parser"
git -C "$ROOT" ls-files '*.funnel' | while read -r f; do
  cp "$ROOT/$f" "$B/corpus/parser/$(echo "$f" | tr '/' '_')"
done
"$VORONKA" build "$ROOT/tests/fuzz/intake.funnel" -o "$B/intake.funnelc" >/dev/null
export VORONKA_FUZZ_MODULE="$B/intake.funnelc"

status=0
for t in $TARGETS; do
  mkdir -p "$ROOT/tests/fuzz/regressions/$t"
  echo "fuzz: $t for ${SECONDS_EACH}s"
  if ! "$B/tests/fuzz/fuzz_$t" "$B/corpus/$t" -max_total_time="$SECONDS_EACH" -max_len=65536 -timeout=10 \
      -artifact_prefix="$ROOT/tests/fuzz/regressions/$t/" -print_final_stats=1 >"$B/fuzz_$t.log" 2>&1; then
    echo "fuzz: $t found a crash: see $B/fuzz_$t.log and tests/fuzz/regressions/$t/" >&2
    status=1
  fi
  grep -E "stat::number_of_executed_units|stat::peak_rss_mb" "$B/fuzz_$t.log" | tr '\n' ' ' | sed "s/^/fuzz: $t: /"
  echo
done
exit $status
