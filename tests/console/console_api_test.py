#!/usr/bin/env python3
"""The console's endpoints without a browser: no session gets 401, a write
without the session's CSRF token 403, a read-only login cannot retry a dead
letter (403) and an admin can; the session cookie is HttpOnly and
SameSite=Strict (and Secure behind an HTTPS proxy); the pages' JSON says what
the store holds; a client guessing tokens is refused (429) after five
failures a minute; after a deployment through POST /v1/modules the board, the
versions page and the deal page's timers follow the new version.

usage: console_api_test.py VORONKA"""
import base64
import json
import os
import sqlite3
import sys
import tempfile
import time

from console_seed import ADMIN, FUNNEL, READER, seeded_server, wait_until
from console_seed import raw as raw_request
from serve_support import build

# The source line of stage new's `on enter` rule (the funnel's file is FUNNEL as written).
ENTER_NEW_LINE = next(i for i, line in enumerate(FUNNEL.split("\n"), 1)
                      if "on enter" in line and "stage new" in FUNNEL.split("\n")[i - 2])

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def login(srv, token, headers=None):
    status, body, got = raw(srv, "POST", "/console/api/login", {"token": token},
                            {"Content-Type": "application/json", **(headers or {})})
    return status, body, got.get("Set-Cookie", "")


def raw(srv, method, path, body=None, headers=None):
    """Like Server.request, with the response headers."""
    return raw_request(srv.port, method, path, body, headers)


class Session:
    def __init__(self, srv, token):
        status, body, cookie = login(srv, token)
        check(status == 200, f"login with {token[:5]}…: {status} {body}")
        self.srv, self.cookie, self.csrf, self.role = srv, cookie.split(";")[0], body["csrf"], body["role"]

    def get(self, path):
        status, body, _ = raw(self.srv, "GET", path, None, {"Cookie": self.cookie})
        return status, body

    def post(self, path, body=None, csrf=True, content_type="application/json"):
        headers = {"Cookie": self.cookie, "Content-Type": content_type}
        if csrf:
            headers["X-CSRF-Token"] = self.csrf
        status, answer, _ = raw(self.srv, "POST", path, body if body is not None else {}, headers)
        return status, answer


def guessing(srv):
    """Failed logins per client (behind a proxy on loopback: the last X-Forwarded-For
    entry): the sixth within a minute is 429 with Retry-After, the right token too."""
    def from_client(address, token):
        status, body, got = raw(srv, "POST", "/console/api/login", {"token": token},
                                {"Content-Type": "application/json", "X-Forwarded-For": f"10.9.9.9, {address}"})
        return status, body, got
    # Four failures, a login, four more: a success forgets the failures.
    for _ in range(4):
        status, _, _ = from_client("203.0.113.5", "guess")
        check(status == 401, f"a wrong guess: {status}")
    status, _, _ = from_client("203.0.113.5", ADMIN)
    check(status == 200, f"the right token after four guesses: {status}")
    for i in range(5):
        status, _, _ = from_client("203.0.113.5", f"guess-{i}")
        check(status == 401, f"guess {i + 1} after the login forgot the others: {status}")
    status, body, got = from_client("203.0.113.5", "guess-6")
    wait = int(got.get("Retry-After", "0"))
    check(status == 429 and body["error"]["code"] == "too_many_logins" and 0 < wait <= 60,
          f"the sixth guess within a minute: {status} {body} Retry-After {got.get('Retry-After')}")
    status, _, got = from_client("203.0.113.5", ADMIN)
    check(status == 429 and "Set-Cookie" not in got, f"the right token while the client waits: {status}")
    # Another client (and the test's own loopback address) are not held up.
    status, _, _ = from_client("198.51.100.7", ADMIN)
    check(status == 200, f"another client's login: {status}")
    status, _, _ = login(srv, ADMIN)
    check(status == 200, f"the loopback client's login: {status}")


def main():
    voronka = os.path.abspath(sys.argv[1])
    with tempfile.TemporaryDirectory() as work:
        srv = seeded_server(voronka, work)
        try:
            run(srv)
            deployment(srv, voronka, work)
        finally:
            srv.terminate()
            srv.receiver.stop()
    if failures:
        print(f"{len(failures)} failures")
        return 1
    print("console API: ok")
    return 0


