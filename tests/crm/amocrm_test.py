#!/usr/bin/env python3
"""`voronka serve --crm` against a fake amoCRM (fake_amocrm.py), end to end:
webhooks in → rules → API calls out; echoes ignored; a forbidden manual move
undone with a note; the limit of 7 requests per second kept; an outage
retried to delivery; kill -9 during delivery making no second task; a wrong
secret refused with nothing applied; OAuth tokens refreshed once and kept.

usage: amocrm_test.py VORONKA"""
import json
from collections import Counter
import os
import subprocess
import sys
import tempfile
import time
import traceback

from crm_support import (SECRET, SERVE_TOML, amo_crm_toml, amo_webhook, build_shop, start_serve, wait_until,
                         write)
from fake_amocrm import FakeAmoCrm

os.environ["AMO_TOKEN"] = "long-lived-token"


def lead_of(fake, lead_id):
    with fake.account.lock:
        return dict(fake.account.leads.get(lead_id, {}))


def tasks_of(fake, lead_id):
    with fake.account.lock:
        return [dict(t) for t in fake.account.tasks.values() if t["entity_id"] == lead_id]


def notes_of(fake, lead_id):
    with fake.account.lock:
        return [n["params"]["text"] for n in fake.account.notes.values() if n["entity_id"] == lead_id]


def deal(server, lead_id):
    status, body = server.request("GET", f"/v1/deals/amo-{lead_id}")
    return body if status == 200 else None


def new_lead(fake, server, lead_id, price=50000):
    form = fake.change_lead(lead_id, status_id=101, pipeline_id=7, price=price)
    status, body = amo_webhook(server, form)
    assert status == 200, (status, body)
    return body


def manual_moves(d):
    return [h for h in d["history"] if h["how"] == "manual"]


def test_round_trip(voronka, workdir):
    """A new lead becomes a deal; a manager's budget change moves it on;
    everything the rules do reaches amoCRM; the echoes change nothing."""
    fake = FakeAmoCrm().start()
    module = build_shop(voronka, workdir)
    server = start_serve(voronka, module, workdir, amo_crm_toml(workdir, fake.url))
    fake.account.webhook_url = f"http://127.0.0.1:{server.port}/v1/crm/amocrm/{SECRET}"
    try:
        new_lead(fake, server, 1)
        d = deal(server, 1)
        assert d and d["stage"] == "incoming" and d["responsible"] == "ivanov", d
        wait_until(lambda: len(tasks_of(fake, 1)) == 1, 10, "the call task in amoCRM")
        task = tasks_of(fake, 1)[0]
        assert task["text"] == "Позвонить клиенту" and task["task_type_id"] == 1, task
        assert task["responsible_user_id"] == 6001 and task["entity_type"] == "leads", task

        status, body = amo_webhook(server, fake.change_lead(1, price=150000))
        assert status == 200, body
        wait_until(lambda: lead_of(fake, 1).get("status_id") == 102, 10, "the move to qualified in amoCRM")
        wait_until(lambda: tasks_of(fake, 1)[0].get("is_completed"), 10, "the call task completed")
        wait_until(lambda: "Бюджет больше 100 000" in notes_of(fake, 1), 10, "the note")
        lead = lead_of(fake, 1)
        assert lead["responsible_user_id"] == 6002, lead
        assert lead["tags"] == ["крупный"], lead
        assert {"field_id": 5001, "values": [{"enum_id": 9002}]} in lead["custom_fields_values"], lead
        assert tasks_of(fake, 1)[0]["result"] == {"text": "Клиент квалифицирован"}, tasks_of(fake, 1)
        time.sleep(1.0)  # the echoes of those PATCHes arrive and must be ignored
        d = deal(server, 1)
        assert d["stage"] == "qualified" and d["responsible"] == "petrova", d
        assert manual_moves(d) == [], d["history"]
        assert len(tasks_of(fake, 1)) == 1
    finally:
        server.terminate()
        fake.stop()


