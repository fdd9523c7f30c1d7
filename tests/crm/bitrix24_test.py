#!/usr/bin/env python3
"""`voronka serve --crm` against a fake Bitrix24 portal (fake_bitrix24.py):
events verified by application_token, the deal fetched with crm.deal.get,
changes sent back in `batch`, tasks bound to the deal, a refused move undone
with a timeline comment, echoes ignored, the leaky bucket never overflowed,
an older state of a deal fetched late not applied over a newer one.

usage: bitrix24_test.py VORONKA"""
import json
import os
import sys
import tempfile
import threading
import time
import traceback

from crm_support import BITRIX_MAPPING as MAPPING, SECRET, build_shop, start_serve, wait_until, write
from fake_bitrix24 import APPLICATION_TOKEN, FakeBitrix24, event_form, offline_hint, robot_form


def crm_toml(workdir, fake):
    return write(os.path.join(workdir, "crm.toml"),
                 f'[bitrix24]\nurl_env = "B24_URL"\napplication_token = "{APPLICATION_TOKEN}"\n'
                 f'webhook_secret = "{SECRET}"\nrobot_user = 1\n' + MAPPING)


def event(server, form, secret=SECRET):
    return server.request("POST", f"/v1/crm/bitrix24/{secret}", body=form,
                          headers={"Content-Type": "application/x-www-form-urlencoded"})


def deal(server, deal_id):
    status, body = server.request("GET", f"/v1/deals/b24-{deal_id}")
    return body if status == 200 else None


def test_round_trip(voronka, workdir):
    fake = FakeBitrix24()
    os.environ["B24_URL"] = fake.url
    module = build_shop(voronka, workdir)
    server = start_serve(voronka, module, workdir, crm_toml(workdir, fake))
    fake.portal.event_url = f"http://127.0.0.1:{server.port}/v1/crm/bitrix24/{SECRET}"
    p = fake.portal
    try:
        status, body = event(server, fake.change_deal(42, OPPORTUNITY="50000.00"))
        assert status == 200, body
        d = deal(server, 42)
        assert d and d["stage"] == "incoming" and d["fields"]["budget"] == 50000, d
        wait_until(lambda: len(p.tasks) == 1, 10, "the task in Bitrix24")
        task = list(p.tasks.values())[0]
        assert task["TITLE"] == "Позвонить клиенту" and task["UF_CRM_TASK"] == {"0": "D_42"}, task
        assert task["RESPONSIBLE_ID"] == "11" and "DEADLINE" in task, task

        event(server, fake.change_deal(42, OPPORTUNITY="150000.00"))
        wait_until(lambda: p.deals["42"]["STAGE_ID"] == "PREPARATION", 10, "the move in Bitrix24")
        wait_until(lambda: list(p.tasks.values())[0]["status"] == "5", 10, "the task completed")
        wait_until(lambda: p.comments, 10, "the timeline comment")
        assert p.deals["42"]["ASSIGNED_BY_ID"] == "12" and p.deals["42"]["UF_CRM_SOURCE"] == "42", p.deals["42"]
        time.sleep(1.0)  # echoes come back as ONCRMDEALUPDATE
        d = deal(server, 42)
        assert d["stage"] == "qualified" and [h for h in d["history"] if h["how"] == "manual"] == [], d
        assert any(c[1] == "batch" for c in p.calls), p.calls

        # A forward move by hand is refused and undone, with a comment saying why.
        status, body = event(server, fake.change_deal(42, STAGE_ID="EXECUTING"))
        assert body["results"][0]["events"][0]["status"] == "rejected", body
        wait_until(lambda: p.deals["42"]["STAGE_ID"] == "PREPARATION", 10, "moved back")
        wait_until(lambda: any("вернула" in c["COMMENT"] for c in p.comments.values()), 10, "the comment")
        assert p.over_limit == 0
    finally:
        server.terminate()
        fake.stop()


def test_wrong_token_refused(voronka, workdir):
    fake = FakeBitrix24()
    os.environ["B24_URL"] = fake.url
    module = build_shop(voronka, workdir)
    server = start_serve(voronka, module, workdir, crm_toml(workdir, fake))
    try:
        fake.change_deal(43)
        status, body = event(server, event_form("43", token="forged-token"))
        assert status == 401 and "application_token" in body["error"]["message"], body
        status, body = event(server, event_form("43"), secret="not-the-secret-0000")
        assert status == 401, body
        assert deal(server, 43) is None and fake.portal.calls == [], fake.portal.calls
    finally:
        server.terminate()
        fake.stop()


