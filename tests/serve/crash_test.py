#!/usr/bin/env python3
"""The crash test of the durable runtime (loopback only, bounded).

Starts `voronka serve` on SQLite, sends events with ids from several client
threads while a local webhook receiver counts deliveries, kills the server
with SIGKILL at random moments several times, restarts it, and resends every
event that was not acknowledged. Then checks:
  - every acknowledged event was applied exactly once (notes per deal);
  - no duplicate tasks;
  - every due timer fired exactly once;
  - every effect of the outbox was delivered at least once, always with the
    same key, so the receiver dedups to exactly one per effect.

usage: crash_test.py VORONKA [--deals N] [--kills K] [--seed S]"""
import argparse
import http.client
import json
import os
import random
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta, timezone

from serve_support import Server, WebhookReceiver, build, free_port, wait_until

CLICKS = 3


def funnel(hook):
    return f"""
account "Crash" {{ timezone "Europe/Moscow" }}
field fire_at: datetime "Когда"
pipeline p "P" {{
  stage a "A" initial {{
    on enter {{
      task "Разобрать {{deal.id}}"
      webhook "{hook}/created" with {{ deal: deal.id }}
    }}
    on link_clicked {{
      note "clicked"
      webhook "{hook}/clicked" with {{ deal: deal.id }}
    }}
    at fire_at {{
      note "fired"
      webhook "{hook}/timer" with {{ deal: deal.id }}
    }}
  }}
  won "W"
  lost "L" reasons {{ "a" other "b" }}
}}
"""


class Cluster:
    """One server process at a time on a fixed port, restarted after each kill."""

    def __init__(self, voronka, module, store, port):
        self.voronka, self.module, self.store, self.port = voronka, module, store, port
        self.lock = threading.Lock()
        self.server = None
        self.generation = 0

    def start(self):
        with self.lock:
            for attempt in range(50):
                try:
                    # The webhook receiver is on loopback, which serve refuses unless allowed.
                    self.server = Server(self.voronka, self.module, self.store, port=self.port,
                                         extra=["--allow-webhook-host", "127.0.0.1"]).start()
                    self.generation += 1
                    return
                except AssertionError as e:
                    if "cannot listen" not in str(e):
                        raise
                    time.sleep(0.1)  # the killed process's socket is still being released
            raise AssertionError("could not restart the server")

    def kill(self):
        with self.lock:
            self.server.kill()

    def request(self, method, path, body=None):
        server = self.server
        return server.request(method, path, body, timeout=10)