def test_echoes_by_state(voronka, workdir):
    """Without robot_user the echoes are recognised by the known state."""
    fake = FakeAmoCrm().start()
    module = build_shop(voronka, workdir)
    server = start_serve(voronka, module, workdir, amo_crm_toml(workdir, fake.url, robot_user=False))
    fake.account.webhook_url = f"http://127.0.0.1:{server.port}/v1/crm/amocrm/{SECRET}"
    try:
        new_lead(fake, server, 2)
        amo_webhook(server, fake.change_lead(2, price=200000))
        wait_until(lambda: lead_of(fake, 2).get("status_id") == 102, 10, "the move in amoCRM")
        # Voronka's PATCH comes back as a webhook, as a manager's would; it must change nothing.
        echo = fake.change_lead(2, modified_user_id=5000)
        status, body = amo_webhook(server, echo)
        assert status == 200 and body["results"][0]["status"] == "ignored", body
        time.sleep(1.0)
        d = deal(server, 2)
        assert d["stage"] == "qualified" and manual_moves(d) == [], d
        patches = fake.calls("PATCH", "/api/v4/leads")
        assert len(patches) == 1, patches  # one PATCH: stage, field, tags and responsible together
    finally:
        server.terminate()
        fake.stop()


def test_forbidden_move_undone(voronka, workdir):
    """`manual forward: deny`: a manager's forward move is moved back, with a note saying why."""
    fake = FakeAmoCrm().start()
    module = build_shop(voronka, workdir)
    server = start_serve(voronka, module, workdir, amo_crm_toml(workdir, fake.url))
    try:
        new_lead(fake, server, 3)
        forward = fake.change_lead(3, status_id=103)
        status, body = amo_webhook(server, forward)
        assert status == 200, body
        event = body["results"][0]["events"][0]
        assert event["type"] == "manual_move" and event["status"] == "rejected", body
        wait_until(lambda: lead_of(fake, 3).get("status_id") == 101, 10, "the lead moved back in amoCRM")
        wait_until(lambda: notes_of(fake, 3), 10, "the note")
        note = notes_of(fake, 3)[0]
        assert "вернула сделку на этап «Новая заявка»" in note and "вперёд вручную" in note, note
        assert deal(server, 3)["stage"] == "incoming"
        # The same webhook again (amoCRM resends it): moved back, but no second note.
        amo_webhook(server, forward)
        time.sleep(0.5)
        assert len(notes_of(fake, 3)) == 1, notes_of(fake, 3)
        # Backward is allowed: qualified by the budget, then back by hand.
        amo_webhook(server, fake.change_lead(3, price=300000))
        wait_until(lambda: lead_of(fake, 3).get("status_id") == 102, 10, "qualified")
        status, body = amo_webhook(server, fake.change_lead(3, status_id=101))
        assert body["results"][0]["events"][0]["status"] == "applied", body
        assert deal(server, 3)["stage"] == "incoming", (body, deal(server, 3))
        # That webhook carried the select field Voronka set as its enum id alone: still `ads`, not cleared.
        assert deal(server, 3)["fields"].get("source") == "ads", deal(server, 3)["fields"]
    finally:
        server.terminate()
        fake.stop()


def test_wrong_secret_refused(voronka, workdir):
    fake = FakeAmoCrm().start()
    module = build_shop(voronka, workdir)
    server = start_serve(voronka, module, workdir, amo_crm_toml(workdir, fake.url), store="secret.db")
    try:
        form = fake.change_lead(4, status_id=101, pipeline_id=7)
        for secret in ("wrong-secret-0123456789", SECRET[:-1], "x"):
            status, body = amo_webhook(server, form, secret=secret)
            assert status == 401 and body["error"]["code"] == "unauthorized", (status, body)
        status, body = amo_webhook(server, b"leads[status][0][id=1")
        assert status == 400, (status, body)
        assert deal(server, 4) is None
        status, health = server.request("GET", "/healthz")
        assert health["deals"] == 0 and health["outbox_backlog"] == 0, health
        assert fake.calls() == [], fake.calls()
    finally:
        server.terminate()
        fake.stop()


