#!/usr/bin/env python3
"""A deal's effects across shared workers: one at a time, in outbox order
(docs/scaling.md, "The outbox").

Starts a throwaway PostgreSQL and three `voronka serve --workers shared`
processes on one schema, and a webhook receiver that books, per deal, when
each webhook arrives and when it is answered 2xx. Every deal gets three
webhooks (step0, step1, step2) from one `on enter`:
  - F-* deals: each request is answered after a short hold, so that the
    relays of the three processes race for the deals' later effects;
  - R-* deals: step0's first attempt is answered 500, so it waits to retry
    (backoff 1 s) while step1 and step2 are due;
  - K-0: step0 hangs until the worker delivering it is killed with
    SIGKILL; the cut delivery is delivered again (after its lease ran out,
    by another worker) before step1.
Checks, for every deal: no two of its webhooks at the receiver at once, and
no step arrives before every earlier step was answered 2xx. No timing
thresholds: the waits are for counts, with generous bounds.

usage: outbox_order_test.py VORONKA"""
import argparse
import http.server
import os
import select
import socket
import sys
import tempfile
import threading
import time

from serve_support import Postgres, Server, build, free_port, wait_until

WORKERS = 3
FAST_DEALS = 15
RETRY_DEALS = 5
STEPS = 3


def funnel(url):
    steps = "\n".join(f'      webhook "{url}/step{i}" with {{ deal: deal.id }}' for i in range(STEPS))
    return f"""
account "Order" {{ timezone "Europe/Moscow" }}
pipeline p "P" {{
  stage a "A" initial {{
    on enter {{
{steps}
    }}
  }}
  won "W"
  lost "L" reasons {{ "a" other "b" }}
}}
"""


class Receiver:
    """Books (what, step, time) per deal: "arrived", "ok" (answered 2xx),
    "failed" (answered 500), "cut" (the sender's connection closed)."""

    def __init__(self):
        self.port = free_port()
        self.lock = threading.Lock()
        self.log = {}  # deal → [(what, step)] in the order things happened
        self.in_flight, self.overlap = {}, []
        self.failed_once = set()
        self.release_hang = threading.Event()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                deal = self.headers.get("X-Voronka-Deal")
                step = int(self.path.rsplit("step", 1)[1])
                with receiver.lock:
                    receiver.log.setdefault(deal, []).append(("arrived", step))
                    receiver.in_flight[deal] = receiver.in_flight.get(deal, 0) + 1
                    if receiver.in_flight[deal] > 1:
                        receiver.overlap.append((deal, step))
                    fail = deal.startswith("R-") and step == 0 and deal not in receiver.failed_once
                    if fail:
                        receiver.failed_once.add(deal)
                outcome = "failed" if fail else "ok"
                if deal == "K-0" and step == 0 and not receiver.release_hang.is_set():
                    outcome = "cut" if self.hang_until_cut() else "ok"
                else:
                    time.sleep(0.05)  # holds the deal's slot while the other relays look
                # Booked before the answer goes out: once the relay reads it,
                # it may send the deal's next webhook at once.
                with receiver.lock:
                    receiver.in_flight[deal] -= 1
                    receiver.log[deal].append((outcome, step))
                if outcome == "cut":
                    return
                try:
                    self.send_response(500 if fail else 200)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                except OSError:
                    pass

            def hang_until_cut(self):
                """Waits until the sender goes away (True) or the test releases it."""
                while not receiver.release_hang.wait(0.05):
                    readable, _, _ = select.select([self.connection], [], [], 0)
                    if readable:
                        try:
                            if self.connection.recv(1, socket.MSG_PEEK) == b"":
                                return True
                        except OSError:
                            return True
                return False

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def events(self, deal):
        with self.lock:
            return list(self.log.get(deal, []))

    def done(self, deal):
        return sorted({s for what, s in self.events(deal) if what == "ok"}) == list(range(STEPS))

    def stop(self):
        self.release_hang.set()
        self.httpd.shutdown()


failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def out_of_order(events):
    """The first arrival of a step before every earlier step was answered 2xx."""
    ok = set()
    for what, step in events:
        if what == "arrived" and not set(range(step)) <= ok:
            return f"step{step} arrived before step{min(set(range(step)) - ok)} was delivered: {events}"
        if what == "ok":
            ok.add(step)
    return None


