#!/usr/bin/env python3
"""`voronka serve --workers shared --crm` (3 workers on a throwaway
PostgreSQL) against the fake amoCRM of tests/crm, measured:

1. webhook-to-call latency: new leads posted at half amoCRM's limit (3.5
   webhooks/s), each to a random worker; each becomes one API call (its
   task). From sending the webhook — queued in the inbox, applied by the
   worker that claims the deal, delivered by whichever relay claims the
   effect, after a turn of the shared rate limit — to the fake receiving
   the POST /api/v4/tasks; p50, p99.
2. the shared limit under a burst: LEADS new leads at once, one effect per
   call (`[outbox] batch = 1`): the calls/s the account received from the
   three workers together, the most in one second, the calls refused.

usage: crm_shared_bench.py VORONKA [LEADS]"""
import os
import random
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "crm"))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "serve"))

from crm_support import SECRET, SERVE_TOML, amo_crm_toml, amo_webhook, build_shop, wait_until, write  # noqa: E402
from fake_amocrm import LIMIT_PER_SECOND, FakeAmoCrm  # noqa: E402
from serve_support import Postgres, Server  # noqa: E402

WORKERS = 3


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def workers(voronka, module, pg, crm, config):
    extra = ["--workers", "shared", "--crm", crm, "--config", config]
    return [Server(voronka, module, pg.spec(), extra=extra).start() for _ in range(WORKERS)]


def run(voronka, pg, workdir, leads):
    os.environ["AMO_TOKEN"] = "long-lived-token"
    fake = FakeAmoCrm().start()
    module = build_shop(voronka, workdir)
    crm = amo_crm_toml(workdir, fake.url)
    config = write(os.path.join(workdir, "serve.toml"), SERVE_TOML + "batch = 1\n")
    servers = workers(voronka, module, pg, crm, config)
    fake.account.webhook_url = f"http://127.0.0.1:{servers[0].port}/v1/crm/amocrm/{SECRET}"
    rng = random.Random(1)
    try:
        rate = LIMIT_PER_SECOND / 2
        sent = {}
        start = time.monotonic()
        for i in range(40):
            lead = 10000 + i
            time.sleep(max(0.0, start + i / rate - time.monotonic()))
            form = fake.change_lead(lead, status_id=101, pipeline_id=7, price=1000)
            sent[lead] = time.monotonic()
            status, body = amo_webhook(rng.choice(servers), form)
            assert status == 200, body
        wait_until(lambda: all(lead in fake.account.task_arrivals for lead in sent), 60, "every task")
        ms = [(fake.account.task_arrivals[lead] - sent[lead]) * 1000 for lead in sent]
        print(f"  {len(sent)} new leads at {rate} webhooks/s to {WORKERS} workers, one API call each:")
        print(f"  webhook-to-call latency  p50 {percentile(ms, 50):.1f} ms   p99 {percentile(ms, 99):.1f} ms   "
              f"max {max(ms):.1f} ms")

        before = len(fake.calls())
        first = time.monotonic()
        for i in range(leads):
            form = fake.change_lead(20000 + i, status_id=101, pipeline_id=7, price=1000)
            status, body = amo_webhook(servers[i % WORKERS], form)
            assert status == 200, body
        wait_until(lambda: all(20000 + i in fake.account.task_arrivals for i in range(leads)), 300, "the burst")
        took = time.monotonic() - first
        calls = len(fake.calls()) - before
        print(f"  a burst of {leads} new leads, one call per effect: {calls} calls in {took:.1f} s "
              f"({calls / took:.1f}/s; limit {LIMIT_PER_SECOND}/s, Voronka's share 80%), "
              f"at most {fake.account.max_per_second()} in one second, refused (429): {fake.account.over_limit}")
    finally:
        for s in servers:
            s.terminate()
        fake.stop()


def main():
    voronka = os.path.abspath(sys.argv[1])
    leads = int(sys.argv[2]) if len(sys.argv) > 2 else 60
    with Postgres() as pg:
        if pg.missing:
            print(f"  skipped: {pg.missing}")
            return 0
        with tempfile.TemporaryDirectory() as workdir:
            run(voronka, pg, workdir, leads)
    return 0


if __name__ == "__main__":
    sys.exit(main())