def test_outage_retried(voronka, workdir):
    fake = FakeAmoCrm().start()
    module = build_shop(voronka, workdir)
    server = start_serve(voronka, module, workdir, amo_crm_toml(workdir, fake.url))
    try:
        fake.account.outage_calls = 3
        new_lead(fake, server, 5)
        wait_until(lambda: len(tasks_of(fake, 5)) == 1, 20, "the task after the outage")
        errors = [c for c in fake.calls() if c[3] == 503]
        assert len(errors) == 3, errors
        time.sleep(0.5)
        assert len(tasks_of(fake, 5)) == 1
    finally:
        server.terminate()
        fake.stop()


def test_too_many_requests(voronka, workdir):
    """Another app used up the account's limit: amoCRM answers 429 with
    Retry-After; Voronka sends nothing before that time is up, then delivers."""
    fake = FakeAmoCrm().start()
    module = build_shop(voronka, workdir)
    server = start_serve(voronka, module, workdir, amo_crm_toml(workdir, fake.url))
    try:
        fake.account.busy_calls = 2
        new_lead(fake, server, 9)
        wait_until(lambda: len(tasks_of(fake, 9)) == 1, 20, "the task after two 429s")
        calls = fake.calls()
        refused = [i for i, c in enumerate(calls) if c[3] == 429]
        assert len(refused) == 2, calls
        for i in refused:  # the next call waited for Retry-After (a lower bound: no slowness makes it fail)
            assert calls[i + 1][0] - calls[i][0] >= 0.95, calls
        assert len(tasks_of(fake, 9)) == 1
        code, err = server.terminate()
        # Nothing secret in the log: neither the token nor the webhook's secret.
        assert "long-lived-token" not in err and SECRET not in err, err
    finally:
        if server.proc.poll() is None:
            server.terminate()
        fake.stop()


def test_rate_limit(voronka, workdir):
    fake = FakeAmoCrm().start()
    module = build_shop(voronka, workdir)
    server = start_serve(voronka, module, workdir, amo_crm_toml(workdir, fake.url))
    try:
        for lead in range(100, 130):
            new_lead(fake, server, lead)
        wait_until(lambda: all(tasks_of(fake, lead) for lead in range(100, 130)), 60, "30 tasks")
        assert fake.account.over_limit == 0, fake.account.over_limit
        assert fake.account.max_per_second() <= 7, fake.account.max_per_second()
    finally:
        server.terminate()
        fake.stop()


def test_batched_updates(voronka, workdir):
    """Twenty leads qualified while amoCRM hangs on a call: once it answers,
    their PATCHes, task completions and notes go together (arrays of up to
    50), not one call each."""
    fake = FakeAmoCrm().start()
    module = build_shop(voronka, workdir)
    server = start_serve(voronka, module, workdir, amo_crm_toml(workdir, fake.url))
    leads = list(range(300, 320))
    try:
        for lead in leads:
            new_lead(fake, server, lead)
        wait_until(lambda: all(tasks_of(fake, lead) for lead in leads), 30, "the tasks")
        fake.account.open.clear()
        for lead in leads:
            status, body = amo_webhook(server, fake.change_lead(lead, price=200000))
            assert status == 200 and body["results"][0]["status"] == "applied", body
        fake.account.open.set()
        wait_until(lambda: all(lead_of(fake, lead).get("status_id") == 102 for lead in leads), 30, "all qualified")
        wait_until(lambda: all(len(notes_of(fake, lead)) == 1 and tasks_of(fake, lead)[0]["is_completed"]
                               for lead in leads), 30, "every note and completed task")
        # The first call held, then the rest in the batches of the relay's claims (32 effects each).
        patches = fake.calls("PATCH", "/api/v4/leads")
        assert len(patches) <= 4, patches
        completions = fake.calls("PATCH", "/api/v4/tasks")
        assert len(completions) <= 4, completions
        notes = fake.calls("POST", "/api/v4/leads/")
        assert len(notes) <= 4 and fake.calls("POST", "/api/v4/leads/notes"), notes
        assert all(lead_of(fake, lead)["tags"] == ["крупный"] for lead in leads)
        assert all(tasks_of(fake, lead)[0]["result"] == {"text": "Клиент квалифицирован"} for lead in leads)
    finally:
        fake.account.open.set()
        server.terminate()
        fake.stop()


