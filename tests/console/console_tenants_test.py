#!/usr/bin/env python3
"""The console where one process serves many stores (docs/console.md):

  - `serve --tenants`: each tenant's console at /t/ID/console/, logged in
    with that tenant's tokens only; every console API route of one tenant,
    tried with another tenant's session (and a forged one), is refused; the
    tenants file's admin token logs in to every tenant's console, and the
    tenant switcher lists every tenant for it and only its own for a
    tenant's login; tenants added and removed by a reload appear and go
    without a restart; the cookie's path is the tenant's console (the
    operator's: /t); CSRF and the CSP hold as on one server.
  - `serve --workers shared` on PostgreSQL, and one server on it after:
    the console reads the store (skipped without PostgreSQL's binaries).

usage: console_tenants_test.py VORONKA"""
import http.client
import os
import subprocess
import sys
import tempfile
import threading

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "serve"))
from console_seed import raw  # noqa: E402
from serve_support import Postgres, Server, build, wait_until  # noqa: E402

FUNNEL = """account "T" { timezone "Europe/Moscow" }
field budget: money "Бюджет"
pipeline p "P" {
  stage a "A" initial { after 3d { note "a timer" } }
  stage b "B" { }
  won "W"
  lost "L" reasons { "x" other "y" }
}
"""

ADMIN = "console-operator-token-000000"
TOKENS = {t: (f"{t}-console-write-token-00", f"{t}-console-read-token-000") for t in ("alpha", "beta", "gamma")}

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


class Login:
    """A console session at `base` ("/t/alpha/console")."""

    def __init__(self, port, base, token):
        self.port, self.base = port, base
        status, body, headers = raw(port, "POST", base + "/api/login", {"token": token},
                                    {"Content-Type": "application/json"})
        self.status, self.set_cookie = status, headers.get("Set-Cookie", "")
        self.cookie = self.set_cookie.split(";")[0]
        self.csrf = body.get("csrf") if isinstance(body, dict) else None

    def get(self, path, base=None):
        status, body, _ = raw(self.port, "GET", (base or self.base) + path, None, {"Cookie": self.cookie})
        return status, body

    def post(self, path, base=None):
        headers = {"Cookie": self.cookie, "Content-Type": "application/json", "X-CSRF-Token": self.csrf or ""}
        status, body, _ = raw(self.port, "POST", (base or self.base) + path, {}, headers)
        return status, body


class TenantServer:
    def __init__(self, voronka, tenants_file):
        self.proc = subprocess.Popen([voronka, "serve", "--tenants", tenants_file, "--listen", "127.0.0.1:0"],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        if "listening on http://" not in line:
            raise AssertionError(f"serve --tenants did not start: {line!r} {self.proc.stderr.read()}")
        self.port = int(line.split("listening on http://127.0.0.1:")[1].split()[0])
        threading.Thread(target=lambda: [None for _ in self.proc.stderr], daemon=True).start()

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=30)


def entry(tenant, store, module):
    write, read = TOKENS[tenant]
    return f'[tenant.{tenant}]\nstore = "{store}"\nmodule = "{module}"\ntokens = ["{write}"]\nread_tokens = ["{read}"]\n\n'


def write_tenants(path, work, module, tenants):
    with open(path, "w") as f:
        f.write(f'[server]\nadmin_tokens = ["{ADMIN}"]\n\n')
        for t in tenants:
            f.write(entry(t, "sqlite:" + os.path.join(work, t + ".db"), module))


ROUTES = [("GET", "/api/session"), ("GET", "/api/board"), ("GET", "/api/deal/a1"), ("GET", "/api/outbox"),
          ("GET", "/api/stats"), ("GET", "/api/versions"), ("POST", "/api/outbox/1/retry"), ("POST", "/api/logout")]


def names(tenants):
    return sorted(t["name"] for t in tenants)


