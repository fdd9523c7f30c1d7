#!/usr/bin/env python3
"""Attacks on the console under `serve --tenants` (docs/console.md), each
found by a review and fixed:

  - a session outlives the token it logged in with: after a reload rotates a
    tenant's tokens, removes the tenant and adds it again (another client's
    under the same id), turns its admin token into a read-only one, or takes
    the operator's admin token away, the old session must open nothing.
  - one tenant's logins crowd out another's: the process keeps at most
    10000 sessions, and a tenant's reader logging in 10001 times must not
    log out every other tenant's users and the operator.
  - a HEAD (which cpp-httplib answers with the GET routes) of a write:
    it carries no CSRF token and no JSON content type, so it must write
    nothing (a retry, a logout), on a tenant's console and on one server's.

usage: console_security_test.py VORONKA"""
import http.client
import json
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from console_tenants_test import FUNNEL, Login, Server, TenantServer, build, raw  # noqa: E402

MAX_SESSIONS = 10000  # console::Sessions::kMaxSessions

ADMIN = "security-operator-token-0000"
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def write_tenants(path, work, module, tenants, admin=ADMIN):
    """tenants: {id: (admin tokens, read tokens)}."""
    with open(path, "w") as f:
        f.write(f'[server]\nadmin_tokens = ["{admin}"]\n\n')
        for t, (write, read) in tenants.items():
            f.write(f'[tenant.{t}]\nstore = "sqlite:{os.path.join(work, t + ".db")}"\nmodule = "{module}"\n'
                    f'tokens = {list(write)!r}\nread_tokens = {list(read)!r}\n\n'.replace("'", '"'))


def reload(port, admin=ADMIN):
    status, body, _ = raw(port, "POST", "/admin/reload", None, {"Authorization": "Bearer " + admin})
    check(status == 200, f"reload: {status} {body}")


def test_session_follows_its_token(voronka, work):
    module = build(voronka, FUNNEL, work)
    tenants_file = os.path.join(work, "tenants.toml")
    alpha = (["alpha-admin-token-00000000"], ["alpha-read-token-000000000"])
    beta = (["beta-admin-token-000000000"], ["beta-read-token-0000000000"])
    write_tenants(tenants_file, work, module, {"alpha": alpha, "beta": beta})
    server = TenantServer(voronka, tenants_file)
    port = server.port
    try:
        writer = Login(port, "/t/alpha/console", alpha[0][0])
        reader = Login(port, "/t/alpha/console", alpha[1][0])
        operator = Login(port, "/t/beta/console", ADMIN)
        check(writer.status == reader.status == operator.status == 200, "the logins")

        # alpha's admin token becomes a read-only one: its session is no admin's any more.
        write_tenants(tenants_file, work, module, {"alpha": ([], alpha[0] + alpha[1]), "beta": beta})
        reload(port)
        status, body = writer.post("/api/outbox/1/retry")
        check(status == 401, f"a retry with the session of a token now read-only: {status} {body}")
        status, _ = reader.get("/api/board")
        check(status == 200, f"the read-only token's session goes on: {status}")

        # The tokens rotated: the old ones' sessions end.
        rotated = (["alpha-admin-token-rotated0"], ["alpha-read-token-rotated00"])
        write_tenants(tenants_file, work, module, {"alpha": rotated, "beta": beta})
        reload(port)
        for name, login in (("admin", writer), ("read-only", reader)):
            for method, path in (("GET", "/api/board"), ("GET", "/api/session"), ("POST", "/api/outbox/1/retry")):
                status, body = login.post(path) if method == "POST" else login.get(path)
                check(status == 401, f"{method} {path} with a {name} session of a rotated token: {status} {body}")
        fresh = Login(port, "/t/alpha/console", rotated[1][0])
        status, _ = fresh.get("/api/board")
        check(status == 200, f"the new token's session: {status}")

        # alpha goes, and another client comes under the same id with its own tokens.
        write_tenants(tenants_file, work, module, {"beta": beta})
        reload(port)
        other = (["another-client-token-00000"], [])
        write_tenants(tenants_file, work, module, {"alpha": other, "beta": beta})
        reload(port)
        status, body = fresh.get("/api/board")
        check(status == 401, f"the removed tenant's session on the one now under its id: {status} {body}")

        # The operator's admin token taken away: the operator's session ends on every tenant.
        status, _ = operator.get("/api/board", base="/t/alpha/console")
        check(status == 200, f"the operator on alpha: {status}")
        write_tenants(tenants_file, work, module, {"alpha": other, "beta": beta}, admin="security-operator-new-000")
        reload(port)
        for base in ("/t/alpha/console", "/t/beta/console"):
            status, body = operator.get("/api/board", base=base)
            check(status == 401, f"the operator's session after its token went, at {base}: {status} {body}")
    finally:
        server.stop()


