#!/usr/bin/env python3
"""`voronka diff --live` and `voronka replay --store` on a store that
`voronka serve` wrote: the deals and pending timers each change touches,
and per deal what the new version would do differently from what the store
recorded; a store of another module is refused. The same on a PostgreSQL
store while its server runs (when PostgreSQL's binaries are here).

usage: live_test.py VORONKA"""
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "serve"))
from serve_support import Postgres, Server, build  # noqa: E402

OLD = """
account "Тест" { timezone "Europe/Moscow" }
template email hello "Здравствуйте" { body "Здравствуйте, {contact.name}!" }
pipeline shop "Магазин" {
  stage new "Новая" {
    on enter { task "Позвонить" due 1d }
    after 3d { task "Клиент молчит" }
    on link_clicked -> talk
  }
  stage talk "Переговоры" {
    on enter { task "Провести встречу" due 1d }
    on email_received -> offer
  }
  stage offer "Предложение" { on enter { task "Отправить КП" due 1d } }
  won "Оплачено"
  lost "Отказ" reasons { "Дорого" other "Другое" }
}
"""

# The timer fires a day earlier, `offer` is gone, `talk` sends a letter
# instead of setting a task.
NEW = OLD.replace("after 3d", "after 2d").replace(
    '  stage offer "Предложение" { on enter { task "Отправить КП" due 1d } }\n', "").replace(
    '    on enter { task "Провести встречу" due 1d }\n    on email_received -> offer\n',
    "    on enter { email hello }\n")

EVENTS = [
    {"id": "c1", "deal": "D-1", "type": "deal_created", "pipeline": "shop", "contact": {"name": "Анна"}},
    {"id": "c2", "deal": "D-2", "type": "deal_created", "pipeline": "shop", "contact": {"name": "Борис"}},
    {"id": "c3", "deal": "D-3", "type": "deal_created", "pipeline": "shop",
     "contact": {"name": "Вера", "email": "vera@example.ru"}},
    {"id": "c4", "deal": "D-4", "type": "deal_created", "pipeline": "shop",
     "contact": {"name": "Глеб", "email": "gleb@example.ru"}},
    {"id": "l3", "deal": "D-3", "type": "link_clicked"},
    {"id": "l4", "deal": "D-4", "type": "link_clicked"},
    {"id": "m4", "deal": "D-4", "type": "email_received"},
]

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def run(*args):
    return subprocess.run(list(args), capture_output=True, text=True, timeout=60)


def find(changes, **want):
    for ch in changes:
        if all(ch.get(k) == v for k, v in want.items()):
            return ch
    return None


def postgres(voronka, work, old, new_src, log):
    with Postgres() as pg:
        if pg.missing:
            print("skipped on PostgreSQL:", pg.missing)
            return
        srv = Server(voronka, old, pg.spec(), ["--token", "t0ken"]).start()
        try:
            status, body = srv.request("POST", "/v1/events", EVENTS, {"Authorization": "Bearer t0ken"})
            check(status == 202, f"events (PostgreSQL): {status} {body}")
            # The server keeps running: the tools take no lock and write nothing.
            r = run(voronka, "diff", old, new_src, "--live", pg.spec(), "--format", "json")
            changes = json.loads(r.stdout)["changes"] if r.returncode == 1 else []
            timer = find(changes, kind="changed", what="timer", stage="new")
            check(timer is not None and timer.get("live") == {"deals": 2, "timers": 2},
                  f"diff --live on PostgreSQL counts deals and timers: {r.returncode} {r.stderr} {timer}")
            r = run(voronka, "replay", new_src, "--events", log, "--store", pg.spec(), "--format", "json")
            deals = {d["deal"] for d in json.loads(r.stdout)["deals"]} if r.returncode == 1 else set()
            check(deals == {"D-3", "D-4"}, f"replay --store on PostgreSQL: {r.returncode} {r.stderr} {deals}")
            status, _ = srv.request("POST", "/v1/events", {"id": "l1", "deal": "D-1", "type": "link_clicked"},
                                    {"Authorization": "Bearer t0ken"})
            check(status == 202, f"the server went on writing meanwhile: {status}")
        finally:
            srv.terminate()
        r = run(voronka, "diff", old, new_src, "--live", "postgres:")
        check(r.returncode == 2 and "connection string" in r.stderr, f"postgres: without a connection: {r.stderr}")


