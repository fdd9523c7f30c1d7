#!/usr/bin/env python3
"""Events/s applied by 1, 2 and 4 `voronka serve --workers shared` on one
throwaway PostgreSQL (docs/scaling.md).

First one single server (`--workers one`, answering once applied) for
reference, then for each worker count: a fresh schema, the workers started, then EVENTS
events (a deal_created and steps per deal, each step a rule with a note and
a timer) posted in arrays of 100 by 4 client threads, round robin over the
workers. The figure is events acknowledged and applied per second, from the
first request until the inbox is empty; the intake alone (acknowledged per
second) is printed beside it. Then due timers fired per second: TIMERS
deals (60,000 unless --timers says) with a timer an hour away, every timer made due at once, timed until
none is left. Beside it, on the same PostgreSQL with the same settings,
pg-boss (npm, bench/pgboss/) firing as many empty jobs with 1, 2 and 4
worker processes the same way, and one process of two claim loops beside one
pg-boss process of two work() loops (row 1x2): jobs due in an hour, made due at once,
timed until every one is completed, fetching 500 jobs at a time (its best
setting here) and 100; the ratios to both are printed. Both sides' workers
are woken when their work is made due (Voronka's by its store's NOTIFY, as
its intake does; pg-boss's by a LISTEN in bench/pgboss/bench.js that calls
notifyWorker), so neither waits for its poll. pg-boss is
installed with `npm ci` into BUILD/pgboss (from bench/pgboss's lock file);
without node or the registry it is skipped, saying why. PostgreSQL runs
with fsync off, as in the tests: the figures measure Voronka and the queue,
not the disk.

usage: workers_bench.py VORONKA [EVENTS] [timers] [--timers TIMERS]  (timers: the timer part only)"""
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "serve"))
from serve_support import Postgres, Server, build, free_port  # noqa: E402

STEPS = 4
FUNNEL = """
account "Bench" { timezone "Europe/Moscow" }
event step(n: number)
field fire_at: datetime "F"
pipeline p "P" {
  stage a "A" initial {
    on step { note "step {n}" }
    on step after 1h { note "later" }
    at fire_at { note "fired" }
  }
  won "W"
  lost "L" reasons { "a" other "b" }
}
"""


def psql(pg, sql):
    cmd = [os.path.join(pg.bin, "psql"), "-h", pg.dir, "-U", "voronka", "-d", "postgres", "-Atc", sql]
    return subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.strip()


