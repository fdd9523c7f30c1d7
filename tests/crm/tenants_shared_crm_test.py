#!/usr/bin/env python3
"""Tenants of `voronka serve --tenants --workers shared` with a CRM each
(docs/scaling.md "Many clients on many servers", docs/crm.md "Shared
workers"): two processes, tenant alpha on amoCRM with OAuth and beta on
amoCRM with a long-lived token, each in a schema of one throwaway
PostgreSQL. Checks, counting at the fake accounts:
  - both processes serve both tenants (a `crm` is no broken entry);
  - every webhook of alpha sent to both processes: each lead one deal of
    alpha's, one task in alpha's account (whichever process delivers it),
    nothing in beta's; alpha's secret opens nothing of beta's;
  - alpha's OAuth token refreshed once for both processes, and kept in
    alpha's store (meta crm.oauth), not beta's; each tenant's rate budget
    in its own store (meta crm.rate);
  - beta's webhook reaches beta only, its task beta's account only;
  - POST /t/alpha/v1/modules is refused, saying how a tenant with a CRM
    takes a new version.

usage: tenants_shared_crm_test.py VORONKA"""
import base64
import os
import signal
import sys
import tempfile
import threading

from crm_support import SECRET, SERVE_TOML, amo_crm_toml, build_shop, wait_until, write
from fake_amocrm import FakeAmoCrm
from serve_support import Postgres  # crm_support put tests/serve on the path
from tenants_test import TenantServer, auth

ADMIN = "admin-token-0123456789"
BETA_SECRET = "beta-secret-0123456789"
TOKENS = {"alpha": "alpha-write-token-000000", "beta": "beta-write-token-0000000"}
LEADS = range(1, 11)


def webhook(process, tenant, form, secret):
    return process.request("POST", f"/t/{tenant}/v1/crm/amocrm/{secret}", form,
                           {"Content-Type": "application/x-www-form-urlencoded",
                            "User-Agent": "amoCRM-WebHook-client/1.0"})


def main():
    voronka = os.path.abspath(sys.argv[1])
    with Postgres() as pg:
        if pg.missing:
            print(f"SKIPPED: {pg.missing}")
            return 77
        return run(voronka, pg)


def run(voronka, pg):
    os.environ.update(AMO_TOKEN="long-lived-token", AMO_CLIENT_SECRET="client-secret",
                      ALPHA_REFRESH_TOKEN="alpha-first-refresh")
    alpha_crm, beta_crm = FakeAmoCrm().start(), FakeAmoCrm().start()
    alpha_crm.account.refresh_tokens.add("alpha-first-refresh")
    for schema in ("alpha_s", "beta_s"):
        pg.psql("public", f"CREATE SCHEMA {schema}")
    base = pg.spec().removeprefix("postgres:")
    processes = []
    with tempfile.TemporaryDirectory() as work:
        module = build_shop(voronka, work)
        amo_crm_toml(work, alpha_crm.url, oauth=True, name="alpha-crm.toml",
                     refresh_token_env="ALPHA_REFRESH_TOKEN", token_file="alpha-tokens.json")
        amo_crm_toml(work, beta_crm.url, name="beta-crm.toml", secret=BETA_SECRET)
        write(os.path.join(work, "serve.toml"), SERVE_TOML)
        tenants = write(os.path.join(work, "tenants.toml"), f'[server]\nadmin_tokens = ["{ADMIN}"]\n\n' + "".join(
            f'[tenant.{t}]\nstore = "postgres:{base} options=-csearch_path={t}_s"\nmodule = "{module}"\n'
            f'tokens = ["{TOKENS[t]}"]\ncrm = "{t}-crm.toml"\nconfig = "serve.toml"\n\n' for t in ("alpha", "beta")))
        try:
            processes = [TenantServer(voronka, tenants, ["--workers", "shared"]) for _ in range(2)]
            exercise(processes, alpha_crm, beta_crm, pg, module)
        finally:
            codes = []
            for p in processes:
                p.proc.send_signal(signal.SIGTERM)
                codes.append(p.proc.wait(timeout=60))
            alpha_crm.stop()
            beta_crm.stop()
            if any(codes):
                for p in processes:
                    print("".join(p.log[-30:]))
        assert not any(codes), f"each process stops cleanly on SIGTERM: {codes}"
    print("ok")
    return 0


