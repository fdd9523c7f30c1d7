#!/usr/bin/env python3
"""Deliveries/s of the outbox relay to a healthy webhook receiver (loopback),
alone and while another receiver hangs on every request (docs/serve.md,
Concurrency): with the default limits (concurrency 8, per_target 2) and
with concurrency 1 (one delivery at a time, as the relay was before).

N deals are created while the healthy receiver holds its requests; then it
is released, and the time until all N webhooks are answered is measured.

With --shared W: W `voronka serve --workers shared` processes on a
throwaway PostgreSQL instead, N/3 deals of three webhooks each (a deal's
webhooks go one at a time, in order, across the processes: docs/scaling.md)
and N deals of one webhook; created through the first process while the
receiver holds its requests, then timed from its release. A third run
creates N/5 deals for the hanging receiver first: their effects come first
in outbox order, and the workers' claims look past them.

usage: outbox_bench.py VORONKA [N] [--shared W]"""
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "serve"))
from outbox_test import Receiver, create, funnel  # noqa: E402
from serve_support import Postgres, Server, build, free_port, wait_until  # noqa: E402

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


def run_shared(voronka, work, pg, deals, steps, workers, index, hanging=0):
    slow, fast = Receiver(hang=True), Receiver(hang=True)
    servers = []
    try:
        module = build(voronka, funnel(slow.url(), fast.url(), steps=steps), work, name=f"shared{index}")
        config = os.path.join(work, f"shared{index}.toml")
        with open(config, "w") as f:
            f.write(f"[outbox]\ntimeout = {HANG_TIMEOUT}\npoll_interval_ms = 100\n")
        schema = f"bench{index}"
        subprocess.run([os.path.join(pg.bin, "psql"), "-h", pg.dir, "-U", "voronka", "-d", "postgres", "-qc",
                        f"CREATE SCHEMA {schema}"], check=True, capture_output=True)
        store = pg.spec() + f" options=-csearch_path={schema}"
        for _ in range(workers):
            servers.append(Server(voronka, module, store, port=free_port(),
                                  extra=["--workers", "shared", "--config", config,
                                         "--allow-webhook-host", "127.0.0.1"]).start())
        # A hanging receiver's backlog ahead of the healthy one's effects in
        # outbox order: each claim has to look past it.
        for i in range(hanging):
            create(servers[i % workers], f"S-{i}", "slow")
        if hanging:
            wait_until(lambda: slow.count("arrived") >= 1, 60, "a delivery to the hanging receiver")
        for i in range(deals):
            create(servers[i % workers], f"F-{i}", "fast")
        total = deals * steps
        wait_until(lambda: fast.count("arrived") >= 1, 60, "the first delivery")
        start = time.time()
        fast.gate.set()
        deadline = start + 10 * HANG_TIMEOUT
        while fast.count("answered") < total and time.time() < deadline:
            time.sleep(0.01)
        took = time.time() - start
        done = fast.count("answered")
        takeovers = 0
        for srv in servers:
            _, text = srv.request("GET", "/metrics")
            takeovers += sum(int(float(line.split()[-1])) for line in str(text).splitlines()
                             if line.startswith("voronka_worker_lease_takeovers_total"))
            srv.terminate(timeout=HANG_TIMEOUT + 30)
        servers = []
        return done, total, took, takeovers
    finally:
        for srv in servers:
            srv.kill()
        slow.stop()
        fast.stop()


def main_shared(voronka, n, workers):
    with tempfile.TemporaryDirectory() as work, Postgres() as pg:
        if pg.missing:
            print("outbox shared workers skipped:", pg.missing)
            return
        for index, (deals, steps, hanging) in enumerate(((n, 1, 0), (n // 3, 3, 0), (n, 1, n // 5))):
            done, total, took, takeovers = run_shared(voronka, work, pg, deals, steps, workers, index, hanging)
            label = f"{workers} shared workers, {deals} deals x {steps} webhook{'s' if steps > 1 else ''}"
            if hanging:
                label += f", {hanging} to a hanging receiver ahead"
            # A lease taken over (its worker could not extend it in time) is delivered twice.
            again = f" ({takeovers} leases taken over)" if takeovers else ""
            if done >= total:
                print(f"{label}: {done} webhooks answered in {took:.2f} s = {done / took:.0f} deliveries/s{again}")
            else:
                print(f"{label}: {done} of {total} webhooks delivered in {took:.0f} s{again}")


def main():
    args = sys.argv[1:]
    workers = 0
    if "--shared" in args:
        at = args.index("--shared")
        workers = int(args[at + 1])
        del args[at:at + 2]
    voronka = os.path.abspath(args[0])
    n = int(args[1]) if len(args) > 1 else 1000
    if workers:
        main_shared(voronka, n, workers)
        return
    with tempfile.TemporaryDirectory() as work:
        index = 0
        for concurrency in (8, 1):
            for hanging in (False, True):
                index += 1
                done, took = run(voronka, work, n, concurrency, hanging, index)
                label = f"concurrency {concurrency}, {'one receiver hanging' if hanging else 'alone':21}"
                if done >= n:  # an attempt that timed out while held is answered late, and counted again
                    print(f"{label}: {n} webhooks in {took:.2f} s = {n / took:.0f} deliveries/s")
                else:
                    print(f"{label}: {done} of {n} webhooks delivered in {took:.0f} s (held by the hanging one)")


if __name__ == "__main__":
    main()