def test_bucket_kept(voronka, workdir):
    """40 new deals at once: 40 crm.deal.get and 40 tasks, beyond the burst of 50 and within 2/s."""
    fake = FakeBitrix24()
    os.environ["B24_URL"] = fake.url
    module = build_shop(voronka, workdir)
    server = start_serve(voronka, module, workdir, crm_toml(workdir, fake))
    try:
        for i in range(40):
            status, body = event(server, fake.change_deal(1000 + i))
            assert status == 200, body
        wait_until(lambda: len(fake.portal.tasks) == 40, 120, "40 tasks")
        assert fake.portal.over_limit == 0, fake.portal.over_limit
    finally:
        server.terminate()
        fake.stop()


def test_batched_calls(voronka, workdir):
    """Ten new deals while the portal hangs on a call: once it answers, their
    tasks go in `batch` commands, not one tasks.task.add each."""
    fake = FakeBitrix24()
    os.environ["B24_URL"] = fake.url
    p = fake.portal
    module = build_shop(voronka, workdir)
    server = start_serve(voronka, module, workdir, crm_toml(workdir, fake))
    try:
        event(server, fake.change_deal(90))
        wait_until(lambda: len(p.tasks) == 1, 10, "the first task")
        p.open.clear()
        for i in range(10):
            status, body = event(server, fake.change_deal(91 + i))
            assert status == 200, body
        p.open.set()
        wait_until(lambda: len(p.tasks) == 11, 20, "ten more tasks")
        with p.lock:
            adds = [c for c in p.calls if c[1] in ("tasks.task.add", "batch")]
        assert len(adds) <= 4, adds  # the first (1), the one held, then the rest together
        assert sorted(t["UF_CRM_TASK"]["0"] for t in p.tasks.values()) == sorted(f"D_{90 + i}" for i in range(11))
    finally:
        p.open.set()
        server.terminate()
        fake.stop()


def test_out_of_order_fetches(voronka, workdir):
    """Two events of one deal read at nearly the same time, the first one's
    crm.deal.get answered last: its older state of the deal, applied after
    the newer one, would set the budget back. It is ignored."""
    fake = FakeBitrix24()
    os.environ["B24_URL"] = fake.url
    p = fake.portal
    module = build_shop(voronka, workdir)
    server = start_serve(voronka, module, workdir, crm_toml(workdir, fake))
    try:
        status, body = event(server, fake.change_deal(60, OPPORTUNITY="50000.00"))
        assert status == 200 and deal(server, 60)["fields"]["budget"] == 50000, body
        first = fake.change_deal(60, OPPORTUNITY="60000.00")
        arrived, released = p.hold_get(60)
        answers = []
        slow = threading.Thread(target=lambda: answers.append(event(server, first)))
        slow.start()
        assert arrived.wait(10), "the first event's crm.deal.get"
        status, body = event(server, fake.change_deal(60, OPPORTUNITY="70000.00"))
        assert status == 200 and body["results"][0]["status"] == "applied", body
        assert deal(server, 60)["fields"]["budget"] == 70000
        released.set()
        slow.join(30)
        status, body = answers[0]
        result = body["results"][0]
        assert status == 200 and result["status"] == "ignored" and "older state" in result["reason"], body
        assert deal(server, 60)["fields"]["budget"] == 70000, deal(server, 60)
        # A newer change is applied as ever.
        status, body = event(server, fake.change_deal(60, OPPORTUNITY="80000.00"))
        assert body["results"][0]["status"] == "applied" and deal(server, 60)["fields"]["budget"] == 80000, body
    finally:
        server.terminate()
        fake.stop()


