#!/usr/bin/env python3
"""Many tenants on many workers: 2 `voronka serve --tenants tenants.toml
--workers shared` on one throwaway PostgreSQL (docs/scaling.md#many-clients-on-many-servers).

For 1 tenant, then TENANTS tenants (a schema each): both processes started
(the time until both serve every tenant), then EVENTS events in all (a
deal_created and steps per deal, as bench/workers_bench.py), spread evenly
over the tenants, posted in arrays of 100 to /t/TENANT/v1/events by 4
client threads, round robin over the processes. The figure is events
acknowledged and applied per second, from the first request until every
tenant's inbox is empty. Beside it what the tenants cost while idle: the
PostgreSQL connections and the transactions per second both processes
run with nothing to do (LISTEN wake-ups and the polling backstop), and
the processes' resident memory and threads. PostgreSQL runs with fsync
off, as in the tests, and max_connections raised for the tenants (about
five connections per tenant in each process, a sixth once its console is used).

usage: tenants_workers_bench.py VORONKA [TENANTS] [EVENTS]"""
import http.client
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "serve"))
from serve_support import Postgres, build  # noqa: E402
from workers_bench import FUNNEL, STEPS, psql  # noqa: E402

ADMIN = "bench-admin-token-0000000000"


def token(i):
    return f"bench-tenant-{i:04d}-token-000000"


def start(voronka, tenants_file):
    proc = subprocess.Popen([voronka, "serve", "--tenants", tenants_file, "--workers", "shared",
                             "--listen", "127.0.0.1:0"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = proc.stdout.readline()
    if "listening on http://" not in line:
        raise AssertionError(f"did not start: {line!r}")
    return proc, int(line.split("listening on http://127.0.0.1:")[1].split()[0])


def post(port, path, body, headers):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request("POST", path, body=json.dumps(body), headers=headers)
    resp = conn.getresponse()
    resp.read()
    conn.close()
    return resp.status


def process_figures(pid):
    rss, threads = 0, 0
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1]) // 1024
            elif line.startswith("Threads:"):
                threads = int(line.split()[1])
    return rss, threads


def run(voronka, pg, work, module, tenants, events_total):
    schemas = [f"bench_{tenants}_{i}" for i in range(tenants)]
    for s in schemas:
        psql(pg, f"CREATE SCHEMA {s}")
    tenants_file = os.path.join(work, f"tenants-{tenants}.toml")
    with open(tenants_file, "w") as f:
        f.write(f'[server]\nadmin_tokens = ["{ADMIN}"]\n\n')
        for i, s in enumerate(schemas):
            f.write(f'[tenant.t{i}]\nstore = "{pg.spec()} options=-csearch_path={s}"\nmodule = "{module}"\n'
                    f'tokens = ["{token(i)}"]\n\n')
    started = time.time()
    processes = [start(voronka, tenants_file) for _ in range(2)]
    start_seconds = time.time() - started

    deals = events_total // (1 + STEPS) // tenants
    requests = []  # rounds in order: a deal's events after its earlier ones
    for r in range(1 + STEPS):
        for i in range(tenants):
            events = [{"id": f"c{d}", "deal": f"D{d}", "type": "deal_created", "pipeline": "p"} if r == 0 else
                      {"id": f"s{d}-{r}", "deal": f"D{d}", "type": "step", "payload": {"n": r}} for d in range(deals)]
            requests += [(i, events[k:k + 100]) for k in range(0, len(events), 100)]
    counter = [0]
    lock = threading.Lock()

    def client():
        while True:
            with lock:
                if counter[0] >= len(requests):
                    return
                n = counter[0]
                counter[0] += 1
            i, events = requests[n]
            status = post(processes[n % 2][1], f"/t/t{i}/v1/events", events,
                          {"Authorization": "Bearer " + token(i)})
            assert status in (200, 202), status

    started = time.time()
    threads = [threading.Thread(target=client) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    waiting = " + ".join(f"(SELECT count(*) FROM {s}.inbox WHERE applied_at IS NULL)" for s in schemas)
    while psql(pg, f"SELECT {waiting}") != "0":
        time.sleep(0.05)
    applied = deals * tenants * (1 + STEPS) / (time.time() - started)

    time.sleep(2)  # idle
    commits = "SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = 'postgres'"
    before = int(psql(pg, commits))
    time.sleep(5)
    idle_tps = (int(psql(pg, commits)) - before - 2) / 5  # less this bench's own two queries
    connections = psql(pg, "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'")
    figures = [process_figures(p.pid) for p, _ in processes]
    for p, _ in processes:
        p.send_signal(signal.SIGTERM)
        p.wait(timeout=120)
    print(f"  {tenants:4d} tenant{'s' if tenants > 1 else ' '}: both processes serving in {start_seconds:5.1f} s; "
          f"{applied:7.0f} events/s applied ({deals * tenants * (1 + STEPS)} events); idle: {connections} "
          f"connections, {idle_tps:.0f} transactions/s; per process {figures[0][0]} MB, {figures[0][1]} threads")


def main():
    voronka = os.path.abspath(sys.argv[1])
    tenants = int(sys.argv[2]) if len(sys.argv) > 2 else 10
    events = int(sys.argv[3]) if len(sys.argv) > 3 else 10000
    with Postgres() as pg:
        if pg.missing:
            print(f"skipped: {pg.missing}")
            return 0
        # Each tenant holds about five connections in each process: more than
        # PostgreSQL's default 100 for a few tenants on two processes.
        psql(pg, f"ALTER SYSTEM SET max_connections = {max(100, tenants * 2 * 8 + 20)}")
        pg.stop()
        pg.start()
        with tempfile.TemporaryDirectory() as work:
            module = build(voronka, FUNNEL, work)
            for n in sorted({1, tenants}):
                run(voronka, pg, work, module, n, events)
    return 0


if __name__ == "__main__":
    sys.exit(main())
