#!/usr/bin/env python3
"""The CRM part of `make demo`: a round trip through a fake amoCRM account
(tests/crm/fake_amocrm.py, in this process). `voronka crm pull` writes
crm.toml from the account, `voronka serve --crm` runs the shop funnel of
tests/crm on it, and the demo plays a manager: a new lead, a bigger budget,
a forbidden move by hand. It prints the webhooks Voronka answered and the
API calls the account received.

usage: demo_crm.py VORONKA WORKDIR"""
import os
import subprocess
import sys
import time

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
sys.path.insert(0, os.path.join(ROOT, "tests", "crm"))

from crm_support import SECRET, Server, amo_webhook, wait_until  # noqa: E402
from fake_amocrm import FakeAmoCrm  # noqa: E402

FUNNEL = os.path.join(ROOT, "tests", "crm", "shop.funnel")


def run(*args):
    r = subprocess.run(list(args), capture_output=True, text=True)
    out = (r.stdout + r.stderr).strip()
    if out:
        print("  " + out.replace("\n", "\n  "))
    if r.returncode != 0:
        raise SystemExit(f"demo: {' '.join(args[:3])} failed ({r.returncode})")


def show(status, body):
    for r in body.get("results", []):
        events = ", ".join(f"{e['type']} {e['status']}" for e in r.get("events", []))
        print(f"  <- {status} {r['deal']}: {r['status']}{': ' + events if events else ''}"
              f"{' (' + r['reason'] + ')' if r.get('reason') else ''}")


def main():
    voronka, work = sys.argv[1:3]
    fake = FakeAmoCrm().start()
    os.environ["AMO_TOKEN"] = fake.account.long_lived_token
    os.environ["VORONKA_CRM_WEBHOOK_SECRET"] = SECRET
    a = fake.account
    crm = os.path.join(work, "crm.toml")
    module = os.path.join(work, "shop.funnelc")
    print(f"  (a fake amoCRM account on {fake.url}: pipeline «Розница», fields, users, 7 requests/s)")
    print("$ voronka crm pull amocrm --url URL --token-env AMO_TOKEN -o crm.toml tests/crm/shop.funnel")
    run(voronka, "crm", "pull", "amocrm", "--url", fake.url, "--token-env", "AMO_TOKEN", "-o", crm, FUNNEL)
    print("$ voronka check --crm crm.toml tests/crm/shop.funnel   (the mapping against the funnel)")
    run(voronka, "check", "--crm", crm, FUNNEL)
    run(voronka, "build", FUNNEL, "-o", module)
    with a.lock:
        pulled = len(a.calls)
        a.calls.clear()  # from here on: the calls of voronka serve alone
    print(f"  (crm pull read the account in {pulled} API calls)")
    server = Server(voronka, module, os.path.join(work, "shop.db"), extra=["--crm", crm]).start()
    a.webhook_url = f"http://127.0.0.1:{server.port}/v1/crm/amocrm/{SECRET}"
    print(f"$ voronka serve shop.funnelc --crm crm.toml   (listening on port {server.port}; amoCRM posts its "
          f"webhooks to /v1/crm/amocrm/SECRET)")
    try:
        print("\n1. A manager adds lead 4207 in «Новая заявка», budget 50 000:")
        show(*amo_webhook(server, fake.change_lead(4207, status_id=101, pipeline_id=7, price=50000)))
        wait_until(lambda: any(t["entity_id"] == 4207 for t in a.tasks.values()), 20, "the task in amoCRM")
        task = next(t for t in a.tasks.values() if t["entity_id"] == 4207)
        print(f"  amoCRM: task «{task['text']}» for user {task['responsible_user_id']}")

        print("\n2. The manager raises the budget to 150 000; the funnel qualifies the lead:")
        show(*amo_webhook(server, fake.change_lead(4207, price=150000)))
        wait_until(lambda: a.leads[4207]["status_id"] == 102 and task.get("is_completed") and
                   any(n["entity_id"] == 4207 for n in a.notes.values()), 20, "the changes in amoCRM")
        lead = a.leads[4207]
        print(f"  amoCRM: lead in status {lead['status_id']} (Квалификация), responsible {lead['responsible_user_id']},"
              f" tags {lead['tags']}, task completed: «{task['result']['text']}»")
        time.sleep(1.0)  # the echo of Voronka's PATCH comes back as a webhook
        print("  (amoCRM's webhook about Voronka's own change came back and was recognised as an echo)")

        print("\n3. The manager drags the lead forward to «Договор» by hand; the pipeline says "
              "`manual forward: deny`:")
        show(*amo_webhook(server, fake.change_lead(4207, status_id=103)))
        wait_until(lambda: a.leads[4207]["status_id"] == 102 and
                   sum(n["entity_id"] == 4207 for n in a.notes.values()) == 2, 20, "the lead moved back")
        note = [n for n in a.notes.values() if n["entity_id"] == 4207][-1]["params"]["text"]
        print(f"  amoCRM: lead back in status {a.leads[4207]['status_id']}; note: «{note}»")

        _, d = server.request("GET", "/v1/deals/amo-4207")
        print(f"\n  GET /v1/deals/amo-4207: {d['pipeline']}.{d['stage']}, "
              f"{sum(h['how'] == 'manual' for h in d['history'])} manual moves kept, "
              f"{sum(e['status'] == 'delivered' for e in d['effects'])} CRM calls delivered")
        calls = [f"{c[1]} {c[2].split('?')[0]} {c[3]}" for c in fake.calls()]
        print(f"  voronka serve made {len(calls)} API calls for 3 webhooks, at most {a.max_per_second()} in any "
              f"second (amoCRM's limit: 7), {a.over_limit} refused:")
        for c in calls:
            print(f"    {c}")
    finally:
        code, err = server.terminate()
        fake.stop()
    return 0 if code == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
