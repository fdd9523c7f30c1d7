"""A store for the console's tests: `voronka serve` run on a funnel with
deals in several stages, a pending timer, and letters and webhooks to a
dead fake receiver (HTTP 503) and a closed SMTP port, so the outbox holds
effects with failed delivery attempts and dead letters.

seeded_server(voronka, workdir) returns the running Server (stop it with
terminate()) and the tokens."""
import http.client
import http.server
import json
import os
import sys
import threading

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "serve"))
from serve_support import Server, build, free_port, wait_until  # noqa: E402


def raw(port, method, path, body=None, headers=None):
    """One request to the server on `port`: (status, JSON or text, headers)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    data = None if body is None else (body if isinstance(body, str) else json.dumps(body)).encode()
    if data is None and method == "POST":
        data = b""
    conn.request(method, path, body=data, headers=headers or {})
    resp = conn.getresponse()
    text = resp.read().decode("utf-8", "replace")
    conn.close()
    try:
        payload = json.loads(text) if text else None
    except ValueError:
        payload = text
    return resp.status, payload, dict(resp.getheaders())

ADMIN = "admin-token-for-the-console"
READER = "read-only-token-for-the-console"

FUNNEL = """
account "Мебель" {{ timezone "Europe/Moscow" }}
field budget: money "Бюджет"
team sales "Продажи" {{ anna "Анна Петрова" boris "Борис Иванов" }}
template email welcome "Добро пожаловать" {{
  body "Здравствуйте, {{contact.name}}! Спасибо за заявку."
}}
pipeline shop "Магазин" {{
  stage new "Новая" initial {{
    on enter {{
      task "Позвонить клиенту" due 1h
      email welcome
    }}
    on link_clicked -> talk
  }}
  stage talk "Переговоры" {{
    on enter {{ webhook "{hook}/talk" with {{ deal: deal.id }} }}
    after 2d {{ note "Прошло два дня" }}
  }}
  stage contract "Договор" {{ on enter {{ task "Подписать договор" due 1d }} }}
  won "Оплачено"
  lost "Отказ" reasons {{ "Дорого" "Сроки" other "Другое" }}
}}
"""

CONFIG = """
[outbox]
max_attempts = 2
backoff_initial = 1
backoff_max = 1
timeout = 2

[smtp]
url = "smtp://127.0.0.1:{smtp}"
starttls = false
from = "Магазин <shop@example.ru>"

[users]
anna = "anna@example.ru"
boris = "boris@example.ru"
"""

# id, name, budget, responsible, tags, the stages it is moved through
DEALS = [
    ("D-1", "Кухня на заказ", 250000, "anna", ["VIP"], ["talk", "contract"]),
    ("D-2", "Шкаф-купе", 80000, "boris", [], ["talk"]),
    ("D-3", "Диван", 45000, "anna", ["сайт"], []),
    ("D-4", "Стол и стулья", 60000, "boris", ["сайт"], ["talk", "contract", "won"]),
    ("D-5", "Спальня", 150000, "anna", [], ["lost"]),
    ("D-6", "Прихожая", 30000, "boris", [], []),
]


class DeadReceiver:
    """A fake receiver that is down: every POST gets 503."""

    def __init__(self):
        self.port = free_port()

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                self.send_response(503)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def stop(self):
        self.httpd.shutdown()


def seeded_server(voronka, work):
    receiver = DeadReceiver()
    module = build(voronka, FUNNEL.format(hook=f"http://127.0.0.1:{receiver.port}"), work)
    config = os.path.join(work, "serve.toml")
    with open(config, "w", encoding="utf-8") as f:
        f.write(CONFIG.format(smtp=free_port()))  # nothing listens there: every letter fails
    store = os.path.join(work, "store.db")
    srv = Server(voronka, module, store, ["--config", config, "--token", ADMIN, "--read-token", READER,
                                          "--allow-webhook-host", "127.0.0.1"]).start()
    srv.receiver = receiver
    auth = {"Authorization": "Bearer " + ADMIN}
    for deal, name, budget, user, tags, moves in DEALS:
        status, body = srv.request("POST", "/v1/deals", {
            "id": deal, "pipeline": "shop", "name": name, "fields": {"budget": budget}, "tags": tags,
            "responsible": user, "contact": {"name": "Клиент " + deal, "email": deal.lower() + "@example.ru"}}, auth)
        assert status == 201, (status, body)
        for i, stage in enumerate(moves):
            body = {"stage": stage, "reason": "Дорого"} if stage == "lost" else {"stage": stage}
            status, answer = srv.request("POST", f"/v1/deals/{deal}/move", body, auth)
            assert status == 200, (deal, stage, status, answer)
    # Two attempts a second apart, then each letter and webhook is a dead letter.
    def all_dead():
        status, body = srv.request("GET", "/v1/outbox?status=dead&limit=100", None, auth)
        return status == 200 and len(body["effects"]) >= len(DEALS) + 3
    wait_until(all_dead, 60, "every letter and webhook to become a dead letter")
    return srv