def test_kill_during_delivery(voronka, workdir):
    """kill -9 after amoCRM created the task but before Voronka recorded it:
    after the restart the task is found, not made again."""
    fake = FakeAmoCrm().start()
    module = build_shop(voronka, workdir)
    crm = amo_crm_toml(workdir, fake.url)
    server = start_serve(voronka, module, workdir, crm, store="kill.db")
    try:
        fake.account.slow_task_create = 5
        new_lead(fake, server, 6)
        wait_until(lambda: len(tasks_of(fake, 6)) == 1, 10, "the task created in amoCRM")
        server.kill()
        fake.account.slow_task_create = 0
        server = start_serve(voronka, module, workdir, crm, store="kill.db")
        status, body = server.request("GET", "/v1/deals/amo-6")
        wait_until(lambda: [e for e in deal(server, 6)["effects"] if e["kind"] == "crm_task"][0]["status"]
                   == "delivered", 20, "the task's effect delivered")
        assert len(tasks_of(fake, 6)) == 1, tasks_of(fake, 6)
        looked = [c for c in fake.calls("GET", "/api/v4/tasks")]
        assert looked, "the restarted server did not look for the task before creating it"
    finally:
        server.terminate()
        fake.stop()


def test_kill_during_batch(voronka, workdir):
    """kill -9 while amoCRM creates five tasks in one call: after the restart
    each is looked for, found, and none made twice."""
    fake = FakeAmoCrm().start()
    module = build_shop(voronka, workdir)
    crm = amo_crm_toml(workdir, fake.url)
    server = start_serve(voronka, module, workdir, crm, store="killbatch.db")
    leads = list(range(400, 406))
    try:
        fake.account.open.clear()  # the first task's call waits; the other five pile up behind it
        for lead in leads:
            new_lead(fake, server, lead)

        def task_queued(lead):
            return any(e["kind"] == "crm_task" for e in deal(server, lead)["effects"])

        # Every lead's task is queued before the first call is let go, so
        # that the tasks behind it go together however slow the machine is.
        wait_until(lambda: all(task_queued(lead) for lead in leads), 20, "every lead's task queued")
        # The call that creates the last lead's task answers 10 s late: the
        # kill comes while it is open. Whether the first call (made before
        # the others were queued) took one task or a few depends on timing.
        fake.account.slow_task_create, fake.account.slow_only_lead = 10, leads[-1]
        fake.account.open.set()
        wait_until(lambda: all(len(tasks_of(fake, lead)) == 1 for lead in leads), 20, "the tasks created")
        # Tasks created by one call share its arrival time.
        per_call = Counter(fake.account.task_arrivals[lead] for lead in leads)
        assert max(per_call.values()) >= 2, f"no call created several tasks: {per_call}"
        server.kill()
        fake.account.slow_task_create = 0
        server = start_serve(voronka, module, workdir, crm, store="killbatch.db")

        def delivered(lead):
            return [e for e in deal(server, lead)["effects"] if e["kind"] == "crm_task"][0]["status"] == "delivered"

        wait_until(lambda: all(delivered(lead) for lead in leads), 30, "every task's effect delivered")
        assert all(len(tasks_of(fake, lead)) == 1 for lead in leads), [tasks_of(fake, lead) for lead in leads]
        assert fake.calls("GET", "/api/v4/tasks"), "the restarted server did not look for the tasks"
    finally:
        fake.account.open.set()
        server.terminate()
        fake.stop()


