"""A fake amoCRM account for the CRM adapters' tests, `make demo` and the
benchmark: the part of API v4 that Voronka calls (pipelines with statuses,
custom fields, users, task types; leads PATCH; tasks and notes; OAuth 2
refresh), the account's limit of 7 requests per second (429 beyond it), and
webhooks sent back to Voronka for every change made through the API, as
amoCRM does (the echoes). Every call is counted and timed.

Run alone: python3 fake_amocrm.py --port 8900 [--webhook URL]."""
import argparse
import json
import threading
import time
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ROBOT_USER = 5000  # the user the integration's token belongs to
LIMIT_PER_SECOND = 7


class Account:
    def __init__(self):
        self.lock = threading.Lock()
        self.next_token_lifetimes = []  # see refresh()
        self.pipelines = {7: {"name": "Розница", "statuses": {101: "Новая заявка", 102: "Квалификация",
                                                              103: "Договор", 142: "Успешно реализовано",
                                                              143: "Закрыто и не реализовано"}},
                          8: {"name": "Опт", "statuses": {201: "Первичный контакт", 142: "Успешно реализовано",
                                                          143: "Закрыто и не реализовано"}}}
        self.custom_fields = [{"id": 5001, "name": "Источник", "type": "select",
                               "enums": [{"id": 9001, "value": "Сайт"}, {"id": 9002, "value": "Реклама"}]},
                              {"id": 5002, "name": "Комментарий", "type": "text", "enums": None}]
        self.users = [{"id": ROBOT_USER, "name": "Воронка"}, {"id": 6001, "name": "Иван Иванов"},
                      {"id": 6002, "name": "Мария Петрова"}]
        self.task_types = [{"id": 1, "name": "Связаться"}, {"id": 2, "name": "Встреча"}]
        self.leads = {}
        self.tasks = {}
        self.notes = {}
        self.next_id = 70000
        self.calls = []  # (monotonic time, method, path, status)
        self.long_lived_token = "long-lived-token"
        self.access_tokens = {}  # token → expires (monotonic)
        self.refresh_tokens = set()
        self.spent_refresh_tokens = set()
        self.refresh_reuse = 0
        self.outage_calls = 0  # answer 503 to this many calls
        self.busy_calls = 0  # answer 429 (Retry-After: 1) to this many: another app used the account's limit
        self.slow_task_create = 0.0  # seconds to wait after creating a task, before answering
        self.slow_only_lead = None  # … only when the call creates a task of this lead
        self.webhook_url = None
        self.over_limit = 0
        self.open = threading.Event()  # cleared: API calls wait (an account that hangs), then go on
        self.open.set()
        self.task_arrivals = {}  # lead id → when its first task was asked for (monotonic), for the benchmark

    def new_id(self):
        self.next_id += 1
        return self.next_id

    def lead(self, lead_id):
        return self.leads.setdefault(lead_id, {"id": lead_id, "name": f"Сделка {lead_id}", "pipeline_id": 7,
                                               "status_id": 101, "responsible_user_id": 6001, "price": 0,
                                               "custom_fields_values": [], "tags": [], "updated_at": 0})

    def window_count(self, now):
        return sum(1 for c in self.calls if now - c[0] < 1.0)

    def max_per_second(self):
        """The most calls that arrived within any one second."""
        times = sorted(c[0] for c in self.calls if not c[2].startswith("/_fake") and not c[2].startswith("/oauth2"))
        best, start = 0, 0
        for end in range(len(times)):
            while times[end] - times[start] >= 1.0:
                start += 1
            best = max(best, end - start + 1)
        return best


def lead_form(lead, section="status"):
    """A lead as amoCRM's webhook sends it: leads[status][0][…], form-encoded."""
    p = f"leads[{section}][0]"
    pairs = [(f"{p}[id]", lead["id"]), (f"{p}[name]", lead["name"]), (f"{p}[status_id]", lead["status_id"]),
             (f"{p}[pipeline_id]", lead["pipeline_id"]), (f"{p}[price]", lead["price"]),
             (f"{p}[responsible_user_id]", lead["responsible_user_id"]),
             (f"{p}[modified_user_id]", lead.get("modified_user_id", 6001)),
             (f"{p}[last_modified]", lead["updated_at"])]
    for i, f in enumerate(lead["custom_fields_values"]):
        pairs.append((f"{p}[custom_fields][{i}][id]", f["field_id"]))
        for j, v in enumerate(f["values"] or []):
            if "enum_id" in v:
                pairs.append((f"{p}[custom_fields][{i}][values][{j}][enum]", v["enum_id"]))
            if "value" in v:
                pairs.append((f"{p}[custom_fields][{i}][values][{j}][value]", v["value"]))
    for i, t in enumerate(lead["tags"]):
        pairs.append((f"{p}[tags][{i}][name]", t))
    pairs += [("account[subdomain]", "shop"), ("account[id]", "31")]
    return urllib.parse.urlencode(pairs).encode()


