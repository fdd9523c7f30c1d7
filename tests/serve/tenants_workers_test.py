#!/usr/bin/env python3
"""`voronka serve --tenants tenants.toml --workers shared`: many tenants on
many processes (docs/scaling.md, docs/serve.md#tenants).

Starts a throwaway PostgreSQL and two processes on one tenants.toml: tenant
alpha on a database of its own, beta on a schema of the postgres database,
and local on an SQLite file. Then checks:
  - `--check --workers shared` and both processes refuse local, naming the
    tenant and its file; alpha and beta run on both;
  - events of both tenants (the same deal ids in each), each sent to either
    process, are applied once and in order per deal, in their own tenant's
    store only; each deal's timer fires once;
  - while events of both tenants flow through both processes, a new version
    of alpha's funnel is POSTed to one process (/t/alpha/v1/modules, alpha's
    token): a dry run is answered 200, a second POST while a deal cannot move
    yet 409, a version that drops beta's deals' stage 422 for beta; the
    deployment is journaled done with every alpha deal moved exactly once,
    each alpha step applied once and in order (none by the old version after
    the new), and beta's deals and store untouched;
  - one process is killed with SIGKILL halfway: the other goes on, and
    applies what the killed one acknowledged;
  - every API route of alpha tried with beta's tokens, the admin token, a
    made-up token and none is refused and changes nothing of alpha's;
  - /metrics shows per-tenant worker counters, and the first process's two
    claim loops per tenant (--worker-threads 2); each tenant's console logs
    in its own tokens (and the admin's) only; a module in tenants.toml the
    store never ran is refused with the reason (a start does not deploy:
    POST /v1/modules) and the tenant runs as before; a tenant removed and
    put back by SIGHUP serves again.

usage: tenants_workers_test.py VORONKA"""
import base64
import http.client
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta, timezone

from serve_support import Postgres, build, wait_until
from tenants_test import ADMIN, TOKENS, TenantServer, auth, routes
from workers_deploy_test import version_of

FUNNEL = """account "T" { timezone "Europe/Moscow" }
field fire_at: datetime "Когда"
event step(n: number)
pipeline p "P" {
  stage a "A" initial {
    on step { note "step {n}" }
    at fire_at { note "fired" }
  }
  stage b "B" { }
  won "W"
  lost "L" reasons { "x" other "y" }
}
"""
DEALS = 30
STEPS = 4
# beta's steps are numbered from 100: each store must hold its tenant's notes only.
FIRST_STEP = {"alpha": 0, "beta": 100}
# The version deployed to alpha while events flow: its steps' notes say so.
DEPLOYED = FUNNEL.replace('note "step {n}"', 'note "step {n} v2"')
# A version without stage a, where beta's deals are: refused (422) without a plan.
NO_STAGE_A = FUNNEL.replace('stage a "A" initial', 'stage a2 "A" initial')

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