def test_oauth_refresh(voronka, workdir):
    """Access tokens expire; the single-use refresh token is used once per
    refresh and each new pair is kept, so a restart goes on with it. Three
    refreshes, each forced by the test, not by the clock: the first call
    (crm.toml has no access token), a kept pair that has expired while the
    server was down (renewed before use), and a token the CRM revoked (401)."""
    fake = FakeAmoCrm().start()
    fake.account.refresh_tokens.add("first-refresh")
    os.environ["AMO_CLIENT_SECRET"] = "client-secret"
    os.environ["AMO_REFRESH_TOKEN"] = "first-refresh"
    module = build_shop(voronka, workdir)
    crm = amo_crm_toml(workdir, fake.url, oauth=True, name="oauth.toml")
    token_file = os.path.join(workdir, "amo-tokens.json")
    server = start_serve(voronka, module, workdir, crm, store="oauth.db")
    try:
        new_lead(fake, server, 7)
        wait_until(lambda: len(tasks_of(fake, 7)) == 1, 10, "the task with an OAuth token")
        server.terminate()
        assert len(fake.calls("POST", "/oauth2/")) == 1, fake.calls("POST", "/oauth2/")
        assert oct(os.stat(token_file).st_mode & 0o777) == "0o600"
        with open(token_file, encoding="utf-8") as f:
            kept = json.load(f)
        assert kept["refresh_token"] in fake.account.refresh_tokens, kept  # the new pair, not the spent one
        assert "client-secret" not in open(token_file, encoding="utf-8").read()

        # The kept access token expired while the server was down: renewed before use, no 401.
        kept["expires_at"] = 1
        with open(token_file, "w", encoding="utf-8") as f:
            json.dump(kept, f)
        server = start_serve(voronka, module, workdir, crm, store="oauth.db")
        amo_webhook(server, fake.change_lead(7, price=500000))
        wait_until(lambda: lead_of(fake, 7).get("status_id") == 102, 10, "the move after a restart")
        assert len(fake.calls("POST", "/oauth2/")) == 2, fake.calls("POST", "/oauth2/")
        assert not [c for c in fake.calls() if c[3] == 401], fake.calls()

        # The CRM revokes the access token: the first call gets 401, one refresh, the call again.
        with fake.account.lock:
            fake.account.access_tokens.clear()
        new_lead(fake, server, 8)
        wait_until(lambda: len(tasks_of(fake, 8)) == 1, 10, "the task after a revoked token")
        refreshes = fake.calls("POST", "/oauth2/")
        assert len(refreshes) == 3 and all(c[3] == 200 for c in refreshes), refreshes
        assert [c for c in fake.calls() if c[3] == 401], "the revoked token was never refused"
        assert fake.account.refresh_reuse == 0, "a refresh token was used twice"
    finally:
        server.terminate()
        fake.stop()


def test_unusable_token_file_refused(voronka, workdir):
    """A token_file that is there but holds no pair (damaged, hand-edited, a
    directory) stops the server at start with what to do: before, it was
    passed over for crm.toml's refresh token, spent long ago, and the first
    call to the CRM failed with the CRM's own words. No call is made."""
    fake = FakeAmoCrm().start()
    os.environ["AMO_CLIENT_SECRET"] = "client-secret"
    os.environ["AMO_REFRESH_TOKEN"] = "spent-refresh"
    try:
        module = build_shop(voronka, workdir)
        crm = amo_crm_toml(workdir, fake.url, oauth=True, name="oauth.toml")
        token_file = os.path.join(workdir, "amo-tokens.json")
        serve_toml = write(os.path.join(workdir, "serve.toml"), SERVE_TOML)
        cases = [('{"access_token": "a", "refresh_token": ', " holds no pair of tokens"),
                 ('{"access_token": "a", "refresh_token": 7, "expires_at": 1}', " holds no pair of tokens"),
                 (None, ": cannot read it: it is a directory")]
        for content, said in cases:
            if content is None:
                os.remove(token_file)
                os.mkdir(token_file)
            else:
                write(token_file, content)
            r = subprocess.run([voronka, "serve", module, "--store", os.path.join(workdir, "t.db"), "--crm", crm,
                                "--config", serve_toml, "--listen", "127.0.0.1:0"],
                               capture_output=True, text=True, timeout=30)
            assert r.returncode == 2 and f"token_file {token_file}{said}" in r.stderr, (content, r.returncode, r.stderr)
            assert "listening" not in r.stdout, r.stdout
        assert not fake.calls(), fake.calls()
    finally:
        fake.stop()


