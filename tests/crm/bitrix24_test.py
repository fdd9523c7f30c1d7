#!/usr/bin/env python3
"""`voronka serve --crm` against a fake Bitrix24 portal (fake_bitrix24.py):
events verified by application_token, the deal fetched with crm.deal.get,
changes sent back in `batch`, tasks bound to the deal, a refused move undone
with a timeline comment, echoes ignored, the leaky bucket never overflowed.

usage: bitrix24_test.py VORONKA"""
import os
import sys
import tempfile
import time
import traceback

from crm_support import SECRET, build_shop, start_serve, wait_until, write
from fake_bitrix24 import APPLICATION_TOKEN, FakeBitrix24, event_form

MAPPING = """
[pipelines.retail]
id = 0
[pipelines.retail.stages]
incoming = "NEW"
qualified = "PREPARATION"
contract = "EXECUTING"
won = "WON"
lost = "LOSE"

[fields]
budget = "OPPORTUNITY"
source = { id = "UF_CRM_SOURCE", enums = { site = "41", ads = "42" } }

[users]
ivanov = 11
petrova = 12
"""


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


def main():
    voronka = sys.argv[1]
    tests = [test_round_trip, test_wrong_token_refused, test_bucket_kept]
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
