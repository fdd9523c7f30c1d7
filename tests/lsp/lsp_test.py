#!/usr/bin/env python3
"""Drives `voronka lsp` over stdio with real LSP messages and checks the answers.

    lsp_test.py VORONKA

Covers: initialize (position encodings), didOpen/didChange diagnostics (with
ids, UTF-16 and UTF-32 columns after Cyrillic and emoji), hover, definition
(across `use`d files), references, completion, document symbols, formatting,
rename, a file with syntax errors, unknown methods, cancellation, bad JSON,
shutdown/exit.
"""
import json
import os
import pathlib
import queue
import shutil
import subprocess
import sys
import tempfile
import threading

failures = []


def check(name, condition, detail=""):
    if condition:
        print(f"ok   {name}")
    else:
        print(f"FAIL {name}\n     {detail}")
        failures.append(name)


class Client:
    def __init__(self, voronka, stdlib):
        env = dict(os.environ, VORONKA_STDLIB=stdlib)
        self.proc = subprocess.Popen([voronka, "lsp"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, env=env)
        self.messages = queue.Queue()
        self.next_id = 1
        self.pending = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        out = self.proc.stdout
        while True:
            headers = {}
            while True:
                line = out.readline()
                if not line:
                    self.messages.put(None)
                    return
                line = line.decode().rstrip("\r\n")
                if not line:
                    break
                k, v = line.split(":", 1)
                headers[k.lower()] = v.strip()
            body = out.read(int(headers["content-length"]))
            self.messages.put(json.loads(body))

    def raw(self, data):
        self.proc.stdin.write(data)
        self.proc.stdin.flush()

    def send(self, msg):
        body = json.dumps(msg).encode()
        self.raw(b"Content-Length: %d\r\n\r\n" % len(body) + body)

    def notify(self, method, params):
        self.send({"jsonrpc": "2.0", "method": method, "params": params})

    def request(self, method, params, wait=True):
        rid = self.next_id
        self.next_id += 1
        self.send({"jsonrpc": "2.0", "id": rid, "method": method, "params": params})
        return self.response(rid) if wait else rid

    def take(self, predicate, timeout=20):
        for i, m in enumerate(self.pending):
            if predicate(m):
                return self.pending.pop(i)
        while True:
            m = self.messages.get(timeout=timeout)
            if m is None:
                raise RuntimeError("the server closed its output")
            if predicate(m):
                return m
            self.pending.append(m)

    def response(self, rid):
        return self.take(lambda m: m.get("id") == rid and "method" not in m)

    def diagnostics(self, uri, version):
        return self.take(lambda m: m.get("method") == "textDocument/publishDiagnostics" and m["params"]["uri"] == uri
                         and m["params"].get("version") == version)["params"]["diagnostics"]


COMMON = """field budget: money "Бюджет"
team sales "Отдел продаж" { ivanov "Иван Иванов", petrova "Мария Петрова" }
"""

# Line 9 holds Cyrillic and an emoji before the stage name `chose` (a typo for `choose`).
MAIN = """use "common.funnel"

template email hello "Здравствуйте" { subject "Привет, {contact.name}" body "Бюджет {budget}" }

pipeline retail "Розница" {
  stage incoming "Неразобранное" initial {
    on enter { assign round_robin(sales)  email hello }
    after 1d { note "Ёлки 🎄 — далее" }
    on email_opened(hello) { note "🎄 Ёж" move chose }
  }
  stage choose "Выбор" key {
    require budget > 0 "Заполните бюджет"
  }
  won "Успешно"
  lost "Закрыто"
}
"""


def pos(text, line, needle, nth=0, encoding="utf-16"):
    """The LSP position of `needle` on 0-based `line`."""
    src = text.split("\n")[line]
    index = -1
    for _ in range(nth + 1):
        index = src.index(needle, index + 1)
    prefix = src[:index]
    units = len(prefix.encode("utf-16-le")) // 2 if encoding == "utf-16" else len(prefix)
    return {"line": line, "character": units}


def main():
    voronka = os.path.abspath(sys.argv[1])
    root = pathlib.Path(__file__).resolve().parents[2]
    tmp = pathlib.Path(tempfile.mkdtemp(prefix="voronka-lsp-"))
    try:
        (tmp / "common.funnel").write_text(COMMON)
        main_path = tmp / "main.funnel"
        main_path.write_text(MAIN)
        uri = main_path.as_uri()
        common_uri = (tmp / "common.funnel").as_uri()
        session(voronka, str(root / "stdlib"), uri, common_uri, "utf-16")
        session(voronka, str(root / "stdlib"), uri, common_uri, "utf-32")
        named_enums(voronka, str(root / "stdlib"), tmp)
        lifecycle(voronka, str(root / "stdlib"), tmp)
    finally:
        shutil.rmtree(tmp)
    if failures:
        print(f"{len(failures)} checks failed")
        return 1
    print("all checks passed")
    return 0


def session(voronka, stdlib, uri, common_uri, encoding):
    print(f"-- session with position encoding {encoding}")
    c = Client(voronka, stdlib)
    offered = ["utf-32", "utf-16"] if encoding == "utf-32" else ["utf-16"]
    init = c.request("initialize", {"processId": os.getpid(), "rootUri": None,
                                    "capabilities": {"general": {"positionEncodings": offered}}})
    caps = init["result"]["capabilities"]
    check(f"initialize chooses {encoding}", caps.get("positionEncoding") == encoding, caps.get("positionEncoding"))
    check("initialize announces the features", all(caps.get(k) for k in (
        "hoverProvider", "definitionProvider", "referencesProvider", "documentSymbolProvider", "completionProvider",
        "documentFormattingProvider", "renameProvider", "documentHighlightProvider", "codeActionProvider",
        "signatureHelpProvider", "workspaceSymbolProvider", "semanticTokensProvider", "documentRangeFormattingProvider")),
        json.dumps(caps))
    c.notify("initialized", {})

    c.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "funnel", "version": 1, "text": MAIN}})
    diags = c.diagnostics(uri, 1)
    typo = [d for d in diags if d.get("code") == "unknown-name"]
    check("didOpen: the unknown stage is reported with its id", len(typo) == 1, json.dumps(diags, ensure_ascii=False))
    if typo:
        want = pos(MAIN, 8, "chose", encoding=encoding)
        got = typo[0]["range"]["start"]
        check(f"didOpen: the range is in {encoding} after Cyrillic and an emoji", got == want, f"{got} != {want}")
        check("didOpen: the message is voronka check's", "unknown stage `chose` in pipeline `retail`" in typo[0]["message"]
              and "did you mean `choose`" in typo[0]["message"], typo[0]["message"])
        check("didOpen: severity error, source voronka", typo[0]["severity"] == 1 and typo[0]["source"] == "voronka")

    # Fix the typo with an incremental change: insert `o` into `chose`.
    at = pos(MAIN, 8, "chose", encoding=encoding)
    at["character"] += 3
    text = MAIN.replace("move chose", "move choose")
    c.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": 2},
                                        "contentChanges": [{"range": {"start": at, "end": at}, "text": "o"}]})
    diags = c.diagnostics(uri, 2)
    check("didChange: the fixed file has no errors", not [d for d in diags if d["severity"] == 1],
          json.dumps(diags, ensure_ascii=False))

    # Hover on `budget` in the guard: the field's type and title.
    h = c.request("textDocument/hover", {"textDocument": {"uri": uri}, "position": pos(text, 11, "budget", encoding=encoding)})
    value = (h.get("result") or {}).get("contents", {}).get("value", "")
    check("hover: a field shows its type and title", "field budget: money" in value and "Бюджет" in value, value)
    h = c.request("textDocument/hover", {"textDocument": {"uri": uri}, "position": pos(text, 8, "choose", encoding=encoding)})
    value = (h.get("result") or {}).get("contents", {}).get("value", "")
    check("hover: a stage shows its title", "stage choose" in value and "Выбор" in value, value)
    h = c.request("textDocument/hover", {"textDocument": {"uri": uri}, "position": pos(text, 6, "hello", encoding=encoding)})
    value = (h.get("result") or {}).get("contents", {}).get("value", "")
    check("hover: a template shows its subject", "template email hello" in value and "Привет" in value, value)

    # Definition: a stage in this file, a field and a team in the used file.
    d = c.request("textDocument/definition", {"textDocument": {"uri": uri}, "position": pos(text, 8, "choose", encoding=encoding)})
    r = d.get("result") or {}
    check("definition: a stage", r.get("uri") == uri and r.get("range", {}).get("start") == pos(text, 10, "choose", encoding=encoding),
          json.dumps(r))
    d = c.request("textDocument/definition", {"textDocument": {"uri": uri}, "position": pos(text, 11, "budget", encoding=encoding)})
    r = d.get("result") or {}
    check("definition: a field in the used file", r.get("uri") == common_uri and r.get("range", {}).get("start") == {"line": 0, "character": 6},
          json.dumps(r))
    d = c.request("textDocument/definition", {"textDocument": {"uri": uri}, "position": pos(text, 6, "sales", encoding=encoding)})
    r = d.get("result") or {}
    check("definition: a team in the used file", r.get("uri") == common_uri and r.get("range", {}).get("start", {}).get("line") == 1,
          json.dumps(r))

    d = c.request("textDocument/definition", {"textDocument": {"uri": uri}, "position": pos(text, 0, "common", encoding=encoding)})
    r = d.get("result") or {}
    check("definition: a `use` path opens the file", r.get("uri") == common_uri, json.dumps(r))

    # References to `budget`: the declaration, the guard and the template's {budget}.
    refs = c.request("textDocument/references", {"textDocument": {"uri": uri}, "position": pos(text, 11, "budget", encoding=encoding),
                                                  "context": {"includeDeclaration": True}})["result"]
    places = sorted((x["uri"] == common_uri, x["range"]["start"]["line"]) for x in refs)
    check("references: a field across files", places == [(False, 2), (False, 11), (True, 0)], json.dumps(refs))

    # Document highlight: the stage `choose` where it is declared (write) and moved to (read).
    hl = c.request("textDocument/documentHighlight", {"textDocument": {"uri": uri},
                                                      "position": pos(text, 10, "choose", encoding=encoding)})
    marks = sorted((h["range"]["start"]["line"], h.get("kind")) for h in (hl.get("result") or []))
    check("documentHighlight: a stage's declaration and its use", marks == [(8, 2), (10, 3)], json.dumps(hl))

    # Completion: stages after `move `, fields after `deal.`.
    c.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": 3},
                                        "contentChanges": [{"text": text.replace("move choose }", "move  }").replace(
                                            'require budget > 0', 'require deal. > 0')}]})
    edited = text.replace("move choose }", "move  }").replace('require budget > 0', 'require deal. > 0')
    c.diagnostics(uri, 3)
    comp = c.request("textDocument/completion", {"textDocument": {"uri": uri}, "position": pos(edited, 8, "move ", encoding=encoding) | {
        "character": pos(edited, 8, "move ", encoding=encoding)["character"] + 5}})["result"]
    labels = {i["label"] for i in comp["items"]}
    check("completion: stage names after `move`", {"incoming", "choose", "won", "lost", "next"} <= labels, sorted(labels))
    p = pos(edited, 11, "deal.", encoding=encoding)
    p["character"] += 5
    comp = c.request("textDocument/completion", {"textDocument": {"uri": uri}, "position": p})["result"]
    labels = {i["label"] for i in comp["items"]}
    check("completion: fields after `deal.`", {"budget", "name", "responsible"} <= labels, sorted(labels))
    # Each item replaces the word typed so far: accepting `budget` after `deal.bud` gives `deal.budget`.
    half = edited.replace("require deal. > 0", "require deal.bud > 0")
    c.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": 30}, "contentChanges": [{"text": half}]})
    c.diagnostics(uri, 30)
    p = pos(half, 11, "deal.bud", encoding=encoding)
    p["character"] += 8
    comp = c.request("textDocument/completion", {"textDocument": {"uri": uri}, "position": p})["result"]
    item = next((i for i in comp["items"] if i["label"] == "budget"), {})
    accepted = apply_edits(half, [item["textEdit"]], encoding) if "textEdit" in item else ""
    check("completion: items carry a textEdit over the typed prefix",
          "require deal.budget > 0" in accepted, json.dumps(item, ensure_ascii=False))
    # After Cyrillic on the line, in the negotiated encoding.
    cyr = half.replace("require deal.bud > 0", "require deal.бюд > 0").replace('field budget', 'field бюджет')
    c.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": 31}, "contentChanges": [{"text": cyr}]})
    c.diagnostics(uri, 31)
    p = pos(cyr, 11, "deal.бюд", encoding=encoding)
    p["character"] += 8
    comp = c.request("textDocument/completion", {"textDocument": {"uri": uri}, "position": p})["result"]
    item = next((i for i in comp["items"] if i["label"] == "name"), {})
    accepted = apply_edits(cyr, [item["textEdit"]], encoding) if "textEdit" in item else ""
    check("completion: the textEdit range counts Cyrillic in the negotiated encoding",
          "require deal.name > 0" in accepted, json.dumps(item, ensure_ascii=False))

    # Document symbols of the broken file: the pipeline and its stages (error recovery).
    syms = c.request("textDocument/documentSymbol", {"textDocument": {"uri": uri}})["result"]
    pipeline = [s for s in syms if s["name"] == "retail"]
    check("documentSymbol: pipelines with their stages, even with syntax errors",
          pipeline and [s["name"] for s in pipeline[0].get("children", [])] == ["incoming", "choose", "won", "lost"],
          json.dumps(syms, ensure_ascii=False))

    # Back to the good text, badly laid out: formatting gives the canonical layout.
    messy = text.replace("  stage choose", "      stage   choose").replace("won \"Успешно\"", "won   \"Успешно\"")
    c.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": 4}, "contentChanges": [{"text": messy}]})
    c.diagnostics(uri, 4)
    edits = c.request("textDocument/formatting", {"textDocument": {"uri": uri}, "options": {"tabSize": 2, "insertSpaces": True}})["result"]
    formatted = apply_edits(messy, edits, encoding)
    expected = subprocess.run([sys.argv[1], "fmt", "-"], input=messy.encode(), capture_output=True).stdout.decode()
    check("formatting: the edits give `voronka fmt`'s output", formatted == expected and formatted != messy,
          f"{len(edits)} edits\n{formatted}")

    # Rename the stage `choose`: its declaration and the move.
    c.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": 5}, "contentChanges": [{"text": text}]})
    c.diagnostics(uri, 5)
    prep = c.request("textDocument/prepareRename", {"textDocument": {"uri": uri}, "position": pos(text, 10, "choose", encoding=encoding)})
    check("prepareRename: the stage name", (prep.get("result") or {}).get("placeholder") == "choose", json.dumps(prep))
    ren = c.request("textDocument/rename", {"textDocument": {"uri": uri}, "position": pos(text, 10, "choose", encoding=encoding),
                                            "newName": "выбор"})
    changes = (ren.get("result") or {}).get("changes", {})
    renamed = apply_edits(text, changes.get(uri, []), encoding)
    check("rename: a stage everywhere", renamed.count("выбор") == 2 and "choose" not in renamed, renamed)
    bad = c.request("textDocument/rename", {"textDocument": {"uri": uri}, "position": pos(text, 10, "choose", encoding=encoding),
                                            "newName": "stage"})
    check("rename: a keyword is refused", "error" in bad and "keyword" in bad["error"]["message"], json.dumps(bad))
    ren = c.request("textDocument/rename", {"textDocument": {"uri": uri}, "position": pos(text, 11, "budget", encoding=encoding),
                                            "newName": "сумма"})
    changes = (ren.get("result") or {}).get("changes", {})
    check("rename: a field in both files", len(changes.get(uri, [])) == 2 and len(changes.get(common_uri, [])) == 1,
          json.dumps(changes, ensure_ascii=False))

    # A broken document: diagnostics and symbols, no crash.
    broken = "pipeline p \"P\" {\n  stage a \"А\" initial {\n    on enter { move }\n  stage b \"Б\"\n"
    c.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": 6}, "contentChanges": [{"text": broken}]})
    diags = c.diagnostics(uri, 6)
    check("a broken file gets its syntax errors", any(d.get("code") == "syntax" for d in diags), json.dumps(diags, ensure_ascii=False))
    syms = c.request("textDocument/documentSymbol", {"textDocument": {"uri": uri}})["result"]
    check("a broken file gets its symbols", syms and syms[0]["name"] == "p", json.dumps(syms, ensure_ascii=False))
    h = c.request("textDocument/hover", {"textDocument": {"uri": uri}, "position": {"line": 99, "character": 99}})
    check("hover past the end of the file answers null", h.get("result") is None and "error" not in h, json.dumps(h))

    u = c.request("textDocument/inlineValue", {"textDocument": {"uri": uri}})
    check("an unknown method is MethodNotFound", u.get("error", {}).get("code") == -32601, json.dumps(u))

    s = c.request("shutdown", None)
    check("shutdown answers null", "result" in s and s["result"] is None, json.dumps(s))
    c.notify("exit", None)
    code = c.proc.wait(timeout=20)
    check("exit after shutdown: exit code 0", code == 0, f"exit code {code}; stderr: {c.proc.stderr.read().decode()}")


