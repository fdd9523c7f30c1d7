#!/usr/bin/env bash
# The main job on the embedded default: check the example funnels and the
# standard library, run their scenario tests, compile the tour funnel and
# replay a day of CRM events through it, show what a mistake looks like, then
# serve the furniture example on SQLite and drive a few deals over HTTP, then
# run a funnel on a fake amoCRM account: webhooks in, API calls out.
set -euo pipefail
cd "$(dirname "$0")/.."
voronka=${1:-build/bin/voronka}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "== voronka check examples/ stdlib/"
"$voronka" check examples/ stdlib/

echo
echo "== voronka test examples/ stdlib/   (scenario tests on a virtual clock)"
"$voronka" test examples/ stdlib/ | tail -n 1

echo
echo "== voronka build examples/tour/retail.funnel, then run examples/tour/events.jsonl"
"$voronka" build examples/tour/retail.funnel -o "$tmp/retail.funnelc"
"$voronka" run "$tmp/retail.funnelc" --events examples/tour/events.jsonl --until 2026-03-06T18:00 > "$tmp/trace.jsonl"
python3 - "$tmp/trace.jsonl" <<'PY'
import json, sys
# A short account of the trace: moves, tasks, letters and messages, outcomes that were not applied.
for line in open(sys.argv[1], encoding="utf-8"):
    e = json.loads(line)
    what = e["what"]
    if what == "stage":
        print(f'{e["at"]}  {e["deal"]}: {e["from"]} -> {e["to"]} ({e["how"]})')
    elif what == "task":
        print(f'{e["at"]}  {e["deal"]}: task for {e.get("responsible", "-")}: {e["text"]}')
    elif what == "effect":
        p = e["payload"]
        print(f'{e["at"]}  {e["deal"]}: {e["kind"]} {p.get("template", "")}: {p.get("subject") or p.get("text", "")}')
    elif what == "outcome" and e["status"] != "applied":
        print(f'line {e["line"]}: event {e.get("event")}: {e["status"]}')
PY

echo
echo "== a funnel with two mistakes (a misspelt stage, a backward trigger)"
sed -e 's/on link_clicked -> choose/on link_clicked -> chose/' \
    -e 's/^    require budget > 0 "Заполните бюджет"$/&\n    on call_missed -> clarify/' \
    examples/tour/retail.funnel > "$tmp/retail.funnel"
if "$voronka" check --color never "$tmp/retail.funnel"; then
  echo "demo: expected the broken funnel to fail" >&2
  exit 1
fi
echo
echo "== voronka serve: the furniture example on SQLite, driven over the HTTP API"
"$voronka" build examples/furniture/furniture.funnel -o "$tmp/furniture.funnelc"
python3 scripts/demo_serve.py "$voronka" "$tmp/furniture.funnelc" "$tmp"

echo
echo "== voronka serve --crm: a round trip through a fake amoCRM (docs/crm.md)"
python3 scripts/demo_crm.py "$voronka" "$tmp"