def post_webhook(url, body):
    try:
        req = urllib.request.Request(url, data=body, headers={"Content-Type": "application/x-www-form-urlencoded",
                                                              "User-Agent": "amoCRM-WebHook-client/1.0"})
        urllib.request.urlopen(req, timeout=10).read()
    except Exception:
        pass  # amoCRM does not care either


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    @property
    def account(self):
        return self.server.account

    def reply(self, status, body=None, headers=None):
        data = b"" if body is None else json.dumps(body, ensure_ascii=False).encode()
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Type", "application/hal+json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        a = self.account
        with a.lock:
            a.calls.append((self.arrived, self.command, self.path, status))

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n) if n else b""
        return json.loads(raw) if raw else None

    def authorized(self):
        a = self.account
        token = (self.headers.get("Authorization") or "").removeprefix("Bearer ")
        if token == a.long_lived_token:
            return True
        expires = a.access_tokens.get(token)
        return expires is not None and time.monotonic() < expires

    def do_GET(self):
        self.route("GET")

    def do_POST(self):
        self.route("POST")

    def do_PATCH(self):
        self.route("PATCH")

    def route(self, method):
        self.arrived = time.monotonic()
        a = self.account
        url = urllib.parse.urlsplit(self.path)
        path, query = url.path, urllib.parse.parse_qs(url.query)
        if path.startswith("/_fake/"):
            return self.control(method, path)
        if path == "/oauth2/access_token":
            return self.refresh(self.body())
        a.open.wait()
        with a.lock:
            if a.window_count(self.arrived) >= LIMIT_PER_SECOND:
                a.over_limit += 1
                limited = True
            else:
                limited = False
            outage = a.outage_calls > 0
            if outage:
                a.outage_calls -= 1
        with a.lock:
            busy = a.busy_calls > 0
            if busy:
                a.busy_calls -= 1
        if limited or busy:
            return self.reply(429, {"title": "Too Many Requests", "status": 429}, {"Retry-After": "1"} if busy else None)
        if outage:
            return self.reply(503, {"title": "Service Unavailable", "status": 503}, {"Retry-After": "1"})
        if not self.authorized():
            return self.reply(401, {"title": "Unauthorized", "status": 401})
        body = self.body() if method != "GET" else None
        if method == "GET" and path == "/api/v4/leads/pipelines":
            return self.reply(200, {"_embedded": {"pipelines": [
                {"id": pid, "name": p["name"], "_embedded": {"statuses": [
                    {"id": sid, "name": name, "pipeline_id": pid} for sid, name in p["statuses"].items()]}}
                for pid, p in a.pipelines.items()]}})
        if method == "GET" and path == "/api/v4/leads/custom_fields":
            return self.reply(200, {"_embedded": {"custom_fields": a.custom_fields}})
        if method == "GET" and path == "/api/v4/users":
            return self.reply(200, {"_embedded": {"users": a.users}})
        if method == "GET" and path == "/api/v4/account":
            return self.reply(200, {"id": 31, "subdomain": "shop", "current_user_id": ROBOT_USER,
                                    "_embedded": {"task_types": a.task_types}})
        if method == "PATCH" and path == "/api/v4/leads":
            return self.patch_leads(body)
        if path == "/api/v4/tasks":
            if method == "GET":
                lead = int(query.get("filter[entity_id][]", ["0"])[0])
                with a.lock:
                    tasks = [t for t in a.tasks.values() if t["entity_id"] == lead]
                return self.reply(200 if tasks else 204, {"_embedded": {"tasks": tasks}} if tasks else None)
            if method == "POST":
                created = []
                with a.lock:
                    for t in body:
                        a.task_arrivals.setdefault(t["entity_id"], self.arrived)
                        task = dict(t, id=a.new_id(), is_completed=False)
                        a.tasks[task["id"]] = task
                        created.append({"id": task["id"]})
                if a.slow_task_create and (a.slow_only_lead is None
                                           or any(t["entity_id"] == a.slow_only_lead for t in body)):
                    time.sleep(a.slow_task_create)
                return self.reply(200, {"_embedded": {"tasks": created}})
            if method == "PATCH":
                with a.lock:
                    for t in body:
                        if t["id"] not in a.tasks:
                            return self.reply(400, {"title": "Bad Request", "detail": f"no task {t['id']}"})
                        a.tasks[t["id"]].update(t)
                return self.reply(200, {"_embedded": {"tasks": [{"id": t["id"]} for t in body]}})
        if path == "/api/v4/leads/notes" and method == "POST":  # notes of many leads at once
            created = []
            with a.lock:
                for n in body:
                    note = dict(n, id=a.new_id())
                    a.notes[note["id"]] = note
                    created.append({"id": note["id"], "entity_id": n["entity_id"]})
            return self.reply(200, {"_embedded": {"notes": created}})
        if path.startswith("/api/v4/leads/") and path.endswith("/notes"):
            lead = int(path.split("/")[4])
            if method == "GET":
                with a.lock:
                    notes = [n for n in a.notes.values() if n["entity_id"] == lead]
                return self.reply(200 if notes else 204, {"_embedded": {"notes": notes}} if notes else None)
            created = []
            with a.lock:
                for n in body:
                    note = dict(n, id=a.new_id(), entity_id=lead)
                    a.notes[note["id"]] = note
                    created.append({"id": note["id"]})
            return self.reply(200, {"_embedded": {"notes": created}})
        return self.reply(404, {"title": "Not Found", "status": 404})

    def patch_leads(self, body):
        a = self.account
        if not isinstance(body, list) or len(body) > 50:
            return self.reply(400, {"title": "Bad Request", "detail": "an array of at most 50 leads"})
        echoes = []
        with a.lock:
            for change in body:
                lead = a.lead(int(change["id"]))
                for key in ("status_id", "pipeline_id", "responsible_user_id", "price", "name"):
                    if key in change:
                        lead[key] = change[key]
                for f in change.get("custom_fields_values", []):
                    lead["custom_fields_values"] = [x for x in lead["custom_fields_values"]
                                                    if x["field_id"] != f["field_id"]]
                    if f["values"] is not None:
                        lead["custom_fields_values"].append(f)
                if "_embedded" in change and "tags" in change["_embedded"]:
                    lead["tags"] = [t["name"] for t in change["_embedded"]["tags"]]
                lead["updated_at"] = lead["updated_at"] + 1
                lead["modified_user_id"] = ROBOT_USER
                echoes.append(lead_form(lead))
        self.reply(200, {"_embedded": {"leads": [{"id": c["id"]} for c in body]}})
        if a.webhook_url:
            for echo in echoes:
                threading.Thread(target=post_webhook, args=(a.webhook_url, echo), daemon=True).start()

    def refresh(self, body):
        a = self.account
        with a.lock:
            token = (body or {}).get("refresh_token")
            if token in a.spent_refresh_tokens:
                a.refresh_reuse += 1
            if token not in a.refresh_tokens:
                return self.reply(400, {"hint": "Token has been revoked", "title": "invalid_grant"})
            a.refresh_tokens.discard(token)
            a.spent_refresh_tokens.add(token)
            access = f"access-{a.new_id()}"
            refresh = f"refresh-{a.new_id()}"
            # A test may set the lifetimes of the next few tokens (taken one
            # per refresh), so that no later refresh depends on its timing.
            lifetime = a.next_token_lifetimes.pop(0) if a.next_token_lifetimes else a.token_lifetime
            a.access_tokens[access] = time.monotonic() + lifetime
            a.refresh_tokens.add(refresh)
        return self.reply(200, {"token_type": "Bearer", "expires_in": lifetime, "access_token": access,
                                "refresh_token": refresh})

    def control(self, method, path):
        a = self.account
        if path == "/_fake/state":
            with a.lock:
                state = {"leads": a.leads, "tasks": a.tasks, "notes": a.notes,
                         "calls": [[c[1], c[2], c[3]] for c in a.calls if not c[2].startswith("/_fake")],
                         "max_per_second": a.max_per_second(), "over_limit": a.over_limit,
                         "refresh_reuse": a.refresh_reuse}
            return self.reply(200, json.loads(json.dumps(state, default=str)))
        if path == "/_fake/config" and method == "POST":
            body = self.body() or {}
            with a.lock:
                for key, value in body.items():
                    setattr(a, key, value)
            return self.reply(200, {"ok": True})
        if path == "/_fake/lead" and method == "POST":
            body = self.body()
            with a.lock:
                lead = a.lead(int(body["id"]))
                lead.update({k: v for k, v in body.items() if k != "id"})
                lead["updated_at"] += 1
                lead["modified_user_id"] = body.get("modified_user_id", 6001)
                form = lead_form(lead, body.get("section", "status"))
            return self.reply(200, {"form": form.decode()})
        return self.reply(404, {"title": "Not Found"})


class FakeAmoCrm:
    """The fake account on a loopback port, in this process."""

    def __init__(self, port=0):
        self.account = Account()
        self.account.token_lifetime = 3600
        self.httpd = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.httpd.daemon_threads = True
        self.httpd.account = self.account
        self.port = self.httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()

    def change_lead(self, lead_id, **changes):
        """A manager's change in amoCRM: the lead as the webhook will carry it (form-encoded)."""
        a = self.account
        with a.lock:
            lead = a.lead(lead_id)
            lead.update(changes)
            lead["updated_at"] += 1
            lead["modified_user_id"] = changes.get("modified_user_id", 6001)
            return lead_form(lead, "status" if "status_id" in changes else "update")

    def calls(self, method=None, prefix="/api/v4/"):
        with self.account.lock:
            return [c for c in self.account.calls if c[2].startswith(prefix) and (method is None or c[1] == method)]


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=8900)
    parser.add_argument("--webhook", help="where to send the echoes of API changes")
    args = parser.parse_args()
    fake = FakeAmoCrm(args.port)
    fake.account.webhook_url = args.webhook
    print(f"fake amoCRM on {fake.url}", flush=True)
    fake.httpd.serve_forever()


if __name__ == "__main__":
    main()
