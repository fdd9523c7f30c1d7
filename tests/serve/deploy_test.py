#!/usr/bin/env python3
"""Deployments of a new funnel version onto a live store (docs/versions.md).

  - `voronka serve NEW` on a store of the old version refuses, saying what
    the plan lacks, and changes nothing; with --plan it deploys first;
  - POST /v1/modules refuses without a valid token (and when the server has
    none), refuses a plan that falls short (422, nothing changed), answers a
    dry run, and deploys: the server comes back on the new version;
  - kill -9 in the middle of `voronka deploy`: every deal is on exactly one
    version with its own timers, none lost or doubled; deploying again
    finishes the interrupted deployment;
  - kill -9 in the middle of a deployment through POST /v1/modules while
    events keep coming: events are answered meanwhile, every acknowledged
    one is kept, no event was applied by the new version to a deal still on
    the old one, every deal is on one version with its own timers; serving
    the new version finishes the deployment with its journaled plan while
    it takes events.

usage: deploy_test.py VORONKA"""
import base64
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time

from serve_support import Server, build, wait_until

ACCOUNT = 'account "Deploy" { timezone "Europe/Moscow" }\n'

V1 = ACCOUNT + """
pipeline p "P" {
  stage a "A" initial {
    after 3d { note "a timer" }
    after 10d { note "later" }
    on link_clicked { note "clicked" }
  }
  stage old "Old" { after 1d { note "old timer" } }
  won "W"
  lost "L" reasons { "x" other "y" }
}
"""

# `a`'s first timer waits 5 days now; stage `old` is renamed `legacy`.
V2 = ACCOUNT + """
pipeline p "P" {
  stage a "A" initial {
    after 5d { note "a timer" }
    after 10d { note "later" }
    on link_clicked { note "clicked again" }
  }
  stage legacy "Legacy" { after 1d { note "old timer" } }
  won "W"
  lost "L" reasons { "x" other "y" }
}
"""

PLAN = '[stages]\n"p.old" = "p.legacy"\n[timers]\n"p.a:timer#1" = "keep"\n'


def run(args, **kw):
    return subprocess.run(args, capture_output=True, text=True, **kw)


