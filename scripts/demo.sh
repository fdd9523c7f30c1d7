#!/usr/bin/env bash
# The main job on the embedded default: check the example funnels.
set -euo pipefail
voronka=${1:-build/bin/voronka}
cd "$(dirname "$0")/.."
echo "== voronka check examples/ stdlib/"
"$voronka" check examples/ stdlib/
