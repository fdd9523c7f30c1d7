#!/usr/bin/env python3
"""`voronka serve --tenants`: many clients in one process (docs/serve.md#tenants).

  - isolation: every API route of one tenant, tried with another tenant's
    token (read and write), the server's admin token, a made-up token and
    none, is refused, and that tenant's store is unchanged (every table);
    a token alone routes /v1/… to its own tenant; the same Idempotency-Key
    in two tenants makes two requests; /metrics and the admin routes need
    the admin token; a tenant's /t/ID/metrics shows only its own figures;
  - tenants added, changed and removed at run time (SIGHUP and POST
    /admin/reload): a removed tenant drains — every event it acknowledged
    is in its store — and its store is closed (another server can open it);
  - a broken entry is reported with file:line and the others keep running;
    a broken edit of a running tenant leaves it running as it was; a file
    that does not parse changes nothing;
  - POST /t/ID/v1/modules deploys onto that tenant only.
  - with --postgres, one tenant's store is a PostgreSQL schema (skipped
    without PostgreSQL's binaries).

usage: tenants_test.py VORONKA [--postgres]"""
import base64
import http.client
import json
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading

from serve_support import Postgres, build, wait_until

FUNNEL = """account "T" { timezone "Europe/Moscow" }
pipeline p "P" {
  stage a "A" initial {
    after 3d { note "a timer" }
    on link_clicked { note "clicked" }
  }
  stage b "B" { }
  won "W"
  lost "L" reasons { "x" other "y" }
}
"""
FUNNEL_V2 = FUNNEL.replace('note "clicked"', 'note "clicked, version 2"')

ADMIN = "admin-token-000000000000"
TOKENS = {t: (f"{t}-write-token-0000000", f"{t}-read-token-00000000") for t in ("alpha", "beta", "gamma")}
TABLES = ["counters", "deals", "deployments", "effects", "events", "history", "meta", "modules", "notes", "tasks",
          "timers"]

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def auth(token):
    return {"Authorization": "Bearer " + token} if token else {}


class TenantServer:
    """One `voronka serve --tenants FILE [extra …]` on a free port."""

    def __init__(self, voronka, tenants_file, extra=()):
        self.proc = subprocess.Popen([voronka, "serve", "--tenants", tenants_file, *extra, "--listen", "127.0.0.1:0"],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        if "listening on http://" not in line:
            raise AssertionError(f"serve --tenants {' '.join(extra)} did not start: {line!r} {self.proc.stderr.read()}")
        self.port = int(line.split("listening on http://127.0.0.1:")[1].split()[0])
        self.log = []
        threading.Thread(target=self._read_log, daemon=True).start()

    def _read_log(self):
        for line in self.proc.stderr:
            self.log.append(line)

    def request(self, method, path, body=None, headers=None):
        if self.proc.poll() is not None:
            raise ConnectionRefusedError("the process is gone")
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        data = body if isinstance(body, (bytes, str)) or body is None else json.dumps(body)
        if isinstance(data, str):
            data = data.encode()
        if data is None and method == "POST":
            data = b""
        try:
            conn.request(method, path, body=data, headers=headers or {})
            resp = conn.getresponse()
            raw = resp.read()
        finally:
            conn.close()
        try:
            return resp.status, json.loads(raw) if raw else None
        except ValueError:
            return resp.status, raw.decode("utf-8", "replace")

    def reload(self):
        return self.request("POST", "/admin/reload", headers=auth(ADMIN))

    def hup(self):
        self.proc.send_signal(signal.SIGHUP)

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=30)
        return self.proc.returncode


def snapshot(db):
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return {t: sorted(map(repr, conn.execute(f"SELECT * FROM {t}").fetchall())) for t in TABLES}
    finally:
        conn.close()


def entry(tenant, store, module, extra=""):
    write, read = TOKENS[tenant]
    return (f'[tenant.{tenant}]\nstore = "{store}"\nmodule = "{module}"\ntokens = ["{write}"]\n'
            f'read_tokens = ["{read}"]\n{extra}\n')


def routes(deal, module_b64):
    """Every route of a tenant's API: (method, path, body)."""
    return [
        ("POST", "/v1/events", {"id": "intruder-1", "deal": deal, "type": "link_clicked"}),
        ("POST", "/v1/events", [{"id": "intruder-2", "deal": "new", "type": "deal_created", "pipeline": "p"}]),
        ("POST", "/v1/deals", {"id": "intruder-deal", "pipeline": "p"}),
        ("GET", f"/v1/deals/{deal}", None),
        ("POST", f"/v1/deals/{deal}/move", {"stage": "b"}),
        ("GET", "/v1/pipelines", None),
        ("GET", "/v1/outbox?status=pending", None),
        ("POST", "/v1/modules", {"module": module_b64}),
        ("POST", "/v1/modules", {"module": module_b64, "dry_run": True}),
        ("POST", "/v1/crm/amocrm/secret", "x"),
        ("GET", "/healthz", None),
        ("GET", "/readyz", None),
        ("GET", "/metrics", None),
    ]


