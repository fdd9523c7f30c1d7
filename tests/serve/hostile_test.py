#!/usr/bin/env python3
"""`voronka serve` against a hostile client: huge and malformed values, deep
JSON, invalid UTF-8, non-finite numbers, oversize bodies, reused
Idempotency-Keys, slow clients, webhooks aimed at the server's own network.
Every one gets a 4xx (never a 500 or a dead server), the server keeps
serving others, and the store does not change.

usage: hostile_test.py VORONKA"""
import json
import os
import resource
import signal
import socket
import subprocess
import sys
import tempfile

from serve_support import Server, WebhookReceiver, build, wait_until

FUNNEL = """
account "Тест" { timezone "Europe/Moscow" }
field meet: datetime "Встреча"
field pause: duration "Пауза"
field budget: money "Бюджет"
field comment: text "Комментарий"
pipeline shop "Магазин" {
  stage new "Новая" initial {
    on payment_received { note "Оплата {amount}" }
  }
  won "Оплачено"
  lost "Отказ" reasons { "Дорого" other "Другое" }
}
"""

TOKEN = "s3cret-token"
AUTH = {"Authorization": "Bearer " + TOKEN}
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def expect(srv, method, path, body, status, code=None, headers=None, contains=None):
    try:
        got, payload = srv.request(method, path, body, {**AUTH, **(headers or {})})
    except OSError as e:
        check(False, f"{method} {path}: the connection failed: {e}")
        return None
    where = f"{method} {path} {str(body)[:60]!r}"
    check(got == status, f"{where}: status {got}, expected {status}: {str(payload)[:300]}")
    if code is not None:
        actual = payload.get("error", {}).get("code") if isinstance(payload, dict) else None
        check(actual == code, f"{where}: error code {actual!r}, expected {code!r}")
    if contains is not None:
        text = json.dumps(payload, ensure_ascii=False)
        check(contains in text, f"{where}: {contains!r} not in {text[:300]}")
    return payload


def snapshot(srv):
    _, deal = srv.request("GET", "/v1/deals/D-1", headers=AUTH)
    _, health = srv.request("GET", "/healthz")
    return json.dumps(deal, sort_keys=True), health.get("deals")


def event(fields, eid="h"):
    return {"id": eid, "deal": "D-1", "type": "field_set", "fields": fields}


def hostile_values(srv):
    # Dates and durations: a 27 KB datetime, an overflowing duration.
    expect(srv, "POST", "/v1/events", event({"meet": "2026-01-01T" + "1" * 27000}), 400, contains="meet")
    expect(srv, "POST", "/v1/events", event({"pause": "P99999999999999999D"}), 400, contains="pause")
    expect(srv, "POST", "/v1/events", event({"pause": "9" * 30 + "d"}), 400, contains="pause")
    # Non-finite numbers: 400 naming the field.
    expect(srv, "POST", "/v1/events", '{"id":"h","deal":"D-1","type":"field_set","fields":{"budget":1e309}}', 400,
           contains="budget")
    expect(srv, "POST", "/v1/events", '{"id":"h","deal":"D-1","type":"field_set","fields":{"budget":-1e400}}', 400,
           contains="budget")
    # Deep JSON, at the top and inside a field.
    expect(srv, "POST", "/v1/events", "[" * 100000 + "]" * 100000, 400, "too_deep", contains="64")
    deep = '{"id":"h","deal":"D-1","type":"field_set","fields":{"budget":' + "[" * 100000 + "]" * 100000 + "}}"
    expect(srv, "POST", "/v1/events", deep, 400, "too_deep")
    expect(srv, "POST", "/v1/deals", '{"id":"D-9","pipeline":"shop","x":' + "{\"a\":" * 5000 + "1" + "}" * 5001,
           400, "too_deep")
    # Invalid UTF-8: in the body, in the path, in the Idempotency-Key.
    expect(srv, "POST", "/v1/events", b'{"id":"h","deal":"D-1","type":"field_set","fields":{"comment":"\xff"}}', 400)
    expect(srv, "POST", "/v1/deals", b'{"id":"D-\xc3","pipeline":"shop"}', 400)
    expect(srv, "POST", "/v1/deals/D-%FF/move", {"stage": "won"}, 400, contains="UTF-8")
    expect(srv, "GET", "/v1/deals/D-%FF", None, 400, contains="UTF-8")
    expect(srv, "POST", "/v1/deals/D-1/move", {"stage": "won"}, 400, headers={"Idempotency-Key": b"k\xff"},
           contains="UTF-8")
    expect(srv, "POST", "/v1/deals", {"id": "D-8", "pipeline": "shop"}, 400,
           headers={"Idempotency-Key": b"new-\xff"}, contains="UTF-8")
    # Sizes: ids, tags, field values, tag count; bodies over the limits.
    expect(srv, "POST", "/v1/deals", {"id": "D-" + "x" * 300, "pipeline": "shop"}, 400, contains="256")
    expect(srv, "POST", "/v1/events", {"id": "e" * 300, "deal": "D-1", "type": "link_clicked"}, 400, contains="256")
    expect(srv, "POST", "/v1/deals", {"id": "D-7", "pipeline": "shop", "tags": ["t" * 300]}, 400, contains="tags")
    expect(srv, "POST", "/v1/deals", {"id": "D-7", "pipeline": "shop", "tags": [f"t{i}" for i in range(1001)]},
           400, contains="1000")
    expect(srv, "POST", "/v1/events", event({"comment": "я" * 40000}), 400, contains="65536")
    expect(srv, "POST", "/v1/events", event({"comment": "я" * 700000}), 413, "too_large", contains="max_body_bytes")
    expect(srv, "POST", "/v1/events", "a=" + "b" * 9000, 413, "too_large", contains="8192",
           headers={"Content-Type": "application/x-www-form-urlencoded"})
    expect(srv, "POST", "/v1/events", "[" + ",".join(["1"] * 2000) + "]", 400, contains="1000")


