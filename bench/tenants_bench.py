#!/usr/bin/env python3
"""What hosting many clients costs (`voronka serve --tenants`, docs/serve.md#tenants):

  - N tenants on SQLite: time to start, resident memory and threads, and
    the time of a reload that changes nothing;
  - durable events/s through one server of its own, through the tenants
    front with one tenant, and spread over 10 tenants (each its own
    writer and store), from 8 client threads sending batches of 50 events.

usage: tenants_bench.py VORONKA [TENANTS=100] [SECONDS=5]"""
import http.client
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time

FUNNEL = """account "B" { timezone "Europe/Moscow" }
pipeline p "P" {
  stage a "A" initial { on link_clicked { note "clicked" } }
  won "W"
  lost "L" reasons { "x" other "y" }
}
"""
ADMIN = "bench-admin-token-000000"


def token(i):
    return f"bench-tenant-{i:05d}-token"


def start(args):
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = proc.stdout.readline()
    if "listening on http://" not in line:
        raise SystemExit(f"did not start: {line!r}")
    return proc, int(line.split("127.0.0.1:")[1].split()[0])


def stop(proc):
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=120)


def process_figures(pid):
    figures = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "Threads"):
                figures[key] = value.strip()
    return figures


def post(port, path, body, headers):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request("POST", path, body=json.dumps(body).encode(), headers=headers)
    resp = conn.getresponse()
    resp.read()
    conn.close()
    return resp.status


def throughput(port, targets, seconds, clients=8, batch=50):
    """targets: (path prefix, token) pairs the clients take in turn; returns events/s."""
    for prefix, tok in targets:
        status = post(port, prefix + "/v1/deals", {"id": "d", "pipeline": "p"}, {"Authorization": "Bearer " + tok})
        assert status in (200, 201), status
    done = [0] * clients
    deadline = time.time() + seconds

    def client(n):
        prefix, tok = targets[n % len(targets)]
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        headers = {"Authorization": "Bearer " + tok, "Content-Type": "application/json"}
        i = 0
        while time.time() < deadline:
            events = [{"id": f"c{n}-{i}-{k}", "deal": "d", "type": "link_clicked"} for k in range(batch)]
            conn.request("POST", prefix + "/v1/events", body=json.dumps(events).encode(), headers=headers)
            resp = conn.getresponse()
            resp.read()
            if resp.status == 202:
                done[n] += batch
            i += 1
        conn.close()

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    began = time.time()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(done) / (time.time() - began)


def main():
    voronka = sys.argv[1]
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 100
    seconds = float(sys.argv[3]) if len(sys.argv) > 3 else 5
    with tempfile.TemporaryDirectory() as work:
        src = os.path.join(work, "f.funnel")
        with open(src, "w") as f:
            f.write(FUNNEL)
        module = os.path.join(work, "f.funnelc")
        subprocess.run([voronka, "build", src, "-o", module], check=True, capture_output=True)
        tenants = os.path.join(work, "tenants.toml")
        with open(tenants, "w") as f:
            f.write(f'[server]\nadmin_tokens = ["{ADMIN}"]\n\n')
            for i in range(count):
                f.write(f'[tenant.t{i}]\nstore = "sqlite:t{i}.db"\nmodule = "f.funnelc"\ntokens = ["{token(i)}"]\n\n')

        began = time.time()
        proc, port = start([voronka, "serve", "--tenants", tenants, "--listen", "127.0.0.1:0"])
        started = time.time() - began
        figures = process_figures(proc.pid)
        began = time.time()
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        conn.request("POST", "/admin/reload", body=b"", headers={"Authorization": "Bearer " + ADMIN})
        report = json.loads(conn.getresponse().read())
        reload = time.time() - began
        assert report["unchanged"] == count, report
        print(f"{count} tenants: started in {started:.2f} s (new stores), {figures.get('VmRSS')} resident, "
              f"{figures.get('Threads')} threads; a reload that changes nothing: {reload * 1000:.0f} ms")
        stop(proc)
        began = time.time()
        proc, port = start([voronka, "serve", "--tenants", tenants, "--listen", "127.0.0.1:0"])
        print(f"restarted over the existing stores in {time.time() - began:.2f} s")
        one = throughput(port, [("/t/t0", token(0))], seconds)
        ten = throughput(port, [(f"/t/t{i}", token(i)) for i in range(1, 11)], seconds)
        stop(proc)

        single, port = start([voronka, "serve", module, "--store", "sqlite:" + os.path.join(work, "single.db"),
                              "--listen", "127.0.0.1:0", "--token", token(0)])
        alone = throughput(port, [("", token(0))], seconds)
        stop(single)
        print(f"durable events/s (8 clients, batches of 50): a server of its own {alone:,.0f}; "
              f"one tenant behind the front {one:,.0f}; spread over 10 tenants {ten:,.0f}")


if __name__ == "__main__":
    main()