def start_worker(voronka, module, store, config, port):
    extra = ["--workers", "shared", "--config", config, "--allow-webhook-host", "127.0.0.1"]
    for _ in range(100):
        try:
            return Server(voronka, module, store, port=port, extra=extra).start()
        except AssertionError as e:
            if "cannot listen" not in str(e):
                raise
            time.sleep(0.1)
    raise AssertionError("a worker could not start again")


def create(srv, deal):
    status, payload = srv.request("POST", "/v1/deals", {"id": deal, "pipeline": "p", "stage": "a"})
    if status not in (200, 201, 202):
        raise AssertionError(f"POST /v1/deals {deal}: {status} {payload}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("voronka")
    args = ap.parse_args()
    voronka = os.path.abspath(args.voronka)
    pg = Postgres()
    if pg.missing:
        print("skipped:", pg.missing)
        return 77
    receiver = Receiver()
    workers = []
    try:
        with tempfile.TemporaryDirectory() as work, pg:
            module = build(voronka, funnel(receiver.url()), work)
            config = os.path.join(work, "serve.toml")
            with open(config, "w") as f:
                f.write("[outbox]\ntimeout = 120\npoll_interval_ms = 50\nconcurrency = 8\nper_target = 8\n"
                        "backoff_initial = 1\nbackoff_max = 2\njitter = 0\n")
            store = pg.spec()
            ports = [free_port() for _ in range(WORKERS)]
            workers = [start_worker(voronka, module, store, config, p) for p in ports]

            create(workers[0], "K-0")
            wait_until(lambda: ("arrived", 0) in receiver.events("K-0"), 30, "K-0's step0 hanging")
            deals = [f"F-{i}" for i in range(FAST_DEALS)] + [f"R-{i}" for i in range(RETRY_DEALS)]
            for n, deal in enumerate(deals):
                create(workers[n % WORKERS], deal)
            wait_until(lambda: all(receiver.done(d) for d in deals), 120, "every webhook of every deal delivered")
            check(receiver.events("K-0") == [("arrived", 0)],
                  f"K-0's later webhooks wait while its step0 hangs: {receiver.events('K-0')}")

            # kill -9 the worker whose delivery of K-0's step0 hangs: the
            # receiver sees that connection close.
            killed = None
            for i in range(WORKERS):
                workers[i].kill()
                try:
                    wait_until(lambda: ("cut", 0) in receiver.events("K-0"), 3, "K-0's delivery cut")
                    killed = i
                    break
                except AssertionError:
                    workers[i] = start_worker(voronka, module, store, config, ports[i])
            check(killed is not None, "one worker's kill -9 cut K-0's hanging delivery")
            receiver.release_hang.set()
            # The survivors take the cut effect over once its lease ran out
            # (6-7 s), then deliver the deal's next ones.
            wait_until(lambda: receiver.done("K-0"), 60, "K-0's webhooks delivered after the kill")
            if killed is not None:
                workers[killed] = start_worker(voronka, module, store, config, ports[killed])
            k0 = receiver.events("K-0")
            check(k0.count(("arrived", 0)) == 2, f"K-0's step0 was sent again after the cut: {k0}")

            with receiver.lock:
                overlap = list(receiver.overlap)
            check(not overlap, f"two webhooks of one deal at once: {overlap[:5]}")
            for deal in deals + ["K-0"]:
                problem = out_of_order(receiver.events(deal))
                check(problem is None, f"{deal}: {problem}")
            for deal in deals[FAST_DEALS:]:
                check(receiver.events(deal)[:2] == [("arrived", 0), ("failed", 0)],
                      f"{deal}: step0 failed once first: {receiver.events(deal)}")

            takeovers = sum(float(line.split()[-1]) for w in workers
                            for line in w.request("GET", "/metrics")[1].splitlines()
                            if line.startswith("voronka_worker_lease_takeovers_total"))
            check(takeovers >= 1, f"the cut effect was taken over (takeovers {takeovers})")
            for w in workers:
                code, err = w.terminate()
                check(code == 0, f"SIGTERM: exit {code}: {err[-300:]}")
            workers = []
    finally:
        for w in workers:
            try:
                w.kill()
            except Exception:
                pass
        receiver.stop()
    if failures:
        print(f"{len(failures)} failures")
        return 1
    print("outbox order test: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