def exercise(processes, alpha_crm, beta_crm, pg, module):
    for i, p in enumerate(processes):
        _, listing = p.request("GET", "/admin/tenants", headers=auth(ADMIN))
        serving = {t["id"] for t in listing["tenants"] if t.get("status") == "serving" and t.get("workers") == "shared"}
        assert serving == {"alpha", "beta"}, (i, listing, "".join(p.log))

    # alpha's secret opens nothing of beta's.
    form = alpha_crm.change_lead(1, status_id=101, pipeline_id=7, price=50000)
    status, _ = webhook(processes[0], "beta", form, SECRET)
    assert status == 401, status

    # Every webhook of alpha to both processes at once, as a CRM resending it would.
    def send_twice(lead):
        form = alpha_crm.change_lead(lead, status_id=101, pipeline_id=7, price=50000)
        for p in processes:
            status, body = webhook(p, "alpha", form, SECRET)
            assert status == 200, (status, body)

    threads = [threading.Thread(target=send_twice, args=(lead,)) for lead in LEADS]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    def tasks_of(lead):
        with alpha_crm.account.lock:
            return [t for t in alpha_crm.account.tasks.values() if t["entity_id"] == lead]

    wait_until(lambda: all(tasks_of(lead) for lead in LEADS), 60, "a task in alpha's amoCRM for each lead")
    wait_until(lambda: pg.psql("alpha_s", "SELECT count(*) FROM inbox WHERE applied_at IS NULL") == "0"
               and pg.psql("alpha_s", "SELECT count(*) FROM effects WHERE status = 'pending'") == "0", 60,
               "alpha's webhooks applied and its calls made")
    twice = {lead: len(tasks_of(lead)) for lead in LEADS if len(tasks_of(lead)) != 1}
    assert not twice, f"one task per lead, whichever process delivered it: {twice}"
    for lead in LEADS:
        status, deal = processes[1].request("GET", f"/t/alpha/v1/deals/amo-{lead}", headers=auth(TOKENS["alpha"]))
        assert status == 200, (lead, status, deal)
    deals = pg.psql("alpha_s", "SELECT count(*) FROM deals")
    assert deals == str(len(LEADS)), f"alpha: one deal per lead: {deals}"
    assert pg.psql("beta_s", "SELECT count(*) FROM deals") == "0", "nothing of alpha's in beta's store"
    assert beta_crm.calls() == [], beta_crm.calls()

    # One OAuth refresh for both processes, the tokens in alpha's store; each tenant's rate budget in its own.
    refreshes = alpha_crm.calls("POST", "/oauth2/")
    assert len(refreshes) == 1, f"alpha's token refreshed once for both processes: {refreshes}"
    assert beta_crm.calls("POST", "/oauth2/") == []
    assert pg.psql("alpha_s", "SELECT count(*) FROM meta WHERE key = 'crm.oauth'") == "1", "alpha's tokens in its store"
    assert pg.psql("beta_s", "SELECT count(*) FROM meta WHERE key = 'crm.oauth'") == "0", "no tokens in beta's"
    assert pg.psql("alpha_s", "SELECT count(*) FROM meta WHERE key = 'crm.rate'") == "1", "alpha's rate budget"

    # beta's webhook reaches beta only.
    form = beta_crm.change_lead(42, status_id=101, pipeline_id=7, price=50000)
    status, _ = webhook(processes[1], "alpha", form, BETA_SECRET)
    assert status == 401, status
    status, body = webhook(processes[1], "beta", form, BETA_SECRET)
    assert status == 200, (status, body)
    wait_until(lambda: any(c[1] == "POST" and "tasks" in c[2] for c in beta_crm.calls()), 60,
               "beta's task in beta's amoCRM")
    status, _ = processes[0].request("GET", "/t/beta/v1/deals/amo-42", headers=auth(TOKENS["beta"]))
    assert status == 200, status
    status, _ = processes[0].request("GET", "/t/alpha/v1/deals/amo-42", headers=auth(TOKENS["alpha"]))
    assert status == 404, status
    assert pg.psql("beta_s", "SELECT count(*) FROM meta WHERE key = 'crm.rate'") == "1", "beta's rate budget"
    assert not any("/leads/42" in c[2] for c in alpha_crm.calls()), alpha_crm.calls()

    counted = 0
    for p in processes:
        status, text = p.request("GET", "/metrics", headers=auth(ADMIN))
        assert status == 200, status
        counted += sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
                       if line.startswith('voronka_worker_crm_token_refreshes_total{tenant="alpha"'))
    assert counted == 1, f"/metrics: alpha's refreshes over both processes: {counted}"

    # A tenant with a CRM takes a new version with its workers stopped, as a client's own shared workers do.
    with open(module, "rb") as f:
        upload = base64.b64encode(f.read()).decode()
    status, body = processes[0].request("POST", "/t/alpha/v1/modules", {"module": upload}, auth(TOKENS["alpha"]))
    assert status >= 400 and "tenant alpha has a CRM" in str(body), (status, body)


if __name__ == "__main__":
    sys.exit(main())