def version_of(path):
    # The content hash the store keeps (runtime/deploy/version_id.h): FNV-1a 64.
    h = 0xcbf29ce484222325
    with open(path, "rb") as f:
        for b in f.read():
            h ^= b
            h = (h * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return f"{h:016x}"


def create_deals(server, count, headers=None, stage_of=lambda i: "a"):
    for start in range(0, count, 500):
        events = [{"id": f"c{i}", "deal": f"d{i}", "type": "deal_created", "pipeline": "p", "stage": stage_of(i)}
                  for i in range(start, min(count, start + 500))]
        status, payload = server.request("POST", "/v1/events", events, headers=headers)
        assert status in (200, 202, 207), (status, payload)


def check(cond, what):
    if not cond:
        raise AssertionError(what)
    print("ok:", what)


def serve_refuses_then_deploys(voronka, work, v1, v2):
    store = os.path.join(work, "serve.db")
    s = Server(voronka, v1, store).start()
    create_deals(s, 4, stage_of=lambda i: "old" if i % 2 else "a")
    s.terminate()
    r = run([voronka, "serve", v2, "--store", "sqlite:" + store, "--listen", "127.0.0.1:0"], timeout=30)
    check(r.returncode == 1, "serve with a new module and no plan exits 1")
    check('stage "p.old" is gone' in r.stderr and "--plan" in r.stderr, "…saying what the plan lacks: " + r.stderr)
    db = sqlite3.connect(store)
    check(db.execute("SELECT count(*) FROM deals WHERE module_version = ?", (version_of(v1),)).fetchone()[0] == 4,
          "…and nothing changed")
    db.close()
    plan = os.path.join(work, "plan.toml")
    with open(plan, "w") as f:
        f.write(PLAN)
    s = Server(voronka, v2, store, extra=["--plan", plan]).start()
    status, deal = s.request("GET", "/v1/deals/d1")
    check(status == 200 and deal["stage"].endswith("legacy"), f"served with --plan: the deal moved: {deal}")
    s.terminate()


def api(voronka, work, v1, v2):
    store = os.path.join(work, "api.db")
    # Without any token configured, nobody may deploy.
    s = Server(voronka, v1, store).start()
    body = {"module": base64.b64encode(open(v2, "rb").read()).decode(), "plan": PLAN}
    status, payload = s.request("POST", "/v1/modules", body)
    check(status == 401 and "token" in payload["message"], f"no token configured: 401 ({status} {payload})")
    s.terminate()

    s = Server(voronka, v1, store, extra=["--token", "secret-1"]).start()
    auth = {"Authorization": "Bearer secret-1"}
    create_deals(s, 6, headers=auth, stage_of=lambda i: "old" if i % 3 == 0 else "a")
    status, payload = s.request("POST", "/v1/modules", body)
    check(status == 401, f"no token sent: 401 ({status})")
    status, payload = s.request("POST", "/v1/modules", body, headers={"Authorization": "Bearer wrong"})
    check(status == 401, f"a wrong token: 401 ({status})")
    status, payload = s.request("POST", "/v1/modules", {"module": body["module"]}, headers=auth)
    check(status == 422 and any("p.old" in p for p in payload["problems"]),
          f"a plan that falls short: 422 with what it lacks ({status} {payload})")
    status, payload = s.request("POST", "/v1/modules", {**body, "plan": "[stages\n"}, headers=auth)
    check(status == 422 and payload["error"] == "bad_plan", f"a plan that does not read: 422 ({status})")
    status, payload = s.request("POST", "/v1/modules", {**body, "dry_run": True}, headers=auth)
    check(status == 200 and payload["dry_run"] and payload["deals"] == 6, f"a dry run reports ({status} {payload})")
    status, deal = s.request("GET", "/v1/deals/d0", headers=auth)
    check(deal["stage"].endswith("old"), "…and changes nothing")
    status, payload = s.request("POST", "/v1/modules", body, headers=auth)
    check(status == 202, f"a valid token and plan: 202 ({status} {payload})")

    def moved():
        try:
            st, d = s.request("GET", "/v1/deals/d0", headers=auth, timeout=2)
            return st == 200 and d["stage"].endswith("legacy")
        except OSError:
            return False

    wait_until(moved, 30, "the server to come back on the new version")
    status, _ = s.request("POST", "/v1/events", {"id": "k1", "deal": "d1", "type": "link_clicked"}, headers=auth)
    check(status == 202, "events go on after the deployment")
    s.terminate()
    db = sqlite3.connect(store)
    row = db.execute("SELECT by, status, from_version, to_version FROM deployments ORDER BY id DESC LIMIT 1").fetchone()
    check(row[0].startswith("token:") and "secret" not in row[0] and row[1] == "done"
          and row[2] == version_of(v1) and row[3] == version_of(v2), f"the journal says who and what: {row}")
    check(db.execute("SELECT module_version FROM events WHERE id = 'k1'").fetchone()[0] == version_of(v2),
          "the event after it was applied by the new version")
    db.close()
    # The old command line started again would roll the deals back: refused.
    r = run([voronka, "serve", v1, "--store", "sqlite:" + store, "--listen", "127.0.0.1:0"], timeout=30)
    check(r.returncode == 1 and "which it ran before" in r.stderr and "roll back on purpose" in r.stderr,
          "serving the version the store ran before, without a plan, is refused: " + r.stderr.strip())
    db = sqlite3.connect(store)
    check(db.execute("SELECT count(*) FROM deals WHERE module_version != ?", (version_of(v2),)).fetchone()[0] == 0,
          "…and the deals stay on the new version")
    db.close()


def deals_not_on(store, version):
    db = sqlite3.connect(store, timeout=30)
    try:
        return db.execute("SELECT count(*) FROM deals WHERE module_version != ?", (version,)).fetchone()[0]
    finally:
        db.close()


def kill_in_the_middle(voronka, work, v1, v2, deals):
    store = os.path.join(work, "kill.db")
    s = Server(voronka, v1, store).start()
    create_deals(s, deals, stage_of=lambda i: "old" if i % 4 == 0 else "a")
    s.terminate()
    plan = os.path.join(work, "plan.toml")
    with open(plan, "w") as f:
        f.write(PLAN)
    db = sqlite3.connect(store)
    timers_before = db.execute("SELECT deal, count(*) FROM timers GROUP BY deal").fetchall()
    db.close()
    rng = random.Random(7)
    kills = mixed = 0
    for attempt in range(8):
        p = subprocess.Popen([voronka, "deploy", v2, "--store", "sqlite:" + store, "--plan", plan],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        # Killed once it has moved a random share of the deals still to move
        # (each deal commits on its own), watched in the store rather than
        # timed, so that a loaded machine cannot make the kill miss the run.
        left = deals_not_on(store, version_of(v2))
        target = left - max(1, int(left * rng.uniform(0.2, 0.7)))
        while p.poll() is None and deals_not_on(store, version_of(v2)) > target:
            time.sleep(0.005)
        if p.poll() is None:
            p.send_signal(signal.SIGKILL)
            kills += 1
        p.communicate()
        db = sqlite3.connect(store)
        versions = dict(db.execute("SELECT module_version, count(*) FROM deals GROUP BY module_version").fetchall())
        per_deal = dict(db.execute("SELECT deal, count(*) FROM timers GROUP BY deal").fetchall())
        db.close()
        assert set(versions) <= {version_of(v1), version_of(v2)}, versions
        assert sum(versions.values()) == deals, versions
        mixed += len(versions) == 2
        # Each deal keeps exactly its two timers (stage a) or one (stage old/legacy), on whichever version.
        assert all(per_deal.get(f"d{i}") == (1 if i % 4 == 0 else 2) for i in range(deals)), "a timer lost or doubled"
        if versions.get(version_of(v1), 0) == 0:
            break
    check(mixed > 0, f"a kill came in the middle of a deployment ({kills} kills, {mixed} left deals on both versions)")
    print(f"ok: {kills} kills mid-deployment left every deal on one version with its own timers")
    r = run([voronka, "deploy", v2, "--store", "sqlite:" + store, "--plan", plan])
    check(r.returncode == 0, "deploying again finishes: " + r.stdout + r.stderr)
    db = sqlite3.connect(store)
    check(db.execute("SELECT count(*) FROM deals WHERE module_version != ?", (version_of(v2),)).fetchone()[0] == 0,
          "every deal is on the new version")
    check(sorted(db.execute("SELECT deal, count(*) FROM timers GROUP BY deal").fetchall()) == sorted(timers_before),
          "no timer lost or doubled")
    check(db.execute("SELECT count(*) FROM deployments WHERE status = 'running'").fetchone()[0] == 0,
          "no deployment left running")
    db.close()


def kill_during_api_deploy(voronka, work, v1, v2, deals):
    store = os.path.join(work, "live.db")
    auth = {"Authorization": "Bearer secret-2"}
    s = Server(voronka, v1, store, extra=["--token", "secret-2"]).start()
    create_deals(s, deals, headers=auth, stage_of=lambda i: "old" if i % 4 == 0 else "a")
    db = sqlite3.connect(store)
    timers_before = dict(db.execute("SELECT deal, count(*) FROM timers GROUP BY deal").fetchall())
    db.close()
    body = {"module": base64.b64encode(open(v2, "rb").read()).decode(), "plan": PLAN}

    acked, during, stop = [], [0], threading.Event()
    deploying = threading.Event()

    def load():
        rng, n = random.Random(3), 0
        while not stop.is_set():
            events = []
            for _ in range(20):
                n += 1
                if n % 5 == 0:
                    events.append({"id": f"new{n}", "deal": f"n{n}", "type": "deal_created", "pipeline": "p"})
                else:
                    events.append({"id": f"e{n}", "deal": f"d{rng.randrange(deals)}", "type": "link_clicked"})
            try:
                status, payload = s.request("POST", "/v1/events", events, headers=auth, timeout=10)
            except OSError:
                return  # killed
            if status in (200, 202):
                acked.extend(e["id"] for e, r in zip(events, payload["results"]) if r["status"] in ("applied", "duplicate"))
                if deploying.is_set():
                    during[0] += 1

    loader = threading.Thread(target=load)
    loader.start()
    time.sleep(0.3)
    status, payload = s.request("POST", "/v1/modules", body, headers=auth)
    check(status == 202 and payload["status"] == "running", f"the deployment starts: 202 ({status})")
    deploying.set()
    location = payload["location"]

    def some_moved():
        st, d = s.request("GET", location, headers=auth)
        return st == 200 and d["status"] == "running" and d["result"] and d["result"]["deals"] > 0

    wait_until(some_moved, 60, "the deployment to move some deals")
    wait_until(lambda: during[0] >= 3, 60, "events to be answered while the deals move")
    st, progress = s.request("GET", location, headers=auth)
    _, metrics = s.request("GET", "/metrics")
    s.kill()
    stop.set()
    loader.join()
    check(progress["status"] == "running" and progress["by"].startswith("token:"),
          f"GET {location} shows the deployment running: {progress['result']['deals']} deals moved")
    check("voronka_deployment_running 1" in metrics and "voronka_deployment_longest_event_wait_seconds" in metrics,
          "/metrics shows it running")

    db = sqlite3.connect(store)
    versions = dict(db.execute("SELECT module_version, count(*) FROM deals WHERE id LIKE 'd%' "
                               "GROUP BY module_version").fetchall())
    check(set(versions) == {version_of(v1), version_of(v2)} and sum(versions.values()) == deals,
          f"killed in the middle: every deal on one of the two versions {versions}")
    per_deal = dict(db.execute("SELECT deal, count(*) FROM timers WHERE deal LIKE 'd%' GROUP BY deal").fetchall())
    check(per_deal == timers_before, "no timer lost or doubled")
    recorded = {row[0] for row in db.execute("SELECT id FROM events")}
    check(all(a in recorded for a in acked), f"every acknowledged event is kept ({len(acked)})")
    wrong = db.execute("SELECT count(*) FROM events e JOIN deals d ON d.id = e.deal "
                       "WHERE e.module_version = ? AND d.module_version = ?",
                       (version_of(v2), version_of(v1))).fetchone()[0]
    check(wrong == 0, "no event was applied by the new version to a deal still on the old one")
    db.close()

    # Serving the new version finishes it while it serves, with the plan it was started with.
    s = Server(voronka, v2, store, extra=["--token", "secret-2"]).start()
    status, _ = s.request("POST", "/v1/events", {"id": "after-restart", "deal": "d1", "type": "link_clicked"},
                          headers=auth)
    check(status == 202, "the restarted server takes events at once")

    def done():
        st, d = s.request("GET", location, headers=auth)
        return st == 200 and d["status"] == "done"

    wait_until(done, 60, "the resumed deployment to finish")
    status, d = s.request("GET", location, headers=auth)
    check(d["plan"]["stages"] == {"p.old": "p.legacy"}, f"serving the new version finishes it, by its plan: {d['plan']}")
    status, listing = s.request("GET", "/v1/deployments", headers=auth)
    check(status == 200 and listing["deployments"][0]["id"] == d["id"], "GET /v1/deployments lists it first")
    s.terminate()
    db = sqlite3.connect(store)
    check(db.execute("SELECT count(*) FROM deals WHERE module_version != ?", (version_of(v2),)).fetchone()[0] == 0,
          "every deal is on the new version")
    per_deal = dict(db.execute("SELECT deal, count(*) FROM timers WHERE deal LIKE 'd%' GROUP BY deal").fetchall())
    check(per_deal == timers_before, "…each with its own timers")
    db.close()


def dry_run_names_added_timers(voronka, work, v1):
    """`voronka deploy --dry-run` says which timed rules the new version adds and what the plan does with them."""
    store = os.path.join(work, "added.db")
    s = Server(voronka, v1, store).start()
    create_deals(s, 3)
    s.terminate()
    v3 = build(voronka, V1.replace('after 10d { note "later" }', 'after 10d { note "later" }\n    after 1d { note "new" }'),
               work, "v3")
    r = run([voronka, "deploy", v3, "--store", "sqlite:" + store, "--dry-run"])
    check(r.returncode == 0 and 'timed rules added: p.a:timer#3 ([timers] added = "skip"' in r.stdout
          and "0 timers started" in r.stdout, "the dry run names the added timed rule and the default: " + r.stdout)
    plan = os.path.join(work, "added.toml")
    with open(plan, "w") as f:
        f.write('[timers]\nadded = "from_now"\n')
    r = run([voronka, "deploy", v3, "--store", "sqlite:" + store, "--plan", plan, "--dry-run"])
    check(r.returncode == 0 and 'added = "from_now"' in r.stdout and "3 timers started" in r.stdout,
          "…and with from_now, how many timers it would start: " + r.stdout)


def main():
    voronka = os.path.abspath(sys.argv[1])
    deals = int(sys.argv[2]) if len(sys.argv) > 2 else 20000
    with tempfile.TemporaryDirectory() as work:
        v1 = build(voronka, V1, work, "v1")
        v2 = build(voronka, V2, work, "v2")
        serve_refuses_then_deploys(voronka, work, v1, v2)
        api(voronka, work, v1, v2)
        kill_in_the_middle(voronka, work, v1, v2, deals)
        kill_during_api_deploy(voronka, work, v1, v2, deals)
        dry_run_names_added_timers(voronka, work, v1)
    print("deploy tests passed")


if __name__ == "__main__":
    main()