def run(srv):
    # The page itself holds no data; everything under /console/api needs a session.
    status, page, headers = raw(srv, "GET", "/console/")
    check(status == 200 and "console.js" in page, f"GET /console/: {status}")
    check("default-src 'none'" in headers.get("Content-Security-Policy", ""), f"no CSP: {headers}")
    status, _, headers = raw(srv, "GET", "/console")
    check(status == 302 and headers.get("Location") == "/console/", f"GET /console: {status} {headers}")
    status, js, headers = raw(srv, "GET", "/console/assets/console.js")
    check(status == 200 and "text/javascript" in headers.get("Content-Type", ""), f"console.js: {status} {headers}")
    for path in ["/console/api/session", "/console/api/board", "/console/api/deal/D-1", "/console/api/outbox",
                 "/console/api/stats", "/console/api/versions"]:
        status, body, _ = raw(srv, "GET", path)
        check(status == 401 and body["error"]["code"] == "unauthorized", f"GET {path} without a session: {status}")
        status, body, _ = raw(srv, "GET", path, None, {"Cookie": "voronka_console=forged"})
        check(status == 401, f"GET {path} with a forged session: {status}")
    status, body, _ = raw(srv, "POST", "/console/api/outbox/1/retry", {}, {"Content-Type": "application/json"})
    check(status == 401, f"retry without a session: {status}")
    # The API token does not open the console's data without logging in.
    status, body, _ = raw(srv, "GET", "/console/api/board", None, {"Authorization": "Bearer " + ADMIN})
    check(status == 401, f"board with a bearer token instead of a session: {status}")

    # Logging in.
    status, body, cookie = login(srv, "wrong")
    check(status == 401 and not cookie, f"a wrong token logs in: {status} {cookie}")
    status, body, _ = raw(srv, "POST", "/console/api/login", "token=" + ADMIN,
                          {"Content-Type": "application/x-www-form-urlencoded"})
    check(status == 415, f"a form-encoded login: {status}")
    status, body, cookie = login(srv, ADMIN)
    check("HttpOnly" in cookie and "SameSite=Strict" in cookie and "Secure" not in cookie and "Path=/console" in cookie,
          f"the cookie: {cookie}")
    status, body, cookie = login(srv, ADMIN, {"X-Forwarded-Proto": "https"})
    check("; Secure" in cookie, f"behind HTTPS the cookie is not Secure: {cookie}")

    guessing(srv)

    admin = Session(srv, ADMIN)
    reader = Session(srv, READER)
    check(admin.role == "admin" and reader.role == "read_only", f"roles: {admin.role} {reader.role}")
    status, session = reader.get("/console/api/session")
    check(status == 200 and session["language"] == "ru" and session["timezone"] == "Europe/Moscow",
          f"session: {status} {session}")
    check(session["tenants"] == [], "tenants: the hook is empty until multi-tenant serving lands")

    # Board: counts and money per stage, the responsible and tag filters.
    status, board = reader.get("/console/api/board")
    check(status == 200, f"board: {status} {board}")
    stages = {s["name"]: s for s in board["stages"]}
    check(stages["new"]["deals"] == 2 and stages["talk"]["deals"] == 1 and stages["contract"]["deals"] == 1,
          f"deals per stage: {[(k, v['deals']) for k, v in stages.items()]}")
    check(stages["new"]["money"] == 45000 + 30000, f"money in new: {stages['new']['money']}")
    check(any(d["id"] == "D-3" and d["overdue"] is False for d in stages["new"]["shown"]), "D-3 on the board")
    # The other deals left "new" at once (p90 0 or 1 s): D-3 and D-6, there for longer, are stuck.
    def stuck():
        _, b = reader.get("/console/api/board")
        shown = {d["id"]: d for s in b["stages"] for d in s["shown"]}
        return shown["D-3"]["stuck"] and shown["D-6"]["stuck"] and not shown["D-4"]["stuck"]  # D-4 is won
    wait_until(stuck, 10, "D-3 and D-6 to be stuck in new")
    status, board = reader.get("/console/api/board?responsible=anna")
    check(sum(s["deals"] for s in board["stages"]) == 3, f"anna's deals: {[s['deals'] for s in board['stages']]}")
    status, board = reader.get("/console/api/board?tag=%D1%81%D0%B0%D0%B9%D1%82")
    check(sum(s["deals"] for s in board["stages"]) == 2, "deals tagged сайт")
    status, body = reader.get("/console/api/board?responsible=nobody")
    check(status == 400 and "nobody" in body["error"]["message"], f"unknown user: {status} {body}")

    # Deal page: moves, the letter with its failed attempts, the pending timer and its rule.
    status, deal = reader.get("/console/api/deal/D-2")
    check(status == 200, f"deal: {status}")
    whats = [e["what"] for e in deal["timeline"]]
    check("move" in whats and "task" in whats and "effect" in whats, f"timeline: {whats}")
    letters = [e for e in deal["timeline"] if e["what"] == "effect" and e["kind"] == "email"]
    check(letters and letters[0]["attempts"] == 2 and letters[0]["status"] == "dead" and letters[0]["last_error"],
          f"the letter's attempts: {letters}")
    check(any(e["what"] == "event" for e in deal["timeline"]), "the deal's events are on its timeline")
    # One row per delivery attempt: the first failed and was tried again, the second gave up.
    tried = letters[0]["delivery_attempts"]
    check([a["attempt"] for a in tried] == [1, 2] and [a["outcome"] for a in tried] == ["failed", "dead"] and
          all(a["error"] and a["at"] and a["duration_ms"] >= 0 for a in tried), f"the letter's attempt rows: {tried}")
    hooks = [e for e in deal["timeline"] if e["what"] == "effect" and e["kind"] == "webhook"]
    check(hooks and [a.get("http_status") for a in hooks[0]["delivery_attempts"]] == [503, 503],
          f"the webhook's attempt rows: {hooks}")
    # Which rules fired, with their source line and module version, not the candidates.
    events = {e["type"]: e for e in deal["timeline"] if e["what"] == "event"}
    created, moved = events.get("deal_created"), events.get("manual_move")
    check(created and "rules" not in created and
          [r["name"] for r in created["fired"]] == ["shop.new#1"] and
          created["fired"][0]["line"] == ENTER_NEW_LINE and created["fired"][0]["file"].endswith(".funnel") and
          created["fired"][0]["module_version"] == deal["deal"]["module_version"], f"created: {created}")
    check(moved and [r["name"] for r in moved["fired"]] == ["shop.talk#1"], f"the move's rules: {moved}")
    check(all("rules" not in e for e in deal["timeline"] if e["what"] == "move"),
          "moves of recorded events name no candidate rules")
    rule_timers = [x for x in deal["timers"] if x["kind"] == "rule"]
    check(len(rule_timers) == 1 and rule_timers[0]["rule"]["line"] > 0, f"timers: {deal['timers']}")
    status, body = reader.get("/console/api/deal/D-404")
    check(status == 404, f"unknown deal: {status}")

    # Stage statistics over a period.
    status, stats = reader.get("/console/api/stats?from=2000-01-01&to=2100-01-01")
    check(status == 200 and stats["pipelines"][0]["stages"][0]["deals_in"] == 6, f"stats: {status}")
    status, stats = reader.get("/console/api/stats?from=2000-01-01&to=2000-01-02")
    check(status == 200 and stats["pipelines"][0]["stages"][0]["deals_in"] == 0, "stats of a period without deals")
    status, body = reader.get("/console/api/stats?from=yesterday")
    check(status == 400 and "from" in body["error"]["message"], f"a bad date: {status} {body}")

    # Versions.
    status, versions = reader.get("/console/api/versions")
    check(status == 200 and versions["running"] and versions["running"] == versions["active"], f"versions: {versions}")
    check(len(versions["deployments"]) >= 1, "the deployment journal")

    # Outbox: dead letters; retrying one.
    status, outbox = reader.get("/console/api/outbox?status=dead")
    check(status == 200 and len(outbox["effects"]) >= 9, f"dead letters: {status} {outbox}")
    dead = outbox["effects"][0]
    check(dead["last_error"] != "" and dead["attempts"] == 2, f"a dead letter: {dead}")
    path = f"/console/api/outbox/{dead['id']}/retry"
    status, body = admin.post(path, csrf=False)
    check(status == 403 and body["error"]["code"] == "csrf", f"retry without CSRF: {status} {body}")
    status, body = admin.post(path, content_type="text/plain")
    check(status == 415, f"retry as text/plain: {status}")
    status, body = reader.post(path)
    check(status == 403 and "admin" in body["error"]["message"], f"retry as read-only: {status} {body}")
    status, still = reader.get("/console/api/outbox?status=dead")
    check(any(e["id"] == dead["id"] for e in still["effects"]), "a refused retry left the letter dead")
    status, body = admin.post(path)
    check(status == 200 and body["status"] == "pending", f"retry as admin: {status} {body}")
    status, body = admin.post(path)
    check(status in (200, 404), f"retrying again: {status}")
    status, body = admin.post("/console/api/outbox/abc/retry")
    check(status == 400, f"a bad effect id: {status}")

    # Logging out ends the session.
    status, _ = reader.post("/console/api/logout")
    check(status == 200, f"logout: {status}")
    status, _ = reader.get("/console/api/board")
    check(status == 401, f"after logout: {status}")