def test_isolation(server, work, v2_b64):
    alpha_db = os.path.join(work, "alpha.db")
    # alpha's deal, with an Idempotency-Key beta reuses below.
    status, _ = server.request("POST", "/t/alpha/v1/deals", {"id": "a1", "pipeline": "p"},
                               {**auth(TOKENS["alpha"][0]), "Idempotency-Key": "k-1"})
    check(status == 201, f"alpha creates its deal: {status}")
    status, _ = server.request("POST", "/t/alpha/v1/events", {"id": "e1", "deal": "a1", "type": "link_clicked"},
                               auth(TOKENS["alpha"][0]))
    check(status == 202, f"alpha's event: {status}")
    before = snapshot(alpha_db)

    intruders = {"beta's token": TOKENS["beta"][0], "beta's read token": TOKENS["beta"][1], "the admin token": ADMIN,
                 "a made-up token": "made-up-token-000000000", "no token": None}
    for method, path, body in routes("a1", v2_b64):
        for who, token in intruders.items():
            status, payload = server.request(method, "/t/alpha" + path, body, auth(token))
            check(status in (401, 403), f"{method} /t/alpha{path} with {who}: {status} {payload}")
    # Read tokens read, and only read.
    status, _ = server.request("GET", "/t/alpha/v1/deals/a1", headers=auth(TOKENS["alpha"][1]))
    check(status == 200, f"alpha's read token reads: {status}")
    for method, path, body in routes("a1", v2_b64):
        if method == "POST" and "/crm/" not in path:
            status, _ = server.request(method, "/t/alpha" + path, body, auth(TOKENS["alpha"][1]))
            check(status == 403, f"{method} {path} with alpha's read token: {status}")

    # A token alone names its tenant: beta's token on /v1/… reaches beta only.
    status, payload = server.request("GET", "/v1/deals/a1", headers=auth(TOKENS["beta"][0]))
    check(status == 404, f"beta does not see alpha's deal: {status} {payload}")
    status, _ = server.request("POST", "/v1/deals", {"id": "a1", "pipeline": "p"},
                               {**auth(TOKENS["beta"][0]), "Idempotency-Key": "k-1"})
    check(status == 201, f"the same Idempotency-Key is beta's own: {status}")
    status, _ = server.request("POST", "/v1/events", {"id": "e1", "deal": "a1", "type": "link_clicked"},
                               auth(TOKENS["beta"][0]))
    check(status == 202, f"the same event id is beta's own: {status}")
    for method, path, body in routes("a1", v2_b64):
        if path.startswith("/v1/"):
            status, _ = server.request(method, path, body)
            check(status == 401, f"{method} {path} without a token: {status}")
            status, _ = server.request(method, path, body, auth("made-up-token-000000000"))
            check(status == 401, f"{method} {path} with a made-up token: {status}")
    status, payload = server.request("GET", "/v1/deals/a1", headers=auth(TOKENS["alpha"][0]))
    check(status == 200 and payload["id"] == "a1", f"alpha's token on /v1/ reaches alpha: {status}")
    # A large body goes whole to its tenant; without one, the front refuses it.
    big = [{"id": f"big-{i}", "deal": "a1", "type": "link_clicked", "pad": "x" * 200} for i in range(900)]
    status, _ = server.request("POST", "/v1/events", big, auth(TOKENS["beta"][0]))
    check(status == 202, f"a 200 KB batch reaches beta: {status}")
    status, _ = server.request("POST", "/v1/events", big)
    check(status in (401, 413), f"a 200 KB batch without a token: {status}")

    # The server's routes: the admin token only.
    for method, path in (("GET", "/metrics"), ("POST", "/admin/reload"), ("GET", "/admin/tenants")):
        for who, token in intruders.items():
            if token == ADMIN:
                continue
            status, _ = server.request(method, path, None, auth(token))
            check(status == 401, f"{method} {path} with {who}: {status}")
    status, text = server.request("GET", "/t/alpha/metrics", headers=auth(TOKENS["alpha"][1]))
    check(status == 200 and "voronka_deals 1" in text and "tenant=" not in text,
          f"alpha's own metrics: {status} {text[:200]!r}")
    status, text = server.request("GET", "/metrics", headers=auth(ADMIN))
    check(status == 200 and 'voronka_deals{tenant="alpha"} 1' in text and 'voronka_deals{tenant="beta"} 1' in text,
          f"/metrics has every tenant: {text[:300]!r}")
    check(text.count("# HELP voronka_deals ") == 1, "one HELP line per family")
    check('voronka_front_responses_total{class="4xx"}' in text and
          'voronka_front_responses_total{class="4xx"} 0' not in text, "the front counts its refusals")
    status, body = server.request("GET", "/readyz")
    check(status == 200 and body["ready"] == 2 and "not_ready_tenants" not in body, f"/readyz: {status} {body}")

    check(snapshot(alpha_db) == before, "alpha's store is unchanged by every refused request")