def test_robot(voronka, workdir):
    """The "Воронка" robot in a Bitrix24 stage: its call becomes the funnel's
    event, and bizproc.event.send answers it once, with what happened."""
    fake = FakeBitrix24()
    os.environ["B24_URL"] = fake.url
    module = build_shop(voronka, workdir)
    server = start_serve(voronka, module, workdir, crm_toml(workdir, fake))
    fake.portal.event_url = f"http://127.0.0.1:{server.port}/v1/crm/bitrix24/{SECRET}"
    p = fake.portal
    try:
        event(server, fake.change_deal(70, OPPORTUNITY="50000.00"))
        call = robot_form(70, "token-1", {"event": "documents_ready", "payload": '{"count": 2}'})
        status, body = event(server, call)
        assert status == 200, body
        last = body["results"][0]["events"][-1]
        assert last["type"] == "documents_ready" and last["status"] == "applied", body
        wait_until(lambda: p.deals["70"]["STAGE_ID"] == "PREPARATION", 10, "the move in Bitrix24")
        wait_until(lambda: p.robot_replies, 10, "bizproc.event.send")
        reply = p.robot_replies[0]
        assert reply["EVENT_TOKEN"] == "token-1", reply
        assert reply["RETURN_VALUES"]["status"] == "applied", reply
        assert reply["RETURN_VALUES"]["stage"] == "Квалификация", reply
        # The same call again (a retry): the event is not applied twice, the robot not answered twice.
        status, body = event(server, call)
        assert body["results"][0]["events"][-1]["status"] == "duplicate", body
        # Now the deal was last changed by Voronka's user: the robot's call is still the funnel's event.
        wait_until(lambda: p.deals["70"]["MODIFY_BY_ID"] == "1", 10, "Voronka's change")
        status, body = event(server, robot_form(70, "token-2", {"event": "documents_ready", "payload": '{"count": 1}'}))
        assert body["results"][0]["events"][-1]["type"] == "documents_ready", body
        wait_until(lambda: len(p.robot_replies) == 2, 10, "the second answer")
        assert p.robot_replies[1]["EVENT_TOKEN"] == "token-2", p.robot_replies
        # A robot set up with an event the funnel does not have: told so, in its answer.
        event(server, robot_form(70, "token-4", {"event": "documents_redy"}))
        wait_until(lambda: len(p.robot_replies) == 3, 10, "the answer to a wrong event")
        wrong = p.robot_replies[2]["RETURN_VALUES"]
        assert wrong["status"] == "invalid" and 'unknown event "documents_redy"' in wrong["message"], wrong
        # A forged call is refused and not answered.
        status, body = event(server, robot_form(70, "token-3", {"event": "documents_ready"}, token="forged"))
        assert status == 401, body
        time.sleep(0.5)
        assert len(p.robot_replies) == 3, p.robot_replies
    finally:
        server.terminate()
        fake.stop()


def test_offline_events(voronka, workdir):
    """No-loss mode: changes wait in the portal's offline queue; Voronka takes
    them on ONOFFLINEEVENT, and clears them only once they are applied, so a
    portal failure in between loses nothing."""
    fake = FakeBitrix24()
    os.environ["B24_URL"] = fake.url
    p = fake.portal
    p.offline_mode = True
    module = build_shop(voronka, workdir)
    server = start_serve(voronka, module, workdir, crm_toml(workdir, fake))
    try:
        fake.change_deal(80, OPPORTUNITY="50000.00")
        fake.change_deal(81, OPPORTUNITY="20000.00")
        fake.change_deal(80, OPPORTUNITY="60000.00")
        queued = {e["ID"] for e in p.offline}
        assert len(queued) == 3
        p.outage_method, p.outage_calls = "crm.deal.get", 3  # the deal cannot be read: nothing is cleared
        status, body = event(server, offline_hint())
        assert status == 503 and "crm.deal.get" in body["offline"]["error"], body
        # The error names the call, not the incoming webhook's secret.
        assert "/rest/1/***/crm.deal.get.json" in body["offline"]["error"] and "hook-secret" not in str(body), body
        assert queued <= {e["ID"] for e in p.offline}, p.offline
        status, body = event(server, offline_hint())
        assert status == 200 and body["offline"]["events"] == 3 and body["offline"]["deals"] == 2, body
        assert not queued & {e["ID"] for e in p.offline}, p.offline
        assert deal(server, 80)["fields"]["budget"] == 60000 and deal(server, 81)["stage"] == "incoming"
        wait_until(lambda: len(p.tasks) == 2, 10, "the tasks of the two deals")
        status, body = event(server, offline_hint())
        assert body["offline"]["events"] == 0, body
    finally:
        server.terminate()
        fake.stop()


def test_offline_poll(voronka, workdir):
    """offline_poll: the offline queue is drained every so often, with no hint."""
    fake = FakeBitrix24()
    os.environ["B24_URL"] = fake.url
    p = fake.portal
    p.offline_mode = True
    module = build_shop(voronka, workdir)
    crm = write(os.path.join(workdir, "crm.toml"),
                f'[bitrix24]\nurl_env = "B24_URL"\napplication_token = "{APPLICATION_TOKEN}"\n'
                f'webhook_secret = "{SECRET}"\nrobot_user = 1\noffline_poll = 1\n' + MAPPING)
    server = start_serve(voronka, module, workdir, crm)
    try:
        fake.change_deal(85, OPPORTUNITY="50000.00")
        wait_until(lambda: deal(server, 85), 15, "the queued change polled")
        wait_until(lambda: not p.offline and len(p.tasks) == 1, 15, "the queue cleared, the task made")
    finally:
        server.terminate()
        fake.stop()


