"""A fake Bitrix24 portal for the CRM adapters' tests: REST methods through
an incoming webhook URL (/rest/USER/SECRET/METHOD.json, form parameters),
the leaky bucket of 2 requests per second with a burst of 50 (503
QUERY_LIMIT_EXCEEDED beyond it), `batch`, and ONCRMDEALUPDATE events sent
back to Voronka for every change made through the API (the echoes). Every
call is counted."""
import json
import threading
import time
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HOOK = "/rest/1/hook-secret-123/"
APPLICATION_TOKEN = "b24-application-token"
ROBOT_USER = "1"


def nested(pairs):
    """PHP-style a[b][0]=v pairs as nested dicts (lists stay dicts keyed "0", "1"…)."""
    root = {}
    for key, value in pairs:
        parts = [key.split("[", 1)[0]] + [p.rstrip("]") for p in key.split("[")[1:]]
        node = root
        for p in parts[:-1]:
            node = node.setdefault(p, {})
        node[parts[-1]] = value
    return root


class Portal:
    def __init__(self):
        self.lock = threading.Lock()
        self.deals = {}
        self.tasks = {}
        self.comments = {}
        self.notifications = []
        self.next_id = 500
        self.calls = []  # (monotonic, method, status)
        self.level = 0.0
        self.drained_at = time.monotonic()
        self.over_limit = 0
        self.event_url = None

    def new_id(self):
        self.next_id += 1
        return self.next_id

    def deal(self, deal_id):
        return self.deals.setdefault(str(deal_id), {
            "ID": str(deal_id), "TITLE": f"Сделка {deal_id}", "CATEGORY_ID": "0", "STAGE_ID": "NEW",
            "ASSIGNED_BY_ID": "11", "MODIFY_BY_ID": "11", "OPPORTUNITY": "0.00", "UF_CRM_SOURCE": "",
            "DATE_MODIFY": "2026-12-01T10:00:00+03:00", "version": 0})

    def take_turn(self):
        """The leaky bucket: False when the call is over the limit."""
        now = time.monotonic()
        self.level = max(0.0, self.level - (now - self.drained_at) * 2)
        self.drained_at = now
        if self.level + 1 > 50:
            self.over_limit += 1
            return False
        self.level += 1
        return True


def event_form(deal_id, event="ONCRMDEALUPDATE", token=APPLICATION_TOKEN):
    return urllib.parse.urlencode([("event", event), ("event_handler_id", "7"), ("data[FIELDS][ID]", deal_id),
                                   ("ts", str(int(time.time()))), ("auth[domain]", "shop.bitrix24.ru"),
                                   ("auth[client_endpoint]", "https://shop.bitrix24.ru/rest/"),
                                   ("auth[member_id]", "m-1"), ("auth[application_token]", token)]).encode()


