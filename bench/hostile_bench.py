#!/usr/bin/env python3
"""Figures of the hardening of `voronka serve` (docs/operations.md):
  - requests/s of one healthy keep-alive client, alone and while 64
    slowloris connections dribble their headers (goal: >= 0.8x);
  - the longest stall of a writer's event while N due timers catch up
    after downtime (goal <= 100 ms at 200k);
  - a request with 100k tags: refused at the edge, and how fast.

usage: hostile_bench.py VORONKA [TIMERS]"""
import http.client
import json
import os
import socket
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta, timezone

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "serve"))
from serve_support import Server, build  # noqa: E402

FUNNEL = """
account "B" { timezone "Europe/Moscow" }
field meet: datetime "Встреча"
pipeline p "P" {
  stage a "A" initial { at meet { note "fired" } }
  won "W"
  lost "L" reasons { "a" other "b" }
}
"""


def rate(port, seconds):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    n, end = 0, time.time() + seconds
    while time.time() < end:
        conn.request("GET", "/v1/deals/D-0")
        conn.getresponse().read()
        n += 1
    conn.close()
    return n / seconds


def slowloris(port, count, stop):
    socks = []
    for _ in range(count):
        s = socket.create_connection(("127.0.0.1", port))
        s.sendall(b"GET /v1/deals/D-0 HTTP/1.1\r\nHost: x\r\n")
        socks.append(s)
    while not stop.is_set():
        for s in socks:
            try:
                s.sendall(b"X-a: b\r\n")
            except OSError:
                pass
        stop.wait(1)
    for s in socks:
        s.close()


def post(port, path, body):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    conn.request("POST", path, body=json.dumps(body))
    r = conn.getresponse()
    data = r.read()
    conn.close()
    return r.status, data


def main():
    voronka = os.path.abspath(sys.argv[1])
    timers = int(sys.argv[2]) if len(sys.argv) > 2 else 200_000
    with tempfile.TemporaryDirectory() as work:
        module = build(voronka, FUNNEL, work)
        store = os.path.join(work, "bench.db")
        srv = Server(voronka, module, store, ["--synchronous", "normal"]).start()
        post(srv.port, "/v1/deals", {"id": "D-0", "pipeline": "p"})
        alone = rate(srv.port, 3)
        stop = threading.Event()
        t = threading.Thread(target=slowloris, args=(srv.port, 64, stop))
        t.start()
        time.sleep(1)
        attacked = rate(srv.port, 3)
        stop.set()
        t.join()
        print(f"healthy client: {alone:.0f} req/s alone, {attacked:.0f} req/s with 64 slowloris connections "
              f"({attacked / alone:.2f}x)")

        tags = [f"t{i}" for i in range(100_000)]
        start = time.time()
        status, _ = post(srv.port, "/v1/deals", {"id": "T-1", "pipeline": "p", "tags": tags})
        print(f"a deal with 100k tags: HTTP {status} in {(time.time() - start) * 1000:.0f} ms "
              f"(the cap is 1000 per deal; de-duplication is linear, see EngineLimits tests)")

        # Due once all are created and the server is stopped (creation runs at 5-10k/s).
        due = datetime.now(timezone.utc) + timedelta(seconds=timers / 4000 + 10)
        meet = due.strftime("%Y-%m-%dT%H:%M:%SZ")
        start = time.time()
        for base in range(0, timers, 1000):
            batch = [{"id": f"c{i}", "deal": f"X-{i}", "type": "deal_created", "pipeline": "p",
                      "fields": {"meet": meet}} for i in range(base, min(timers, base + 1000))]
            post(srv.port, "/v1/events", batch)
        print(f"{timers} deals with a timer created in {time.time() - start:.1f} s")
        srv.terminate()
        time.sleep(max(0.0, (due - datetime.now(timezone.utc)).total_seconds()) + 1)
        srv = Server(voronka, module, store, ["--synchronous", "normal"]).start()
        worst, probes, i = 0.0, 0, 0
        begin = time.time()
        while True:
            t0 = time.time()
            status, _ = post(srv.port, "/v1/events", {"id": f"p{i}", "deal": "D-0", "type": "field_set",
                                                      "fields": {"meet": meet}})
            worst = max(worst, time.time() - t0)
            if os.environ.get("BENCH_VERBOSE"): print(f"  probe {i}: {(time.time() - t0) * 1000:.0f} ms")
            probes += 1
            i += 1
            conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=30)
            conn.request("GET", "/healthz")
            pending = json.loads(conn.getresponse().read())["timers_pending"]
            conn.close()
            if pending == 0:
                break
            time.sleep(0.01)
        print(f"{timers} late timers caught up in {time.time() - begin:.1f} s; longest wait of an event meanwhile "
              f"{worst * 1000:.0f} ms over {probes} events")
        srv.terminate()


if __name__ == "__main__":
    main()