def test_oauth_single_flight(voronka, workdir):
    """A Bitrix24 app's token, revoked while eight events come at once: each
    event's crm.deal.get is refused (401), and the single-use refresh token
    is used once — one refresh for all of them, the new pair kept."""
    fake = FakeBitrix24()
    p = fake.portal
    p.refresh_tokens.add("first-refresh")
    base = fake.url.split("/rest/")[0]
    os.environ["B24_CLIENT_SECRET"] = "app-secret"
    token_file = os.path.join(workdir, "b24-tokens.json")
    crm = write(os.path.join(workdir, "crm.toml"),
                f'[bitrix24]\nurl = "{base}/rest"\napplication_token = "{APPLICATION_TOKEN}"\n'
                f'webhook_secret = "{SECRET}"\nrobot_user = 1\n'
                f'[bitrix24.oauth]\nclient_id = "app.1"\nclient_secret_env = "B24_CLIENT_SECRET"\n'
                f'refresh_token = "first-refresh"\ntoken_url = "{base}/oauth/token/"\ntoken_file = "{token_file}"\n'
                + MAPPING)
    module = build_shop(voronka, workdir)
    server = start_serve(voronka, module, workdir, crm)
    try:
        status, body = event(server, fake.change_deal(200))
        assert status == 200 and deal(server, 200), body
        assert p.refreshes == 1
        with p.lock:
            p.access_tokens.clear()
        forms = [fake.change_deal(201 + i) for i in range(8)]
        answers = []
        threads = [threading.Thread(target=lambda f=f: answers.append(event(server, f))) for f in forms]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert all(status == 200 for status, _ in answers), answers
        assert all(deal(server, 201 + i) for i in range(8))
        assert p.refreshes == 2 and p.refresh_reuse == 0, (p.refreshes, p.refresh_reuse)
        with open(token_file, encoding="utf-8") as f:
            assert json.load(f)["refresh_token"] in p.refresh_tokens
        wait_until(lambda: len(p.tasks) == 9, 20, "the nine tasks")
    finally:
        server.terminate()
        fake.stop()


def test_bind(voronka, workdir):
    """`voronka crm bind`: the deal events in the offline queue with their hint, and the robot, once."""
    import subprocess
    fake = FakeBitrix24()
    os.environ["B24_URL"] = fake.url
    p = fake.portal
    handler = f"https://voronka.example.ru/v1/crm/bitrix24/{SECRET}"
    try:
        crm = crm_toml(workdir, fake)
        r = subprocess.run([voronka, "crm", "bind", "--crm", crm, "--handler", handler, "--offline"],
                           capture_output=True, text=True)
        assert r.returncode == 0, r.stdout + r.stderr
        events = {(b["event"], b.get("event_type", "online")) for b in p.bindings}
        assert events == {("ONCRMDEALADD", "offline"), ("ONCRMDEALUPDATE", "offline"),
                          ("ONOFFLINEEVENT", "online")}, p.bindings
        assert [b["handler"] for b in p.bindings if b["event"] == "ONOFFLINEEVENT"] == [handler], p.bindings
        robot = p.robots["voronka"]
        assert robot["HANDLER"] == handler and robot["USE_SUBSCRIPTION"] == "Y" and robot["AUTH_USER_ID"] == "1", robot
        assert set(robot["PROPERTIES"]) == {"event", "arg", "payload"}, robot
        assert set(robot["RETURN_PROPERTIES"]) == {"status", "message", "stage"}, robot
        r = subprocess.run([voronka, "crm", "bind", "--crm", crm, "--handler", handler, "--offline"],
                           capture_output=True, text=True)
        assert r.returncode == 0 and r.stdout.count("already there") == 4, r.stdout + r.stderr
        assert len(p.bindings) == 3 and len(p.robots) == 1
        r = subprocess.run([voronka, "crm", "bind", "--crm", crm, "--handler", "voronka.example.ru"],
                           capture_output=True, text=True)
        assert r.returncode == 2 and "--handler" in r.stderr, r.stderr
    finally:
        fake.stop()


def main():
    voronka = sys.argv[1]
    tests = [test_round_trip, test_wrong_token_refused, test_bucket_kept, test_batched_calls, test_out_of_order_fetches, test_robot, test_offline_events, test_offline_poll, test_oauth_single_flight, test_bind]
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
