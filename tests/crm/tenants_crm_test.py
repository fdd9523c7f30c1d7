#!/usr/bin/env python3
"""Two tenants of one `voronka serve --tenants`, each on its own fake amoCRM
account (docs/serve.md#tenants, docs/crm.md): a webhook at
/t/TENANT/v1/crm/amocrm/SECRET becomes a deal of that tenant only, its calls
reach that tenant's account only, and one tenant's webhook secret opens
nothing of the other's.

usage: tenants_crm_test.py VORONKA"""
import http.client
import os
import signal
import subprocess
import sys
import tempfile

from crm_support import SECRET, SERVE_TOML, amo_crm_toml, build_shop, wait_until, write
from fake_amocrm import FakeAmoCrm

os.environ["AMO_TOKEN"] = "long-lived-token"
BETA_SECRET = "beta-secret-0123456789"
TOKENS = {"alpha": "alpha-write-token-000000", "beta": "beta-write-token-0000000"}


def request(port, method, path, body=None, headers=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request(method, path, body=body, headers=headers or {})
    resp = conn.getresponse()
    resp.read()
    conn.close()
    return resp.status


def webhook(port, tenant, form, secret):
    return request(port, "POST", f"/t/{tenant}/v1/crm/amocrm/{secret}", form,
                   {"Content-Type": "application/x-www-form-urlencoded"})


def has_deal(port, tenant, deal):
    return request(port, "GET", f"/t/{tenant}/v1/deals/{deal}", headers={"Authorization": "Bearer " + TOKENS[tenant]})


def main():
    voronka = sys.argv[1]
    alpha_crm, beta_crm = FakeAmoCrm().start(), FakeAmoCrm().start()
    with tempfile.TemporaryDirectory() as work:
        module = build_shop(voronka, work)
        amo_crm_toml(work, alpha_crm.url, name="alpha-crm.toml")
        beta_toml = amo_crm_toml(work, beta_crm.url, name="beta-crm.toml")
        with open(beta_toml) as f:
            text = f.read()
        write(beta_toml, text.replace(SECRET, BETA_SECRET))
        write(os.path.join(work, "serve.toml"), SERVE_TOML)
        tenants = write(os.path.join(work, "tenants.toml"), "".join(
            f'[tenant.{t}]\nstore = "sqlite:{t}.db"\nmodule = "{module}"\ntokens = ["{TOKENS[t]}"]\n'
            f'crm = "{t}-crm.toml"\nconfig = "serve.toml"\n\n' for t in ("alpha", "beta")))
        proc = subprocess.Popen([voronka, "serve", "--tenants", tenants, "--listen", "127.0.0.1:0"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = proc.stdout.readline()
        assert "listening on http://" in line, (line, proc.stderr.read())
        port = int(line.split("127.0.0.1:")[1].split()[0])
        try:
            form = alpha_crm.change_lead(1, status_id=101, pipeline_id=7, price=50000)
            # alpha's secret opens nothing of beta's, nor the secret-less /v1/ path.
            assert webhook(port, "beta", form, SECRET) == 401
            assert request(port, "POST", f"/v1/crm/amocrm/{SECRET}", form,
                           {"Content-Type": "application/x-www-form-urlencoded"}) == 401
            assert has_deal(port, "beta", "amo-1") == 404
            assert webhook(port, "alpha", form, SECRET) == 200
            assert has_deal(port, "alpha", "amo-1") == 200
            assert has_deal(port, "beta", "amo-1") == 404
            wait_until(lambda: any(c[1] == "POST" and "tasks" in c[2] for c in alpha_crm.calls()), 10,
                       "alpha's call task in alpha's amoCRM")
            assert beta_crm.calls() == [], beta_crm.calls()

            form = beta_crm.change_lead(2, status_id=101, pipeline_id=7, price=50000)
            assert webhook(port, "alpha", form, BETA_SECRET) == 401
            assert webhook(port, "beta", form, BETA_SECRET) == 200
            assert has_deal(port, "beta", "amo-2") == 200 and has_deal(port, "alpha", "amo-2") == 404
            wait_until(lambda: any(c[1] == "POST" and "tasks" in c[2] for c in beta_crm.calls()), 10,
                       "beta's call task in beta's amoCRM")
            assert not any("/leads/2" in c[2] or "amo-2" in str(c) for c in alpha_crm.calls()), alpha_crm.calls()
        finally:
            proc.send_signal(signal.SIGTERM)
            _, err = proc.communicate(timeout=30)
            alpha_crm.stop()
            beta_crm.stop()
        assert proc.returncode == 0, err
    print("ok")


if __name__ == "__main__":
    main()
