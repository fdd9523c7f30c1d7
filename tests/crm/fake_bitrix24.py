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
        self.lock = threading.RLock()  # reply() takes it too, also inside a locked call
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
        self.robot_replies = []  # bizproc.event.send's parameters
        self.offline_mode = False  # events go to the offline queue (event.offline.get) instead of event_url
        self.offline = []  # {"ID", "EVENT_NAME", "EVENT_DATA", "MESSAGE_ID", "PROCESS_ID"}
        self.next_process = 1
        self.outage_calls = 0  # answer 503 to this many calls (of outage_method only, when set)
        self.outage_method = None
        self.bindings = []  # event.bind's parameters
        self.robots = {}  # bizproc.robot.add's parameters by CODE
        # An OAuth app (the portal's /rest/METHOD.json with auth=ACCESS_TOKEN): tokens and single-use refreshes.
        self.access_tokens = set()
        self.refresh_tokens = set()
        self.spent_refresh_tokens = set()
        self.refresh_reuse = 0
        self.refreshes = 0
        self.open = threading.Event()  # cleared: every call but crm.deal.get waits (a portal that hangs)
        self.open.set()
        # hold_get(): the next crm.deal.get of that deal reads the deal, then waits to answer.
        self.held_get = None  # (deal id, released: Event, arrived: Event)

    def hold_get(self, deal_id):
        """The next crm.deal.get of `deal_id` answers the deal as it is when
        the call arrives, but only once `released` is set: a slow answer that
        a later fetch overtakes. Returns (arrived, released)."""
        arrived, released = threading.Event(), threading.Event()
        with self.lock:
            self.held_get = (str(deal_id), released, arrived)
        return arrived, released

    def new_id(self):
        self.next_id += 1
        return self.next_id

    def deal(self, deal_id):
        return self.deals.setdefault(str(deal_id), {
            "ID": str(deal_id), "TITLE": f"Сделка {deal_id}", "CATEGORY_ID": "0", "STAGE_ID": "NEW",
            "ASSIGNED_BY_ID": "11", "MODIFY_BY_ID": "11", "OPPORTUNITY": "0.00", "UF_CRM_SOURCE": "",
            "DATE_MODIFY": "2026-12-01T10:00:00+03:00", "version": 0})

    def queue_offline(self, deal_id, event="ONCRMDEALUPDATE"):
        self.offline.append({"ID": str(self.new_id()), "EVENT_NAME": event, "MESSAGE_ID": f"m{len(self.offline)}",
                             "EVENT_DATA": {"FIELDS": {"ID": str(deal_id)}}, "PROCESS_ID": None})

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


def robot_form(deal_id, event_token, properties, token=APPLICATION_TOKEN):
    """The call of the "Воронка" robot when a deal enters its stage (bizproc robot handler)."""
    pairs = [("workflow_id", "wf-1"), ("code", "voronka"), ("document_id[0]", "crm"),
             ("document_id[1]", "CCrmDocumentDeal"), ("document_id[2]", f"DEAL_{deal_id}"),
             ("document_type[0]", "crm"), ("document_type[1]", "CCrmDocumentDeal"), ("document_type[2]", "DEAL"),
             ("event_token", event_token), ("ts", str(int(time.time()))), ("auth[domain]", "shop.bitrix24.ru"),
             ("auth[member_id]", "m-1"), ("auth[application_token]", token)]
    pairs += [(f"properties[{k}]", v) for k, v in properties.items()]
    return urllib.parse.urlencode(pairs).encode()