class Process(TenantServer):
    """One `voronka serve --tenants … --workers shared`."""

    def __init__(self, voronka, tenants_file, workers="shared", threads=None):
        super().__init__(voronka, tenants_file,
                         ["--workers", workers] + (["--worker-threads", str(threads)] if threads else []))

    def raw(self, method, path, body=None, headers=None):
        """(status, headers, JSON body) for the console's routes."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        conn.request(method, path, body=None if body is None else json.dumps(body),
                     headers={"Content-Type": "application/json", **(headers or {})})
        resp = conn.getresponse()
        raw = resp.read()
        conn.close()
        try:
            return resp.status, dict(resp.getheaders()), json.loads(raw) if raw else None
        except ValueError:
            return resp.status, dict(resp.getheaders()), None

    def tenants(self):
        _, listing = self.request("GET", "/admin/tenants", headers=auth(ADMIN))
        return {t["id"]: t for t in listing["tenants"]}

    def logged(self, text):
        return any(text in line for line in self.log)


def send(processes, rng, tenant, events):
    """Sends `events` of `tenant` to a random live process until acknowledged;
    by /t/TENANT/v1/… or by the token alone."""
    token = TOKENS[tenant][0]
    while True:
        process = rng.choice(processes)
        path = rng.choice(["/v1/events", f"/t/{tenant}/v1/events"])
        try:
            status, payload = process.request("POST", path, events, auth(token))
        except (OSError, http.client.HTTPException):
            time.sleep(0.05)
            continue
        if status in (200, 202):
            return
        if status == 503:
            time.sleep(0.05)
            continue
        raise AssertionError(f"{tenant}: HTTP {status} {payload}")


def write_tenants(path, stores, module, extra=None):
    with open(path, "w") as f:
        f.write(f'[server]\nadmin_tokens = ["{ADMIN}"]\n\n')
        for tenant, store in stores.items():
            write, read = TOKENS[tenant]
            f.write(f'[tenant.{tenant}]\nstore = "{store}"\nmodule = "{(extra or {}).get(tenant, module)}"\n'
                    f'tokens = ["{write}"]\nread_tokens = ["{read}"]\n\n')


def main():
    voronka = os.path.abspath(sys.argv[1])
    with Postgres() as pg:
        if pg.missing:
            print(f"SKIPPED: {pg.missing}")
            return 77
        return run(voronka, pg)


def run(voronka, pg):
    rng = random.Random(int(time.time()))
    pg.psql("postgres", "public", "CREATE DATABASE alpha")
    pg.psql("postgres", "public", "CREATE SCHEMA beta_s")
    base = pg.spec().removeprefix("postgres:")
    stores = {"alpha": f"postgres:{base.replace('dbname=postgres', 'dbname=alpha')}",
              "beta": f"postgres:{base} options=-csearch_path=beta_s",
              "gamma": "sqlite:local.db"}
    where = {"alpha": ("alpha", "public"), "beta": ("postgres", "beta_s")}
    with tempfile.TemporaryDirectory() as work:
        module = build(voronka, FUNNEL, work)
        deployed = build(voronka, DEPLOYED, work, name="deployed")
        no_stage_a = build(voronka, NO_STAGE_A, work, name="no_stage_a")
        v2 = build(voronka, FUNNEL.replace('note "fired"', 'note "fired, v2"'), work, name="funnel2")
        with open(v2, "rb") as f:
            v2_b64 = base64.b64encode(f.read()).decode()
        tenants_file = os.path.join(work, "tenants.toml")
        write_tenants(tenants_file, stores, "funnel.funnelc")

        # The SQLite tenant cannot be shared: said before and at start.
        r = subprocess.run([voronka, "serve", "--tenants", tenants_file, "--workers", "shared", "--check"],
                           capture_output=True, text=True, timeout=30)
        check(r.returncode == 2 and "[tenant.gamma]: store \"sqlite:" in r.stderr and "local.db" in r.stderr
              and "is an SQLite file" in r.stderr and "2 tenants ready to run, 1 with problems" in r.stdout,
              f"--check --workers shared refuses the SQLite tenant: {r.returncode} {r.stdout} {r.stderr}")
        r = subprocess.run([voronka, "serve", "--tenants", tenants_file, "--check"], capture_output=True, text=True,
                           timeout=30)
        check(r.returncode == 0, f"without --workers shared the file is fine: {r.returncode} {r.stderr}")

        # The first runs two claim loops per tenant (--worker-threads).
        processes = [Process(voronka, tenants_file, threads=2), Process(voronka, tenants_file)]
        try:
            for i, p in enumerate(processes):
                listed = p.tenants()
                check({t for t, v in listed.items() if v.get("status") == "serving" and v.get("workers") == "shared"}
                      == {"alpha", "beta"}, f"process {i} serves alpha and beta as shared workers: {listed}")
                check(listed.get("gamma", {}).get("status") == "failed", f"process {i} leaves gamma out: {listed}")
                check(p.logged("[tenant.gamma]: store") and p.logged("local.db"),
                      f"process {i} says why gamma does not run: {''.join(p.log)}")
            exercise(processes, rng, where, pg, {"alpha": deployed, "beta": module}, no_stage_a)
            check_isolation(processes[0], v2_b64, where, pg)
            check_single_servers_refused(voronka, tenants_file)
            check_operations(processes[0], tenants_file, stores, pg)
        finally:
            for p in processes:
                if p.proc.poll() is None:
                    p.proc.send_signal(signal.SIGTERM)
                    code = p.proc.wait(timeout=60)
                    check(code == 0, f"a process stops cleanly on SIGTERM: {code}")
            if failures:
                for p in processes:
                    print("".join(p.log[-30:]))
    if failures:
        print(f"{len(failures)} failures")
        return 1
    print("ok")
    return 0


def b64(path):
    with open(path, "rb") as f:
        return base64.b64encode(f.read()).decode()


class DealHeld:
    """A deal's work row locked by a transaction of its own (psql kept
    open): no worker can move that deal, so a deployment stays running."""

    def __init__(self, pg, db, schema, deal):
        cmd = [os.path.join(pg.bin, "psql"), "-h", pg.dir, "-U", "voronka", "-d", db, "-Aqt", "-v", "ON_ERROR_STOP=1"]
        env = dict(os.environ, PGOPTIONS=f"-csearch_path={schema}")
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)
        # A deal with nothing to do has no row: made first, as an intake does.
        self.proc.stdin.write(f"BEGIN;\nINSERT INTO deal_work (deal) VALUES ('{deal}') ON CONFLICT DO NOTHING;\n"
                              f"SELECT 'held' FROM deal_work WHERE deal = '{deal}' FOR UPDATE;\n")
        self.proc.stdin.flush()
        # ON_ERROR_STOP: psql ends on an error, and the line is empty.
        check(self.proc.stdout.readline().strip() == "held", f"{deal}'s work row locked")

    def release(self):
        self.proc.communicate("COMMIT;\n", timeout=60)


def deploy_alpha(processes, where, pg, modules, no_stage_a, started):
    """POSTs alpha's new version to process 0; the answers of one client's
    shared workers. Sets `started` once it runs. Returns its location."""
    alpha, beta = TOKENS["alpha"][0], TOKENS["beta"][0]
    status, payload = processes[1].request("POST", "/t/beta/v1/modules", {"module": b64(no_stage_a)}, auth(beta))
    check(status == 422 and any("p.a" in p for p in payload.get("problems", [])),
          f"beta: a version without its deals' stage is 422, saying which: {status} {payload}")
    status, payload = processes[1].request("POST", "/v1/modules", {"module": b64(modules["alpha"]), "dry_run": True},
                                           auth(alpha))
    check(status == 200 and payload.get("dry_run") is True, f"alpha: a dry run is 200: {status} {payload}")
    held = DealHeld(pg, *where["alpha"], "D-0")
    try:
        status, payload = processes[0].request("POST", "/t/alpha/v1/modules", {"module": b64(modules["alpha"])},
                                               auth(alpha))
        check(status == 202 and payload.get("status") == "running", f"alpha: the deployment starts: {status} {payload}")
        started.set()
        status, second = processes[1].request("POST", "/v1/modules", {"module": b64(modules["alpha"])}, auth(alpha))
        check(status == 409 and second.get("error") == "deployment_running",
              f"alpha: a second POST, to the other process, while D-0 cannot move yet: 409 ({status} {second})")
    finally:
        started.set()
        held.release()
    return payload.get("location", "/v1/deployments/0")


def exercise(processes, rng, where, pg, modules, no_stage_a):
    """Both tenants' deals through both processes; alpha deployed to a new
    version through process 0 while they flow; process 1 killed halfway."""
    now = datetime.now(timezone.utc)
    live = list(processes)
    errors = []
    rounds = {"alpha": 0, "beta": 0}
    lock = threading.Lock()
    # The steps after the first round wait for the deployment to start: they
    # flow while it runs, and alpha's are applied by the new version.
    started = threading.Event()

    def client(tenant, seed):
        crng = random.Random(seed)
        try:
            for d in range(DEALS):
                fire_at = (now + timedelta(seconds=crng.uniform(3, 8))).strftime("%Y-%m-%dT%H:%M:%SZ")
                send(live, crng, tenant, {"id": f"D-{d}-create", "deal": f"D-{d}", "type": "deal_created",
                                          "pipeline": "p", "fields": {"fire_at": fire_at}})
            for n in range(STEPS):
                for d in range(DEALS):
                    step = FIRST_STEP[tenant] + n
                    send(live, crng, tenant, {"id": f"D-{d}-step-{n}", "deal": f"D-{d}", "type": "step",
                                              "payload": {"n": step}})
                with lock:
                    rounds[tenant] += 1
                if n == 0:
                    started.wait(120)
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)

    def deals(tenant):
        return pg.psql(*where[tenant], "SELECT count(*) FROM deals")

    # beta's journal: what it started with (its 422 below is journaled refused).
    beta_deployments = pg.psql(*where["beta"], "SELECT count(*) FROM deployments WHERE status <> 'refused'")
    clients = [threading.Thread(target=client, args=(t, rng.random())) for t in ("alpha", "beta")]
    for t in clients:
        t.start()
    # Every deal of alpha in its store (the deployment moves those), steps flowing.
    wait_until(lambda: rounds["alpha"] >= 1 and deals("alpha") == str(DEALS) or errors, 120, "alpha's deals made")
    try:
        location = deploy_alpha(processes, where, pg, modules, no_stage_a, started)
    finally:
        started.set()
    wait_until(lambda: sum(rounds.values()) >= STEPS or errors, 120, "half the steps sent")
    killed = processes[1]
    killed.proc.kill()  # SIGKILL: its acknowledged events are in the inbox
    killed.proc.wait()
    live.remove(killed)
    for t in clients:
        t.join(timeout=180)
    check(not errors, f"every event acknowledged: {errors[:1]}")

    def settled(tenant):
        db, schema = where[tenant]
        return pg.psql(db, schema, "SELECT (SELECT count(*) FROM inbox WHERE applied_at IS NULL) + "
                                    "(SELECT count(*) FROM timers) + "
                                    "(SELECT count(*) FROM deployments WHERE status = 'running')") == "0"

    for tenant in where:
        wait_until(lambda: settled(tenant), 60, f"{tenant}: every event applied, every timer fired, deployed")
        db, schema = where[tenant]
        notes = {}
        for deal, text in (line.split("\t", 1) for line in
                           pg.psql(db, schema, "SELECT deal, text FROM notes ORDER BY seq").splitlines()):
            notes.setdefault(deal, []).append(text)
        expected = [f"step {FIRST_STEP[tenant] + n}" for n in range(STEPS)]
        steps = {d: [n for n in notes.get(f"D-{d}", []) if n.startswith("step ")] for d in range(DEALS)}
        bad = [d for d in range(DEALS) if [n.removesuffix(" v2") for n in steps[d]] != expected]
        check(not bad, f"{tenant}: steps applied once and in order ({expected}); not so on {bad[:5]}: "
                       f"{[notes.get(f'D-{d}') for d in bad[:2]]}")
        # Once a deal's step was applied by the new version, none is by the old.
        back = [d for d in range(DEALS) if any(a.endswith(" v2") and not b.endswith(" v2")
                                               for a, b in zip(steps[d], steps[d][1:]))]
        check(not back, f"{tenant}: no step applied by the old version after the new: {back[:5]}")
        v2 = sum(n.endswith(" v2") for d in range(DEALS) for n in steps[d])
        check((v2 > 0) == (tenant == "alpha"), f"{tenant}: {v2} steps applied by the deployed version")
        fired = [d for d in range(DEALS) if notes.get(f"D-{d}", []).count("fired") != 1]
        check(not fired, f"{tenant}: each timer fired once; not so on {fired[:5]}")
        check(set(notes) == {f"D-{d}" for d in range(DEALS)}, f"{tenant}: its own deals only: {len(notes)}")
        versions = pg.psql(db, schema, "SELECT DISTINCT module_version FROM deals")
        check(versions == version_of(modules[tenant]), f"{tenant}: every deal on {modules[tenant]}: {versions}")
    status, entry = processes[0].request("GET", "/t/alpha" + location, headers=auth(TOKENS["alpha"][1]))
    result = (entry or {}).get("result") or {}
    check(status == 200 and entry.get("status") == "done" and result.get("deals") == DEALS
          and result.get("deals_in_store") == DEALS,
          f"alpha's deployment is done, every deal moved exactly once: {status} {entry}")
    check(pg.psql(*where["beta"], "SELECT count(*) FROM deployments WHERE status <> 'refused'") == beta_deployments,
          "beta's store has no deployment of alpha's")
    listed = processes[0].tenants()
    check(listed["alpha"]["version"] == version_of(modules["alpha"])
          and listed["beta"]["version"] == version_of(modules["beta"]),
          f"/admin/tenants: alpha runs the deployed version, beta its own: {listed}")
    status, text = processes[0].request("GET", "/metrics", headers=auth(ADMIN))
    for tenant in where:
        check(f'voronka_worker_claims_total{{tenant="{tenant}",worker="' in str(text),
              f"/metrics: {tenant}'s worker counters: {str(text)[:300]!r}")
        threads = [line for line in str(text).splitlines()
                   if line.startswith(f'voronka_worker_threads{{tenant="{tenant}",')]
        check(threads and threads[0].endswith(" 2"),
              f"/metrics: {tenant}'s two claim loops in the first process (--worker-threads 2): {threads}")
    # Each tenant's console, on shared workers too: its own logins only.
    for token, expected in ((TOKENS["alpha"][1], 200), (TOKENS["beta"][0], 401), (ADMIN, 200)):
        status, headers, _ = processes[0].raw("POST", "/t/alpha/console/api/login", {"token": token})
        check(status == expected, f"a login to alpha's console with {token[:10]}: {status}, expected {expected}")
        if status == 200:
            cookie = headers["Set-Cookie"].split(";")[0]
            status, _, board = processes[0].raw("GET", "/t/alpha/console/api/board", headers={"Cookie": cookie})
            deals = sum(s["deals"] for s in board["stages"]) if status == 200 else None
            check(deals == DEALS, f"alpha's board has its {DEALS} deals: {status} {deals}")
    # Ready but for gamma, which it never serves (a load balancer probes /healthz).
    status, body = processes[0].request("GET", "/readyz", headers=auth(ADMIN))
    check(body["ready"] == 2 and set(body["not_ready_tenants"]) == {"gamma"},
          f"the surviving process is ready for alpha and beta: {status} {body}")
    print("  connections of the surviving process:",
          pg.psql("postgres", "public", "SELECT coalesce(datname, '-'), count(*) FROM pg_stat_activity "
                                         "WHERE backend_type = 'client backend' AND pid <> pg_backend_pid() "
                                         "GROUP BY 1 ORDER BY 1").replace("\n", ", "))


def check_isolation(process, v2_b64, where, pg):
    def alpha_rows():
        db, schema = where["alpha"]
        return pg.psql(db, schema, "SELECT (SELECT count(*) FROM deals), (SELECT count(*) FROM events), "
                                    "(SELECT count(*) FROM inbox), (SELECT count(*) FROM notes), "
                                    "(SELECT count(*) FROM modules), (SELECT count(*) FROM effects)")

    before = alpha_rows()
    intruders = {"beta's token": TOKENS["beta"][0], "beta's read token": TOKENS["beta"][1], "the admin token": ADMIN,
                 "a made-up token": "made-up-token-000000000", "no token": None}
    for method, path, body in routes("D-1", v2_b64):
        for who, token in intruders.items():
            status, payload = process.request(method, "/t/alpha" + path, body, auth(token))
            check(status in (401, 403), f"{method} /t/alpha{path} with {who}: {status} {payload}")
    # A token alone names its tenant: beta's D-1 is beta's.
    status, deal = process.request("GET", "/v1/deals/D-1", headers=auth(TOKENS["beta"][1]))
    check(status == 200 and deal["id"] == "D-1", f"beta reads its own D-1: {status} {deal}")
    time.sleep(1)  # a refused event would have been applied by now
    check(alpha_rows() == before, f"alpha's store is unchanged by every refused request: {before} → {alpha_rows()}")


def check_single_servers_refused(voronka, tenants_file):
    """A process without --workers shared beside the shared ones serves gamma only."""
    single = Process(voronka, tenants_file, workers="one")
    try:
        listed = single.tenants()
        check(listed.get("gamma", {}).get("status") == "serving" and listed["gamma"].get("workers") == "one",
              f"one server serves the SQLite tenant: {listed}")
        for tenant in ("alpha", "beta"):
            check(listed.get(tenant, {}).get("status") == "failed" and "shared" in listed[tenant].get("why", ""),
                  f"one server refuses {tenant}, which shared workers serve: {listed.get(tenant)}")
    finally:
        single.proc.send_signal(signal.SIGTERM)
        check(single.proc.wait(timeout=60) == 0, "the single server stops cleanly")


def check_operations(process, tenants_file, stores, pg):
    version = process.tenants()["alpha"]["version"]

    # A module in tenants.toml the store never ran: a start does not deploy; alpha runs as before.
    write_tenants(tenants_file, stores, "funnel.funnelc", {"alpha": "funnel2.funnelc"})
    status, report = process.request("POST", "/admin/reload", headers=auth(ADMIN))
    text = json.dumps(report, ensure_ascii=False)
    check(status == 422 and "alpha" not in report["changed"] and "a worker's start does not deploy" in text
          and "POST /v1/modules" in text and "it runs as before" in text,
          f"a new module for alpha in tenants.toml is refused, saying how to deploy it: {status} {report}")
    listed = process.tenants()
    check(listed["alpha"].get("status") == "serving" and listed["alpha"]["version"] == version,
          f"alpha runs as before: {listed['alpha']}")

    # gamma on alpha's store spelled another way: shared workers do not lock
    # each other out, so the store says whose it is.
    alpha_again = "postgres:dbname=alpha " + stores["alpha"].removeprefix("postgres:").replace(" dbname=alpha", "")
    write_tenants(tenants_file, {**stores, "gamma": alpha_again}, "funnel.funnelc")
    status, report = process.request("POST", "/admin/reload", headers=auth(ADMIN))
    check(status == 422 and report["failed"] == ["gamma"] and "is tenant alpha's" in json.dumps(report),
          f"a second tenant on alpha's store is refused: {status} {report}")
    status, _ = process.request("GET", "/t/gamma/v1/deals/D-1", headers=auth(TOKENS["gamma"][0]))
    check(status in (404, 503), f"gamma reads nothing of alpha's: {status}")

    # beta removed by SIGHUP, then put back.
    write_tenants(tenants_file, {t: s for t, s in stores.items() if t != "beta"}, "funnel.funnelc")
    process.proc.send_signal(signal.SIGHUP)
    wait_until(lambda: "beta" not in process.tenants(), 30, "beta removed")
    status, _ = process.request("GET", "/v1/deals/D-1", headers=auth(TOKENS["beta"][0]))
    check(status == 401, f"a removed tenant's token is refused: {status}")
    status, deal = process.request("GET", "/v1/deals/D-1", headers=auth(TOKENS["alpha"][0]))
    check(status == 200, f"alpha goes on while beta is removed: {status}")
    write_tenants(tenants_file, stores, "funnel.funnelc")
    process.proc.send_signal(signal.SIGHUP)
    wait_until(lambda: process.tenants().get("beta", {}).get("status") == "serving", 30, "beta back")
    status, _ = process.request("POST", "/v1/events", {"id": "after-reload", "deal": "D-1", "type": "step",
                                                       "payload": {"n": 999}}, auth(TOKENS["beta"][0]))
    check(status == 202, f"beta takes events again: {status}")
    wait_until(lambda: "step 999" in pg.psql("postgres", "beta_s", "SELECT text FROM notes WHERE deal = 'D-1'"),
               30, "beta's event after the reload applied")


if __name__ == "__main__":
    sys.exit(main())
