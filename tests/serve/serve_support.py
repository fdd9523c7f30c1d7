"""Helpers for the tests of `voronka serve`: build a funnel, start and stop
the server on a free loopback port, call the API, receive webhooks."""
import atexit
import http.client
import http.server
import json
import os
import signal
import socket
import subprocess
import threading
import time


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def build(voronka, funnel_text, workdir, name="funnel"):
    src = os.path.join(workdir, name + ".funnel")
    with open(src, "w", encoding="utf-8") as f:
        f.write(funnel_text)
    out = os.path.join(workdir, name + ".funnelc")
    r = subprocess.run([voronka, "build", src, "-o", out], capture_output=True, text=True)
    if r.returncode != 0:
        raise AssertionError("build failed:\n" + r.stderr)
    return out


class Postgres:
    """A throwaway PostgreSQL server for a test (as tests/store/pg_test_server.h):
    initdb + pg_ctl on a unix socket in a temp directory, run as `nobody` when
    the test runs as root. `with Postgres() as pg:` then pg.spec() for --store;
    pg.missing says why there is none (no binaries) — the test then skips."""

    def __init__(self):
        import glob
        import tempfile
        env = os.environ.get("VORONKA_PG_BIN")
        found = [env] if env else sorted(glob.glob("/usr/lib/postgresql/*/bin"),
                                         key=lambda p: float(p.split("/")[-2]))
        self.bin = next((b for b in reversed(found) if os.path.exists(os.path.join(b, "initdb"))), None)
        self.missing = None if self.bin else "PostgreSQL's initdb and pg_ctl were not found"
        self.dir = tempfile.mkdtemp(prefix="voronka_pg_")
        self.user = os.environ.get("VORONKA_PG_USER", "nobody") if os.geteuid() == 0 else None
        self.started = False

    def _run(self, *args):
        cmd = (["runuser", "-u", self.user, "--"] if self.user else []) + [os.path.join(self.bin, args[0]), *args[1:]]
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        if r.returncode != 0:
            raise AssertionError(f"{args[0]} failed: {r.stdout}{r.stderr}")

    def __enter__(self):
        if self.missing:
            return self
        if self.user:
            import pwd
            pw = pwd.getpwnam(self.user)
            os.chown(self.dir, pw.pw_uid, pw.pw_gid)
        data = os.path.join(self.dir, "data")
        self._run("initdb", "-D", data, "-U", "voronka", "--auth=trust", "-E", "UTF8", "--no-locale", "--no-sync")
        self.start()
        return self

    def start(self):
        self._run("pg_ctl", "-D", os.path.join(self.dir, "data"), "-l", os.path.join(self.dir, "server.log"), "-w",
                  "-t", "60", "-o", f"-k {self.dir} -c listen_addresses= -c fsync=off -c synchronous_commit=off",
                  "start")
        self.started = True

    def stop(self):
        self._run("pg_ctl", "-D", os.path.join(self.dir, "data"), "-m", "fast", "-w", "stop")
        self.started = False

    def spec(self, dbname="postgres"):
        return f"postgres:host={self.dir} user=voronka dbname={dbname}"

    def psql(self, *where_and_sql):
        """psql([[db,] schema,] sql): one statement's rows as text, a line
        each, fields tab-separated; in database `db` (postgres) with `schema`
        first on the search path."""
        *where, sql = where_and_sql
        db, schema = ["postgres", None][:2 - len(where)] + where
        cmd = [os.path.join(self.bin, "psql"), "-h", self.dir, "-U", "voronka", "-d", db, "-F", "\t", "-Atc", sql]
        env = dict(os.environ, PGOPTIONS=f"-csearch_path={schema}") if schema else None
        return subprocess.run(cmd, capture_output=True, text=True, check=True, env=env).stdout.strip()

    def __exit__(self, *exc):
        import shutil
        if self.started:
            self._run("pg_ctl", "-D", os.path.join(self.dir, "data"), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.dir, ignore_errors=True)


# Every server a test started, killed when the test's interpreter exits: a
# test that fails half-way must not leave its servers running behind it.
_started = []


@atexit.register
def _kill_left_servers():
    for proc in _started:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


class Server:
    """`voronka serve` as a child process; `url` once it listens."""

    def __init__(self, voronka, module, store, extra=(), port=0):
        spec = store if store.startswith(("sqlite:", "postgres:")) else "sqlite:" + store
        self.args = [voronka, "serve", module, "--store", spec, "--listen", f"127.0.0.1:{port}", *extra]
        self.proc = None
        self.port = None

    def start(self, timeout=10):
        self.proc = subprocess.Popen(self.args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        _started.append(self.proc)
        line = self.proc.stdout.readline()
        if "listening on http://" not in line:
            err = self.proc.stderr.read()
            raise AssertionError(f"serve did not start: {line!r} {err}")
        self.port = int(line.split("listening on http://127.0.0.1:")[1].split()[0])
        return self

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def terminate(self, timeout=20):
        self.proc.send_signal(signal.SIGTERM)
        out, err = self.proc.communicate(timeout=timeout)
        return self.proc.returncode, err

    def request(self, method, path, body=None, headers=None, timeout=30):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        data = body if isinstance(body, (bytes, str)) or body is None else json.dumps(body, ensure_ascii=False)
        if isinstance(data, str):
            data = data.encode("utf-8")
        conn.request(method, path, body=data, headers=headers or {})
        resp = conn.getresponse()
        raw = resp.read()
        conn.close()
        try:
            payload = json.loads(raw) if raw else None
        except ValueError:
            payload = raw.decode("utf-8", "replace")
        return resp.status, payload


class WebhookReceiver:
    """Counts POSTs by Idempotency-Key on a loopback port."""

    def __init__(self):
        self.port = free_port()
        self.lock = threading.Lock()
        self.deliveries = []  # (path, key, body)
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(length)
                with receiver.lock:
                    receiver.deliveries.append((self.path, self.headers.get("Idempotency-Key"), body))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def keys(self, path=None):
        with self.lock:
            return [k for p, k, _ in self.deliveries if path is None or p == path]

    def stop(self):
        self.httpd.shutdown()


def wait_until(condition, timeout, what):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError("timed out waiting for " + what)