def apply_edits(text, edits, encoding):
    lines = text.split("\n")

    def offset(p):
        line = lines[p["line"]] if p["line"] < len(lines) else ""
        before = sum(len(l) + 1 for l in lines[:p["line"]])
        if encoding == "utf-16":
            units, i = 0, 0
            while i < len(line) and units < p["character"]:
                units += len(line[i].encode("utf-16-le")) // 2
                i += 1
            return before + i
        return before + min(p["character"], len(line))

    for e in sorted(edits, key=lambda e: (e["range"]["start"]["line"], e["range"]["start"]["character"]), reverse=True):
        a, b = offset(e["range"]["start"]), offset(e["range"]["end"])
        text = text[:a] + e["newText"] + text[b:]
        lines = text.split("\n")
    return text


ENUMS = """enum level "Уровень" { beginner "Начальный", advanced "Продвинутый" }
field student: level "Ученик"
event placed(result: level)
pipeline school "Школа" {
  stage incoming "Заявка" {
    on placed when result == level.advanced { set student = result }
    on enter when deal.stage == incoming { note "x" }
  }
  won "W"
  lost "L"
}
"""


def named_enums(voronka, stdlib, tmp):
    print("-- named enums and stage values")
    c = Client(voronka, stdlib)
    c.request("initialize", {"capabilities": {}})
    c.notify("initialized", {})
    path = tmp / "enums.funnel"
    path.write_text(ENUMS)
    uri = path.as_uri()
    c.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "funnel", "version": 1, "text": ENUMS}})
    diags = c.diagnostics(uri, 1)
    check("enums: the document checks", not [d for d in diags if d["severity"] == 1], json.dumps(diags, ensure_ascii=False))
    h = c.request("textDocument/hover", {"textDocument": {"uri": uri}, "position": pos(ENUMS, 1, "level")})
    value = (h.get("result") or {}).get("contents", {}).get("value", "")
    check("hover: a named enum shows its title and values", "enum level" in value and "Уровень" in value
          and "advanced (Продвинутый)" in value, value)
    d = c.request("textDocument/definition", {"textDocument": {"uri": uri}, "position": pos(ENUMS, 6, "incoming")})
    r = d.get("result") or {}
    check("definition: a stage compared with deal.stage", r.get("range", {}).get("start", {}).get("line") == 4, json.dumps(r))
    ren = c.request("textDocument/rename", {"textDocument": {"uri": uri}, "position": pos(ENUMS, 2, "level"),
                                            "newName": "grade"})
    renamed = apply_edits(ENUMS, (ren.get("result") or {}).get("changes", {}).get(uri, []), "utf-16")
    check("rename: a named enum in its declaration, field, parameter and qualified member",
          renamed.count("grade") == 4 and "level" not in renamed, renamed)
    ren = c.request("textDocument/rename", {"textDocument": {"uri": uri}, "position": pos(ENUMS, 5, "advanced"),
                                            "newName": "expert"})
    renamed = apply_edits(ENUMS, (ren.get("result") or {}).get("changes", {}).get(uri, []), "utf-16")
    check("rename: a member of a named enum", renamed.count("expert") == 2 and "advanced" not in renamed, renamed)
    # Completion: types after `field NAME:`, members after `level.`, deal.stage and friends after `deal.`.
    edited = ENUMS + "field wanted: \n"
    c.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"text": edited}]})
    c.diagnostics(uri, 2)
    comp = c.request("textDocument/completion", {"textDocument": {"uri": uri}, "position": {"line": 11, "character": 14}})
    labels = {i["label"] for i in comp["result"]["items"]}
    check("completion: types after `field NAME:`", {"level", "money", "text", "enum"} <= labels, sorted(labels))
    p = pos(ENUMS, 5, "level.")
    p["character"] += 6
    comp = c.request("textDocument/completion", {"textDocument": {"uri": uri}, "position": p})
    labels = {i["label"] for i in comp["result"]["items"]}
    check("completion: members after `level.`", labels == {"beginner", "advanced"}, sorted(labels))
    p = pos(ENUMS, 6, "deal.")
    p["character"] += 5
    comp = c.request("textDocument/completion", {"textDocument": {"uri": uri}, "position": p})
    labels = {i["label"] for i in comp["result"]["items"]}
    check("completion: where the deal is after `deal.`",
          {"stage", "previous_stage", "pipeline", "lost_reason", "student"} <= labels, sorted(labels))
    c.request("shutdown", None)
    c.notify("exit", None)
    c.proc.wait(timeout=20)