def idempotency(srv):
    # One key for two different deals: two deals (the key is scoped to the path and body).
    key = {"Idempotency-Key": "same-key"}
    expect(srv, "POST", "/v1/deals", {"id": "K-1", "pipeline": "shop"}, 201, headers=key)
    expect(srv, "POST", "/v1/deals", {"id": "K-1", "pipeline": "shop"}, 200, headers=key, contains="K-1")
    expect(srv, "POST", "/v1/deals", {"id": "K-2", "pipeline": "shop"}, 422, "idempotency_key_reused", headers=key)
    expect(srv, "GET", "/v1/deals/K-2", None, 404)
    # The same key on another route is another request.
    expect(srv, "POST", "/v1/deals/K-1/move", {"stage": "won"}, 200, headers=key, contains="won")
    expect(srv, "POST", "/v1/deals/K-1/move", {"stage": "lost", "reason": "Дорого"}, 422, headers=key)
    # A key first sent with a body that was refused (400) remembers nothing.
    k2 = {"Idempotency-Key": "second"}
    expect(srv, "POST", "/v1/deals", {"id": "K-3", "pipeline": "nowhere"}, 400, headers=k2)
    expect(srv, "POST", "/v1/deals", {"id": "K-3", "pipeline": "shop"}, 201, headers=k2)


def slow_clients(srv):
    """64 connections that dribble their headers hold no thread: others are
    answered meanwhile; a client over its connection cap gets 503; a head
    that never ends is cut at the deadline with 408."""
    slow = []
    for _ in range(64):
        sock = socket.create_connection(("127.0.0.1", srv.port), timeout=30)
        sock.sendall(b"POST /v1/events HTTP/1.1\r\nHost: x\r\n")
        slow.append(sock)
    for i in range(20):
        expect(srv, "GET", "/v1/deals/D-1", None, 200)
    expect(srv, "GET", "/healthz", None, 200)
    for sock in slow:
        sock.sendall(b"X-a: b\r\n")  # still dribbling
    # Over the cap (--max-connections-per-client 80): refused at once, the rest still served.
    extra = [socket.create_connection(("127.0.0.1", srv.port), timeout=30) for _ in range(20)]
    refused = 0
    for sock in extra:
        sock.settimeout(5)
        try:
            if sock.recv(200).startswith(b"HTTP/1.1 503"):
                refused += 1
        except (socket.timeout, ConnectionError):
            pass
    check(refused >= 1, f"connections over the cap were not refused ({refused} of 20)")
    for sock in extra:
        sock.close()
    # The slow heads are cut at the --header-timeout deadline with 408.
    cut = 0
    for sock in slow:
        sock.settimeout(30)
        try:
            data = sock.recv(200)
            cut += data.startswith(b"HTTP/1.1 408") or data == b""
        except (socket.timeout, ConnectionError):
            pass
        sock.close()
    check(cut == len(slow), f"only {cut} of {len(slow)} slow connections were cut at the deadline")
    expect(srv, "GET", "/v1/deals/D-1", None, 200)


def file_size_limit(limit):
    """A full disk, as the process sees it: writes past `limit` bytes fail (EFBIG)."""
    def apply():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


