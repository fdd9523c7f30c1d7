#!/usr/bin/env python3
"""`voronka serve --crm` against the fake amoCRM of tests/crm, measured:

1. webhook-to-call latency: new leads posted at half amoCRM's limit (3.5
   webhooks/s); each becomes one API call (its task). The latency is from
   sending the webhook to the fake receiving the POST /api/v4/tasks; p50, p99.
2. calls per event with batching: a burst of budget changes from several
   senders at once; each qualifies its lead, which takes three calls without
   batching (the lead's PATCH, the task completed, the note). The calls the
   account received per event, and the drain time and peak rate; then the
   same on a fake Bitrix24 portal (`batch`).

usage: crm_bench.py VORONKA [LEADS]"""
import os
import re
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "crm"))

from crm_support import SECRET, amo_crm_toml, amo_webhook, build_shop, start_serve, wait_until  # noqa: E402
from fake_amocrm import LIMIT_PER_SECOND, FakeAmoCrm  # noqa: E402


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def latency(voronka, workdir, leads):
    fake = FakeAmoCrm().start()
    module = build_shop(voronka, workdir)
    server = start_serve(voronka, module, workdir, amo_crm_toml(workdir, fake.url), store="latency.db")
    fake.account.webhook_url = f"http://127.0.0.1:{server.port}/v1/crm/amocrm/{SECRET}"
    rate = LIMIT_PER_SECOND / 2
    sent = {}
    try:
        start = time.monotonic()
        for i in range(leads):
            lead = 10000 + i
            time.sleep(max(0.0, start + i / rate - time.monotonic()))
            form = fake.change_lead(lead, status_id=101, pipeline_id=7, price=1000)
            sent[lead] = time.monotonic()
            status, body = amo_webhook(server, form)
            assert status == 200, body
        wait_until(lambda: len(fake.account.task_arrivals) == leads, 60, "every task")
        ms = [(fake.account.task_arrivals[lead] - sent[lead]) * 1000 for lead in sent]
        print(f"  {leads} new leads at {rate} webhooks/s (half of amoCRM's {LIMIT_PER_SECOND}/s), one API call each:")
        print(f"  webhook-to-call latency  p50 {percentile(ms, 50):.1f} ms   p99 {percentile(ms, 99):.1f} ms   "
              f"max {max(ms):.1f} ms")
        print(f"  refused by the account (429): {fake.account.over_limit}")
    finally:
        server.terminate()
        fake.stop()


