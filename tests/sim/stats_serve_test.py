#!/usr/bin/env python3
"""`voronka stats` on a store `voronka serve` wrote: serve the tour example,
send its events over the HTTP API, stop the server, then read the store's
history as JSON, CSV and text, and forecast with `voronka sim --store` and
`--stats`. The same events served on a throwaway PostgreSQL give the same
statistics (but for the times in stage, which the servers' clocks stamp)
and a forecast of the same stages, read while that server keeps running
(skipped when PostgreSQL's binaries are not installed).

    stats_serve_test.py VORONKA ROOT"""
import json
import os
import subprocess
import sys
import tempfile
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "serve"))
from serve_support import Postgres, Server  # noqa: E402


def on_postgres(voronka, root, module, sqlite_stats, sqlite_forecast, pg):
    """The tour's events served on PostgreSQL: `stats --store` and `sim
    --store` read it as they read the SQLite file, with the server running."""
    srv = Server(voronka, module, pg.spec(), ["--token", "t0ken-for-the-stats-test"]).start()
    try:
        with open(os.path.join(root, "examples/tour/events.jsonl"), encoding="utf-8") as events:
            for event in events:
                status, body = srv.request("POST", "/v1/events", json.loads(event),
                                           {"Authorization": "Bearer t0ken-for-the-stats-test"})
                assert status in (200, 202), (status, body)  # the log sends one event twice: 200 duplicate
        now = ["--now", "2026-12-01T10:00"]
        on_pg = subprocess.run([voronka, "stats", "--store", pg.spec(), "--format", "json", *now],
                               capture_output=True, text=True)
        assert on_pg.returncode == 0, on_pg.stderr
        # The same but for the times in stage: a server stamps a stage's
        # entry with its own clock, so they differ by the second or so
        # between the two runs (the number of visits timed does not).
        def untimed(stats):
            for pipeline in stats["pipelines"]:
                for stage in pipeline["stages"]:
                    for key in ("median", "p90"):
                        stage.get("time_in_stage", {}).pop(key, None)
            return stats

        expected = untimed(json.loads(sqlite_stats("--format", "json", *now)))
        got = untimed(json.loads(on_pg.stdout))
        assert got == expected, f"PostgreSQL:\n{json.dumps(got, indent=2)}\nSQLite:\n{json.dumps(expected, indent=2)}"
        forecast = subprocess.run([voronka, "sim", module, "--store", pg.spec(), "--deals", "20", "--runs", "2"],
                                  capture_output=True, text=True)
        # The rates' delays come from those times: the same stages, not the same figures.
        assert forecast.returncode == 0, forecast.stderr
        def stages(report):  # the first column of the table under the pipeline's name
            lines = report.splitlines()[3:]
            return [line.split()[0] for line in lines[:lines.index("")]]

        assert stages(forecast.stdout) == stages(sqlite_forecast) != [], forecast.stdout
        assert forecast.stdout.startswith("20 deals over 90 days"), forecast.stdout
    finally:
        srv.terminate()


def main():
    voronka, root = sys.argv[1:3]
    with tempfile.TemporaryDirectory() as work:
        module = os.path.join(work, "retail.funnelc")
        subprocess.run([voronka, "build", os.path.join(root, "examples/tour/retail.funnel"), "-o", module], check=True,
                       capture_output=True)
        store = os.path.join(work, "t.db")
        proc = subprocess.Popen([voronka, "serve", module, "--store", "sqlite:" + store, "--listen", "127.0.0.1:0"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            line = proc.stdout.readline()
            assert "listening on " in line, line + proc.stderr.read()
            base = line.split("listening on ")[1].split()[0]
            with open(os.path.join(root, "examples/tour/events.jsonl"), encoding="utf-8") as events:
                for event in events:
                    req = urllib.request.Request(base + "/v1/events", data=event.encode(), method="POST",
                                                 headers={"Content-Type": "application/json"})
                    urllib.request.urlopen(req, timeout=30).read()
        finally:
            proc.terminate()
            proc.wait(timeout=30)

        def stats(*args):
            run = subprocess.run([voronka, "stats", "--store", store, *args], capture_output=True, text=True)
            assert run.returncode == 0, run.stderr
            return run.stdout

        s = json.loads(stats("--format", "json"))
        assert s["deals"] == 2, s
        stages = {st["stage"]: st for st in s["pipelines"][0]["stages"]}
        # D-101 goes incoming → clarify → choose → won; D-102 incoming → clarify.
        assert stages["incoming"]["deals_in"] == 2 and stages["incoming"]["to_next"] == 1.0, stages["incoming"]
        assert stages["clarify"]["to_next"] == 0.5 and stages["clarify"]["still_in"] == 1, stages["clarify"]
        assert stages["won"]["deals_in"] == 1, stages["won"]
        csv = stats("--format", "csv").splitlines()
        assert csv[0].startswith("pipeline,stage,kind,deals_in,to_next,to_won"), csv[0]
        assert csv[1].startswith("retail,incoming,working,2,1,0.5,"), csv[1]
        assert "loss reasons count the deals lost now" in stats()

        # A forecast with the rates drawn from that history, directly or through the JSON.
        sim = subprocess.run([voronka, "sim", module, "--store", store, "--deals", "20", "--runs", "2"],
                             capture_output=True, text=True)
        assert sim.returncode == 0 and sim.stdout.startswith("20 deals over 90 days"), sim.stdout + sim.stderr
        stats_file = os.path.join(work, "stats.json")
        with open(stats_file, "w", encoding="utf-8") as out:
            out.write(stats("--format", "json"))
        from_file = subprocess.run([voronka, "sim", module, "--stats", stats_file, "--deals", "20", "--runs", "2"],
                                   capture_output=True, text=True)
        assert from_file.stdout == sim.stdout, from_file.stdout + from_file.stderr

        missing = subprocess.run([voronka, "stats", "--store", os.path.join(work, "none.db")], capture_output=True,
                                 text=True)
        assert missing.returncode == 1 and "there is no such store file" in missing.stderr, missing.stderr

        with Postgres() as pg:
            if pg.missing:
                print("skipped on PostgreSQL:", pg.missing)
            else:
                on_postgres(voronka, root, module, stats, sim.stdout, pg)
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
