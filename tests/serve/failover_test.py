#!/usr/bin/env python3
"""Failover of shared workers to a promoted streaming replica (docs/scaling.md).

A throwaway primary and a streaming replica made with pg_basebackup -R,
the replica named in synchronous_standby_names (so a commit returns only
once the replica has it). Two `voronka serve --workers shared` connect with
host=PRIMARY,REPLICA and target_session_attrs=read-write. Clients send
events; midway the primary is stopped (immediate: as if it crashed) and the
replica promoted. The workers find the new primary on their own; clients
resend what was not acknowledged. Then: every acknowledged event is applied
on the new primary, once and in order per deal.

usage: failover_test.py VORONKA"""
import http.client
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time

from serve_support import Postgres, Server, build, free_port, wait_until

STEPS = 4
DEALS = 150


FUNNEL = """
account "Failover" { timezone "Europe/Moscow" }
event step(n: number)
pipeline p "P" {
  stage a "A" initial {
    on step { note "step {n}" }
  }
  won "W"
  lost "L" reasons { "a" other "b" }
}
"""


class Cluster(Postgres):
    """Postgres (serve_support) as the primary, plus a synchronous streaming replica."""

    def __init__(self):
        super().__init__()
        self.replica_dir = tempfile.mkdtemp(prefix="voronka_pg_replica_")

    def start(self):
        # As serve_support's, but durable commits that wait for the replica.
        self._run("pg_ctl", "-D", os.path.join(self.dir, "data"), "-l", os.path.join(self.dir, "server.log"), "-w",
                  "-t", "60", "-o",
                  f"-k {self.dir} -c listen_addresses= -c fsync=off -c synchronous_commit=on "
                  "-c wal_level=replica -c max_wal_senders=4 -c synchronous_standby_names=replica1",
                  "start")
        self.started = True

    def start_replica(self):
        if self.user:
            import pwd
            pw = pwd.getpwnam(self.user)
            os.chown(self.replica_dir, pw.pw_uid, pw.pw_gid)
        data = os.path.join(self.replica_dir, "data")
        self._run("pg_basebackup", "-h", self.dir, "-U", "voronka", "-D", data, "-R", "-X", "stream")
        # The replica names itself so that synchronous_standby_names finds it.
        conf = os.path.join(data, "postgresql.auto.conf")
        self._run("sh", "-c", f"echo \"primary_conninfo = 'host={self.dir} user=voronka "
                              f"application_name=replica1'\" >> {conf}")
        self._run("pg_ctl", "-D", data, "-l", os.path.join(self.replica_dir, "server.log"), "-w", "-t", "60", "-o",
                  f"-k {self.replica_dir} -c listen_addresses= -c fsync=off", "start")

    def _run(self, *args):
        if args[0] == "sh":
            cmd = (["runuser", "-u", self.user, "--"] if self.user else []) + list(args)
            r = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
            if r.returncode != 0:
                raise AssertionError(f"{args} failed: {r.stdout}{r.stderr}")
            return
        super()._run(*args)

    def psql(self, host, sql):
        cmd = [os.path.join(self.bin, "psql"), "-h", host, "-U", "voronka", "-d", "postgres", "-F", "\t", "-Atc", sql]
        return subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.strip()

    def crash_primary(self):
        self._run("pg_ctl", "-D", os.path.join(self.dir, "data"), "-m", "immediate", "-w", "stop")
        self.started = False

    def promote(self):
        self._run("pg_ctl", "-D", os.path.join(self.replica_dir, "data"), "-w", "promote")

    def __exit__(self, *exc):
        data = os.path.join(self.replica_dir, "data")
        if os.path.exists(os.path.join(data, "postmaster.pid")):
            self._run("pg_ctl", "-D", data, "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.replica_dir, ignore_errors=True)
        super().__exit__(*exc)


def main():
    voronka = os.path.abspath(sys.argv[1])
    with Cluster() as pg:
        if pg.missing:
            print(f"SKIPPED: {pg.missing}")
            return 77
        if not os.path.exists(os.path.join(pg.bin, "pg_basebackup")):
            print("SKIPPED: pg_basebackup was not found")
            return 77
        pg.start_replica()
        wait_until(lambda: pg.psql(pg.dir, "SELECT sync_state FROM pg_stat_replication") == "sync", 30,
                   "the replica to stream synchronously")
        return run(voronka, pg)


def run(voronka, pg):
    store = (f"postgres:host={pg.dir},{pg.replica_dir} user=voronka dbname=postgres "
             "target_session_attrs=read-write connect_timeout=2")
    with tempfile.TemporaryDirectory() as work:
        module = build(voronka, FUNNEL, work)
        servers = [Server(voronka, module, store, port=free_port(), extra=["--workers", "shared"]).start()
                   for _ in range(2)]
        acked = set()
        lock = threading.Lock()
        stats = {"resends": 0}
        errors = []

        def client(deals, which):
            try:
                for d in deals:
                    deal = f"D-{d}"
                    events = [{"id": f"{deal}-create", "deal": deal, "type": "deal_created", "pipeline": "p"}]
                    events += [{"id": f"{deal}-step-{n}", "deal": deal, "type": "step", "payload": {"n": n}}
                               for n in range(STEPS)]
                    for k, e in enumerate(events):
                        while True:
                            srv = servers[(which + k) % len(servers)]
                            try:
                                status, _ = srv.request("POST", "/v1/events", e, timeout=20)
                            except (OSError, http.client.HTTPException):
                                status = None
                            if status in (200, 202):
                                with lock:
                                    acked.add(e["id"])
                                break
                            if status not in (None, 503):
                                raise AssertionError(f"{e['id']}: HTTP {status}")
                            stats["resends"] += 1
                            time.sleep(0.1)
            except Exception as ex:  # noqa: BLE001 - reported below
                errors.append(ex)

        threads = [threading.Thread(target=client, args=(range(i, DEALS, 4), i)) for i in range(4)]
        for t in threads:
            t.start()
        wait_until(lambda: len(acked) >= DEALS * (1 + STEPS) // 3, 60, "a third of the events acknowledged")
        at_crash = len(acked)
        pg.crash_primary()
        time.sleep(1)
        pg.promote()
        for t in threads:
            t.join(timeout=120)
        if errors:
            raise errors[0]

        def applied():
            return pg.psql(pg.replica_dir, "SELECT count(*) FROM inbox WHERE applied_at IS NULL") == "0"

        wait_until(applied, 60, "every event applied on the promoted replica")
        notes = {}
        for line in pg.psql(pg.replica_dir, "SELECT deal, text FROM notes ORDER BY seq").splitlines():
            deal, text = line.split("\t", 1)
            notes.setdefault(deal, []).append(text)
        failures = []
        recorded = set(pg.psql(pg.replica_dir, "SELECT id FROM events").splitlines())
        lost = acked - recorded
        if lost:
            failures.append(f"{len(lost)} acknowledged events lost, e.g. {sorted(lost)[:5]}")
        for d in range(DEALS):
            expected = [f"step {n}" for n in range(STEPS)]
            if notes.get(f"D-{d}", []) != expected:
                failures.append(f"D-{d}: {notes.get(f'D-{d}', [])}, expected {expected}")
        for i, srv in enumerate(servers):
            code, err = srv.terminate()
            if code != 0:
                failures.append(f"server {i} exited with {code}: {err[-400:]}")
        print(f"  {len(acked)} events acknowledged ({at_crash} before the primary stopped), "
              f"{stats['resends']} resends while the replica was promoted")
        if failures:
            for f in failures[:20]:
                print("FAIL:", f)
            return 1
    print("failover test: passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
