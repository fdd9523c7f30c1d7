#!/usr/bin/env bash
# Runs the benchmarks of bench/ and prints their figures.
set -euo pipefail
build=${1:-build}
echo "== front end: ANTLR parse only vs voronka check (100k generated lines)"
"$build/bench/frontend_bench" --benchmark_counters_tabular=true
echo "== editors: language server re-diagnosis after a one-character edit (2,000 lines; target p95 <= 50 ms)"
"$build/bench/lsp_bench" --benchmark_counters_tabular=true
echo "== editors: voronka fmt over 100k lines (target <= 1 s)"
"$build/bench/fmt_bench" --benchmark_counters_tabular=true
corpus=$(mktemp -d)
trap 'rm -rf "$corpus"' EXIT
"$build/bench/fmt_bench" --write-corpus "$corpus"
echo "voronka fmt --check on those files, as a user runs it (every core):"
TIMEFORMAT='  %R s wall, %U s user'
# Exit 1 is expected: every file of the corpus needs formatting.
time { "$build/bin/voronka" fmt --check "$corpus" > /dev/null 2>&1 || [ $? -eq 1 ]; }
echo "== runtime: a deal guard in the VM vs Lua 5.4, engine events/s (furniture example), bytes per pending timer"
"$build/bench/runtime_bench" --benchmark_counters_tabular=true
echo "== store: durable events/s on SQLite (FULL/NORMAL, 1 or 64 per commit) vs raw sqlite3 (target >= 0.5) and vs raw sqlite3 writing one event row and one deal update per event (store_vs_minimal, target >= 0.1), restart with 1M timers (target <= 1 s)"
"$build/bench/store_bench" --benchmark_counters_tabular=true
echo "== deploy: a new version over 100k deals with 300k pending timers on SQLite (deals/s, longest pause to events)"
"$build/bench/deploy_bench" 100000
echo "== voronka serve over HTTP: durable events/s, and p50/p99 latency at half that load"
"$build/bench/serve_bench" 5
echo "== web console: server time of the board and stage statistics, 100k deals and 1M history rows (p50/p99)"
"$build/bench/console_bench" 100000 20
echo "== web console on PostgreSQL, through HTTP: board, statistics and a deal page over 20k deals"
python3 "$(dirname "$0")/../bench/console_pg_bench.py" "$build/bin/voronka" "${BENCH_CONSOLE_PG_DEALS:-20000}"
echo "== voronka sim: simulated events/s on one core (furniture example and rates; 1,000 and 10,000 deals over 90 days)"
"$build/bench/sim_bench" --benchmark_counters_tabular=true
# A million deals takes minutes: only when asked (BENCH_SIM_DEALS=1000000 make bench).
if [ -n "${BENCH_SIM_DEALS:-}" ]; then
  echo "== voronka sim with $BENCH_SIM_DEALS deals over 90 days, one run: simulated events/s on one core, peak memory"
  simout=$(mktemp)
  usage=$( { /usr/bin/time -f "%U %M" "$build/bin/voronka" sim "$(dirname "$0")/../examples/furniture/furniture.funnel" \
    --rates "$(dirname "$0")/../examples/furniture/rates.toml" --deals "$BENCH_SIM_DEALS" --horizon 90d --runs 1 --format json \
    > "$simout"; } 2>&1 | tail -1)
  python3 - "$simout" $usage "$BENCH_SIM_DEALS" <<'PY'
import json, sys
events = json.load(open(sys.argv[1]))["engine"]["events"]
user, rss_kb, deals = float(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
print(f"  {events} events in {user:.1f} s user: {events / user:,.0f} events/s, {deals / user:,.0f} deals/s; "
      f"peak RSS {rss_kb / 1024:,.0f} MiB ({rss_kb * 1024 / deals:,.0f} bytes per deal)")
PY
  rm -f "$simout"
fi
echo "== voronka serve --crm on a fake amoCRM: webhook-to-call latency at half the rate limit, calls per event with batching"
python3 "$(dirname "$0")/../bench/crm_bench.py" "$build/bin/voronka"
echo "== voronka serve --workers shared --crm (3 workers, PostgreSQL, fake amoCRM): webhook-to-call latency, the shared rate limit under a burst"
python3 "$(dirname "$0")/../bench/crm_shared_bench.py" "$build/bin/voronka"
echo "== voronka serve under a hostile client: slowloris, 200k late timers, 100k tags (docs/operations.md)"
python3 "$(dirname "$0")/../bench/hostile_bench.py" "$build/bin/voronka" "${BENCH_TIMERS:-200000}"
echo "== outbox relay: webhook deliveries/s to a healthy receiver, alone and while another receiver hangs"
python3 "$(dirname "$0")/../bench/outbox_bench.py" "$build/bin/voronka" "${BENCH_OUTBOX_WEBHOOKS:-1000}"
echo "== outbox relay on 2 shared workers (PostgreSQL): deliveries/s, deals of one webhook and of three (delivered in order)"
python3 "$(dirname "$0")/../bench/outbox_bench.py" "$build/bin/voronka" "${BENCH_OUTBOX_WEBHOOKS:-1000}" --shared 2
echo "== voronka serve --workers shared on one PostgreSQL: events/s acknowledged and applied with 1, 2 and 4 workers; 60,000 due timers fired/s (1, 2, 4 processes and one of 2 threads) beside pg-boss (npm) firing empty jobs on the same PostgreSQL"
python3 "$(dirname "$0")/../bench/workers_bench.py" "$build/bin/voronka" "${BENCH_WORKER_EVENTS:-20000}" --timers "${BENCH_WORKER_TIMERS:-60000}"
echo "== POST /v1/deals on --workers shared (PostgreSQL): deals/s and each request's p50/p90 with 1 and 8 clients, beside the intake alone and one server"
python3 "$(dirname "$0")/../bench/deals_post_bench.py" "$build/bin/voronka" "${BENCH_POST_DEALS:-1000}"
echo "== voronka serve --tenants: 100 tenants (start, memory, threads, reload) and events/s through the front"
python3 "$(dirname "$0")/../bench/tenants_bench.py" "$build/bin/voronka" 100 5
echo "== voronka serve --tenants --workers shared: 2 processes, 1 and 10 PostgreSQL tenants (start, events/s applied, idle connections and transactions)"
python3 "$(dirname "$0")/../bench/tenants_workers_bench.py" "$build/bin/voronka" 10 10000