def test_tenants(voronka, work):
    module = build(voronka, FUNNEL, work)
    tenants_file = os.path.join(work, "tenants.toml")
    write_tenants(tenants_file, work, module, ["alpha", "beta"])
    server = TenantServer(voronka, tenants_file)
    port = server.port
    try:
        for t, deals in (("alpha", ["a1", "a2"]), ("beta", ["b1"])):
            for d in deals:
                status, _, _ = raw(port, "POST", f"/t/{t}/v1/deals", {"id": d, "pipeline": "p"},
                                   {"Authorization": "Bearer " + TOKENS[t][0], "Content-Type": "application/json"})
                check(status == 201, f"{t} creates {d}: {status}")

        # The pages, at the tenant's path; the page's links are relative to it.
        status, _, headers = raw(port, "GET", "/t/alpha/console")
        check(status == 302 and headers.get("Location") == "/t/alpha/console/", f"/t/alpha/console: {status} {headers}")
        status, page, headers = raw(port, "GET", "/t/alpha/console/")
        check(status == 200 and 'src="assets/console.js"' in page, f"/t/alpha/console/: {status}")
        check("default-src 'none'" in headers.get("Content-Security-Policy", ""), "the tenant's page has the CSP")
        status, _, _ = raw(port, "GET", "/t/alpha/console/assets/console.js")
        check(status == 200, f"the tenant's console.js: {status}")
        status, _, _ = raw(port, "GET", "/t/nobody/console/")
        check(status == 404, f"an unknown tenant's console: {status}")

        # A tenant's own tokens log in there; another tenant's do not.
        alpha = Login(port, "/t/alpha/console", TOKENS["alpha"][1])
        check(alpha.status == 200 and "Path=/t/alpha/console;" in alpha.set_cookie and "HttpOnly" in alpha.set_cookie
              and "SameSite=Strict" in alpha.set_cookie, f"alpha's login: {alpha.status} {alpha.set_cookie}")
        beta = Login(port, "/t/beta/console", TOKENS["beta"][0])
        check(beta.status == 200, f"beta's login: {beta.status}")
        for token in (TOKENS["beta"][0], TOKENS["beta"][1], "made-up", ""):
            status, _, headers = raw(port, "POST", "/t/alpha/console/api/login", {"token": token},
                                     {"Content-Type": "application/json"})
            check(status == 401 and "Set-Cookie" not in headers, f"{token[:10]!r} logs in to alpha: {status}")
        status, board = alpha.get("/api/board")
        check(status == 200 and sum(s["deals"] for s in board["stages"]) == 2, f"alpha's board: {status} {board}")
        status, board = beta.get("/api/board")
        check(status == 200 and sum(s["deals"] for s in board["stages"]) == 1, f"beta's board: {status}")

        # Every route of alpha's console with beta's session, a forged one and none: refused.
        for method, path in ROUTES:
            for who, cookie in (("beta's session", beta.cookie), ("a forged one", "voronka_console=forged"),
                                ("none", "")):
                headers = {"Cookie": cookie, "Content-Type": "application/json", "X-CSRF-Token": beta.csrf or ""}
                status, body, _ = raw(port, method, "/t/alpha/console" + path, {} if method == "POST" else None,
                                      headers)
                check(status == 401, f"{method} /t/alpha/console{path} with {who}: {status} {body}")
        status, _ = beta.get("/api/board")
        check(status == 200, "beta's session still opens beta's console")

        # The switcher: a tenant's login sees its own tenant only.
        status, session = alpha.get("/api/session")
        check(status == 200 and session["tenant"] == "alpha" and names(session["tenants"]) == ["alpha"] and
              session["tenants"][0]["url"] == "/t/alpha/console/", f"alpha's switcher: {session.get('tenants')}")
        status, body = alpha.post("/api/outbox/1/retry")
        check(status == 403, f"a read-only tenant login retries: {status}")
        status, body, _ = raw(port, "POST", "/t/beta/console/api/outbox/1/retry", {},
                              {"Cookie": beta.cookie, "Content-Type": "application/json"})
        check(status == 403 and body["error"]["code"] == "csrf", f"a retry without CSRF: {status}")

        # The operator's login: every tenant, with one cookie on /t.
        operator = Login(port, "/t/alpha/console", ADMIN)
        check(operator.status == 200 and "Path=/t;" in operator.set_cookie, f"operator: {operator.set_cookie}")
        status, session = operator.get("/api/session")
        check(status == 200 and session["role"] == "admin" and names(session["tenants"]) == ["alpha", "beta"],
              f"the operator's switcher: {status} {session.get('tenants')}")
        status, board = operator.get("/api/board", base="/t/beta/console")
        check(status == 200 and sum(s["deals"] for s in board["stages"]) == 1, f"operator on beta: {status}")
        status, _, _ = raw(port, "POST", "/t/beta/console/api/login", {"token": ADMIN},
                           {"Content-Type": "application/json"})
        check(status == 200, "the operator logs in at any tenant's console")
        status, _ = alpha.get("/api/board", base="/t/beta/console")
        check(status == 401, f"alpha's session on beta's console: {status}")

        # Reload: gamma comes, beta goes; the switcher follows without a restart.
        write_tenants(tenants_file, work, module, ["alpha", "gamma"])
        status, _, _ = raw(port, "POST", "/admin/reload", None, {"Authorization": "Bearer " + ADMIN})
        check(status == 200, f"reload: {status}")
        status, session = operator.get("/api/session")
        check(names(session["tenants"]) == ["alpha", "gamma"], f"after the reload: {session['tenants']}")
        status, _ = operator.get("/api/board", base="/t/gamma/console")
        check(status == 200, f"the operator on the new tenant: {status}")
        status, _ = operator.get("/api/board", base="/t/beta/console")
        check(status == 404, f"the removed tenant's console: {status}")
        status, _ = beta.get("/api/board")
        check(status == 404, f"beta's session after beta went: {status}")
        status, session = alpha.get("/api/session")
        check(names(session["tenants"]) == ["alpha"], f"alpha's switcher after the reload: {session['tenants']}")

        # Logging out clears the cookie where it was set.
        headers = {"Cookie": operator.cookie, "Content-Type": "application/json", "X-CSRF-Token": operator.csrf}
        status, _, got = raw(port, "POST", "/t/gamma/console/api/logout", {}, headers)
        check(status == 200 and "Path=/t;" in got.get("Set-Cookie", ""), f"operator logout: {got}")
        status, _ = operator.get("/api/board")
        check(status == 401, f"after the operator's logout: {status}")
    finally:
        server.stop()


