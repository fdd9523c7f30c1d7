#!/usr/bin/env python3
"""`voronka serve --workers shared --crm` (docs/crm.md, "Shared workers"):
three worker processes on one throwaway PostgreSQL against the fake amoCRM
and Bitrix24 accounts. Checks, counting at the fakes:
  - OAuth: the single-use refresh token is spent exactly once per refresh,
    across all workers — once at the start (no access token yet), once
    after amoCRM revokes the access token under load, once when the token
    expires (its expires_in) while every worker has calls to make;
  - every webhook is sent to two workers: each deal's events applied once,
    in order (created, then the budget change that moves it); a lead's
    older webhook arriving after its newer one is not applied over it;
  - every CRM call made once per effect: one task, one note per lead, and
    one task when the worker creating it is killed with -9 mid-call;
  - the account's 7 requests per second kept by all workers together;
  - Bitrix24's offline queue polled by one leader (offline_poll); kill -9
    of the leader and another worker takes the polling over; the robot's
    call sent to two workers applied and answered once.

usage: shared_workers_crm_test.py VORONKA [TEST…]"""
import os
import subprocess
import sys
import tempfile
import threading
import time
import traceback

from crm_support import (AMO_MAPPING, BITRIX_MAPPING, SECRET, SERVE_TOML, amo_crm_toml, amo_webhook, build_shop,
                         wait_until, write)
from fake_amocrm import FakeAmoCrm
from fake_bitrix24 import APPLICATION_TOKEN, FakeBitrix24, robot_form

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "serve"))
from serve_support import Postgres, Server  # noqa: E402

WORKERS = 3


class Workers:
    def __init__(self, voronka, module, pg, crm, workdir, serve_toml=SERVE_TOML):
        config = write(os.path.join(workdir, "serve.toml"), serve_toml)
        self.args = (voronka, module, pg.spec())
        self.extra = ["--workers", "shared", "--crm", crm, "--config", config]
        self.servers = []

    def start(self, count=WORKERS):
        voronka, module, store = self.args
        for _ in range(count):
            self.servers.append(Server(voronka, module, store, extra=self.extra).start())
        return self

    def alive(self):
        return [s for s in self.servers if s.proc.poll() is None]

    def stop(self):
        for s in self.alive():
            s.terminate()


def metric(server, name):
    status, body = server.request("GET", "/metrics")
    assert status == 200, (status, body)
    for line in body.splitlines():
        if line.startswith(name + "{") or line.startswith(name + " "):
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"no {name} in /metrics")


def deal(server, deal_id):
    status, body = server.request("GET", f"/v1/deals/{deal_id}")
    return body if status == 200 else None


def amo_oauth_toml(workdir, fake):
    return write(os.path.join(workdir, "crm.toml"),
                 f'[amocrm]\nurl = "{fake.url}"\nwebhook_secret = "{SECRET}"\nrobot_user = 5000\n'
                 '[amocrm.oauth]\nclient_id = "voronka-test"\nclient_secret_env = "AMO_CLIENT_SECRET"\n'
                 'redirect_uri = "https://voronka.example/oauth"\nrefresh_token_env = "AMO_REFRESH_TOKEN"\n'
                 f'token_file = "{os.path.join(workdir, "amo-tokens.json")}"\n' + AMO_MAPPING)


def send_twice(workers, form, i):
    """A webhook to two workers, as a CRM resending it would: both answer 200."""
    for server in (workers[i % len(workers)], workers[(i + 1) % len(workers)]):
        status, body = amo_webhook(server, form)
        assert status == 200, (status, body)
        assert all(r["status"] in ("queued", "duplicate") for r in body["results"]), body