class Poller:
    """One psql session kept open for the waits: asking "is anything left?"
    every 10 ms costs PostgreSQL a query, not a new backend (a psql process
    per look took a core's quarter away from both sides while they worked)."""

    def __init__(self, pg):
        self.proc = subprocess.Popen([os.path.join(pg.bin, "psql"), "-h", pg.dir, "-U", "voronka", "-d", "postgres",
                                      "-At", "-v", "ON_ERROR_STOP=1"],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)

    def ask(self, sql):
        self.proc.stdin.write(sql.rstrip(";") + ";\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"psql ended while asking: {sql}")
        return line.strip()

    def wait_until_none(self, exists_sql):
        """Until `SELECT EXISTS (exists_sql)` is false; returns when it was."""
        while self.ask(f"SELECT EXISTS ({exists_sql})") == "t":
            time.sleep(0.01)
        return time.time()

    def close(self):
        self.proc.stdin.close()
        self.proc.wait()


def run_once(voronka, module, pg, workers, events_total, mode="shared"):
    schema = f"bench{workers}{mode}"
    psql(pg, f"CREATE SCHEMA {schema}")
    store = pg.spec() + f" options='-csearch_path={schema}'"
    servers = [Server(voronka, module, store, port=free_port(), extra=["--workers", mode]).start()
               for _ in range(workers)]
    deals = events_total // (1 + STEPS)
    per_round = [[] for _ in range(1 + STEPS)]
    for d in range(deals):
        per_round[0].append({"id": f"c{d}", "deal": f"D{d}", "type": "deal_created", "pipeline": "p"})
        for n in range(STEPS):
            per_round[1 + n].append({"id": f"s{d}-{n}", "deal": f"D{d}", "type": "step", "payload": {"n": n}})
    requests = [r[i:i + 100] for r in per_round for i in range(0, len(r), 100)]

    started = time.time()
    counter = [0]
    lock = threading.Lock()

    def client(k):
        while True:
            with lock:
                # Rounds in order: a deal's events are sent after its earlier ones.
                if counter[0] >= len(requests):
                    return
                i = counter[0]
                counter[0] += 1
            status, _ = servers[i % workers].request("POST", "/v1/events", requests[i])
            assert status in (200, 202), status

    threads = [threading.Thread(target=client, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    acked = time.time()
    if mode == "shared":
        poller = Poller(pg)
        poller.wait_until_none(f"SELECT 1 FROM {schema}.inbox WHERE applied_at IS NULL")
        poller.close()
    done = time.time()
    for s in servers:
        s.terminate()
    sent = deals * (1 + STEPS)
    return sent / (acked - started), sent / (done - started)


def run_timers(voronka, module, pg, workers, deals, threads=1):
    """Due timers fired per second, each with its rule applied (a note), by
    `workers` processes of `threads` claim loops each (--worker-threads)."""
    schema = f"timers{workers}x{threads}"
    psql(pg, f"CREATE SCHEMA {schema}")
    store = pg.spec() + f" options='-csearch_path={schema}'"
    extra = ["--workers", "shared", "--worker-threads", str(threads)]
    servers = [Server(voronka, module, store, port=free_port(), extra=extra).start() for _ in range(workers)]
    later = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 3600))
    for i, start in enumerate(range(0, deals, 100)):
        events = [{"id": f"c{d}", "deal": f"D{d}", "type": "deal_created", "pipeline": "p",
                   "fields": {"fire_at": later}} for d in range(start, min(start + 100, deals))]
        status, _ = servers[i % workers].request("POST", "/v1/events", events)
        assert status in (200, 202), status
    while psql(pg, f"SELECT count(*) FROM {schema}.inbox WHERE applied_at IS NULL") != "0":
        time.sleep(0.05)
    psql(pg, f"ANALYZE {schema}.timers; ANALYZE {schema}.deal_work")  # as for pg-boss
    # Every timer falls due at once (the trigger makes their deals due too)
    # and the workers are woken as the intake wakes them; timed from the
    # commit, as pg-boss's jobs are (whose workers are woken the same way).
    poller = Poller(pg)
    psql(pg, f"UPDATE {schema}.timers SET due = floor(extract(epoch from now()))::bigint; NOTIFY \"voronka_work.{schema}\"")
    started = time.time()
    done = poller.wait_until_none(f"SELECT 1 FROM {schema}.timers")
    poller.close()
    for s in servers:
        s.terminate()
    return deals / (done - started)


PGBOSS_SOURCE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "pgboss")


def install_pgboss(voronka):
    """pg-boss installed into BUILD/pgboss; (directory, None) or (None, why not)."""
    if not shutil.which("node") or not shutil.which("npm"):
        return None, "node and npm are not installed"
    target = os.path.join(os.path.dirname(os.path.dirname(voronka)), "pgboss")
    os.makedirs(target, exist_ok=True)
    fresh = True
    for name in ("package.json", "package-lock.json", "bench.js"):
        source = open(os.path.join(PGBOSS_SOURCE, name), "rb").read()
        path = os.path.join(target, name)
        if name != "bench.js" and (not os.path.exists(path) or open(path, "rb").read() != source):
            fresh = False
        with open(path, "wb") as f:
            f.write(source)
    if fresh and os.path.isdir(os.path.join(target, "node_modules", "pg-boss")):
        return target, None
    r = subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=target, capture_output=True, text=True,
                       timeout=300)
    if r.returncode != 0:
        last = (r.stderr.strip() or r.stdout.strip()).splitlines()[-3:]
        return None, "npm ci failed: " + " / ".join(last)
    return target, None


