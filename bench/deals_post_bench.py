#!/usr/bin/env python3
"""Latency of POST /v1/deals on `voronka serve --workers shared` (one
process, a throwaway PostgreSQL), with 1 and 8 concurrent clients
(docs/scaling.md, issue 15).

A POST /v1/deals is answered once a worker applied it: the intake commits
the inbox row (and its NOTIFY), a worker claims and applies it, and the
intake reads the outcome. Beside it, for where the time goes: POST
/v1/events with one `step` event of an existing deal, answered once its
inbox row is committed (the intake alone), and the same POST /v1/deals on
one server (`--workers one`, no queue). Printed: deals (or events) per
second and each request's p50 and p90 in milliseconds.

usage: deals_post_bench.py VORONKA [DEALS]"""
import os
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "serve"))
from serve_support import Postgres, Server, build, free_port  # noqa: E402
from workers_bench import FUNNEL, psql  # noqa: E402


def timed_posts(servers, bodies, path, clients):
    """Sends the bodies from `clients` threads, round robin over the servers;
    returns (seconds, sorted latencies in ms)."""
    latencies, lock, next_body = [], threading.Lock(), [0]

    def client():
        while True:
            with lock:
                if next_body[0] >= len(bodies):
                    return
                i = next_body[0]
                next_body[0] += 1
            started = time.perf_counter()
            status, reply = servers[i % len(servers)].request("POST", path, bodies[i])
            assert status in (200, 201, 202), (status, reply)
            with lock:
                latencies.append((time.perf_counter() - started) * 1000)

    started = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - started, sorted(latencies)


def line(what, clients, count, seconds, latencies):
    p50, p90 = latencies[len(latencies) // 2], latencies[len(latencies) * 9 // 10]
    print(f"{what:<42} {clients:>7} {count / seconds:>8.0f} {p50:>7.1f} {p90:>7.1f}  ({count} in {seconds:.1f} s)")


def run(voronka, module, pg, mode, deals, processes=1):
    schema = f"deals{mode}{processes}"
    psql(pg, f"CREATE SCHEMA {schema}")
    store = pg.spec() + f" options='-csearch_path={schema}'"
    servers = [Server(voronka, module, store, port=free_port(), extra=["--workers", mode]).start()
               for _ in range(processes)]
    what = f"--workers {mode}" + (f" x{processes}" if processes > 1 else "")
    try:
        for clients in (1, 8):
            bodies = [{"id": f"D{clients}-{d}", "pipeline": "p"} for d in range(deals)]
            seconds, latencies = timed_posts(servers, bodies, "/v1/deals", clients)
            line(f"POST /v1/deals ({what})", clients, deals, seconds, latencies)
            if mode == "shared":
                steps = [[{"id": f"s{clients}-{d}", "deal": f"D{clients}-{d}", "type": "step", "payload": {"n": 1}}]
                         for d in range(deals)]
                seconds, latencies = timed_posts(servers, steps, "/v1/events", clients)
                line(f"  POST /v1/events, 1 step ({what})", clients, deals, seconds, latencies)
    finally:
        for s in servers:
            s.terminate()


def main():
    voronka = os.path.abspath(sys.argv[1])
    deals = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
    with Postgres() as pg:
        if pg.missing:
            print(f"skipped: {pg.missing}")
            return 0
        with tempfile.TemporaryDirectory() as work:
            module = build(voronka, FUNNEL, work)
            print(f"{'request':<42} {'clients':>7} {'per s':>8} {'p50 ms':>7} {'p90 ms':>7}  ({os.cpu_count()} cores)")
            run(voronka, module, pg, "shared", deals)
            run(voronka, module, pg, "shared", deals, processes=2)
            run(voronka, module, pg, "one", deals)
    return 0


if __name__ == "__main__":
    sys.exit(main())
