#!/usr/bin/env python3
"""Bad input to `voronka serve` gets a clear 4xx, the server keeps serving
and the store does not change; good input is answered after it is stored.

usage: api_test.py VORONKA [--postgres]

With --postgres the store is PostgreSQL: a throwaway server the test starts
(serve_support.Postgres); without its binaries the test is skipped (exit 77)."""
import json
import os
import subprocess
import sys
import tempfile

from serve_support import Postgres, Server, build

FUNNEL = """
account "Тест" { timezone "Europe/Moscow" workhours mon..fri 09:00-18:00 }
field budget: money "Бюджет"
field source: enum { site "Сайт", call "Звонок" } "Источник"
team sales "Продажи" { anna "Анна" }
pipeline shop "Магазин" {
  stage new "Новая" initial {
    on enter { task "Позвонить" due 1d }
    on link_clicked -> talk
    on payment_received { note "Оплата {amount}" }
  }
  stage talk "Переговоры" {
    require budget > 0 "Заполните бюджет"
    on enter { task "Провести встречу" due 1d }
  }
  stage contract "Договор" { on enter { task "Подписать договор" due 1d } }
  won "Оплачено"
  lost "Отказ" reasons { "Дорого" "Сроки" "Выбрали других" "Нет бюджета" "Не отвечает" other "Другое" }
}
"""

TOKEN = "s3cret-token"
AUTH = {"Authorization": "Bearer " + TOKEN}
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def expect(srv, method, path, body, status, code=None, headers=AUTH, contains=None):
    got, payload = srv.request(method, path, body, headers)
    where = f"{method} {path} {str(body)[:60]!r}"
    check(got == status, f"{where}: status {got}, expected {status}: {payload}")
    if code is not None:
        actual = payload.get("error", {}).get("code") if isinstance(payload, dict) else None
        check(actual == code, f"{where}: error code {actual!r}, expected {code!r}")
    if contains is not None:
        check(contains in json.dumps(payload, ensure_ascii=False), f"{where}: {contains!r} not in {payload}")
    return payload


def snapshot(srv):
    _, deal = srv.request("GET", "/v1/deals/D-1", headers=AUTH)
    _, health = srv.request("GET", "/healthz")
    for key in ("created_at", "entered_at"):
        deal.pop(key, None)
    return json.dumps(deal, sort_keys=True), health


def main():
    voronka = os.path.abspath(sys.argv[1])
    if "--postgres" in sys.argv[2:]:
        with Postgres() as pg:
            if pg.missing:
                print(f"SKIPPED: {pg.missing}")
                return 77
            return run(voronka, pg.spec(), pg)
    return run(voronka, None)