def lifecycle(voronka, stdlib, tmp):
    print("-- lifecycle and errors")
    c = Client(voronka, stdlib)
    r = c.request("textDocument/hover", {"textDocument": {"uri": "file:///x.funnel"}, "position": {"line": 0, "character": 0}})
    check("a request before initialize is ServerNotInitialized", r.get("error", {}).get("code") == -32002, json.dumps(r))
    c.request("initialize", {"capabilities": {}})
    body = b"{not json"
    c.raw(b"Content-Length: %d\r\n\r\n" % len(body) + body)
    r = c.take(lambda m: m.get("error", {}).get("code") == -32700)
    check("bad JSON is a ParseError", r["id"] is None, json.dumps(r))
    # A request cancelled while the server is busy with a long document is answered RequestCancelled.
    big_path = tmp / "big.funnel"
    big = "".join(f'field f{i}: text "Поле {i}"\n' for i in range(3000))
    uri = big_path.as_uri()
    c.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "funnel", "version": 1, "text": big}})
    rid = c.request("textDocument/documentSymbol", {"textDocument": {"uri": uri}}, wait=False)
    c.notify("$/cancelRequest", {"id": rid})
    r = c.response(rid)
    check("$/cancelRequest cancels a waiting request", r.get("error", {}).get("code") == -32800 or "result" in r, json.dumps(r)[:200])
    if "result" in r:
        print("     (the request ran before the cancellation arrived: allowed)")
    c.notify("exit", None)
    code = c.proc.wait(timeout=20)
    check("exit without shutdown: exit code 1", code == 1, f"exit code {code}")


if __name__ == "__main__":
    sys.exit(main())
