#!/usr/bin/env python3
"""Shared workers under kill -9 (docs/scaling.md).

Starts a throwaway PostgreSQL and 4 `voronka serve --workers shared`
processes on it (one of them with two claim loops, --worker-threads 2; one
polling only, as behind PgBouncer), a webhook receiver counting deliveries by Idempotency-Key,
and clients that send thousands of events for many deals, each event of a
deal to a random worker (the next only after the previous was
acknowledged). Every few seconds a random worker is killed with SIGKILL and
started again. Then checks:
  - every acknowledged event applied exactly once and in order per deal
    (the deal's notes "step 0", "step 1", … in that order, each once);
  - every timer fired at most once and none lost (one "fired" note per deal);
  - every effect delivered, once per idempotency key at the receiver after
    dedup by key, and the store's keys are exactly the receiver's;
  - the workers' /metrics count claims and batches.

usage: workers_test.py VORONKA [--deals N] [--workers W] [--seed S]"""
import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta, timezone

from serve_support import Postgres, Server, WebhookReceiver, build, free_port, wait_until
from workers_support import send_until_acknowledged

STEPS = 3


def funnel(hook):
    return f"""
account "Workers" {{ timezone "Europe/Moscow" }}
field fire_at: datetime "Когда"
event step(n: number)
pipeline p "P" {{
  stage a "A" initial {{
    on enter {{
      webhook "{hook}/created" with {{ deal: deal.id }}
    }}
    on step {{
      note "step {{n}}"
      webhook "{hook}/step" with {{ deal: deal.id, n: n }}
    }}
    at fire_at {{
      note "fired"
      webhook "{hook}/timer" with {{ deal: deal.id }}
    }}
  }}
  stage b "B" {{ }}
  won "W"
  lost "L" reasons {{ "a" other "b" }}
}}
"""


class Workers:
    """W worker processes on fixed ports; any may be killed and restarted."""

    def __init__(self, voronka, module, store, config, count):
        self.args = (voronka, module, store)
        self.config = config
        self.ports = [free_port() for _ in range(count)]
        self.servers = [None] * count
        self.locks = [threading.Lock() for _ in range(count)]
        self.starts = 0

    def start(self, i):
        voronka, module, store = self.args
        # The last worker runs as it would behind PgBouncer: no LISTEN/NOTIFY;
        # the second with two claim loops (--worker-threads).
        poll_only = ["--pg-poll-only"] if i == len(self.ports) - 1 else []
        if i == 1 and len(self.ports) > 2:
            poll_only.append("--worker-threads=2")
        for _ in range(100):
            try:
                self.servers[i] = Server(voronka, module, store, port=self.ports[i],
                                         extra=["--workers", "shared", "--config", self.config,
                                                "--allow-webhook-host", "127.0.0.1", *poll_only]).start()
                self.starts += 1
                return
            except AssertionError as e:
                if "cannot listen" not in str(e):
                    raise
                time.sleep(0.1)
        raise AssertionError(f"worker {i} could not start again")

    def kill(self, i):
        with self.locks[i]:
            self.servers[i].kill()
            self.servers[i] = None

    def restart(self, i):
        with self.locks[i]:
            self.start(i)

    def request(self, i, method, path, body=None):
        server = self.servers[i]
        if server is None:
            raise ConnectionRefusedError("worker is down")
        return server.request(method, path, body, timeout=20)


def check_refusals(voronka, module, pg, work):
    """A single server beside shared workers, and shared workers where they cannot be, are refused."""
    def serve(*extra):
        r = subprocess.run([voronka, "serve", module, "--listen", "127.0.0.1:0", *extra],
                           capture_output=True, text=True, timeout=30)
        return r.returncode, r.stderr
    code, err = serve("--store", pg.spec())
    assert code == 1 and "--workers shared" in err, (code, err)
    code, err = serve("--store", "sqlite:" + os.path.join(work, "x.db"), "--workers", "shared")
    assert code == 2 and "needs a PostgreSQL store" in err, (code, err)
    code, err = serve("--store", pg.spec(), "--pg-poll-only")
    assert code == 2 and "--pg-poll-only is an option of --workers shared" in err, (code, err)
    # A version the store never ran is not deployed by a worker's start.
    other = build(voronka, funnel("http://127.0.0.1:1").replace('"Workers"', '"Workers 2"'), work, "other")
    r = subprocess.run([voronka, "serve", other, "--listen", "127.0.0.1:0", "--store", pg.spec(),
                        "--workers", "shared"], capture_output=True, text=True, timeout=30)
    assert r.returncode == 1 and "a worker's start does not deploy" in r.stderr, (r.returncode, r.stderr)