def run(voronka, store, pg=None):
    with tempfile.TemporaryDirectory() as work:
        module = build(voronka, FUNNEL, work)
        store = store or "sqlite:" + os.path.join(work, "store.db")
        srv = Server(voronka, module, store, ["--token", TOKEN]).start()
        try:
            # Good input first: a deal, then an event.
            expect(srv, "POST", "/v1/deals", {"id": "D-1", "pipeline": "shop", "fields": {"source": "site"},
                                              "contact": {"name": "Анна"}}, 201, contains="Позвонить")
            expect(srv, "POST", "/v1/events", {"id": "e-1", "deal": "D-1", "type": "payment_received",
                                               "payload": {"amount": 1500}}, 202)
            expect(srv, "POST", "/v1/events", {"id": "e-1", "deal": "D-1", "type": "payment_received",
                                               "payload": {"amount": 1500}}, 200, contains="duplicate")
            before = snapshot(srv)

            # Authentication.
            expect(srv, "POST", "/v1/events", {"id": "x", "deal": "D-1", "type": "link_clicked"}, 401,
                   "unauthorized", headers={}, contains="Authorization: Bearer")
            expect(srv, "GET", "/v1/deals/D-1", None, 401, "unauthorized", headers={"Authorization": "Bearer wrong"})
            # Malformed bodies and events.
            expect(srv, "POST", "/v1/events", '{"id": "x", "deal": ', 400, "malformed_json", contains="line 1, column")
            expect(srv, "POST", "/v1/events", "[]", 400, "bad_request", contains="empty")
            expect(srv, "POST", "/v1/events", "42", 400, "bad_request")
            expect(srv, "POST", "/v1/events", {"deal": "D-1", "type": "link_clicked"}, 400, "invalid_event",
                   contains="\\\"id\\\" is missing")
            expect(srv, "POST", "/v1/events", {"id": "x", "deal": "D-1", "type": "teleported"}, 400, "invalid_event",
                   contains="unknown event \\\"teleported\\\"")
            expect(srv, "POST", "/v1/events", {"id": "x2", "deal": "D-404", "type": "link_clicked"}, 404,
                   contains="there is no deal")
            expect(srv, "POST", "/v1/events", {"id": "x3", "deal": "D-1", "type": "payment_received",
                                               "payload": {"amount": "много"}}, 400, contains="expected a number")
            expect(srv, "POST", "/v1/events", {"id": "x4", "deal": "D-1", "type": "field_set",
                                               "fields": {"budget": True}}, 400, contains="budget")
            expect(srv, "POST", "/v1/events", {"id": "x5", "deal": "D-1", "type": "field_set",
                                               "fields": {"source": "radio"}}, 400, contains="source")
            expect(srv, "POST", "/v1/events", {"id": "x6", "deal": "D-1", "type": "payment_received",
                                               "payload": {"amount": 1, "tip": 2}}, 400, contains="tip")
            # A batch with one malformed event applies none of it.
            expect(srv, "POST", "/v1/events", [{"id": "b1", "deal": "D-1", "type": "link_clicked"},
                                               {"id": "b2", "deal": "D-1"}], 400, "invalid_event",
                   contains="event 1")
            # Oversized body.
            big = json.dumps({"id": "big", "deal": "D-1", "type": "field_set", "fields": {"x": "я" * 700_000}})
            expect(srv, "POST", "/v1/events", big, 413, "too_large", contains="max_body_bytes")
            # Deals and moves.
            expect(srv, "POST", "/v1/deals", {"pipeline": "shop"}, 400, "invalid_deal")
            expect(srv, "POST", "/v1/deals", {"id": "D-2", "pipeline": "nowhere"}, 400, contains="no pipeline")
            expect(srv, "POST", "/v1/deals/D-1/move", {"stage": "talk"}, 409, "rejected", contains="Заполните бюджет")
            expect(srv, "POST", "/v1/deals/D-1/move", {"stage": "moon"}, 400, contains="no stage")
            expect(srv, "POST", "/v1/deals/D-404/move", {"stage": "talk"}, 404)
            expect(srv, "POST", "/v1/deals/D-1/move", {"stage": "talk", "speed": 3}, 400, contains="unknown key")
            expect(srv, "GET", "/v1/deals/D-404", None, 404, "unknown_deal")
            expect(srv, "GET", "/v1/outbox?status=lost", None, 400)
            expect(srv, "GET", "/v1/nowhere", None, 404, "not_found")

            check(snapshot(srv) == before, "bad requests changed the store")

            # Still serving: a valid move after all that.
            expect(srv, "POST", "/v1/events", {"id": "f-1", "deal": "D-1", "type": "field_set", "fields": {"budget": 50000}}, 202)
            moved = expect(srv, "POST", "/v1/deals/D-1/move", {"stage": "talk"}, 200)
            check(moved.get("stage") == "talk", f"the move did not happen: {moved}")
            check(moved.get("previous_stage") == "shop.new", f"the deal does not say where it came from: {moved}")
            _, pipelines = srv.request("GET", "/v1/pipelines", headers=AUTH)
            stages = {s["name"]: s["deals"] for s in pipelines["pipelines"][0]["stages"]}
            check(stages.get("talk") == 1 and stages.get("new") == 0, f"deal counts per stage: {stages}")
            status, metrics = srv.request("GET", "/metrics")
            check(status == 200 and 'voronka_events_total{outcome="applied"}' in metrics, "metrics")

            # A second server on the same store is refused, and the first one keeps serving.
            second = subprocess.run([voronka, "serve", module, "--store", store,
                                     "--listen", "127.0.0.1:0", "--token", TOKEN],
                                    capture_output=True, text=True, timeout=30)
            check(second.returncode == 1, f"a second server on the store exited with {second.returncode}")
            busy = ("is served by another voronka already" if store.startswith("postgres:")
                    else f"already being served by another process (pid {srv.proc.pid})")
            check(busy in second.stderr, f"the second server's message: {second.stderr!r}")
            expect(srv, "GET", "/v1/deals/D-1", None, 200)

            if pg:
                # The database goes away: events are refused as not stored, the
                # server keeps running, and serves again once the database is back.
                pg.stop()
                status, body = srv.request("POST", "/v1/events", {"id": "g-1", "deal": "D-1", "type": "link_clicked"},
                                           AUTH)
                check(status >= 500 and "not stored" in json.dumps(body), f"with the database down: {status} {body}")
                status, body = srv.request("GET", "/healthz")
                check(status != 200 and "store_unavailable" in json.dumps(body), f"healthz down: {status} {body}")
                pg.start()
                expect(srv, "POST", "/v1/events", {"id": "g-2", "deal": "D-1", "type": "payment_received",
                                                   "payload": {"amount": 10}}, 202)
                check(srv.request("GET", "/healthz")[0] == 200, "healthz after the database came back")

            # Unreachable: a clear error naming where, never the password, and no crash.
            if store.startswith("postgres:"):
                r = subprocess.run([voronka, "serve", module, "--store",
                                    "postgres:host=/nonexistent/voronka dbname=crm password=sekret",
                                    "--listen", "127.0.0.1:0"], capture_output=True, text=True, timeout=60)
                check(r.returncode == 2 and "cannot connect to PostgreSQL at dbname=crm host=/nonexistent/voronka"
                      in r.stderr and "sekret" not in r.stderr, f"unreachable database: {r.returncode} {r.stderr!r}")
        finally:
            code, err = srv.terminate()
            check(code == 0, f"serve exited with {code} after SIGTERM: {err}")
    if failures:
        print(f"{len(failures)} check(s) failed")
        return 1
    print("api: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
