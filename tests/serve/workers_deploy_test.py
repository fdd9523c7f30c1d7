#!/usr/bin/env python3
"""Live deployment on shared workers (docs/scaling.md, "Deploying on shared
workers").

Starts a throwaway PostgreSQL and 3 `voronka serve --workers shared` on it
(the last with two claim loops, --worker-threads 2),
creates deals (some with a timer due in a few seconds, some in a stage the new
version renames), and while clients send each deal's step events to random
workers, POSTs a new version to one worker, then kills that worker with
SIGKILL at once and another one once some deals have moved. Then checks:
  - a second POST while the deployment runs is answered 409, a plan that
    falls short 422, a dry run 200 (as on one server);
  - the deployment finishes without the worker it was posted to: journaled
    `done` with every deal moved exactly once (result.deals), every deal on
    the new version, nothing left running;
  - every acknowledged event applied once and in order per deal, and no
    event applied by the old version after the new one had (notes and the
    event log's versions per deal);
  - every `at fire_at` timer fired exactly once, the long timers kept (one
    per deal), the renamed stage's deals in the new stage;
  - the console of every worker shows the deployment under way (banner with
    the deals in store), then the new version and its stages;
  - the killed worker, started again with the OLD .funnelc, serves the
    store's version (and says so); a worker with a version the store never
    ran is refused, saying how to deploy it.

usage: workers_deploy_test.py VORONKA [--deals N] [--seed S]"""
import argparse
import base64
import http.client
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta, timezone

from serve_support import Postgres, Server, build, free_port, wait_until
from workers_support import send_until_acknowledged

STEPS = 4
TOKEN = "deploy-token"
AUTH = {"Authorization": "Bearer " + TOKEN}


def funnel(step_note, old_stage, fired_note="fired"):
    return f"""
account "Deploy" {{ timezone "Europe/Moscow" }}
field fire_at: datetime "Когда"
event step(n: number)
pipeline p "P" {{
  stage a "A" initial {{
    on step {{ note "{step_note}" }}
    at fire_at {{ note "{fired_note}" }}
    after 30d {{ note "later" }}
  }}
  stage {old_stage} "Old" {{
    on step {{ note "{step_note}" }}
    after 20d {{ note "old timer" }}
  }}
  won "W"
  lost "L" reasons {{ "x" other "y" }}
}}
"""


V1 = funnel("step {n}", "old")
# The new version: its notes say so; stage `old` is renamed `legacy`.
V2 = funnel("step {n} v2", "legacy")
PLAN = '[stages]\n"p.old" = "p.legacy"\n'
V3 = funnel("step {n} v3", "legacy")


