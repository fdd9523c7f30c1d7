#!/usr/bin/env python3
"""`voronka serve --tenants … --workers shared` with two tenants in schemas
of one PostgreSQL database (docs/scaling.md#many-clients-on-many-servers):
one tenant's events and deployment wake its own worker only. Each store
NOTIFYs a channel of its own (runtime/store/pg_wake_channel.h); on one
database-wide channel the other tenant's worker was woken by every commit
of its neighbour's intake.

Checks, from /metrics' voronka_worker_wakeups_total per tenant: alpha's
events (one request each) and a new version POSTed to alpha wake alpha's
worker and leave beta's count where it was; then beta's event wakes beta's.

usage: tenants_wakeups_test.py VORONKA"""
import base64
import os
import re
import signal
import sys
import tempfile
import time

from serve_support import Postgres, build, wait_until
from tenants_test import ADMIN, TOKENS, TenantServer, auth
from tenants_workers_test import FUNNEL, write_tenants

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def wakeups(process):
    """{tenant: voronka_worker_wakeups_total} from /metrics."""
    status, text = process.request("GET", "/metrics", headers=auth(ADMIN))
    assert status == 200, (status, text)
    return {m.group(1): int(float(m.group(2)))
            for m in re.finditer(r'^voronka_worker_wakeups_total\{tenant="([^"]+)"[^}]*\} (\S+)$', text, re.M)}


def applied(pg, schema):
    return int(pg.psql("postgres", schema, "SELECT count(*) FROM inbox WHERE applied_at IS NOT NULL"))


def main():
    voronka = os.path.abspath(sys.argv[1])
    with Postgres() as pg:
        if pg.missing:
            print(f"SKIPPED: {pg.missing}")
            return 77
        return run(voronka, pg)


def run(voronka, pg):
    for schema in ("alpha_s", "beta_s"):
        pg.psql("postgres", "public", f"CREATE SCHEMA {schema}")
    base = pg.spec().removeprefix("postgres:")
    stores = {t: f"postgres:{base} options=-csearch_path={t}_s" for t in ("alpha", "beta")}
    with tempfile.TemporaryDirectory() as work:
        build(voronka, FUNNEL, work)
        v2 = build(voronka, FUNNEL.replace('note "fired"', 'note "fired, v2"'), work, name="funnel2")
        tenants_file = os.path.join(work, "tenants.toml")
        write_tenants(tenants_file, stores, "funnel.funnelc")
        process = TenantServer(voronka, tenants_file, ["--workers", "shared"])
        try:
            wait_until(lambda: set(wakeups(process)) == {"alpha", "beta"}, 30, "both tenants' workers in /metrics")
            before = wakeups(process)
            alpha = TOKENS["alpha"][0]
            for d in range(10):  # one intake commit, one NOTIFY each
                status, payload = process.request(
                    "POST", "/t/alpha/v1/events",
                    [{"id": f"c{d}", "deal": f"D-{d}", "type": "deal_created", "pipeline": "p"}], auth(alpha))
                check(status in (200, 202), f"alpha's event {d} is taken: {status} {payload}")
            with open(v2, "rb") as f:
                status, payload = process.request("POST", "/t/alpha/v1/modules",
                                                  {"module": base64.b64encode(f.read()).decode()}, auth(alpha))
            check(status == 202, f"alpha's new version starts deploying: {status} {payload}")
            wait_until(lambda: applied(pg, "alpha_s") == 10, 30, "alpha's events applied")
            wait_until(lambda: wakeups(process)["alpha"] > before["alpha"], 30, "alpha's worker woken")
            time.sleep(1)  # a wake-up of beta's worker by alpha's hints would be counted by now
            after = wakeups(process)
            check(after["beta"] == before["beta"],
                  f"alpha's events and deployment do not wake beta's worker: {before} then {after}")

            status, payload = process.request(
                "POST", "/v1/events", [{"id": "c0", "deal": "D-0", "type": "deal_created", "pipeline": "p"}],
                auth(TOKENS["beta"][0]))
            check(status in (200, 202), f"beta's event is taken: {status} {payload}")
            wait_until(lambda: wakeups(process)["beta"] > after["beta"], 30, "beta's worker woken by its own event")
        finally:
            process.proc.send_signal(signal.SIGTERM)
            code = process.proc.wait(timeout=60)
            check(code == 0, f"the process stops cleanly on SIGTERM: {code}")
            if failures:
                print("".join(process.log[-30:]))
    if failures:
        print(f"{len(failures)} failures")
        return 1
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