def check_waiting_routes(workers):
    """POST /v1/deals and /move wait for their worker and answer with the outcome."""
    failures = []

    def expect(method, path, body, status, headers=None):
        s = workers.servers[0]
        got, payload = s.request(method, path, body, headers=headers, timeout=30)
        if got != status:
            failures.append(f"{method} {path} {body}: HTTP {got} {payload}, expected {status}")
        return payload if isinstance(payload, dict) else {}

    created = expect("POST", "/v1/deals", {"id": "API-1", "pipeline": "p"}, 201)
    if created.get("id") != "API-1" or created.get("stage") != "a":
        failures.append(f"POST /v1/deals did not answer with the applied deal: {created}")
    expect("POST", "/v1/deals", {"id": "API-1", "pipeline": "p"}, 200)
    key = {"Idempotency-Key": "k-1"}
    expect("POST", "/v1/deals", {"id": "API-2", "pipeline": "p"}, 201, key)
    expect("POST", "/v1/deals", {"id": "API-3", "pipeline": "p"}, 422, key)
    moved = expect("POST", "/v1/deals/API-1/move", {"stage": "b"}, 200)
    if moved.get("stage") != "b":
        failures.append(f"the move was not applied before the answer: {moved}")
    expect("POST", "/v1/deals/API-1/move", {"stage": "moon"}, 400)
    queued = expect("POST", "/v1/events", {"id": "API-1-step", "deal": "API-1", "type": "step", "payload": {"n": 9}},
                    202)
    if queued.get("status") != "queued":
        failures.append(f"POST /v1/events is answered {queued}, expected the status queued")
    return failures


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("voronka")
    ap.add_argument("--deals", type=int, default=1500)
    ap.add_argument("--workers", type=int, default=4)
    ap.add_argument("--seed", type=int, default=int(time.time()))
    args = ap.parse_args()
    rng = random.Random(args.seed)
    print(f"workers test: {args.workers} workers, {args.deals} deals, seed {args.seed}")
    voronka = os.path.abspath(args.voronka)

    with Postgres() as pg:
        if pg.missing:
            print(f"SKIPPED: {pg.missing}")
            return 77
        return run(voronka, pg, args, rng)