def version_of(path):
    h = 0xcbf29ce484222325  # FNV-1a 64, as runtime/deploy/version_id.h
    with open(path, "rb") as f:
        for b in f.read():
            h ^= b
            h = (h * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return f"{h:016x}"


class Workers:
    def __init__(self, voronka, module, store, count):
        self.voronka, self.module, self.store = voronka, module, store
        self.ports = [free_port() for _ in range(count)]
        self.servers = [None] * count

    def start(self, i, module=None):
        for _ in range(100):
            try:
                # The last runs two claim loops (--worker-threads): both follow the deployment.
                threads = ["--worker-threads", "2"] if i == len(self.ports) - 1 else []
                self.servers[i] = Server(self.voronka, module or self.module, self.store, port=self.ports[i],
                                         extra=["--workers", "shared", "--token", TOKEN, *threads]).start()
                return self.servers[i]
            except AssertionError as e:
                if "cannot listen" not in str(e):
                    raise
                time.sleep(0.1)
        raise AssertionError(f"worker {i} could not start")

    def kill(self, i):
        server, self.servers[i] = self.servers[i], None
        server.kill()
        return server

    def request(self, i, method, path, body=None):
        server = self.servers[i]
        if server is None:
            raise ConnectionRefusedError("worker is down")
        return server.request(method, path, body, headers=AUTH, timeout=20)


def console_get(server, path):
    """GET a console API path through a fresh login with the API token."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=20)
    conn.request("POST", "/console/api/login", body=json.dumps({"token": TOKEN}),
                 headers={"Content-Type": "application/json"})
    resp = conn.getresponse()
    resp.read()
    cookie = (resp.getheader("Set-Cookie") or "").split(";")[0]
    conn.request("GET", path, headers={"Cookie": cookie})
    resp = conn.getresponse()
    body = resp.read()
    conn.close()
    return resp.status, json.loads(body) if body else None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("voronka")
    ap.add_argument("--deals", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=int(time.time()))
    args = ap.parse_args()
    print(f"workers deploy test: 3 workers, {args.deals} deals, seed {args.seed}")
    with Postgres() as pg:
        if pg.missing:
            print(f"SKIPPED: {pg.missing}")
            return 77
        return run(os.path.abspath(args.voronka), pg, args, random.Random(args.seed))


def run(voronka, pg, args, rng):
    failures = []

    def check(cond, what):
        print(("ok: " if cond else "FAIL: ") + what)
        if not cond:
            failures.append(what)

    with tempfile.TemporaryDirectory() as work:
        v1, v2, v3 = (build(voronka, text, work, name) for text, name in ((V1, "v1"), (V2, "v2"), (V3, "v3")))
        workers = Workers(voronka, v1, pg.spec(), 3)
        for i in range(3):
            workers.start(i)

        # Deals: every fourth in stage `old`; the others with a timer due in 2–12 s.
        now = datetime.now(timezone.utc)
        in_old = {f"D-{d}" for d in range(0, args.deals, 4)}
        creates = []
        for d in range(args.deals):
            deal = f"D-{d}"
            e = {"id": f"{deal}-create", "deal": deal, "type": "deal_created", "pipeline": "p"}
            if deal in in_old:
                e["stage"] = "old"
            else:
                e["fields"] = {"fire_at": (now + timedelta(seconds=rng.uniform(2, 12))).strftime("%Y-%m-%dT%H:%M:%SZ")}
            creates.append(e)
        latest_fire = (now + timedelta(seconds=13)).timestamp()
        stats = {"retries": 0}
        for start in range(0, len(creates), 200):
            send_until_acknowledged(workers, rng, creates[start:start + 200], stats)
        wait_until(lambda: pg.psql("SELECT count(*) FROM deals") == str(args.deals), 60, "the deals to be created")

        body = {"module": base64.b64encode(open(v2, "rb").read()).decode(), "plan": PLAN}
        status, payload = workers.request(1, "POST", "/v1/modules", {"module": body["module"]})
        check(status == 422 and any("p.old" in p for p in payload.get("problems", [])),
              f"a plan that falls short: 422 with what it lacks ({status})")
        for _ in range(3):  # 503: the store failed (nothing changed): sent again
            # It moves every deal in transactions rolled back: slow on a loaded machine.
            status, payload = workers.servers[1].request("POST", "/v1/modules", {**body, "dry_run": True},
                                                         headers=AUTH, timeout=180)
            if status != 503:
                break
            print("  dry run answered 503:", payload.get("message"))
        check(status == 200 and payload.get("dry_run") is True, f"a dry run: 200 ({status})")
        errors = []

        def client(deals, seed):
            crng = random.Random(seed)
            try:
                for n in range(STEPS):
                    for start in range(0, len(deals), 10):
                        chunk = [{"id": f"{d}-step-{n}", "deal": d, "type": "step", "payload": {"n": n}}
                                 for d in deals[start:start + 10]]
                        send_until_acknowledged(workers, crng, chunk, stats)
                        time.sleep(pause)
            except Exception as e:  # noqa: BLE001 - reported below
                errors.append(e)

        names = [f"D-{d}" for d in range(args.deals)]
        # The steps spread over about 10 s, so that the deployment runs among them.
        pause = 10.0 / (STEPS * ((args.deals // 6) // 10 + 1))
        clients = [threading.Thread(target=client, args=(names[i::6], rng.random())) for i in range(6)]
        for t in clients:
            t.start()
        time.sleep(1.0)  # events flowing

        status, payload = workers.request(0, "POST", "/v1/modules", body)
        check(status == 202 and payload.get("status") == "running", f"the deployment starts: 202 ({status} {payload})")
        location = payload.get("location", "/v1/deployments/0")
        deployment = payload.get("deployment")
        status, second = workers.request(2, "POST", "/v1/modules", body)
        check(status == 409 and second.get("error") == "deployment_running",
              f"a second POST while it runs, to another worker: 409 deployment_running ({status} {second})")
        status, board = console_get(workers.servers[1], "/console/api/board")
        banner = (board or {}).get("deploying") or {}
        check(status == 200 and banner.get("id") == deployment and banner.get("deals_in_store") == args.deals,
              f"the console of another worker shows the deployment under way: {banner}")
        workers.kill(0)  # the worker the deployment was posted to
        running_at_kill = pg.psql(f"SELECT status FROM deployments WHERE id = {deployment}")
        check(running_at_kill == "running", "worker 0 killed with SIGKILL while its deployment runs")

        def some_moved():
            st, d = workers.request(1, "GET", location)
            return st == 200 and (d["status"] == "done" or (d["result"] or {}).get("deals", 0) > 0)

        wait_until(some_moved, 60, "the other workers to move deals")
        second_kill = pg.psql(f"SELECT status FROM deployments WHERE id = {deployment}") == "running"
        workers.kill(2)
        print(f"  worker 2 killed with SIGKILL {'while deals still moved' if second_kill else 'after the deployment'}")
        time.sleep(0.5)
        # Started again with the OLD module: it serves the store's version.
        restarted = workers.start(0, module=v1)
        workers.start(2)

        for t in clients:
            t.join(timeout=240)
        if errors:
            raise errors[0]

        def settled():
            return pg.psql("SELECT (SELECT count(*) FROM inbox WHERE applied_at IS NULL) + "
                            "(SELECT count(*) FROM timers WHERE due <= extract(epoch from now())::bigint) + "
                            "(SELECT count(*) FROM deployments WHERE status = 'running')") == "0"

        while time.time() < latest_fire + 2:  # every at-fire_at timer due
            time.sleep(0.2)
        wait_until(settled, 120, "every event applied, every due timer fired, the deployment done")

        status, entry = workers.request(1, "GET", location)
        result = entry.get("result") or {}
        check(entry.get("status") == "done", f"the deployment is journaled done ({entry.get('status')})")
        check(result.get("deals") == args.deals,
              f"the journal counts every deal moved exactly once ({result.get('deals')} of {args.deals})")
        check(result.get("deals_in_store") == args.deals, f"…of the deals in store at its start "
                                                          f"({result.get('deals_in_store')})")
        check(entry.get("finished_at") is not None, "…with its finish time")
        print(f"  the deployment moved {result.get('deals')} deals in {result.get('seconds')} s (whole seconds), "
              f"timers kept {result.get('timers_kept')}")
        check(pg.psql("SELECT value FROM meta WHERE key = 'deploying'") == "", "no deployment left in the store's meta")
        off = pg.psql(f"SELECT count(*) FROM deals WHERE module_version <> '{version_of(v2)}'")
        check(off == "0", f"every deal on the new version ({off} not)")

        notes = {}
        for deal, text in (line.split("\t", 1) for line in
                           pg.psql("SELECT deal, text FROM notes ORDER BY seq").splitlines()):
            notes.setdefault(deal, []).append(text)
        bad_order, back_to_old, fired_wrong = [], [], []
        for deal in names:
            got = notes.get(deal, [])
            steps = [n for n in got if n.startswith("step ")]
            if [s.removesuffix(" v2") for s in steps] != [f"step {n}" for n in range(STEPS)]:
                bad_order.append(f"{deal}: {steps}")
            seen_v2 = False
            for s in steps:
                seen_v2 = seen_v2 or s.endswith(" v2")
                if seen_v2 and not s.endswith(" v2"):
                    back_to_old.append(f"{deal}: {steps}")
                    break
            if deal not in in_old and got.count("fired") != 1:
                fired_wrong.append(f"{deal}: fired {got.count('fired')} times")
        check(not bad_order, f"every acknowledged step applied once, in order ({bad_order[:3]})")
        check(not back_to_old, f"no deal's event applied by the old version after the new one ({back_to_old[:3]})")
        check(not fired_wrong, f"every at-fire_at timer fired exactly once ({fired_wrong[:3]})")
        moved_steps = sum(1 for deal in names for s in notes.get(deal, []) if s.endswith(" v2"))
        print(f"  {moved_steps} of {args.deals * STEPS} steps applied by the new version")
        check(moved_steps > 0, "steps were applied by the new version too (the deployment ran under load)")

        versions = {}
        for deal, version in (line.split("\t") for line in
                              pg.psql("SELECT deal, module_version FROM events WHERE type <> 'timer' "
                                       "ORDER BY seq").splitlines()):
            versions.setdefault(deal, []).append(version)
        regress = [d for d, vs in versions.items()
                   if version_of(v2) in vs and version_of(v1) in vs[vs.index(version_of(v2)):]]
        check(not regress, f"the event log: no deal's event on the old version after one on the new ({regress[:3]})")
        recorded = pg.psql("SELECT count(*) FROM events WHERE type <> 'timer'")
        check(recorded == str(args.deals * (1 + STEPS)), f"every acknowledged event recorded once ({recorded})")

        timers = dict(line.split("\t") for line in pg.psql("SELECT deal, count(*) FROM timers GROUP BY deal")
                      .splitlines())
        lost = [d for d in names if timers.get(d) != "1"]
        check(not lost, f"each deal keeps its one long timer, none lost or doubled ({lost[:3]})")
        if lost or fired_wrong:
            d = (lost or [fired_wrong[0].split(":")[0]])[0]
            print("  timers of", d, pg.psql(f"SELECT * FROM timers WHERE deal = '{d}'"), "now",
                  int(time.time()), "notes", notes.get(d), "\n  events",
                  pg.psql(f"SELECT type, outcome, module_version, body FROM events WHERE deal = '{d}' ORDER BY seq"))
        status, deal = workers.request(0, "GET", "/v1/deals/D-0")
        check(status == 200 and deal["stage"].endswith("legacy"),
              f"a deal of the renamed stage, read through the restarted worker: {deal.get('stage')}")
        for i in (0, 1):
            status, versions = console_get(workers.servers[i], "/console/api/versions")
            check(status == 200 and versions.get("running") == version_of(v2) and versions.get("deploying") is None,
                  f"worker {i}'s console runs the new version, no banner: {versions.get('running')} "
                  f"{versions.get('deploying')}")
            status, session = console_get(workers.servers[i], "/console/api/session")
            stages = [x["name"] for x in session["pipelines"][0]["stages"]] if status == 200 else []
            check("legacy" in stages and "old" not in stages, f"worker {i}'s console has the new stages: {stages}")
        moved_by = 0
        for i in range(3):
            status, text = workers.request(i, "GET", "/metrics")
            gauges = {line.split()[0]: line.split()[1] for line in str(text).splitlines()
                      if line.startswith("voronka_deployment_")}
            if i < 2:  # worker 2 may have started after the end: it saw no deployment
                check(gauges.get("voronka_deployment_running") == "0" and
                      gauges.get("voronka_deployment_deals_moved") == str(args.deals) and
                      gauges.get("voronka_deployment_id") == str(deployment),
                      f"worker {i}'s /metrics: the deployment done, every deal moved ({gauges})")
            for line in str(text).splitlines():
                if line.startswith("voronka_worker_deals_moved_total{"):
                    moved_by += int(line.split()[-1])
        print(f"  the running workers' /metrics: {moved_by} deals moved by them")

        for i in range(3):
            code, err = workers.servers[i].terminate()
            check(code == 0, f"worker {i} stops on SIGTERM ({code})")
            if i == 0:
                check("serves that" in err and version_of(v2) in err,
                      f"the worker started with the old .funnelc serves the store's version: {err[:300]!r}")
        r = subprocess.run([voronka, "serve", v3, "--listen", "127.0.0.1:0", "--store", pg.spec(),
                            "--workers", "shared"], capture_output=True, text=True, timeout=30)
        check(r.returncode == 1 and "never run" in r.stderr and "POST /v1/modules" in r.stderr,
              f"a worker with a version the store never ran is refused: {r.returncode} {r.stderr[-300:]!r}")
        print(f"  {stats['retries']} resends")
    if failures:
        print(f"workers deploy test failed (seed {args.seed})")
        return 1
    print("workers deploy test: passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