def send_until_acknowledged(cluster, event, acked, stats):
    while True:
        try:
            status, payload = cluster.request("POST", "/v1/events", event)
        except (OSError, http.client.HTTPException):
            # Killed before or while answering (a cut-off body is an
            # IncompleteRead): not acknowledged, so send it again.
            stats["retries"] += 1
            time.sleep(0.05)
            continue
        if status in (200, 202):
            acked.append(event["id"])
            if status == 200:
                stats["duplicates"] += 1
            return
        if status == 503:
            stats["retries"] += 1
            time.sleep(0.05)
            continue
        raise AssertionError(f"event {event['id']}: HTTP {status} {payload}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("voronka")
    ap.add_argument("--deals", type=int, default=200)
    ap.add_argument("--kills", type=int, default=4)
    ap.add_argument("--seed", type=int, default=int(time.time()))
    args = ap.parse_args()
    rng = random.Random(args.seed)
    print(f"crash test: {args.deals} deals, {args.kills} kills, seed {args.seed}")
    voronka = os.path.abspath(args.voronka)

    receiver = WebhookReceiver()
    with tempfile.TemporaryDirectory() as work:
        module = build(voronka, funnel(f"http://127.0.0.1:{receiver.port}"), work)
        cluster = Cluster(voronka, module, os.path.join(work, "crash.db"), free_port())
        cluster.start()

        now = datetime.now(timezone.utc)
        per_deal = []
        for d in range(args.deals):
            deal = f"D-{d}"
            fire_at = (now + timedelta(seconds=rng.uniform(1, 4))).strftime("%Y-%m-%dT%H:%M:%SZ")
            events = [{"id": f"{deal}-create", "deal": deal, "type": "deal_created", "pipeline": "p",
                       "fields": {"fire_at": fire_at}}]
            events += [{"id": f"{deal}-click-{i}", "deal": deal, "type": "link_clicked"} for i in range(CLICKS)]
            per_deal.append(events)

        acked, stats = [], {"retries": 0, "duplicates": 0}
        errors = []

        def client(deals):
            try:
                for events in deals:
                    for e in events:
                        send_until_acknowledged(cluster, e, acked, stats)
            except Exception as e:  # noqa: BLE001 - reported below
                errors.append(e)

        clients = [threading.Thread(target=client, args=(per_deal[i::4],)) for i in range(4)]
        for t in clients:
            t.start()
        # Kill at random moments while the clients send (and the relay delivers).
        kills = 0
        while kills < args.kills and any(t.is_alive() for t in clients):
            time.sleep(rng.uniform(0.02, 0.25))
            cluster.kill()
            kills += 1
            time.sleep(rng.uniform(0.0, 0.1))
            cluster.start()
        for t in clients:
            t.join(timeout=120)
        if errors:
            raise errors[0]
        total = args.deals * (1 + CLICKS)
        assert len(acked) == total, f"{len(acked)} of {total} events acknowledged"

        # One more crash after everything is acknowledged, while timers and
        # the outbox are still busy.
        time.sleep(0.3)
        cluster.kill()
        cluster.start()

        def settled():
            status, h = cluster.request("GET", "/healthz")
            return status == 200 and h["timers_pending"] == 0 and h["outbox_backlog"] == 0

        try:
            wait_until(settled, 60, "every timer to fire and the outbox to drain")
        except AssertionError:
            print("  health:", cluster.request("GET", "/healthz")[1])
            print("  dead letters:", json.dumps(cluster.request("GET", "/v1/outbox?status=dead&limit=3")[1], ensure_ascii=False)[:600])
            print("  pending:", json.dumps(cluster.request("GET", "/v1/outbox?status=pending&limit=3")[1], ensure_ascii=False)[:600])
            raise

        failures = []
        store_keys = set()
        for d in range(args.deals):
            status, deal = cluster.request("GET", f"/v1/deals/D-{d}")
            if status != 200:
                failures.append(f"D-{d}: HTTP {status}")
                continue
            notes = [n["text"] for n in deal["notes"]]
            if notes.count("clicked") != CLICKS:
                failures.append(f"D-{d}: {notes.count('clicked')} clicks applied, expected {CLICKS}")
            if notes.count("fired") != 1:
                failures.append(f"D-{d}: the timer fired {notes.count('fired')} times")
            if len(deal["tasks"]) != 1:
                failures.append(f"D-{d}: {len(deal['tasks'])} tasks")
            for e in deal["effects"]:
                store_keys.add(e["key"])
                if e["status"] != "delivered":
                    failures.append(f"D-{d}: effect {e['key']} is {e['status']}")
        expected_effects = args.deals * (2 + CLICKS)
        if len(store_keys) != expected_effects:
            failures.append(f"{len(store_keys)} distinct effects in the store, expected {expected_effects}")
        received = receiver.keys()
        distinct = set(received)
        if distinct != store_keys:
            failures.append(f"delivered keys differ from the store's: {len(distinct - store_keys)} unknown, "
                            f"{len(store_keys - distinct)} never delivered")
        if None in distinct:
            failures.append("a delivery without an Idempotency-Key")
        code, err = cluster.server.terminate()
        if code != 0:
            failures.append(f"serve exited with {code} after SIGTERM: {err}")
        receiver.stop()

        print(f"  {kills} kills while sending, then one more while timers and the outbox were busy")
        print(f"  {len(acked)} events acknowledged, {stats['retries']} resends after crashes, "
              f"{stats['duplicates']} answered as duplicates, {cluster.generation} server starts")
        print(f"  {len(received)} webhook deliveries for {len(distinct)} effects "
              f"({len(received) - len(distinct)} redelivered with the same key)")
        if failures:
            for f in failures[:20]:
                print("FAIL:", f)
            print(f"crash test failed (seed {args.seed})")
            return 1
    print("crash test: passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
