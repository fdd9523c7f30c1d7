#!/usr/bin/env python3
"""The outbox relay delivers concurrently (docs/serve.md#delivery-of-effects).

Two webhook receivers on loopback: one hangs on every request until the test
releases it, the other answers at once. Checks, on `voronka serve` (SQLite,
or with --postgres a throwaway PostgreSQL and `--workers shared`):
  - while the hanging receiver holds its deliveries, every webhook to the
    other receiver is delivered (a serial relay would wait for the hanging one);
  - the hanging receiver never has more than `per_target` (2) requests at once,
    and reaches that many;
  - a deal's webhooks arrive one at a time and in the order of the funnel;
  - kill -9 while deliveries hang: after a restart every effect is delivered
    (answered 2xx) at least once, with its one key.
No timing thresholds: the waits are for counts, with generous bounds.

usage: outbox_test.py VORONKA [--postgres]"""
import argparse
import http.server
import os
import sys
import tempfile
import threading

from serve_support import Postgres, Server, build, free_port, wait_until

SLOW_DEALS = 5
FAST_DEALS = 20
STEPS = 3  # webhooks per fast deal, in order


def funnel(slow, fast, steps=STEPS):
    steps = "\n".join(f'      webhook "{fast}/step{i}" with {{ deal: deal.id }}' for i in range(steps))
    return f"""
account "Outbox" {{ timezone "Europe/Moscow" }}
pipeline slow "Slow" {{
  stage a "A" initial {{
    on enter {{
      webhook "{slow}/hang" with {{ deal: deal.id }}
    }}
  }}
  won "W"
  lost "L" reasons {{ "a" other "b" }}
}}
pipeline fast "Fast" {{
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
    """Records every POST (path, deal, key) as it arrives and as it is
    answered; while `gate` is clear, every request hangs until it is set."""

    def __init__(self, hang):
        self.port = free_port()
        self.lock = threading.Lock()
        self.gate = threading.Event()
        if not hang:
            self.gate.set()
        self.arrived, self.answered = [], []
        self.in_flight, self.max_in_flight = 0, 0
        self.deal_in_flight, self.deal_overlap = {}, []
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                deal, key = self.headers.get("X-Voronka-Deal"), self.headers.get("Idempotency-Key")
                with receiver.lock:
                    receiver.arrived.append((self.path, deal, key))
                    receiver.in_flight += 1
                    receiver.max_in_flight = max(receiver.max_in_flight, receiver.in_flight)
                    receiver.deal_in_flight[deal] = receiver.deal_in_flight.get(deal, 0) + 1
                    if receiver.deal_in_flight[deal] > 1:
                        receiver.deal_overlap.append(deal)
                receiver.gate.wait()
                # Booked before the answer goes out: once the relay reads it,
                # it may send the deal's next webhook at once, and that one
                # must not find this one still counted (a loaded machine can
                # hold this thread between the answer and the booking).
                entry = (self.path, deal, key)
                with receiver.lock:
                    receiver.in_flight -= 1
                    receiver.deal_in_flight[deal] -= 1
                    receiver.answered.append(entry)
                try:
                    self.send_response(200)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                except OSError:  # the server was killed meanwhile: not answered
                    with receiver.lock:
                        receiver.answered.remove(entry)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def count(self, which):
        with self.lock:
            return len(getattr(self, which))

    def keys(self, which):
        with self.lock:
            return {k for _, _, k in getattr(self, which)}

    def stop(self):
        self.gate.set()
        self.httpd.shutdown()


failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def create(srv, deal, pipeline):
    status, payload = srv.request("POST", "/v1/deals", {"id": deal, "pipeline": pipeline, "stage": "a"})
    if status not in (200, 201, 202):
        raise AssertionError(f"POST /v1/deals {deal}: {status} {payload}")


def effect_keys(srv, deals):
    keys = set()
    for deal in deals:
        status, payload = srv.request("GET", f"/v1/deals/{deal}")
        if status == 200:
            keys |= {e["key"] for e in payload.get("effects", []) if "key" in e}
    return keys


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("voronka")
    ap.add_argument("--postgres", action="store_true")
    args = ap.parse_args()
    voronka = os.path.abspath(args.voronka)
    slow, fast = Receiver(hang=True), Receiver(hang=False)
    pg = Postgres() if args.postgres else None
    if pg and pg.missing:
        print("skipped:", pg.missing)
        return 77
    try:
        with tempfile.TemporaryDirectory() as work:
            if pg:
                pg.__enter__()
            module = build(voronka, funnel(slow.url(), fast.url()), work)
            config = os.path.join(work, "serve.toml")
            with open(config, "w") as f:
                # Long enough that a hanging receiver holds its deliveries for the whole test.
                f.write("[outbox]\ntimeout = 120\npoll_interval_ms = 100\nconcurrency = 8\nper_target = 2\n")
            store = pg.spec() if pg else os.path.join(work, "outbox.db")
            extra = ["--config", config, "--allow-webhook-host", "127.0.0.1"]
            if pg:
                extra += ["--workers", "shared"]
            port = free_port()
            srv = Server(voronka, module, store, extra=extra, port=port).start()

            slow_deals = [f"S-{i}" for i in range(SLOW_DEALS)]
            fast_deals = [f"F-{i}" for i in range(FAST_DEALS)]
            for deal in slow_deals:  # first in the outbox
                create(srv, deal, "slow")
            wait_until(lambda: slow.count("arrived") >= 2, 30, "two deliveries to the hanging receiver")
            for deal in fast_deals:
                create(srv, deal, "fast")

            # 1. The other receiver gets everything while the hanging one holds on.
            wait_until(lambda: fast.count("answered") == FAST_DEALS * STEPS, 60,
                       "every webhook to the healthy receiver while the other one hangs")
            check(slow.count("answered") == 0, "the hanging receiver answered nothing yet")
            # 2. The per-target limit: exactly two requests hang at the slow receiver.
            check(slow.max_in_flight == 2, f"at most 2 requests at once to one receiver, saw {slow.max_in_flight}")
            check(slow.count("arrived") == 2, f"2 requests hang at the slow receiver, saw {slow.count('arrived')}")
            # 3. A deal's webhooks: one at a time, in the funnel's order.
            check(not fast.deal_overlap, f"two webhooks of one deal at once: {fast.deal_overlap[:5]}")
            with fast.lock:
                for deal in fast_deals:
                    paths = [p for p, d, _ in fast.answered if d == deal]
                    check(paths == [f"/step{i}" for i in range(STEPS)], f"{deal}: webhooks in order, got {paths}")

            # 4. kill -9 while two deliveries hang: they were never recorded,
            # so after a restart they are sent again, with the same keys.
            hung_before = slow.keys("arrived")
            srv.kill()
            slow.gate.set()
            srv = Server(voronka, module, store, extra=extra, port=port).start()
            total = SLOW_DEALS + FAST_DEALS * STEPS
            wait_until(lambda: len(effect_keys(srv, slow_deals + fast_deals)) == total, 60,
                       f"{total} effects in the store")
            expected = effect_keys(srv, slow_deals + fast_deals)

            def arrivals():
                with slow.lock:
                    return [k for _, _, k in slow.arrived]

            # A cut delivery must arrive a second time: an answer written to
            # the killed server's socket may still count as answered, so
            # `answered` alone cannot prove it (on shared workers the second
            # one waits for the dead worker's lease to run out).
            wait_until(lambda: expected <= (slow.keys("answered") | fast.keys("answered"))
                       and all(arrivals().count(k) >= 2 for k in hung_before), 90,
                       "every effect delivered after the restart, the cut ones again")
            check(len(hung_before) == 2, f"two deliveries were cut by kill -9, saw {len(hung_before)}")
            check(slow.max_in_flight <= 2, f"at most 2 at once to one receiver after the restart, saw "
                                          f"{slow.max_in_flight}")
            code, err = srv.terminate()
            check(code == 0, f"SIGTERM: exit {code}: {err[-300:]}")
    finally:
        slow.stop()
        fast.stop()
        if pg:
            pg.__exit__(None, None, None)
    if failures:
        print(f"{len(failures)} failures")
        return 1
    print("outbox test: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