def offline_hint(token=APPLICATION_TOKEN):
    return urllib.parse.urlencode([("event", "ONOFFLINEEVENT"), ("ts", str(int(time.time()))),
                                   ("auth[domain]", "shop.bitrix24.ru"), ("auth[application_token]", token)]).encode()


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
        if self.path.startswith(HOOK) and self.path.endswith(".json"):
            method = self.path[len(HOOK):-len(".json")]
        elif self.path.startswith("/rest/") and self.path.endswith(".json"):  # an app: auth=ACCESS_TOKEN
            method = self.path[len("/rest/"):-len(".json")]
            with p.lock:
                known = params.get("auth") in p.access_tokens
            if not known:
                return self.reply(401, {"error": "expired_token", "error_description": "The access token provided has expired."}, method)
        else:
            return self.reply(401, {"error": "INVALID_CREDENTIALS", "error_description": "Invalid request credentials"},
                              self.path)
        if method != "crm.deal.get":
            p.open.wait()
        else:
            with p.lock:
                held = p.held_get if p.held_get and p.held_get[0] == str(params.get("id")) else None
                if held:
                    p.held_get = None
                    snapshot = {k: v for k, v in p.deal(held[0]).items() if k != "version"}
            if held:
                held[2].set()
                held[1].wait(30)
                return self.reply(200, {"result": snapshot}, method)
        with p.lock:
            allowed = p.take_turn()
            outage = p.outage_calls > 0 and p.outage_method in (None, method)
            if outage:
                p.outage_calls -= 1
        if outage:
            return self.reply(503, {"error": "INTERNAL_SERVER_ERROR", "error_description": "Portal is down"}, method)
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
        if p.offline_mode:
            with p.lock:
                for deal_id in echoes:
                    p.queue_offline(deal_id)
        elif p.event_url:
            for deal_id in echoes:
                threading.Thread(target=post_event, args=(p.event_url, event_form(deal_id)), daemon=True).start()

    def do_GET(self):
        """oauth.bitrix.info: /oauth/token/?grant_type=refresh_token&…; a refresh token works once."""
        self.arrived = time.monotonic()
        p = self.server.portal
        url = urllib.parse.urlsplit(self.path)
        q = dict(urllib.parse.parse_qsl(url.query))
        if url.path != "/oauth/token/" or q.get("grant_type") != "refresh_token":
            return self.reply(404, {"error": "not_found"}, self.path)
        with p.lock:
            token = q.get("refresh_token")
            if token in p.spent_refresh_tokens:
                p.refresh_reuse += 1
            if token not in p.refresh_tokens or q.get("client_secret") != "app-secret":
                return self.reply(400, {"error": "invalid_grant"}, "oauth")
            p.refresh_tokens.discard(token)
            p.spent_refresh_tokens.add(token)
            p.refreshes += 1
            access, refresh = f"b24-access-{p.new_id()}", f"b24-refresh-{p.new_id()}"
            p.access_tokens.add(access)
            p.refresh_tokens.add(refresh)
        time.sleep(0.2)  # a slow token server: concurrent callers pile up behind the refresh
        return self.reply(200, {"access_token": access, "refresh_token": refresh, "expires_in": 3600,
                                "application_token": APPLICATION_TOKEN}, "oauth")

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
        if method == "event.bind":
            key = (params.get("event"), params.get("event_type", "online"), params.get("handler"))
            if any((b.get("event"), b.get("event_type", "online"), b.get("handler")) == key for b in p.bindings):
                return False, {"error": "ERROR_EVENT_BIND", "error_description": "Handler already binded"}
            p.bindings.append(params)
            return True, True
        if method == "bizproc.robot.add":
            if params["CODE"] in p.robots:
                return False, {"error": "ERROR_ACTIVITY_ALREADY_INSTALLED",
                               "error_description": "Activity or Robot already installed!"}
            p.robots[params["CODE"]] = params
            return True, True
        if method == "bizproc.event.send":
            p.robot_replies.append(params)
            return True, True
        if method == "event.offline.get":
            process = params.get("process_id") or f"proc-{p.next_process}"
            if not params.get("process_id"):
                p.next_process += 1
            limit = int(params.get("limit", 50))
            taken = [e for e in p.offline if e["PROCESS_ID"] in (None, process)][:limit]
            for e in taken:
                e["PROCESS_ID"] = process
            if str(params.get("clear", "1")) == "1":
                p.offline = [e for e in p.offline if e not in taken]
            return True, {"process_id": process, "events": [dict(e) for e in taken]}
        if method == "event.offline.clear":
            ids = set(params.get("id", {}).values())
            p.offline = [e for e in p.offline if not (e["PROCESS_ID"] == params.get("process_id") and e["ID"] in ids)]
            return True, True
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
            if self.portal.offline_mode:
                self.portal.queue_offline(deal_id)
        return event_form(str(deal_id))