def line_of(text, needle):
    return next(i + 1 for i, line in enumerate(text.split("\n")) if needle in line)


def deployment(srv, voronka, work):
    """POST /v1/modules: a version with a stage before "talk" (every later
    stage's index moves) and rules a line further down."""
    hook = f"http://127.0.0.1:{srv.receiver.port}"
    v1 = FUNNEL.format(hook=hook)
    v2 = FUNNEL.replace("  stage talk", '  stage offer "Предложение" {{ }}\n  stage talk').format(hook=hook)
    admin = Session(srv, ADMIN)
    status, before = admin.get("/console/api/versions")
    status, deal = admin.get("/console/api/deal/D-2")
    timer = [x for x in deal["timers"] if x["kind"] == "rule"][0]
    check(timer["rule"]["line"] == line_of(v1, "after 2d"), f"the timer's rule line on v1: {timer['rule']}")

    module = build(voronka, v2, work, name="v2")
    body = {"module": base64.b64encode(open(module, "rb").read()).decode()}
    status, answer = srv.request("POST", "/v1/modules", body, {"Authorization": "Bearer " + ADMIN})
    check(status in (200, 202), f"deploying v2: {status} {answer}")
    new_version = answer.get("to") if isinstance(answer, dict) else None

    def deployed():
        _, v = admin.get("/console/api/versions")
        return v["running"] == new_version and v["deploying"] is None
    wait_until(deployed, 30, "the console's versions page to run the new version")
    status, versions = admin.get("/console/api/versions")
    check(versions["running"] != before["running"] and versions["active"] == new_version,
          f"versions after the deployment: {versions['running']} {versions['active']}")
    check(len(versions["deployments"]) == len(before["deployments"]) + 1, "the deployment is in the journal")
    status, session = admin.get("/console/api/session")
    stages = [s["name"] for s in session["pipelines"][0]["stages"]]
    check(session["module_version"] == new_version and stages[:3] == ["new", "offer", "talk"],
          f"the session's outline is v2's: {session['module_version']} {stages}")
    status, board = admin.get("/console/api/board")
    counts = {s["name"]: s["deals"] for s in board["stages"]}
    check(board["module_version"] == new_version and counts.get("offer") == 0 and counts.get("talk") == 1 and
          counts.get("contract") == 1 and board["not_moved"] == 0, f"the board on v2: {counts}")
    status, deal = admin.get("/console/api/deal/D-2")
    timer = [x for x in deal["timers"] if x["kind"] == "rule"][0]
    check(deal["deal"]["stage"]["stage"] == "talk" and timer["rule"]["line"] == line_of(v2, "after 2d"),
          f"the deal page reads v2: {deal['deal']['stage']} {timer['rule']}")

    # A deployment the journal says is moving deals (as a `voronka deploy` beside the server, or a
    # large one through the API, leaves it while it runs): every page says so.
    db = sqlite3.connect(os.path.join(work, "store.db"), timeout=10)
    with db:
        running = db.execute(
            "INSERT INTO deployments (started_at, finished_at, by, from_version, to_version, plan, status, result) "
            "VALUES (?, 0, 'test', ?, 'f00df00df00df00d', '{}', 'running', ?)",
            (int(time.time()), new_version, json.dumps({"deals": 3, "deals_in_store": 6}))).lastrowid
    want = {"id": running, "from": new_version, "to": "f00df00df00df00d", "deals_moved": 3, "deals_in_store": 6}
    for page in ("versions", "session", "board"):
        status, body = admin.get("/console/api/" + page)
        got = {k: body["deploying"].get(k) for k in want} if body.get("deploying") else None
        check(got == want, f"{page} shows the deployment in progress: {body.get('deploying')}")
    # Meanwhile a deal not moved yet is on the board by its own version's stage: D-2 on v1's "talk" (index 1,
    # which is v2's "offer").
    with db:
        db.execute("UPDATE deals SET module_version = ?, stage = 1 WHERE id = 'D-2'", (before["running"],))
    status, board = admin.get("/console/api/board")
    counts = {s["name"]: s["deals"] for s in board["stages"]}
    check(counts.get("talk") == 1 and counts.get("offer") == 0, f"a deal on v1 on the v2 board: {counts}")
    status, deal = admin.get("/console/api/deal/D-2")
    check(deal["deal"]["stage"]["stage"] == "talk", f"a deal on v1 is read with v1: {deal['deal']['stage']}")
    with db:
        db.execute("UPDATE deals SET module_version = ?, stage = 2 WHERE id = 'D-2'", (new_version,))
        db.execute("UPDATE deployments SET status = 'done' WHERE id = ?", (running,))
    db.close()
    status, versions = admin.get("/console/api/versions")
    check(versions["deploying"] is None, f"a finished deployment is not in progress: {versions['deploying']}")


if __name__ == "__main__":
    sys.exit(main())