def test_amocrm(voronka, pg, workdir):
    fake = FakeAmoCrm().start()
    a = fake.account
    a.refresh_tokens.add("first-refresh")
    os.environ["AMO_CLIENT_SECRET"] = "client-secret"
    os.environ["AMO_REFRESH_TOKEN"] = "first-refresh"
    module = build_shop(voronka, workdir)
    # One effect per call (no batching): many calls, which three workers
    # unchecked would send at three times the account's limit.
    workers = Workers(voronka, module, pg, amo_oauth_toml(workdir, fake), workdir,
                      SERVE_TOML + "batch = 1\n").start()
    servers = workers.servers
    a.webhook_url = f"http://127.0.0.1:{servers[0].port}/v1/crm/amocrm/{SECRET}"  # the echoes
    leads = range(300, 330)

    def tasks_of(lead):
        with a.lock:
            return [t for t in a.tasks.values() if t["entity_id"] == lead]

    def notes_of(lead):
        with a.lock:
            return [n for n in a.notes.values() if n["entity_id"] == lead]

    try:
        # New leads at every worker at once: each needs a token, one refresh for all.
        threads = [threading.Thread(target=send_twice, args=(servers, fake.change_lead(
            lead, status_id=101, pipeline_id=7, price=50000), i)) for i, lead in enumerate(leads)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wait_until(lambda: all(tasks_of(lead) for lead in leads), 60, "a task for each of 30 leads")
        assert len(fake.calls("POST", "/oauth2/")) == 1, fake.calls("POST", "/oauth2/")
        assert sum(metric(s, "voronka_worker_crm_token_refreshes_total") for s in servers) == 1

        # amoCRM revokes the access token: every worker gets 401, one refresh for all.
        # The new token lives 63 s: Voronka renews 60 s before expiry, so 3 s later
        # every worker finds it expiring. The one after it lives an hour.
        with a.lock:
            a.access_tokens.clear()
            a.next_token_lifetimes = [63]
        for i, lead in enumerate(leads):
            send_twice(servers, fake.change_lead(lead, price=150000), i)
        wait_until(lambda: len(fake.calls("POST", "/oauth2/")) >= 2, 30, "the renewal after the 401s")
        wait_until(lambda: all(len(notes_of(lead)) == 1 for lead in leads), 90, "a note for each lead")
        wait_until(lambda: all(tasks_of(lead)[0].get("is_completed") for lead in leads), 60, "tasks completed")
        assert [c for c in fake.calls() if c[3] == 401], "the revoked token was never refused"

        # The token expires (by its expires_in) while every worker has calls to make: one renewal.
        time.sleep(3.5)
        late = range(330, 336)
        for i, lead in enumerate(late):
            send_twice(servers, fake.change_lead(lead, status_id=101, pipeline_id=7, price=50000), i)
        wait_until(lambda: all(tasks_of(lead) for lead in late), 60, "the late leads' tasks")
        refreshes = fake.calls("POST", "/oauth2/")
        assert len(refreshes) == 3 and all(c[3] == 200 for c in refreshes), refreshes
        assert a.refresh_reuse == 0, "a refresh token was used twice"
        assert sum(metric(s, "voronka_worker_crm_token_refreshes_total") for s in servers) == 3

        time.sleep(1.0)  # the echoes of the PATCHes arrive and change nothing
        for lead in leads:
            assert len(tasks_of(lead)) == 1 and len(notes_of(lead)) == 1, (lead, tasks_of(lead), notes_of(lead))
            d = deal(servers[lead % WORKERS], f"amo-{lead}")
            assert d and d["stage"] == "qualified", d
            assert events_of(pg, f"amo-{lead}") == ["deal_created", "field_set"], (lead, events_of(pg, f"amo-{lead}"))
            assert [h["to"] for h in d["history"]] == ["retail.incoming", "retail.qualified"], d["history"]
            kinds = sorted(e["kind"] for e in d["effects"] if e["kind"] in ("crm_task", "crm_note"))
            assert kinds == ["crm_note", "crm_task"], d["effects"]
        with a.lock:
            assert a.leads[leads[0]]["status_id"] == 102 and a.leads[leads[0]]["responsible_user_id"] == 6002
        # All three workers together kept the account's limit.
        api = [c[0] for c in a.calls if c[2].startswith("/api/v4/")]
        print(f"amoCRM: {len(api)} API calls from {WORKERS} workers in {api[-1] - api[0]:.1f} s, "
              f"at most {a.max_per_second()} in one second, {a.over_limit} over the limit", flush=True)
        assert a.over_limit == 0, a.over_limit
        assert a.max_per_second() <= 7, a.max_per_second()
        status, body = pg_query(pg, "SELECT count(*) FROM meta WHERE key = 'crm.oauth'")
        assert body == "1", body
        status, body = pg_query(pg, "SELECT count(*) FROM inbox WHERE body LIKE '%crm:report%'")
        assert status == 0 and int(body) >= 60, body  # 2 reports per lead, each once though sent twice
    finally:
        workers.stop()
        fake.stop()


def test_amocrm_kill_during_delivery(voronka, pg, workdir):
    """kill -9 of the worker whose relay is creating a task in amoCRM: another
    worker takes the lapsed lease over, looks for the task and makes none."""
    fake = FakeAmoCrm().start()
    a = fake.account
    os.environ["AMO_TOKEN"] = "long-lived-token"
    module = build_shop(voronka, workdir)
    crm = amo_crm_toml(workdir, fake.url)
    workers = Workers(voronka, module, pg, crm, workdir).start()

    def tasks_of(lead):
        with a.lock:
            return [t for t in a.tasks.values() if t["entity_id"] == lead]

    def task_effect(server):
        d = deal(server, "amo-400")
        return [e for e in d["effects"] if e["kind"] == "crm_task"][0] if d else None

    try:
        a.slow_task_create = 8  # the task is made, the answer comes 8 s later
        send_twice(workers.servers, fake.change_lead(400, status_id=101, pipeline_id=7, price=50000), 0)
        wait_until(lambda: len(tasks_of(400)) == 1, 20, "the task created in amoCRM")
        delivering = [s for s in workers.alive() if metric(s, "voronka_outbox_in_flight") >= 1]
        assert len(delivering) == 1, "no single worker is delivering the task"
        delivering[0].kill()
        a.slow_task_create = 0
        survivor = workers.alive()[0]
        wait_until(lambda: task_effect(survivor)["status"] == "delivered", 40, "the task's effect delivered")
        assert len(tasks_of(400)) == 1, tasks_of(400)
        assert fake.calls("GET", "/api/v4/tasks"), "the task was not looked for before it was made again"
        assert sum(metric(s, "voronka_worker_lease_takeovers_total") for s in workers.alive()) >= 1
    finally:
        workers.stop()
        fake.stop()


def test_amocrm_out_of_order(voronka, pg, workdir):
    """Two webhooks of one lead arrive in the opposite order (the later
    change first): the older state is not applied over the newer one."""
    fake = FakeAmoCrm().start()
    os.environ["AMO_TOKEN"] = "long-lived-token"
    module = build_shop(voronka, workdir)
    crm = amo_crm_toml(workdir, fake.url)
    workers = Workers(voronka, module, pg, crm, workdir).start()
    servers = workers.servers
    try:
        status, body = amo_webhook(servers[0], fake.change_lead(500, status_id=101, pipeline_id=7, price=50000))
        assert status == 200, body
        wait_until(lambda: deal(servers[1], "amo-500"), 15, "the deal")
        older = fake.change_lead(500, price=150000)  # would qualify the deal (budget > 100 000)…
        newer = fake.change_lead(500, price=90000)  # …but the manager changed it again at once
        status, body = amo_webhook(servers[1], newer)
        assert status == 200, body
        wait_until(lambda: deal(servers[2], "amo-500")["fields"]["budget"] == 90000, 15, "the newer budget")
        status, body = amo_webhook(servers[2], older)
        assert status == 200 and body["results"][0]["status"] == "queued", body
        wait_until(lambda: "older state" in pg_query(
            pg, "SELECT message FROM inbox WHERE deal = 'amo-500' ORDER BY seq DESC LIMIT 1")[1], 15, "it applied")
        d = deal(servers[0], "amo-500")
        assert d["stage"] == "incoming" and d["fields"]["budget"] == 90000, d
        assert events_of(pg, "amo-500") == ["deal_created", "field_set"], events_of(pg, "amo-500")
    finally:
        workers.stop()
        fake.stop()


def test_no_deploy_through_the_api(voronka, pg, workdir):
    """POST /v1/modules to a worker with --crm: refused, saying how, as on one server."""
    fake = FakeAmoCrm().start()
    os.environ["AMO_TOKEN"] = "long-lived-token"
    module = build_shop(voronka, workdir)
    crm = amo_crm_toml(workdir, fake.url, robot_user=False)
    workers = Workers(voronka, module, pg, crm, workdir)
    workers.extra += ["--token", "admin-token-0123456789"]
    workers.start(1)
    try:
        with open(module, "rb") as f:
            status, body = workers.servers[0].request(
                "POST", "/v1/modules", body=f.read(),
                headers={"Content-Type": "application/octet-stream", "Authorization": "Bearer admin-token-0123456789"})
        assert status == 409 and body["error"] == "not_supported" and "--crm" in body["message"], (status, body)
        assert "voronka deploy" in body["message"], body
    finally:
        workers.stop()
        fake.stop()


def pg_query(pg, sql):
    cmd = [os.path.join(pg.bin, "psql"), "-h", pg.dir, "-U", "voronka", "-d", pg.db, "-Atc", sql]
    r = subprocess.run(cmd, capture_output=True, text=True)
    return r.returncode, r.stdout.strip()


def events_of(pg, deal_id):
    status, body = pg_query(pg, f"SELECT type FROM events WHERE deal = '{deal_id}' ORDER BY seq")
    assert status == 0, body
    return body.split("\n") if body else []


def test_bitrix24_leader(voronka, pg, workdir):
    fake = FakeBitrix24()
    p = fake.portal
    p.offline_mode = True
    os.environ["B24_URL"] = fake.url
    crm = write(os.path.join(workdir, "crm.toml"),
                f'[bitrix24]\nurl_env = "B24_URL"\napplication_token = "{APPLICATION_TOKEN}"\n'
                f'webhook_secret = "{SECRET}"\nrobot_user = 1\noffline_poll = 1\n' + BITRIX_MAPPING)
    module = build_shop(voronka, workdir)
    workers = Workers(voronka, module, pg, crm, workdir).start()

    def leaders():
        return [s for s in workers.alive() if metric(s, "voronka_worker_crm_leader") == 1]

    try:
        wait_until(lambda: len(leaders()) == 1, 10, "one leader")
        fake.change_deal(90, OPPORTUNITY="50000.00")
        wait_until(lambda: deal(workers.alive()[0], "b24-90"), 15, "the offline change polled by the leader")
        wait_until(lambda: len(p.tasks) == 1, 15, "the deal's task")
        leader = leaders()[0]
        assert metric(leader, "voronka_worker_crm_polls_total") >= 1
        leader.kill()  # kill -9: its session ends, the lock is free
        wait_until(lambda: len(leaders()) == 1, 15, "another worker leading")
        fake.change_deal(91, OPPORTUNITY="20000.00")
        fake.change_deal(90, OPPORTUNITY="150000.00")
        survivor = workers.alive()[0]
        wait_until(lambda: deal(survivor, "b24-91"), 15, "the change polled by the new leader")
        wait_until(lambda: deal(survivor, "b24-90")["stage"] == "qualified", 15, "the budget change applied")
        wait_until(lambda: p.deals["90"]["STAGE_ID"] == "PREPARATION", 15, "the move in Bitrix24")
        wait_until(lambda: not p.offline, 15, "the offline queue cleared")
        assert events_of(pg, "b24-90") == ["deal_created", "field_set"], events_of(pg, "b24-90")
        # The robot's call, to two workers: applied on the worker that claims the deal, answered once.
        call = robot_form(91, "token-1", {"event": "documents_ready", "payload": '{"count": 2}'})
        for server in workers.alive():
            status, body = server.request("POST", f"/v1/crm/bitrix24/{SECRET}", body=call,
                                          headers={"Content-Type": "application/x-www-form-urlencoded"})
            assert status == 200 and body["results"][0]["status"] in ("queued", "duplicate"), body
        wait_until(lambda: p.robot_replies, 15, "bizproc.event.send")
        wait_until(lambda: deal(survivor, "b24-91")["stage"] == "qualified", 15, "the robot's event applied")
        time.sleep(0.5)
        assert len(p.robot_replies) == 1, p.robot_replies
        reply = p.robot_replies[0]
        assert reply["EVENT_TOKEN"] == "token-1" and reply["RETURN_VALUES"]["status"] == "applied", reply
        assert reply["RETURN_VALUES"]["stage"] == "Квалификация", reply
        assert len(p.tasks) == 2, p.tasks
        assert p.over_limit == 0
    finally:
        workers.stop()
        fake.stop()


def test_refused_crm_toml(voronka, pg, workdir):
    """crm.toml that does not fit the module: refused before anything is deployed."""
    fake = FakeAmoCrm().start()
    module = build_shop(voronka, workdir)
    crm = write(os.path.join(workdir, "bad.toml"),
                f'[amocrm]\nurl = "{fake.url}"\nwebhook_secret = "{SECRET}"\ntoken_env = "AMO_TOKEN"\n'
                + AMO_MAPPING.replace("contract = 103\n", "contract = 103\nmoon = 104\n"))
    os.environ["AMO_TOKEN"] = "long-lived-token"
    r = subprocess.run([voronka, "serve", module, "--store", pg.spec(), "--workers", "shared",
                        "--crm", crm, "--listen", "127.0.0.1:0"], capture_output=True, text=True, timeout=60)
    fake.stop()
    assert r.returncode != 0 and "crm.toml does not fit the module" in r.stderr and "moon" in r.stderr, r.stderr
    # Nothing was put on the store.
    assert pg_query(pg, "SELECT count(*) FROM meta WHERE key = 'active_version'")[1] in ("", "0"), "deployed"


def main():
    voronka = os.path.abspath(sys.argv[1])
    only = sys.argv[2:]
    tests = [test_refused_crm_toml, test_no_deploy_through_the_api, test_amocrm, test_amocrm_kill_during_delivery, test_amocrm_out_of_order,
             test_bitrix24_leader]
    passed = failed = 0
    with Postgres() as pg:
        if pg.missing:
            print(f"SKIPPED: {pg.missing}")
            return 77
        for n, test in enumerate(tests):
            if only and test.__name__ not in only:
                continue
            # Each test on a database of its own.
            db = f"crm{n}"
            subprocess.run([os.path.join(pg.bin, "createdb"), "-h", pg.dir, "-U", "voronka", db], check=True)
            pg_db = DatabasePg(pg, db)
            with tempfile.TemporaryDirectory() as workdir:
                try:
                    test(voronka, pg_db, workdir)
                    passed += 1
                    print(f"PASS {test.__name__}", flush=True)
                except Exception:
                    failed += 1
                    print(f"FAIL {test.__name__}", flush=True)
                    traceback.print_exc()
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


class DatabasePg:
    """The test's PostgreSQL server, with `spec()` naming one database."""

    def __init__(self, pg, db):
        self.pg, self.db = pg, db
        self.bin, self.dir = pg.bin, pg.dir

    def spec(self, dbname=None):
        return self.pg.spec(dbname or self.db)


if __name__ == "__main__":
    sys.exit(main())
