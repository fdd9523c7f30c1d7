#!/usr/bin/env python3
"""Deliveries/s of the outbox relay to a healthy webhook receiver (loopback),
alone and while another receiver hangs on every request (docs/serve.md,
Concurrency): with the default limits (concurrency 8, per_target 2) and
with concurrency 1 (one delivery at a time, as the relay was before).

N deals are created while the healthy receiver holds its requests; then it
is released, and the time until all N webhooks are answered is measured.

usage: outbox_bench.py VORONKA [N]"""
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "serve"))
from outbox_test import Receiver, create, funnel  # noqa: E402
from serve_support import Server, build, wait_until  # noqa: E402

HANG_TIMEOUT = 30  # seconds an attempt to the hanging receiver takes before it is retried


def run(voronka, work, n, concurrency, hanging, index):
    slow, fast = Receiver(hang=True), Receiver(hang=True)
    try:
        module = build(voronka, funnel(slow.url(), fast.url(), steps=1), work, name=f"bench{index}")
        config = os.path.join(work, f"serve{index}.toml")
        with open(config, "w") as f:
            f.write(f"[outbox]\ntimeout = {HANG_TIMEOUT}\npoll_interval_ms = 100\nconcurrency = {concurrency}\n")
        srv = Server(voronka, module, os.path.join(work, f"bench{index}.db"),
                     extra=["--config", config, "--allow-webhook-host", "127.0.0.1"]).start()
        if hanging:
            for i in range(10):
                create(srv, f"S-{i}", "slow")
            wait_until(lambda: slow.count("arrived") >= 1, 30, "a delivery to the hanging receiver")
        for i in range(n):
            create(srv, f"F-{i}", "fast")
        start = time.time()
        fast.gate.set()
        deadline = start + 2 * HANG_TIMEOUT
        while fast.count("answered") < n and time.time() < deadline:
            time.sleep(0.01)
        took = time.time() - start
        done = fast.count("answered")
        slow.gate.set()
        srv.terminate(timeout=HANG_TIMEOUT + 30)
        return done, took
    finally:
        slow.stop()
        fast.stop()


def main():
    voronka = os.path.abspath(sys.argv[1])
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
    with tempfile.TemporaryDirectory() as work:
        index = 0
        for concurrency in (8, 1):
            for hanging in (False, True):
                index += 1
                done, took = run(voronka, work, n, concurrency, hanging, index)
                label = f"concurrency {concurrency}, {'one receiver hanging' if hanging else 'alone':21}"
                if done == n:
                    print(f"{label}: {n} webhooks in {took:.2f} s = {n / took:.0f} deliveries/s")
                else:
                    print(f"{label}: {done} of {n} webhooks delivered in {took:.0f} s (held by the hanging one)")


if __name__ == "__main__":
    main()
