#!/usr/bin/env bash
# Runs the benchmarks of bench/ and prints their figures.
set -euo pipefail
build=${1:-build}
echo "== front end: ANTLR parse only vs voronka check (100k generated lines)"
"$build/bench/frontend_bench" --benchmark_counters_tabular=true