def batching(voronka, workdir, leads, senders=8):
    fake = FakeAmoCrm().start()
    a = fake.account
    module = build_shop(voronka, workdir)
    server = start_serve(voronka, module, workdir, amo_crm_toml(workdir, fake.url), store="batch.db")
    a.webhook_url = f"http://127.0.0.1:{server.port}/v1/crm/amocrm/{SECRET}"
    ids = [20000 + i for i in range(leads)]
    try:
        for lead in ids:
            amo_webhook(server, fake.change_lead(lead, status_id=101, pipeline_id=7, price=1000))
        wait_until(lambda: len(a.task_arrivals) == leads, 120, "the leads' tasks")
        time.sleep(1.5)  # the account's window empties
        with a.lock:
            before = len(a.calls)
        forms = [fake.change_lead(lead, price=500000) for lead in ids]
        start = time.monotonic()

        def send(part):
            for form in part:
                status, body = amo_webhook(server, form)
                assert status == 200, body

        threads = [threading.Thread(target=send, args=(forms[k::senders],)) for k in range(senders)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

        def done():
            with a.lock:
                notes = {n["entity_id"] for n in a.notes.values()}
                return all(a.leads[lead]["status_id"] == 102 and lead in notes for lead in ids) and \
                    all(t["is_completed"] for t in a.tasks.values())

        wait_until(done, 300, "every lead qualified in amoCRM")
        drained = time.monotonic() - start
        with a.lock:
            calls = [c for c in a.calls[before:] if c[2].startswith("/api/")]
        by_kind = {}
        for c in calls:
            key = f"{c[1]} {re.sub(r'/[0-9]+/', '/ID/', c[2].split('?')[0])}"
            by_kind[key] = by_kind.get(key, 0) + 1
        print(f"  {leads} budget changes from {senders} senders at once, each: move, field, tag, responsible, "
              f"complete a task, a note (3 calls without batching)")
        print(f"  calls per event  {len(calls) / leads:.2f}   ({len(calls)} calls: "
              + ", ".join(f"{k} {v}" for k, v in sorted(by_kind.items())) + ")")
        print(f"  drained in {drained:.1f} s, at most {a.max_per_second()} calls in any second "
              f"(limit {LIMIT_PER_SECOND}), refused (429): {a.over_limit}")
    finally:
        server.terminate()
        fake.stop()


def bitrix_batching(voronka, workdir, deals=40, senders=8):
    """The same burst on a fake Bitrix24 portal: each event costs one
    crm.deal.get (its event carries only the id); the rest goes in `batch`."""
    from fake_bitrix24 import FakeBitrix24
    fake = FakeBitrix24()
    p = fake.portal
    os.environ["B24_URL"] = fake.url
    mapping = open(os.path.join(HERE, "..", "tests", "crm", "bitrix24_test.py"), encoding="utf-8").read()
    mapping = mapping.split('MAPPING = """', 1)[1].split('"""', 1)[0]
    crm = os.path.join(workdir, "b24.toml")
    with open(crm, "w", encoding="utf-8") as f:
        f.write(f'[bitrix24]\nurl_env = "B24_URL"\napplication_token = "b24-application-token"\n'
                f'webhook_secret = "{SECRET}"\nrobot_user = 1\n' + mapping)
    module = build_shop(voronka, workdir)
    server = start_serve(voronka, module, workdir, crm, store="b24.db")
    ids = [3000 + i for i in range(deals)]

    def post(form):
        status, body = server.request("POST", f"/v1/crm/bitrix24/{SECRET}", body=form,
                                      headers={"Content-Type": "application/x-www-form-urlencoded"})
        assert status == 200, body

    try:
        for d in ids:
            post(fake.change_deal(d, OPPORTUNITY="1000.00"))
        wait_until(lambda: len(p.tasks) == deals, 120, "the deals' tasks")
        with p.lock:
            before = len(p.calls)
        forms = [fake.change_deal(d, OPPORTUNITY="500000.00") for d in ids]
        start = time.monotonic()
        threads = [threading.Thread(target=lambda part=forms[k::senders]: [post(f) for f in part])
                   for k in range(senders)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

        def done():
            with p.lock:
                commented = {c["ENTITY_ID"] for c in p.comments.values()}
                return all(p.deals[str(d)]["STAGE_ID"] == "PREPARATION" and str(d) in commented for d in ids) and \
                    all(t["status"] == "5" for t in p.tasks.values())

        wait_until(done, 300, "every deal qualified in Bitrix24")
        drained = time.monotonic() - start
        with p.lock:
            calls = p.calls[before:]
        by_method = {}
        for c in calls:
            by_method[c[1]] = by_method.get(c[1], 0) + 1
        print(f"  Bitrix24: {deals} budget changes from {senders} senders at once (4 calls each without batching: "
              f"crm.deal.get, crm.deal.update, tasks.task.complete, crm.timeline.comment.add)")
        print(f"  calls per event  {len(calls) / deals:.2f}   ({len(calls)} calls: "
              + ", ".join(f"{k} {v}" for k, v in sorted(by_method.items())) + ")")
        print(f"  drained in {drained:.1f} s, refused (503 QUERY_LIMIT_EXCEEDED): {p.over_limit}")
    finally:
        server.terminate()
        fake.stop()


def main():
    voronka = sys.argv[1]
    leads = int(sys.argv[2]) if len(sys.argv) > 2 else 70
    os.environ["AMO_TOKEN"] = "long-lived-token"
    with tempfile.TemporaryDirectory() as workdir:
        latency(voronka, workdir, leads)
        batching(voronka, workdir, leads)
        bitrix_batching(voronka, workdir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
