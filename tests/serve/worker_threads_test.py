#!/usr/bin/env python3
"""`voronka serve --workers shared --worker-threads N` (docs/scaling.md):
one process, several claim loops, each on a connection of its own.

One deal's row is locked by a transaction of the test's own, so the batch
that fires that deal's timer waits at its commit. Then:
  - with --worker-threads 2 the other deals' timers fire meanwhile (the
    second loop claims them; SKIP LOCKED passes the held deal), the held
    deal's timer fires once its row is released, each timer once;
  - with --worker-threads 1 the other timers wait behind the held batch
    (the case the option is for; also shows the first half can fail);
  - /metrics says how many loops the process runs;
  - --worker-threads without --workers shared, or out of range, is refused.

usage: worker_threads_test.py VORONKA"""
import os
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone

from serve_support import Postgres, Server, build, wait_until

FUNNEL = """
account "Threads" { timezone "Europe/Moscow" }
field fire_at: datetime "Когда"
pipeline p "P" {
  stage a "A" initial {
    at fire_at { note "fired" }
  }
  won "W"
  lost "L" reasons { "a" }
}
"""

OTHERS = 300


class RowHeld:
    """A deal's row locked FOR UPDATE by a psql session kept open: a batch
    that writes the deal waits at its commit until release()."""

    def __init__(self, pg, schema, deal):
        cmd = [os.path.join(pg.bin, "psql"), "-h", pg.dir, "-U", "voronka", "-d", "postgres", "-Aqt",
               "-v", "ON_ERROR_STOP=1"]
        env = dict(os.environ, PGOPTIONS=f"-csearch_path={schema}")
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)
        self.proc.stdin.write(f"BEGIN;\nSELECT 'held' FROM deals WHERE id = '{deal}' FOR UPDATE;\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline().strip()
        assert line == "held", f"{deal}'s row was not locked: {line!r}"

    def release(self):
        self.proc.communicate("ROLLBACK;\n", timeout=60)


def fired(pg, schema, where):
    return int(pg.psql(schema, f"SELECT count(*) FROM notes WHERE text = 'fired' AND {where}"))


def run(voronka, module, pg, threads, failures):
    """True when the other deals' timers fired while the held deal's batch waited."""
    schema = f"threads{threads}"
    pg.psql("public", f"CREATE SCHEMA {schema}")
    store = pg.spec() + f" options='-csearch_path={schema}'"
    server = Server(voronka, module, store, extra=["--workers", "shared", "--worker-threads", str(threads)]).start()
    held = None
    try:
        later = (datetime.now(timezone.utc) + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
        deals = ["HELD"] + [f"D-{d}" for d in range(OTHERS)]
        for start in range(0, len(deals), 100):
            events = [{"id": f"{deal}-create", "deal": deal, "type": "deal_created", "pipeline": "p",
                       "fields": {"fire_at": later}} for deal in deals[start:start + 100]]
            status, payload = server.request("POST", "/v1/events", events)
            assert status in (200, 202), (status, payload)
        wait_until(lambda: pg.psql(schema, "SELECT count(*) FROM timers") == str(len(deals)), 30,
                   "every deal created with its timer")

        status, metrics = server.request("GET", "/metrics")
        line = next((x for x in str(metrics).splitlines() if x.startswith("voronka_worker_threads{")), "")
        if not line.endswith(f" {threads}"):
            failures.append(f"--worker-threads {threads}: /metrics says {line!r}")

        held = RowHeld(pg, schema, "HELD")
        now = "floor(extract(epoch from now()))::bigint"
        pg.psql(schema, f"UPDATE timers SET due = {now} WHERE deal = 'HELD'")
        # The batch that took HELD's timer waits for the row lock at its commit.
        wait_until(lambda: pg.psql(schema, "SELECT count(*) FROM pg_stat_activity WHERE application_name = "
                                            "'voronka' AND wait_event_type = 'Lock'") != "0", 30,
                   "a worker's batch waiting for the held deal's row")
        pg.psql(schema, f"UPDATE timers SET due = {now} WHERE deal <> 'HELD'")
        try:
            wait_until(lambda: fired(pg, schema, "deal <> 'HELD'") == OTHERS, 10,
                       "the other deals' timers fired while one batch waits")
            went_on = True
        except AssertionError:
            went_on = False
        if fired(pg, schema, "deal = 'HELD'") != 0:
            failures.append(f"--worker-threads {threads}: the held deal's timer fired while its row was locked")
        held.release()
        held = None
        wait_until(lambda: pg.psql(schema, "SELECT count(*) FROM timers") == "0", 30,
                   "every timer fired once the row is released")
        per_deal = pg.psql(schema, "SELECT count(*) FROM notes WHERE text = 'fired' GROUP BY deal "
                                    "HAVING count(*) <> 1")
        if per_deal or fired(pg, schema, "true") != len(deals):
            failures.append(f"--worker-threads {threads}: {fired(pg, schema, 'true')} timers fired for "
                            f"{len(deals)} deals (each once expected)")
        code, err = server.terminate()
        if code != 0:
            failures.append(f"--worker-threads {threads}: exit {code} after SIGTERM: {err[-300:]}")
        return went_on
    finally:
        if held:
            held.release()
        server.kill()


def check_refusals(voronka, module, pg, failures):
    def serve(*extra):
        r = subprocess.run([voronka, "serve", module, "--listen", "127.0.0.1:0", *extra],
                           capture_output=True, text=True, timeout=30)
        return r.returncode, r.stderr
    code, err = serve("--store", pg.spec(), "--worker-threads", "2")
    if code != 2 or "--worker-threads is an option of --workers shared" not in err:
        failures.append(f"--worker-threads without --workers shared: exit {code}: {err[-300:]}")
    code, err = serve("--store", pg.spec(), "--workers", "shared", "--worker-threads", "0")
    if code != 2 or "--worker-threads" not in err:
        failures.append(f"--worker-threads 0: exit {code}: {err[-300:]}")


def main():
    voronka = os.path.abspath(sys.argv[1])
    with Postgres() as pg:
        if pg.missing:
            print(f"SKIPPED: {pg.missing}")
            return 77
        failures = []
        with tempfile.TemporaryDirectory() as work:
            module = build(voronka, FUNNEL, work)
            check_refusals(voronka, module, pg, failures)
            started = time.time()
            if not run(voronka, module, pg, 2, failures):
                failures.append("--worker-threads 2: the other deals' timers did not fire while one batch waited")
            if run(voronka, module, pg, 1, failures):
                failures.append("--worker-threads 1: the other deals' timers fired while the only loop waited "
                                "(the test does not hold what it should)")
            print(f"worker threads test: {OTHERS + 1} deals, 2 and 1 claim loops, {time.time() - started:.1f} s")
        for f in failures:
            print("FAIL:", f)
        return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