def test_runtime_changes(server, voronka, work, tenants_file, module, v2_b64):
    tenants_dir = os.path.join(work, "tenants.d")
    # Added by a file in the tenants directory and SIGHUP.
    with open(os.path.join(tenants_dir, "gamma.toml"), "w") as f:
        f.write(entry("gamma", "sqlite:../gamma.db", "../funnel.funnelc").split("\n", 1)[1])
    server.hup()
    wait_until(lambda: server.request("GET", "/t/gamma/v1/pipelines", headers=auth(TOKENS["gamma"][0]))[0] == 200,
               30, "gamma to start after SIGHUP")
    status, _ = server.request("POST", "/v1/deals", {"id": "g1", "pipeline": "p"}, auth(TOKENS["gamma"][0]))
    check(status == 201, f"gamma takes a deal: {status}")

    # Removed while events are coming in: every acknowledged event is in its store.
    acknowledged = []
    stop = threading.Event()

    def post_events():
        i = 0
        while not stop.is_set():
            i += 1
            try:
                status, _ = server.request("POST", "/t/beta/v1/events",
                                           {"id": f"drain-{i}", "deal": "a1", "type": "link_clicked"},
                                           auth(TOKENS["beta"][0]))
            except OSError:
                continue
            if status == 202:
                acknowledged.append(f"drain-{i}")

    sender = threading.Thread(target=post_events)
    sender.start()
    wait_until(lambda: len(acknowledged) >= 20, 30, "events to reach beta")
    with open(tenants_file) as f:
        text = f.read()
    with open(tenants_file, "w") as f:
        f.write(text.replace(entry("beta", "sqlite:beta.db", "funnel.funnelc"), ""))
    status, report = server.reload()
    stop.set()
    sender.join()
    check(status == 200 and report["removed"] == ["beta"], f"beta removed: {status} {report}")
    status, payload = server.request("GET", "/t/beta/v1/pipelines", headers=auth(TOKENS["beta"][0]))
    check(status == 404 and payload["error"]["code"] == "unknown_tenant", f"beta is gone: {status} {payload}")
    status, _ = server.request("GET", "/v1/pipelines", headers=auth(TOKENS["beta"][0]))
    check(status == 401, f"beta's token no longer works: {status}")
    conn = sqlite3.connect(os.path.join(work, "beta.db"))
    stored = {r[0] for r in conn.execute("SELECT id FROM events")}
    conn.close()
    lost = [e for e in acknowledged if e not in stored]
    check(not lost, f"every event beta acknowledged is in its store ({len(acknowledged)}); lost: {lost[:5]}")
    # Its store is closed: a server of its own can open it.
    alone = subprocess.Popen([voronka, "serve", module, "--store", "sqlite:" + os.path.join(work, "beta.db"),
                              "--listen", "127.0.0.1:0"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = alone.stdout.readline()
    check("listening on" in line, f"beta's store is released: {line!r}")
    alone.send_signal(signal.SIGTERM)
    alone.communicate(timeout=30)

    # A broken entry: reported with file:line, the others run on.
    bad = os.path.join(tenants_dir, "delta.toml")
    with open(bad, "w") as f:
        f.write('store = "sqlite:../delta.db"\nmodul = "../funnel.funnelc"\ntokens = ["delta-write-token-000000"]\n')
    status, report = server.reload()
    check(status == 422 and any(e.startswith(f"{bad}:2:") and "did you mean \"module\"" in e
                                for e in report["errors"]), f"the broken entry is reported: {status} {report}")
    check(report["added"] == [] and report["unchanged"] == 2, f"the others are untouched: {report}")
    for tenant in ("alpha", "gamma"):
        status, _ = server.request("GET", f"/t/{tenant}/v1/pipelines", headers=auth(TOKENS[tenant][0]))
        check(status == 200, f"{tenant} still serves: {status}")
    status, _ = server.request("GET", "/t/delta/v1/pipelines", headers=auth("delta-write-token-000000"))
    check(status == 503, f"delta does not run: {status}")
    checked = subprocess.run([voronka, "serve", "--tenants", tenants_file, "--check"], capture_output=True, text=True)
    check(checked.returncode == 2 and checked.stderr.startswith(f"{bad}:2:") and "2 tenants ready" in checked.stdout,
          f"--check reports the broken entry: {checked.returncode} {checked.stdout} {checked.stderr}")
    status, body = server.request("GET", "/readyz")
    check(status == 503 and body["not_ready"] == 1 and "not_ready_tenants" not in body, f"/readyz: {status} {body}")
    status, body = server.request("GET", "/readyz", headers=auth(ADMIN))
    check(status == 503 and list(body["not_ready_tenants"]) == ["delta"], f"/readyz for the admin: {body}")
    os.remove(bad)
    checked = subprocess.run([voronka, "serve", "--tenants", tenants_file, "--check"], capture_output=True, text=True)
    check(checked.returncode == 0 and checked.stderr == "", f"--check is clean again: {checked.stderr}")

    # A broken edit of a running tenant leaves it as it was.
    gamma_file = os.path.join(tenants_dir, "gamma.toml")
    with open(gamma_file) as f:
        good = f.read()
    with open(gamma_file, "w") as f:
        f.write(good.replace('tokens = ["', 'tokens = ["short", "'))
    status, report = server.reload()
    check(status == 422 and any(e.startswith(gamma_file + ":") for e in report["errors"]) and
          report["changed"] == [], f"gamma's broken edit is reported: {report}")
    status, _ = server.request("GET", "/v1/deals/g1", headers=auth(TOKENS["gamma"][0]))
    check(status == 200, f"gamma runs as it was: {status}")
    # A token another running tenant has is refused too.
    with open(gamma_file, "w") as f:
        f.write(good.replace(TOKENS["gamma"][1], TOKENS["alpha"][1]))
    status, report = server.reload()
    check(status == 422 and any(e.startswith(gamma_file) and "a token is tenant alpha's" in e for e in report["errors"]),
          f"a token of alpha's in gamma's entry is refused: {report}")
    status, _ = server.request("GET", "/v1/deals/a1", headers=auth(TOKENS["alpha"][1]))
    check(status == 200, f"alpha's read token still reaches alpha: {status}")
    with open(gamma_file, "w") as f:
        f.write(good)
    # A file that does not parse changes nothing.
    with open(tenants_file, "a") as f:
        f.write("[[ broken\n")
    status, report = server.reload()
    check(status == 422 and report["status"] == "refused" and report["errors"][0].startswith(tenants_file + ":"),
          f"an unreadable file is refused: {report}")
    with open(tenants_file) as f:
        text = f.read()
    with open(tenants_file, "w") as f:
        f.write(text.replace("[[ broken\n", ""))
    status, report = server.reload()
    check(status == 200 and report["unchanged"] == 2, f"back to normal: {status} {report}")

    # A changed entry restarts its tenant on it: a new read token, the old one refused.
    with open(gamma_file, "w") as f:
        f.write(good.replace(TOKENS["gamma"][1], "gamma-new-read-token-000"))
    status, report = server.reload()
    check(status == 200 and report["changed"] == ["gamma"] and report["unchanged"] == 1, f"gamma changed: {report}")
    status, _ = server.request("GET", "/v1/deals/g1", headers=auth("gamma-new-read-token-000"))
    check(status == 200, f"gamma's new read token: {status}")
    status, _ = server.request("GET", "/t/gamma/v1/deals/g1", headers=auth(TOKENS["gamma"][1]))
    check(status == 401, f"gamma's old read token is refused: {status}")

    # A new build of a tenant's module file is deployed at the reload.
    with open(module, "rb") as f:
        v1 = f.read()
    with open(module, "wb") as f:
        f.write(base64.b64decode(v2_b64))
    status, report = server.reload()
    check(status == 200 and sorted(report["changed"]) == ["alpha", "gamma"], f"the new module file: {report}")
    status, listing = server.request("GET", "/admin/tenants", headers=auth(ADMIN))
    check(len({t["version"] for t in listing["tenants"]}) == 1, f"both on the new version: {listing}")
    # The old module file again is a silent rollback of stores that moved on:
    # refused, every tenant runs as before (docs/versions.md).
    with open(module, "wb") as f:
        f.write(v1)
    status, report = server.reload()
    refused = [e for e in report["errors"] if "serving it would move every deal back" in e]
    check(not report["changed"] and len(refused) == 2, f"back to the old module is refused ({status}): {report}")
    status, listing = server.request("GET", "/admin/tenants", headers=auth(ADMIN))
    check(len({t["version"] for t in listing["tenants"]}) == 1, f"both still on the new version: {listing}")

    # A module upload deploys onto its tenant only (the old one: a rollback on purpose).
    v1_b64 = base64.b64encode(v1).decode()
    versions = {t["id"]: t["version"] for t in listing["tenants"]}
    status, payload = server.request("POST", "/t/gamma/v1/modules", {"module": v1_b64}, auth(TOKENS["alpha"][0]))
    check(status == 401, f"alpha's token cannot deploy onto gamma: {status}")
    status, payload = server.request("POST", "/t/gamma/v1/modules", {"module": v1_b64}, auth(TOKENS["gamma"][0]))
    check(status == 202, f"gamma's upload: {status} {payload}")

    def gamma_version():
        _, listing = server.request("GET", "/admin/tenants", headers=auth(ADMIN))
        return {t["id"]: t.get("version") for t in listing["tenants"]}

    wait_until(lambda: gamma_version().get("gamma") not in (None, versions["gamma"]), 30, "gamma's new version")
    check(gamma_version()["alpha"] == versions["alpha"], "alpha's version is unchanged")
    status, _ = server.request("GET", "/v1/deals/g1", headers=auth(TOKENS["gamma"][0]))
    check(status == 200, f"gamma serves its deal on the new version: {status}")


def test_postgres(voronka, work, module):
    with Postgres() as pg:
        if pg.missing:
            print("skipped: " + pg.missing)
            sys.exit(77)
        tenants_file = os.path.join(work, "pg-tenants.toml")
        with open(tenants_file, "w") as f:
            f.write(f'[server]\nadmin_tokens = ["{ADMIN}"]\n\n')
            f.write(entry("alpha", "sqlite:pg-alpha.db", "funnel.funnelc"))
            f.write(entry("beta", pg.spec(), "funnel.funnelc"))
        server = TenantServer(voronka, tenants_file)
        try:
            status, _ = server.request("POST", "/v1/deals", {"id": "b1", "pipeline": "p"}, auth(TOKENS["beta"][0]))
            check(status == 201, f"beta on PostgreSQL takes a deal: {status}")
            status, _ = server.request("GET", "/t/beta/v1/deals/b1", headers=auth(TOKENS["alpha"][0]))
            check(status == 401, f"alpha's token cannot read beta's PostgreSQL deal: {status}")
            status, _ = server.request("GET", "/v1/deals/b1", headers=auth(TOKENS["alpha"][0]))
            check(status == 404, f"alpha does not see beta's deal: {status}")
            status, text = server.request("GET", "/metrics", headers=auth(ADMIN))
            check('voronka_deals{tenant="beta"} 1' in text, "PostgreSQL tenant's metrics")
        finally:
            check(server.stop() == 0, "stops cleanly")


def main():
    voronka = sys.argv[1]
    with tempfile.TemporaryDirectory() as work:
        module = build(voronka, FUNNEL, work)
        v2 = build(voronka, FUNNEL_V2, work, name="funnel2")
        with open(v2, "rb") as f:
            v2_b64 = base64.b64encode(f.read()).decode()
        if "--postgres" in sys.argv:
            test_postgres(voronka, work, module)
        else:
            os.mkdir(os.path.join(work, "tenants.d"))
            tenants_file = os.path.join(work, "tenants.toml")
            with open(tenants_file, "w") as f:
                f.write(f'[server]\nadmin_tokens = ["{ADMIN}"]\ntenants_dir = "tenants.d"\n\n')
                f.write(entry("alpha", "sqlite:alpha.db", "funnel.funnelc"))
                f.write(entry("beta", "sqlite:beta.db", "funnel.funnelc"))
            server = TenantServer(voronka, tenants_file)
            try:
                test_isolation(server, work, v2_b64)
                test_runtime_changes(server, voronka, work, tenants_file, module, v2_b64)
            finally:
                code = server.stop()
                check(code == 0, f"stops cleanly: {code}")
                if failures:
                    print("".join(server.log[-30:]))
    if failures:
        print(f"{len(failures)} failures")
        sys.exit(1)
    print("ok")


if __name__ == "__main__":
    main()