def test_new_version_checked_against_crm_toml(voronka, workdir):
    """A new version reaches a server with --crm at a restart: crm.toml is
    checked against it first, and a stage it binds that is gone refuses the
    start with nothing changed. POST /v1/modules says to restart (409)."""
    import base64
    import sqlite3
    import subprocess
    from crm_support import HERE, SERVE_TOML, write
    from serve_support import Server
    fake = FakeAmoCrm().start()
    module = build_shop(voronka, workdir)
    crm_toml = amo_crm_toml(workdir, fake.url)
    serve_toml = write(os.path.join(workdir, "serve.toml"), SERVE_TOML)
    store = os.path.join(workdir, "versions.db")
    renamed = os.path.join(workdir, "shop2.funnel")
    with open(os.path.join(HERE, "shop.funnel"), encoding="utf-8") as f:
        write(renamed, f.read().replace("stage qualified ", "stage qualified2 ").replace("-> qualified\n", "-> qualified2\n"))
    module2 = os.path.join(workdir, "shop2.funnelc")
    r = subprocess.run([voronka, "build", renamed, "-o", module2], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    server = Server(voronka, module, store, extra=["--crm", crm_toml, "--config", serve_toml, "--token", "t-1"]).start()
    try:
        body = {"module": base64.b64encode(open(module2, "rb").read()).decode(), "plan": ""}
        status, payload = server.request("POST", "/v1/modules", body, headers={"Authorization": "Bearer t-1"})
        assert status == 409 and "restart" in payload["message"], (status, payload)
    finally:
        server.terminate()
        fake.stop()
    db = sqlite3.connect(store)
    before = db.execute("SELECT value FROM meta WHERE key = 'active_version'").fetchone()
    db.close()
    plan = write(os.path.join(workdir, "plan.toml"), '[stages]\n"retail.qualified" = "retail.qualified2"\n')
    r = subprocess.run([voronka, "serve", module2, "--store", "sqlite:" + store, "--plan", plan, "--crm", crm_toml,
                        "--config", serve_toml, "--listen", "127.0.0.1:0"], capture_output=True, text=True, timeout=30)
    assert r.returncode != 0 and "no stage `qualified`" in r.stderr and "nothing was deployed" in r.stderr, r.stderr
    db = sqlite3.connect(store)
    assert db.execute("SELECT value FROM meta WHERE key = 'active_version'").fetchone() == before
    db.close()


def main():
    voronka = sys.argv[1]
    tests = [test_round_trip, test_echoes_by_state, test_forbidden_move_undone, test_wrong_secret_refused,
             test_outage_retried, test_too_many_requests, test_rate_limit, test_batched_updates,
             test_kill_during_delivery, test_kill_during_batch, test_oauth_refresh, test_unusable_token_file_refused,
             test_new_version_checked_against_crm_toml]
    only = sys.argv[2:]
    passed = failed = 0
    for test in tests:
        if only and test.__name__ not in only:
            continue
        with tempfile.TemporaryDirectory() as workdir:
            try:
                test(voronka, workdir)
                passed += 1
                print(f"PASS {test.__name__}")
            except Exception:
                failed += 1
                print(f"FAIL {test.__name__}")
                traceback.print_exc()
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
