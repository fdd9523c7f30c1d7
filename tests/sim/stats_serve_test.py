#!/usr/bin/env python3
"""`voronka stats` on a store `voronka serve` wrote: serve the tour example,
send its events over the HTTP API, stop the server, then read the store's
history as JSON, CSV and text, and forecast with `voronka sim --store` and
`--stats`.

    stats_serve_test.py VORONKA ROOT"""
import json
import os
import subprocess
import sys
import tempfile
import urllib.request


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
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