def store_failures(voronka, module, work):
    """A full store at start: a clear message and exit 2, no abort. A store
    that fills up while serving: writes answer 503, /readyz says not ready
    and why, /healthz (liveness) stays 200."""
    store = os.path.join(work, "full.db")
    r = subprocess.run([voronka, "serve", module, "--store", "sqlite:" + store, "--listen", "127.0.0.1:0"],
                       preexec_fn=file_size_limit(1), capture_output=True, text=True, timeout=30)
    check(r.returncode == 2, f"serve on a full disk exited with {r.returncode}: {r.stderr}")
    check("full.db" in r.stderr and "error" in r.stderr, f"serve on a full disk said: {r.stderr!r}")

    store = os.path.join(work, "filling.db")
    srv = Server(voronka, module, store).start()
    expect(srv, "GET", "/readyz", None, 200, contains="ready")
    srv.terminate()
    srv = Server(voronka, module, store)
    srv.proc = subprocess.Popen(srv.args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                preexec_fn=file_size_limit(os.path.getsize(store) + 8192))
    line = srv.proc.stdout.readline()
    srv.port = int(line.split("listening on http://127.0.0.1:")[1].split()[0])
    try:
        failed = False
        for i in range(2000):
            status, _ = srv.request("POST", "/v1/deals", {"id": f"F-{i}", "pipeline": "shop",
                                                          "fields": {"comment": "x" * 4000}})
            if status == 503:
                failed = True
                break
        check(failed, "writes never failed on a full disk")
        status, ready = srv.request("GET", "/readyz")
        check(status == 503 and "refused the last write" in json.dumps(ready), f"/readyz on a full store: {ready}")
        status, _ = srv.request("GET", "/healthz")
        check(status == 200, f"/healthz (liveness) on a full store: {status}")
    finally:
        srv.terminate()


def webhooks_inward(voronka, work):
    """A funnel's webhook aimed at the server's own network (loopback, cloud
    metadata) is refused before connecting, as a dead letter naming why,
    unless the operator allows the host."""
    receiver = WebhookReceiver()
    funnel = f"""
account "T" {{ timezone "Europe/Moscow" }}
pipeline p "P" {{
  stage a "A" initial {{
    on enter {{
      webhook "http://127.0.0.1:{receiver.port}/hook" with {{ deal: deal.id }}
      webhook "http://169.254.169.254/latest/meta-data/{{deal.id}}" with {{ deal: deal.id }}
    }}
  }}
  won "W"
  lost "L" reasons {{ "a" other "b" }}
}}
"""
    module = build(voronka, funnel, work, "inward")
    for allowed in (False, True):
        extra = ["--allow-webhook-host", "127.0.0.1"] if allowed else []
        srv = Server(voronka, module, os.path.join(work, f"inward-{allowed}.db"), extra).start()
        try:
            expect(srv, "POST", "/v1/deals", {"id": "W-1", "pipeline": "p"}, 201)
            dead = []

            def settled():
                _, body = srv.request("GET", "/v1/outbox?status=dead")
                dead[:] = body["effects"]
                return len(dead) == (1 if allowed else 2)
            wait_until(settled, 30, "the refused webhooks to be dead letters")
            errors = " ".join(e.get("last_error", "") for e in dead)
            check("169.254.169.254 is the cloud metadata address" in errors, f"metadata webhook: {errors}")
            check(allowed or "127.0.0.1 is loopback" in errors, f"loopback webhook: {errors}")
            if allowed:
                wait_until(lambda: len(receiver.keys("/hook")) == 1, 30, "the allowed webhook")
            else:
                check(receiver.keys() == [], "a refused webhook reached the receiver")
        finally:
            srv.terminate()
    receiver.stop()


def main():
    voronka = os.path.abspath(sys.argv[1])
    with tempfile.TemporaryDirectory() as work:
        module = build(voronka, FUNNEL, work)
        options = ["--token", TOKEN, "--http-threads", "4", "--max-connections-per-client", "80",
                   "--header-timeout", "3"]
        srv = Server(voronka, module, os.path.join(work, "store.db"), options).start()
        try:
            expect(srv, "POST", "/v1/deals", {"id": "D-1", "pipeline": "shop", "fields": {"budget": 10}}, 201)
            before = snapshot(srv)
            hostile_values(srv)
            check(srv.proc.poll() is None, "the server died")
            check(snapshot(srv) == before, "hostile requests changed the store")
            idempotency(srv)
            slow_clients(srv)
            expect(srv, "POST", "/v1/events", event({"budget": 20}, "ok-1"), 202)
            expect(srv, "GET", "/readyz", None, 200)
        finally:
            if srv.proc.poll() is None:
                code, err = srv.terminate()
                check(code == 0, f"serve exited with {code} after SIGTERM: {err[-2000:]}")
            else:
                check(False, f"serve died with {srv.proc.returncode}: {srv.proc.stderr.read()[-2000:]}")
        store_failures(voronka, module, work)
        webhooks_inward(voronka, work)
    if failures:
        print(f"{len(failures)} check(s) failed")
        return 1
    print("hostile: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