def test_shared_workers(voronka, work):
    with Postgres() as pg:
        if pg.missing:
            print("skipped --workers shared:", pg.missing)
            return
        module = build(voronka, FUNNEL, work, name="shared")
        token = "shared-console-token-00000"
        srv = Server(voronka, module, pg.spec(), extra=["--workers", "shared", "--token", token]).start()
        try:
            auth = {"Authorization": "Bearer " + token}
            for d in ("s1", "s2", "s3"):
                status, _ = srv.request("POST", "/v1/deals", {"id": d, "pipeline": "p"}, auth)
                check(status in (201, 202), f"a deal through a shared worker: {status}")
            status, _ = srv.request("POST", "/v1/deals/s3/move", {"stage": "b"}, auth)
            login = Login(srv.port, "/console", token)
            check(login.status == 200, f"login on a shared worker: {login.status}")

            def counted():
                status, board = login.get("/api/board")
                stages = {s["name"]: s["deals"] for s in board["stages"]} if status == 200 else {}
                return stages.get("a") == 2 and stages.get("b") == 1
            wait_until(counted, 20, "the shared workers' board to count the deals")
            status, deal = login.get("/api/deal/s3")
            check(status == 200 and any(e["what"] == "move" for e in deal["timeline"]), f"deal s3 on PG: {status}")
            check(any(e["what"] == "event" for e in deal["timeline"]), "the deal's events are read from PostgreSQL")
            status, versions = login.get("/api/versions")
            check(status == 200 and versions["running"] == versions["active"], f"versions on PG: {versions}")
            status, stats = login.get("/api/stats")
            check(status == 200 and stats["pipelines"][0]["stages"][0]["deals_in"] == 3, f"stats on PG: {status}")
        finally:
            srv.terminate()

        # One server on the same store (it holds the store's lock): the console reads beside it, without one.
        single = Server(voronka, module, pg.spec(), extra=["--token", token]).start()
        try:
            login = Login(single.port, "/console", token)
            status, board = login.get("/api/board")
            stages = {s["name"]: s["deals"] for s in board["stages"]} if status == 200 else {}
            check(stages.get("a") == 2 and stages.get("b") == 1, f"one server's board on PG: {status} {stages}")
        finally:
            single.terminate()


def main():
    voronka = os.path.abspath(sys.argv[1])
    with tempfile.TemporaryDirectory() as work:
        test_tenants(voronka, work)
        test_shared_workers(voronka, work)
    if failures:
        print(f"{len(failures)} failures")
        return 1
    print("console under --tenants and --workers shared: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
