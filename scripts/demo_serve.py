#!/usr/bin/env python3
"""The durable part of `make demo`: serve the furniture example on SQLite,
drive three deals through it over the HTTP API, print their states and the
effects in the outbox, and stop the server with SIGTERM.

usage: demo_serve.py VORONKA MODULE WORKDIR"""
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request


def call(base, method, path, body=None):
    data = json.dumps(body, ensure_ascii=False).encode() if body is not None else None
    req = urllib.request.Request(base + path, data=data, method=method, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


def main():
    voronka, module, work = sys.argv[1:4]
    store = os.path.join(work, "furniture.db")
    proc = subprocess.Popen([voronka, "serve", module, "--store", "sqlite:" + store, "--listen", "127.0.0.1:0"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = proc.stdout.readline().strip()
    print(line)
    if "listening on " not in line:
        print(proc.stderr.read(), file=sys.stderr)
        return 1
    base = line.split("listening on ")[1].split()[0]
    try:
        steps = [
            ("POST", "/v1/deals", {"id": "D-1", "pipeline": "retail", "fields": {"source": "ads"},
                                   "contact": {"name": "Вера", "email": "vera@example.ru", "phone": "+79000000001"}}),
            ("POST", "/v1/deals", {"id": "D-2", "pipeline": "retail", "fields": {"source": "site"},
                                   "contact": {"name": "Глеб", "email": "gleb@example.ru"}}),
            ("POST", "/v1/deals", {"id": "D-3", "pipeline": "retail", "fields": {"source": "call"},
                                   "contact": {"name": "Анна"}}),
            ("POST", "/v1/deals/D-1/move", {"stage": "collect"}),
            ("POST", "/v1/events", [
                {"id": "f-1", "deal": "D-1", "type": "form_submitted", "arg": "buyer_form",
                 "payload": {"goal": "угловой диван", "budget": 120000, "purchase_type": "custom"}},
                {"id": "c-1", "deal": "D-1", "type": "link_clicked", "arg": "price_segments"}]),
            ("POST", "/v1/deals/D-2/move", {"stage": "contract"}),          # refused: the guard
            ("POST", "/v1/deals/D-3/move", {"stage": "lost", "reason": "Дорого"}),
            ("POST", "/v1/events", {"id": "c-1", "deal": "D-1", "type": "link_clicked", "arg": "price_segments"}),
            ("POST", "/v1/events", {"id": "x-1", "deal": "D-9", "type": "call_missed"}),
        ]
        for method, path, body in steps:
            status, reply = call(base, method, path, body)
            short = reply.get("error", {}).get("message") if isinstance(reply, dict) and "error" in reply else \
                reply.get("stage") or reply.get("status") or (len(reply.get("results", [])) and "batch applied")
            print(f"  {method} {path:<22} -> {status} {short}")
        print()
        for deal in ("D-1", "D-2", "D-3"):
            _, d = call(base, "GET", f"/v1/deals/{deal}")
            open_tasks = [t["text"] for t in d["tasks"] if not t["done"]]
            print(f"  {deal} {d['contact']['name']}: {d['pipeline']}.{d['stage']}, responsible {d.get('responsible', '-')}, "
                  f"{len(d['history'])} moves, open tasks: {open_tasks}")
            for e in d["effects"]:
                p = e["payload"]
                what = p.get("subject") or p.get("text") or p.get("url") or ""
                print(f"      {e['kind']:<8} {e['status']:<9} {what}")
        _, pipelines = call(base, "GET", "/v1/pipelines")
        counts = ", ".join(f"{s['name']} {s['deals']}" for s in pipelines["pipelines"][0]["stages"] if s["deals"])
        print(f"\n  deals per stage: {counts}")
        print("  (no mail server is configured here: letters wait in the outbox as pending or,"
              " after their attempts, dead letters; see docs/serve.md)")
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
        print("  " + err.strip().replace("\n", "\n  "))
    return proc.returncode


if __name__ == "__main__":
    sys.exit(main())
