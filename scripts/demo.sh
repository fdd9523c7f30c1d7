#!/usr/bin/env bash
# The main job on the embedded default. Today: check the example funnels and
# the standard library, then show what a mistake looks like.
set -euo pipefail
cd "$(dirname "$0")/.."
voronka=${1:-build/bin/voronka}

echo "== voronka check examples/ stdlib/"
"$voronka" check examples/ stdlib/

echo
echo "== a funnel with two mistakes (a misspelt stage, a backward trigger)"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sed -e 's/on link_clicked -> choose/on link_clicked -> chose/' \
    -e 's/^    require budget > 0 "Заполните бюджет"$/&\n    on call_missed -> clarify/' \
    examples/tour/retail.funnel > "$tmp/retail.funnel"
if "$voronka" check --color never "$tmp/retail.funnel"; then
  echo "demo: expected the broken funnel to fail" >&2
  exit 1
fi
echo
echo "Engine, tests on a virtual clock and the HTTP server are not built yet (see README, Status)."