def post_event(url, body):
    try:
        req = urllib.request.Request(url, data=body, headers={"Content-Type": "application/x-www-form-urlencoded"})
        urllib.request.urlopen(req, timeout=10).read()
    except Exception:
        pass


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, status, body, method):
        data = json.dumps(body, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        with self.server.portal.lock:
            self.server.portal.calls.append((self.arrived, method, status))

    def do_POST(self):
        self.arrived = time.monotonic()
        p = self.server.portal
        n = int(self.headers.get("Content-Length") or 0)
        params = nested(urllib.parse.parse_qsl(self.rfile.read(n).decode(), keep_blank_values=True))
        if not self.path.startswith(HOOK) or not self.path.endswith(".json"):
            return self.reply(401, {"error": "INVALID_CREDENTIALS", "error_description": "Invalid request credentials"},
                              self.path)
        method = self.path[len(HOOK):-len(".json")]
        with p.lock:
            allowed = p.take_turn()
        if not allowed:
            return self.reply(503, {"error": "QUERY_LIMIT_EXCEEDED", "error_description": "Too many requests"}, method)
        echoes = []
        with p.lock:
            if method == "batch":
                result, errors = {}, {}
                for name, command in params.get("cmd", {}).items():
                    sub, _, query = command.partition("?")
                    ok, value = self.call(sub, nested(urllib.parse.parse_qsl(query, keep_blank_values=True)), echoes)
                    (result if ok else errors)[name] = value
                answer = {"result": {"result": result, "result_error": errors}}
            else:
                ok, value = self.call(method, params, echoes)
                if not ok:
                    return self.reply(400, value, method)
                answer = {"result": value}
        self.reply(200, answer, method)
        if p.event_url:
            for deal_id in echoes:
                threading.Thread(target=post_event, args=(p.event_url, event_form(deal_id)), daemon=True).start()

    def call(self, method, params, echoes):
        p = self.server.portal
        if method == "crm.deal.get":
            if str(params.get("id")) not in p.deals:
                return False, {"error": "", "error_description": "Not found"}
            return True, {k: v for k, v in p.deals[str(params["id"])].items() if k != "version"}
        if method in ("crm.deal.update", "crm.item.update"):
            deal = p.deal(params["id"])
            fields = params.get("fields", {})
            if method == "crm.item.update":
                fields = {"CATEGORY_ID": fields.get("categoryId"), "STAGE_ID": fields.get("stageId")}
            deal.update(fields)
            deal["MODIFY_BY_ID"] = ROBOT_USER
            deal["version"] += 1
            deal["DATE_MODIFY"] = f"2026-12-01T10:{deal['version']:02d}:00+03:00"
            echoes.append(deal["ID"])
            return True, True
        if method == "tasks.task.add":
            task = dict(params["fields"], id=str(p.new_id()), status="2")
            p.tasks[task["id"]] = task
            return True, {"task": {"id": task["id"]}}
        if method == "tasks.task.list":
            f = params.get("filter", {})
            found = [{"id": t["id"], "title": t["TITLE"]} for t in p.tasks.values()
                     if t["UF_CRM_TASK"].get("0") == f.get("UF_CRM_TASK") and t["TITLE"] == f.get("TITLE")]
            return True, {"tasks": found}
        if method == "tasks.task.complete":
            p.tasks[str(params["taskId"])]["status"] = "5"
            return True, {"task": {"id": params["taskId"]}}
        if method == "crm.timeline.comment.add":
            comment_id = p.new_id()
            p.comments[comment_id] = params["fields"]
            return True, comment_id
        if method == "crm.timeline.comment.list":
            f = params.get("filter", {})
            return True, [{"ID": i, "COMMENT": c["COMMENT"]} for i, c in p.comments.items()
                          if c["ENTITY_ID"] == f.get("ENTITY_ID")]
        if method == "crm.category.list":
            return True, {"categories": [{"id": 0, "name": "Розница"}, {"id": 3, "name": "Опт"}]}
        if method == "crm.status.list":
            entity = params.get("filter", {}).get("ENTITY_ID")
            stages = {"DEAL_STAGE": [("NEW", "Новая заявка", ""), ("PREPARATION", "Квалификация", ""),
                                     ("EXECUTING", "Договор", ""), ("WON", "Сделка успешна", "S"),
                                     ("LOSE", "Сделка провалена", "F")],
                      "DEAL_STAGE_3": [("C3:NEW", "Первичный контакт", ""), ("C3:WON", "Успешно", "S"),
                                       ("C3:LOSE", "Провал", "F")]}.get(entity, [])
            return True, [{"STATUS_ID": i, "NAME": n, "SEMANTICS": sem, "ENTITY_ID": entity} for i, n, sem in stages]
        if method == "crm.deal.userfield.list":
            return True, [{"FIELD_NAME": "UF_CRM_SOURCE", "USER_TYPE_ID": "enumeration",
                           "EDIT_FORM_LABEL": {"ru": "Источник"},
                           "LIST": [{"ID": "41", "VALUE": "Сайт"}, {"ID": "42", "VALUE": "Реклама"}]}]
        if method == "user.get":
            return True, [{"ID": "1", "NAME": "Воронка", "LAST_NAME": ""},
                          {"ID": "11", "NAME": "Иван", "LAST_NAME": "Иванов"},
                          {"ID": "12", "NAME": "Мария", "LAST_NAME": "Петрова"}]
        if method == "profile":
            return True, {"ID": ROBOT_USER}
        if method == "im.notify.system.add":
            p.notifications.append(params)
            return True, 1
        return False, {"error": "ERROR_METHOD_NOT_FOUND", "error_description": f"Method not found: {method}"}


class FakeBitrix24:
    def __init__(self):
        self.portal = Portal()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.httpd.portal = self.portal
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}{HOOK.rstrip('/')}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()

    def change_deal(self, deal_id, **fields):
        """A manager's change in Bitrix24; returns the event it sends."""
        with self.portal.lock:
            deal = self.portal.deal(deal_id)
            deal.update({k: str(v) for k, v in fields.items()})
            deal["MODIFY_BY_ID"] = str(fields.get("MODIFY_BY_ID", "11"))
            deal["version"] += 1
            deal["DATE_MODIFY"] = f"2026-12-01T11:{deal['version']:02d}:00+03:00"
        return event_form(str(deal_id))
