#!/usr/bin/env python3
"""The web console on a PostgreSQL store, through HTTP: a throwaway
PostgreSQL, DEALS deals created through the API (a third moved on), then
the board, the stage statistics and a deal page timed as a browser asks
for them (median and max of 7 requests each). With a second binary (the
one before a change), both are timed on the same store.

usage: console_pg_bench.py VORONKA [DEALS] [OTHER_VORONKA]
Prints a note and exits 0 without PostgreSQL's binaries."""
import os
import statistics
import sys
import tempfile
import time

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "tests", "serve"))
sys.path.insert(0, os.path.join(here, "..", "tests", "console"))
from serve_support import Postgres, Server, build  # noqa: E402
from console_tenants_test import FUNNEL, Login  # noqa: E402

TOKEN = "console-bench-token-0000000"


def fill(voronka, module, spec, deals):
    srv = Server(voronka, module, spec, extra=["--token", TOKEN]).start()
    auth = {"Authorization": "Bearer " + TOKEN}
    try:
        batch = []
        for i in range(deals):
            batch.append({"id": f"c{i}", "type": "deal_created", "deal": f"d{i}", "pipeline": "p"})
            if len(batch) == 200 or i == deals - 1:
                status, body = srv.request("POST", "/v1/events", batch, auth, timeout=120)
                assert status in (200, 202), (status, body)
                batch = []
        for i in range(0, deals, 3):
            status, body = srv.request("POST", f"/v1/deals/d{i}/move", {"stage": "b"}, auth)
            assert status == 200, (status, body)
    finally:
        srv.terminate()


def measure(voronka, module, spec, label):
    srv = Server(voronka, module, spec, extra=["--token", TOKEN]).start()
    try:
        login = Login(srv.port, "/console", TOKEN)
        assert login.status == 200, login.status
        for page in ("/api/board", "/api/stats", "/api/deal/d3"):
            times = []
            for _ in range(7):
                started = time.perf_counter()
                status, body = login.get(page)
                times.append((time.perf_counter() - started) * 1000)
                assert status == 200, (page, status, body)
            print(f"{label:<12} {page:<16} median {statistics.median(times):8.1f} ms   max {max(times):8.1f} ms")
    finally:
        srv.terminate()


def main():
    voronka = os.path.abspath(sys.argv[1])
    deals = int(sys.argv[2]) if len(sys.argv) > 2 else 20000
    other = os.path.abspath(sys.argv[3]) if len(sys.argv) > 3 else None
    with tempfile.TemporaryDirectory() as work, Postgres() as pg:
        if pg.missing:
            print("skipped:", pg.missing)
            return 0
        module = build(voronka, FUNNEL, work)
        fill(voronka, module, pg.spec(), deals)
        print(f"{deals} deals, {deals // 3 + (deals % 3 > 0)} moved, {deals} events")
        measure(voronka, module, pg.spec(), "this build")
        if other:
            measure(other, module, pg.spec(), "other build")
    return 0


if __name__ == "__main__":
    sys.exit(main())