def main():
    voronka = os.path.abspath(sys.argv[1])
    with tempfile.TemporaryDirectory() as work:
        old = build(voronka, OLD, work, "old")
        new_src = os.path.join(work, "new.funnel")
        with open(new_src, "w", encoding="utf-8") as f:
            f.write(NEW)
        store = os.path.join(work, "store.db")
        srv = Server(voronka, old, store, ["--token", "t0ken"]).start()
        try:
            status, body = srv.request("POST", "/v1/events", EVENTS, {"Authorization": "Bearer t0ken"})
            check(status == 202, f"events: {status} {body}")
            # The running server itself: deals per stage from its API, no timers.
            url = f"http://127.0.0.1:{srv.port}"
            r = run(voronka, "diff", old, new_src, "--live", url, "--token", "t0ken", "--format", "json")
            changes = json.loads(r.stdout)["changes"] if r.returncode == 1 else []
            offer = find(changes, kind="removed", what="stage", name="offer")
            check(offer is not None and offer.get("live") == {"deals": 1}, f"the server's deals in `offer`: {r.stderr}")
            timer = find(changes, kind="changed", what="timer", stage="new")
            check(timer is not None and timer.get("live") == {"deals": 2}, f"the server's deals in `new`: {timer}")
            r = run(voronka, "diff", old, new_src, "--live", url, "--token", "wrong")
            check(r.returncode == 2 and "refused the token" in r.stderr, f"a wrong token: {r.returncode} {r.stderr}")
            other = build(voronka, OLD.replace('offer', 'kp'), work, "kp")
            r = run(voronka, "diff", other, new_src, "--live", url, "--token", "t0ken")
            check(r.returncode == 2 and "runs another funnel" in r.stderr, f"another funnel: {r.stderr}")
        finally:
            srv.terminate()

        r = run(voronka, "diff", old, new_src, "--live", store, "--format", "json")
        check(r.returncode == 1, f"diff --live: exit {r.returncode}: {r.stderr}")
        changes = json.loads(r.stdout)["changes"] if r.returncode == 1 else []
        timer = find(changes, kind="changed", what="timer", stage="new")
        check(timer is not None and timer.get("live") == {"deals": 2, "timers": 2},
              f"the changed timer touches the 2 deals in `new` and their 2 pending timers: {timer}")
        offer = find(changes, kind="removed", what="stage", name="offer")
        check(offer is not None and offer.get("live", {}).get("deals") == 1,
              f"the removed stage `offer` holds 1 deal: {offer}")
        talk = find(changes, kind="changed", what="rule", stage="talk")
        check(talk is not None and talk.get("live", {}).get("deals") == 1, f"the changed rule of `talk`: {talk}")

        text = run(voronka, "diff", old, new_src, "--live", store)
        check("[live: 2 deals, 2 pending timers]" in text.stdout, f"the text shows the counts:\n{text.stdout}")

        # The old version as a source elsewhere: other bytes (a module names its
        # files), the same positions, so the store reads the same with it.
        os.makedirs(os.path.join(work, "src"))
        old_src = os.path.join(work, "src", "shop.funnel")
        with open(old_src, "w", encoding="utf-8") as f:
            f.write(OLD)
        r = run(voronka, "diff", old_src, new_src, "--live", store, "--format", "json")
        again = json.loads(r.stdout)["changes"] if r.returncode == 1 else []
        same = find(again, kind="changed", what="timer", stage="new")
        check(same is not None and same.get("live") == {"deals": 2, "timers": 2},
              f"the source gives the same counts: {r.returncode} {r.stderr}")

        log = os.path.join(work, "events.jsonl")
        with open(log, "w", encoding="utf-8") as f:
            for e in EVENTS:
                f.write(json.dumps(e, ensure_ascii=False) + "\n")
        r = run(voronka, "replay", new_src, "--events", log, "--store", store, "--format", "json")
        check(r.returncode == 1, f"replay --store: exit {r.returncode}: {r.stderr}")
        deals = {d["deal"]: d["differences"] for d in json.loads(r.stdout)["deals"]} if r.returncode == 1 else {}
        check(set(deals) == {"D-3", "D-4"}, f"only D-3 and D-4 differ: {sorted(deals)}")
        d3 = [(x["change"], x["what"], x["text"]) for x in deals.get("D-3", [])]
        check(any(c == "added" and w == "effect" and "hello" in t for c, w, t in d3), f"D-3 gets the letter: {d3}")
        check(any(c == "removed" and w == "task" and "Провести встречу" in t for c, w, t in d3),
              f"D-3 no longer gets the task: {d3}")
        d4 = [(x["change"], x["what"], x["text"]) for x in deals.get("D-4", [])]
        check(any(c == "removed" and w == "stage" and "offer" in t for c, w, t in d4),
              f"D-4 no longer moves to offer: {d4}")

        # A store of another module: its deals would be misread.
        other = build(voronka, OLD.replace("after 3d", "after 5d"), work, "other")
        r = run(voronka, "diff", other, new_src, "--live", store)
        check(r.returncode == 2 and "runs another module" in r.stderr, f"another module: {r.returncode} {r.stderr}")
        r = run(voronka, "replay", new_src, "--events", log, "--store", store, "--old", other)
        check(r.returncode == 2 and "runs another module" in r.stderr, f"replay, another module: {r.stderr}")
        r = run(voronka, "diff", old, new_src, "--live", os.path.join(work, "missing.db"))
        check(r.returncode == 2 and "no such store file" in r.stderr, f"a missing store: {r.stderr}")

        postgres(voronka, work, old, new_src, log)

    if failures:
        print(f"{len(failures)} failure(s)")
        return 1
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