def run_pgboss(pg, pgboss, workers, jobs, batch, loops=1):
    """Empty pg-boss jobs completed per second by `workers` worker processes
    of `loops` work() loops each, fetching `batch` jobs at a time."""
    schema = f"pgboss{workers}x{loops}x{batch}"
    node = ["node", os.path.join(pgboss, "bench.js")]
    subprocess.run(node + ["seed", pg.dir, schema, str(jobs)], check=True, timeout=300)
    psql(pg, f"ANALYZE {schema}.job")  # fresh statistics, as autovacuum would give a long-running queue
    poller = None
    procs = [subprocess.Popen(node + ["work", pg.dir, schema, str(batch), str(loops)], stdout=subprocess.PIPE, text=True)
             for _ in range(workers)]
    try:
        for p in procs:
            if p.stdout.readline().strip() != "ready":
                raise RuntimeError("a pg-boss worker did not start")
        poller = Poller(pg)
        psql(pg, f"UPDATE {schema}.job SET start_after = now() WHERE name = 'fire'; NOTIFY bench_go")
        started = time.time()
        done = poller.wait_until_none(f"SELECT 1 FROM {schema}.job WHERE name = 'fire' AND state <> 'completed'")
    finally:
        if poller:
            poller.close()
        for p in procs:
            p.kill()
            p.wait()
    return jobs / (done - started)


def main():
    args = sys.argv[1:]
    timers_due = 60000
    if "--timers" in args:
        at = args.index("--timers")
        timers_due = int(args[at + 1])
        del args[at:at + 2]
    voronka = os.path.abspath(args[0])
    events_total = int(args[1]) if len(args) > 1 else 20000
    timers_only = len(args) > 2 and args[2] == "timers"
    pgboss, pgboss_missing = install_pgboss(voronka)
    with Postgres() as pg:
        if pg.missing:
            print(f"skipped: {pg.missing}")
            return 0
        with tempfile.TemporaryDirectory() as work:
            module = build(voronka, FUNNEL, work)
            if not timers_only:
                print(f"{'workers':>8} {'acknowledged/s':>15} {'applied/s':>10}  ({events_total} events, 4 clients, "
                      f"{os.cpu_count()} cores)")
                # For reference: one server without --workers shared answers once applied.
                _, applied = run_once(voronka, module, pg, 1, events_total, "one")
                print(f"{'single':>8} {'':>15} {applied:>10.0f}  (one server, --workers one)")
                for workers in (1, 2, 4):
                    intake, applied = run_once(voronka, module, pg, workers, events_total)
                    print(f"{workers:>8} {intake:>15.0f} {applied:>10.0f}")
            # Enough that each run lasts seconds: at 20,000 a run was under one, and
            # starting and stopping were a visible part of its figure.
            deals = timers_due
            print(f"{'workers':>8} {'timers fired/s':>15} {'pg-boss 500/fetch':>18} {'ratio':>6} "
                  f"{'100/fetch':>10} {'ratio':>6}  ({deals} due at once; a timer's rule adds a note, "
                  "a pg-boss job is empty)")
            if pgboss_missing:
                print(f"  pg-boss skipped: {pgboss_missing}")
            # "1x2": one process with two claim loops (--worker-threads 2) beside
            # one pg-boss process with two work() loops.
            for workers, threads in ((1, 1), (1, 2), (2, 1), (4, 1)):
                label = f"{workers}x{threads}" if threads > 1 else str(workers)
                fired = run_timers(voronka, module, pg, workers, deals, threads)
                if pgboss_missing:
                    print(f"{label:>8} {fired:>15.0f}")
                    continue
                jobs = [run_pgboss(pg, pgboss, workers, deals, batch, threads) for batch in (500, 100)]
                print(f"{label:>8} {fired:>15.0f} {jobs[0]:>18.0f} {fired / jobs[0]:>6.2f} {jobs[1]:>10.0f} "
                      f"{fired / jobs[1]:>6.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