def test_no_tenant_crowds_out_another(voronka, work):
    module = build(voronka, FUNNEL, work)
    tenants_file = os.path.join(work, "crowd.toml")
    alpha = (["crowd-alpha-admin-000000"], ["crowd-alpha-read-0000000"])
    beta = (["crowd-beta-admin-0000000"], ["crowd-beta-read-00000000"])
    write_tenants(tenants_file, work, module, {"alpha": alpha, "beta": beta})
    server = TenantServer(voronka, tenants_file)
    port = server.port
    try:
        victim = Login(port, "/t/beta/console", beta[1][0])
        operator = Login(port, "/t/beta/console", ADMIN)
        time.sleep(1.1)  # the victims' sessions are strictly older: the first a plain "oldest goes" rule drops
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        body = json.dumps({"token": alpha[1][0]})
        for i in range(MAX_SESSIONS + 1):
            conn.request("POST", "/t/alpha/console/api/login", body=body, headers={"Content-Type": "application/json"})
            reply = conn.getresponse()
            reply.read()
            if reply.status != 200:
                check(False, f"alpha's login {i}: {reply.status}")
                break
        conn.close()
        status, _ = victim.get("/api/board")
        check(status == 200, f"beta's session after alpha's {MAX_SESSIONS + 1} logins: {status}")
        status, _ = operator.get("/api/board")
        check(status == 200, f"the operator's session after alpha's {MAX_SESSIONS + 1} logins: {status}")
    finally:
        server.stop()


def head_writes_nothing(port, base, token):
    login = Login(port, base, token)
    check(login.status == 200, f"login at {base}: {login.status}")
    for path in ("/api/outbox/1/retry", "/api/logout", "/api/login"):
        status, _, headers = raw(port, "HEAD", base + path, None, {"Cookie": login.cookie})
        check(status == 405 and headers.get("Allow") == "POST", f"HEAD {base}{path}: {status} {headers}")
    status, _ = login.get("/api/board")
    check(status == 200, f"the session after a HEAD of its logout at {base}: {status}")
    status, _, headers = raw(port, "HEAD", base + "/", None, {})
    check(status == 200 and "Content-Security-Policy" in headers, f"HEAD {base}/: {status}")


def test_head_writes_nothing(voronka, work):
    module = build(voronka, FUNNEL, work)
    tenants_file = os.path.join(work, "head.toml")
    alpha = (["head-alpha-admin-0000000"], [])
    write_tenants(tenants_file, work, module, {"alpha": alpha})
    server = TenantServer(voronka, tenants_file)
    try:
        head_writes_nothing(server.port, "/t/alpha/console", alpha[0][0])
    finally:
        server.stop()
    single = Server(voronka, module, "sqlite:" + os.path.join(work, "single.db"), extra=["--token", "head-single-0000"])
    single.start()
    try:
        head_writes_nothing(single.port, "/console", "head-single-0000")
    finally:
        single.terminate()


def main():
    voronka = os.path.abspath(sys.argv[1])
    with tempfile.TemporaryDirectory() as work:
        test_session_follows_its_token(voronka, work)
        test_no_tenant_crowds_out_another(voronka, work)
        test_head_writes_nothing(voronka, work)
    if failures:
        print(f"{len(failures)} failures")
        return 1
    print("console security: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