def run(voronka, pg, args, rng):
    receiver = WebhookReceiver()
    started = time.time()
    with tempfile.TemporaryDirectory() as work:
        module = build(voronka, funnel(f"http://127.0.0.1:{receiver.port}"), work)
        config = os.path.join(work, "serve.toml")
        with open(config, "w") as f:
            f.write("[outbox]\ntimeout = 1\nbackoff_initial = 1\n")
        workers = Workers(voronka, module, pg.spec(), config, args.workers)
        for i in range(args.workers):
            workers.start(i)
        check_refusals(voronka, module, pg, work)

        now = datetime.now(timezone.utc)
        per_deal = []
        for d in range(args.deals):
            deal = f"D-{d}"
            fire_at = (now + timedelta(seconds=rng.uniform(2, 12))).strftime("%Y-%m-%dT%H:%M:%SZ")
            events = [{"id": f"{deal}-create", "deal": deal, "type": "deal_created", "pipeline": "p",
                       "fields": {"fire_at": fire_at}}]
            events += [{"id": f"{deal}-step-{n}", "deal": deal, "type": "step", "payload": {"n": n}}
                       for n in range(STEPS)]
            per_deal.append(events)

        stats = {"retries": 0, "duplicates": 0}
        errors = []

        def client(deals, seed):
            # Round r sends the r-th event of each deal; a request carries
            # events of several deals, and some deals' next event rides
            # along in the same request (the array's order is theirs).
            crng = random.Random(seed)
            try:
                for r in range(len(deals[0])):
                    for start in range(0, len(deals), 10):
                        chunk = [events[r] for events in deals[start:start + 10]]
                        send_until_acknowledged(workers, crng, chunk, stats)
            except Exception as e:  # noqa: BLE001 - reported below
                errors.append(e)

        clients = [threading.Thread(target=client, args=(per_deal[i::8], rng.random())) for i in range(8)]
        for t in clients:
            t.start()

        kills = 0
        stop_killing = threading.Event()

        def killer():
            nonlocal kills
            while not stop_killing.wait(rng.uniform(1.5, 3.0)):
                i = rng.randrange(args.workers)
                workers.kill(i)
                kills += 1
                time.sleep(rng.uniform(0.1, 0.5))
                workers.restart(i)

        killing = threading.Thread(target=killer)
        killing.start()
        for t in clients:
            t.join(timeout=180)
        if errors:
            stop_killing.set()
            killing.join()
            raise errors[0]
        acked_at = time.time()
        # Keep killing a little while timers fire and the outbox delivers.
        time.sleep(4)
        stop_killing.set()
        killing.join()

        def settled():
            waiting = pg.psql("SELECT (SELECT count(*) FROM inbox WHERE applied_at IS NULL) + "
                               "(SELECT count(*) FROM timers) + "
                               "(SELECT count(*) FROM effects WHERE status = 'pending')")
            return waiting == "0"

        try:
            # A bound, not a speed check (it settles within seconds): a
            # deal's five webhooks go one after another across the workers,
            # each waiting for the one before, its retries and a killed
            # worker's lease.
            wait_until(settled, 60, "every event applied, every timer fired and the outbox drained")
            drained_at = time.time()
        except AssertionError:
            print("  inbox:", pg.psql("SELECT count(*) FROM inbox WHERE applied_at IS NULL"),
                  "timers:", pg.psql("SELECT count(*) FROM timers"),
                  "pending effects:", pg.psql("SELECT count(*) FROM effects WHERE status = 'pending'"))
            raise

        failures = []
        notes = {}
        for deal, text in (line.split("\t", 1) for line in
                           pg.psql("SELECT deal, text FROM notes ORDER BY seq").splitlines()):
            notes.setdefault(deal, []).append(text)
        expected = [f"step {n}" for n in range(STEPS)]
        for d in range(args.deals):
            got = notes.get(f"D-{d}", [])
            steps = [n for n in got if n.startswith("step ")]
            if steps != expected:
                failures.append(f"D-{d}: steps applied as {steps}, expected {expected}")
            if got.count("fired") != 1:
                failures.append(f"D-{d}: the timer fired {got.count('fired')} times")
        not_delivered = pg.psql("SELECT count(*) FROM effects WHERE status <> 'delivered'")
        if not_delivered != "0":
            failures.append(f"{not_delivered} effects not delivered")
        store_keys = set(pg.psql("SELECT key FROM effects").splitlines())
        expected_effects = args.deals * (2 + STEPS)
        if len(store_keys) != expected_effects:
            failures.append(f"{len(store_keys)} distinct effects in the store, expected {expected_effects}")
        received = receiver.keys()
        distinct = set(received)
        if distinct != store_keys:
            failures.append(f"delivered keys differ from the store's: {len(distinct - store_keys)} unknown, "
                            f"{len(store_keys - distinct)} never delivered")
        total_events = args.deals * (1 + STEPS)
        applied = pg.psql("SELECT count(*) FROM events WHERE type <> 'timer'")
        if applied != str(total_events):
            failures.append(f"{applied} events recorded, expected {total_events}")

        claims = 0
        for i in range(args.workers):
            status, text = workers.request(i, "GET", "/metrics")
            for line in str(text).splitlines():
                if line.startswith("voronka_worker_claims_total{"):
                    claims += int(line.split()[-1])
            if "voronka_worker_batches_total{" not in str(text):
                failures.append(f"worker {i}: /metrics has no voronka_worker_batches_total")
            status, ready = workers.request(i, "GET", "/readyz")
            if status != 200:
                failures.append(f"worker {i}: /readyz answered {status} {ready}")
        failures += check_waiting_routes(workers)
        for i in range(args.workers):
            code, err = workers.servers[i].terminate()
            if code != 0:
                failures.append(f"worker {i} exited with {code} after SIGTERM: {err[-500:]}")
        # Every worker stopped, one event left in the inbox: a single server
        # (which does not read the inbox) refuses the store.
        pg.psql("INSERT INTO inbox (event_id, deal, body, received_at) VALUES ('left', 'D-0', '{}', 0)")
        r = subprocess.run([voronka, "serve", module, "--listen", "127.0.0.1:0", "--store", pg.spec()],
                           capture_output=True, text=True, timeout=30)
        if r.returncode != 1 or "wait in its inbox" not in r.stderr:
            failures.append(f"a single server beside a waiting inbox: exit {r.returncode}: {r.stderr[-300:]}")
        receiver.stop()

        print(f"  {kills} workers killed with SIGKILL and restarted ({workers.starts} starts)")
        print(f"  {total_events} events acknowledged in {acked_at - started:.1f} s, {stats['retries']} resends, "
              f"{stats['duplicates']} answered as duplicates")
        print(f"  {len(received)} webhook deliveries for {len(distinct)} effects "
              f"({len(received) - len(distinct)} redelivered with the same key)")
        print(f"  settled (inbox applied, timers fired, outbox drained) {drained_at - acked_at:.1f} s "
              "after the last event was acknowledged")
        print(f"  the surviving workers claimed {claims} deals; {time.time() - started:.1f} s in all")
        if failures:
            for f in failures[:20]:
                print("FAIL:", f)
            print(f"workers test failed (seed {args.seed})")
            return 1
    print("workers test: passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
