#!/usr/bin/env python3
"""Drives `voronka lsp` over stdio like a real client for the features beyond
the basics (lsp_test.py): hover on built-in names and `use` lines, signature
help, code actions, workspace symbols, semantic tokens and range formatting.
Positions are checked in UTF-16 (and some in UTF-32) on lines with Cyrillic.

    lsp_features_test.py VORONKA
"""
import json
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import lsp_test as L  # noqa: E402  (the client, pos() and apply_edits())

check = L.check
pos = L.pos
ROOT = pathlib.Path(__file__).resolve().parents[2]

COMMON = L.COMMON

# Cyrillic before every name the checks point at.
DOC = """use "common.funnel"

field город: text "Город"
event kyc_checked(passed: bool, score: number) "Проверка"
template email hello "Здравствуйте" { subject "Привет, {contact.name}"  body "Бюджет {budget}" }

pipeline retail "Розница" {
  stage incoming "Неразобранное" initial {
    on email_opened(hello) { note "Ёж {contact.phone}"  move choose }
    on payment_received when round(amount) > 0 and contains(lower(город), "мск") { note "ок" }
    after 1d when deal.previous_stage == incoming { note "ёлка" }  // напоминание
  }
  stage choose "Выбор" key {
    on enter { task "Позвонить" due 1d  assign round_robin(sales) }
  }
  won  "Успешно"
  lost "Закрыто"
}

test "проверка" {
  deal d in retail.incoming
  event kyc_checked with { passed: true, score: 1 }
  expect stage incoming
}
"""

EXTRA = """pipeline оптовая "Оптовые продажи" {
  stage новая "Новая заявка" initial {
    on enter { task "Разобрать" due 1h }
  }
  won "Продано"
  lost "Отказ"
}
"""


def at(text, line, needle, nth=0, after=0, encoding="utf-16"):
    p = pos(text, line, needle, nth, encoding)
    if after:
        src = text.split("\n")[line]
        start = src.index(needle) if nth == 0 else None
        part = needle[:after]
        p["character"] += len(part.encode("utf-16-le")) // 2 if encoding == "utf-16" else len(part)
    return p


def open_doc(c, uri, text, version=1):
    c.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "funnel", "version": version,
                                                       "text": text}})
    return c.diagnostics(uri, version)


def change(c, uri, text, version):
    c.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": version},
                                        "contentChanges": [{"text": text}]})
    return c.diagnostics(uri, version)


def hover(c, uri, p):
    r = c.request("textDocument/hover", {"textDocument": {"uri": uri}, "position": p})
    return r.get("result") or {}


def start(voronka, tmp, encoding="utf-16"):
    c = L.Client(voronka, str(ROOT / "stdlib"))
    offered = ["utf-32", "utf-16"] if encoding == "utf-32" else ["utf-16"]
    init = c.request("initialize", {"processId": None, "rootUri": tmp.as_uri(),
                                    "capabilities": {"general": {"positionEncodings": offered}}})
    c.notify("initialized", {})
    return c, init["result"]["capabilities"]


def stop(c):
    c.request("shutdown", None)
    c.notify("exit", None)
    c.proc.wait(timeout=20)


def capabilities(caps):
    print("-- capabilities")
    for key in ("codeActionProvider", "signatureHelpProvider", "workspaceSymbolProvider", "semanticTokensProvider",
                "documentRangeFormattingProvider"):
        check(f"initialize announces {key}", bool(caps.get(key)), json.dumps(caps))
    check("code actions are quick fixes", "quickfix" in caps.get("codeActionProvider", {}).get("codeActionKinds", []))
    legend = caps.get("semanticTokensProvider", {}).get("legend", {})
    check("the semantic tokens legend", {"keyword", "type", "function", "property", "string", "number", "comment"}
          <= set(legend.get("tokenTypes", [])) and "duration" in legend.get("tokenModifiers", []), json.dumps(legend))


def hovers(c, uri, encoding):
    print(f"-- hover on built-in names ({encoding})")
    h = hover(c, uri, at(DOC, 8, "email_opened", encoding=encoding))
    value = h.get("contents", {}).get("value", "")
    check("hover: a built-in event, its filter", "built-in event" in value and "opened a letter" in value
          and "email template" in value, value)
    check(f"hover: the event's range in {encoding} after Cyrillic",
          h.get("range", {}).get("start") == at(DOC, 8, "email_opened", encoding=encoding), json.dumps(h))
    value = hover(c, uri, at(DOC, 9, "payment_received", encoding=encoding)).get("contents", {}).get("value", "")
    check("hover: a built-in event's payload", "amount: money" in value and "payment arrived" in value, value)
    value = hover(c, uri, at(DOC, 9, "amount", encoding=encoding)).get("contents", {}).get("value", "")
    check("hover: a built-in event's payload field", "amount: money" in value and "payment_received" in value, value)
    h = hover(c, uri, at(DOC, 8, "phone", encoding=encoding))
    value = h.get("contents", {}).get("value", "")
    check("hover: `contact.phone` inside a text's interpolation", "contact.phone" in value and "`phone`" in value, value)
    check(f"hover: its range in {encoding} after Cyrillic in the text",
          h.get("range", {}).get("start") == at(DOC, 8, "phone", encoding=encoding), json.dumps(h))
    value = hover(c, uri, at(DOC, 4, "name", encoding=encoding)).get("contents", {}).get("value", "")
    check("hover: `contact.name` in a template's subject", "contact.name" in value and "`text`" in value, value)
    value = hover(c, uri, at(DOC, 8, "contact", encoding=encoding)).get("contents", {}).get("value", "")
    check("hover: `contact` lists its members", all(f"contact.{m}" in value for m in ("name", "email", "phone")), value)
    value = hover(c, uri, at(DOC, 10, "previous_stage", encoding=encoding)).get("contents", {}).get("value", "")
    check("hover: `deal.previous_stage`", "deal.previous_stage" in value and "`stage`" in value
          and "before" in value, value)
    value = hover(c, uri, at(DOC, 10, "deal", encoding=encoding)).get("contents", {}).get("value", "")
    check("hover: `deal` lists its built-in members", "deal.stage" in value and "deal.lost_reason" in value, value)
    value = hover(c, uri, at(DOC, 9, "round", encoding=encoding)).get("contents", {}).get("value", "")
    check("hover: a standard function's signature", "round(x: number | money, digits?: number)" in value
          and "standard function" in value, value)
    value = hover(c, uri, at(DOC, 9, "lower", encoding=encoding)).get("contents", {}).get("value", "")
    check("hover: `lower`", "lower(t: text) -> text" in value, value)
    value = hover(c, uri, at(DOC, 9, "город", nth=0, encoding=encoding)).get("contents", {}).get("value", "")
    check("hover: a declared field still shows its declaration", "field город: text" in value, value)
    value = hover(c, uri, at(DOC, 0, "use", encoding=encoding)).get("contents", {}).get("value", "")
    check("hover: a `use` line shows the file and what it declares",
          "common.funnel" in value and "field `budget` — Бюджет" in value and "team `sales`" in value, value)


def every_builtin(c, tmp):
    print("-- every built-in event and standard function is described")
    functions = re.findall(r'^FUNCTION\(\w+, "(\w+)"', (ROOT / "stdlib/functions.def").read_text(), re.M)
    events = re.findall(r'^EVENT\(\w+,\s*"(\w+)"', (ROOT / "common/language/events.def").read_text(), re.M)
    check("the tables were read", len(functions) >= 10 and len(events) >= 20, f"{functions} {events}")
    # Hover needs no parse: one line per name.
    text = "".join(f"x {f}(a)\n" for f in functions) + "".join(f"on {e}\n" for e in events)
    uri = (tmp / "all.funnel").as_uri()
    open_doc(c, uri, text)
    for i, f in enumerate(functions):
        value = hover(c, uri, {"line": i, "character": 3}).get("contents", {}).get("value", "")
        check(f"function {f}: a signature with named, described parameters",
              re.search(rf"{f}\(\w+\??: [^)]*\) -> ", value) and "\n- `" in value, value)
    for i, e in enumerate(events):
        value = hover(c, uri, {"line": len(functions) + i, "character": 4}).get("contents", {}).get("value", "")
        when = re.search(r"\*\*built-in event\*\*[^—]*— (.+)", value)
        check(f"event {e}: says when it happens", when and when.group(1).strip(), value)
    c.notify("textDocument/didClose", {"textDocument": {"uri": uri}})


def signature_help(c, uri, encoding):
    print(f"-- signature help ({encoding})")

    def sig(p):
        return c.request("textDocument/signatureHelp", {"textDocument": {"uri": uri}, "position": p}).get("result")

    line = DOC.split("\n")[9]
    p = at(DOC, 9, 'contains(lower(город), "', after=len('contains(lower(город), '), encoding=encoding)
    r = sig(p) or {}
    s = (r.get("signatures") or [{}])[0]
    check("signature help: the second argument of `contains`, after Cyrillic",
          s.get("label") == "contains(t: text, part: text) -> bool" and r.get("activeParameter") == 1,
          json.dumps(r, ensure_ascii=False))
    check("signature help: parameters with their documentation",
          [x["label"] for x in s.get("parameters", [])] == ["t: text", "part: text"], json.dumps(s, ensure_ascii=False))
    r = sig(at(DOC, 9, "lower(", after=len("lower(г"), encoding=encoding)) or {}
    s = (r.get("signatures") or [{}])[0]
    check("signature help: the innermost call", s.get("label", "").startswith("lower(") and r.get("activeParameter") == 0,
          json.dumps(r, ensure_ascii=False))
    r = sig(at(DOC, 8, "email_opened(", after=len("email_opened("), encoding=encoding)) or {}
    s = (r.get("signatures") or [{}])[0]
    check("signature help: a built-in event's filter", s.get("label") == "email_opened(template)"
          and "email template" in json.dumps(s), json.dumps(r, ensure_ascii=False))
    r = sig(at(DOC, 21, "score", encoding=encoding)) or {}
    s = (r.get("signatures") or [{}])[0]
    check("signature help: a custom event's parameters in a test", "passed: bool" in s.get("label", "")
          and "score: number" in s.get("label", "") and r.get("activeParameter") == 1, json.dumps(r, ensure_ascii=False))
    r = sig(at(DOC, 21, "passed", encoding=encoding)) or {}
    check("signature help: the first parameter", r.get("activeParameter") == 0, json.dumps(r, ensure_ascii=False))
    r = sig(at(DOC, 13, "task", encoding=encoding))
    check("signature help: nothing outside a call", r is None, json.dumps(r))


def code_actions(c, uri, encoding):
    print(f"-- code actions ({encoding})")
    broken = DOC.replace("move choose", "move chose").replace("{contact.phone}", "{contact.phon}") + \
        'account { timezone "Europe/Mosow" }\n'
    diags = change(c, uri, broken, 10)
    check("the typos are reported", len([d for d in diags if d["severity"] == 1]) == 3,
          json.dumps(diags, ensure_ascii=False))
    whole = {"start": {"line": 0, "character": 0}, "end": {"line": 30, "character": 0}}
    actions = c.request("textDocument/codeAction", {"textDocument": {"uri": uri}, "range": whole,
                                                    "context": {"diagnostics": diags}}).get("result") or []
    fixes = [a for a in actions if a["title"].startswith("Change to")]
    check("code actions: a quick fix per \"did you mean\"", sorted(a["title"] for a in fixes)
          == ['Change to "Europe/Moscow"', "Change to `choose`", "Change to `phone`"], json.dumps(actions, ensure_ascii=False))
    check("code actions: quick fixes name their diagnostic",
          all(a.get("kind") == "quickfix" and a.get("diagnostics") for a in fixes), json.dumps(fixes, ensure_ascii=False))
    fixed = L.apply_edits(broken, [e for a in fixes for e in a["edit"]["changes"][uri]], encoding)
    check(f"code actions: applying them ({encoding} ranges on a Cyrillic line) gives the right text",
          fixed == DOC + 'account { timezone "Europe/Moscow" }\n',
          fixed)
    diags = change(c, uri, fixed, 11)
    check("code actions: the fixed text has no errors", not [d for d in diags if d["severity"] == 1],
          json.dumps(diags, ensure_ascii=False))
    # Only the diagnostics in the requested range.
    line8 = {"start": {"line": 8, "character": 0}, "end": {"line": 8, "character": 5}}
    diags = change(c, uri, broken, 12)
    actions = c.request("textDocument/codeAction", {"textDocument": {"uri": uri}, "range": line8,
                                                    "context": {"diagnostics": []}}).get("result") or []
    check("code actions: only for the range asked about", actions == [], json.dumps(actions, ensure_ascii=False))
    actions = c.request("textDocument/codeAction", {"textDocument": {"uri": uri}, "range": whole,
                                                    "context": {"diagnostics": [], "only": ["refactor"]}}).get("result")
    check("code actions: none when only other kinds are asked for", actions == [], json.dumps(actions, ensure_ascii=False))

    print(f"-- code actions: silencing a lint ({encoding})")
    linted = DOC.replace('note "ёлка"', 'webhook "http://партнёр.example.ru/hook"').replace(
        '  stage choose "Выбор" key {', '  // voronka: allow stage-without-task -- звонок\n  stage choose "Думает" key {')
    diags = change(c, uri, linted, 13)
    http = [d for d in diags if d.get("code") == "plain-http"]
    vague = [d for d in diags if d.get("code") == "vague-stage-name"]
    check("the lints are reported", len(http) == 1 and len(vague) == 1, json.dumps(diags, ensure_ascii=False))
    if not (http and vague):
        return
    for n, ident in enumerate(("plain-http", "vague-stage-name")):
        diags = change(c, uri, linted, 30 + 2 * n)
        d = next(x for x in diags if x.get("code") == ident)
        actions = c.request("textDocument/codeAction", {"textDocument": {"uri": uri}, "range": d["range"],
                                                        "context": {"diagnostics": [d]}}).get("result") or []
        allow = [a for a in actions if f"voronka: allow {ident}" in a["title"]]
        check(f"code actions: silence `{ident}`", len(allow) == 1, json.dumps(actions, ensure_ascii=False))
        if not allow:
            continue
        edited = L.apply_edits(linted, allow[0]["edit"]["changes"][uri], encoding)
        if ident == "plain-http":
            check("code actions: the allow comment goes on its own line above, indented like it",
                  "\n    // voronka: allow plain-http\n    after 1d when" in edited, edited)
        else:
            check("code actions: an allow comment above gets the id added to its list, its reason kept",
                  "// voronka: allow stage-without-task, vague-stage-name -- звонок\n  stage choose" in edited, edited)
        diags = change(c, uri, edited, 31 + 2 * n)
        check(f"code actions: `{ident}` is silenced", not [x for x in diags if x.get("code") == ident],
              json.dumps(diags, ensure_ascii=False))
    # A diagnostic on a line that starts inside a block comment: the allow comment goes above the comment's line.
    commented = DOC.replace('note "ёлка" }', 'note "ёлка" /* старый\n      адрес */ webhook "http://партнёр.example.ru/hook" }')
    diags = change(c, uri, commented, 40)
    d = next((x for x in diags if x.get("code") == "plain-http"), None)
    check("the lint after a block comment is reported", d and d["range"]["start"]["line"] == 11, json.dumps(diags, ensure_ascii=False))
    if d:
        actions = c.request("textDocument/codeAction", {"textDocument": {"uri": uri}, "range": d["range"],
                                                        "context": {"diagnostics": [d]}}).get("result") or []
        allow = [a for a in actions if "voronka: allow plain-http" in a["title"]]
        edited = L.apply_edits(commented, allow[0]["edit"]["changes"][uri], encoding) if allow else commented
        check("code actions: an allow comment is never put inside a block comment",
              "\n    // voronka: allow plain-http\n    after 1d" in edited, edited)
        diags = change(c, uri, edited, 41)
        check("code actions: ... and silences the lint there", not [x for x in diags if x.get("code") == "plain-http"],
              json.dumps(diags, ensure_ascii=False))
    change(c, uri, DOC, 42)


def workspace_symbols(c, uri):
    print("-- workspace symbols")

    def find(query):
        r = c.request("workspace/symbol", {"query": query})
        return r.get("result") or []

    found = find("ОПТ")
    check("workspace symbols: a Cyrillic query in another case finds a pipeline of a file nobody opened",
          [s["name"] for s in found] == ["оптовая"] and found[0]["location"]["uri"].endswith("/more/extra.funnel"),
          json.dumps(found, ensure_ascii=False))
    found = find("sAlEs")
    check("workspace symbols: a team of a used file", [(s["name"], s["kind"]) for s in found] == [("sales", 3)],
          json.dumps(found, ensure_ascii=False))
    found = find("ВЫБ")
    check("workspace symbols: a stage by its title, with its pipeline",
          [(s["name"], s.get("containerName")) for s in found] == [("choose", "retail")], json.dumps(found, ensure_ascii=False))
    s = found[0] if found else {"location": {"range": {}}}
    check("workspace symbols: the location of the name",
          s["location"]["uri"] == uri and s["location"]["range"].get("start") == pos(DOC, 12, "choose"), json.dumps(s))
    found = find("NUMB")
    check("workspace symbols: a payload field is not found by its type", found == [], json.dumps(found, ensure_ascii=False))
    found = find("Score")
    check("workspace symbols: a payload field by its name, in its event",
          [(s["name"], s.get("containerName")) for s in found] == [("score", "kyc_checked")], json.dumps(found, ensure_ascii=False))
    names = {s["name"] for s in find("")}
    check("workspace symbols: an empty query lists everything",
          {"город", "kyc_checked", "hello", "retail", "incoming", "budget", "sales", "оптовая", "новая"} <= names,
          sorted(names))


def semantic_tokens(c, uri, encoding):
    print(f"-- semantic tokens ({encoding})")
    caps_legend = c.legend
    r = c.request("textDocument/semanticTokens/full", {"textDocument": {"uri": uri}}).get("result") or {}
    data = r.get("data", [])
    check("semantic tokens: five numbers per token", data and len(data) % 5 == 0, json.dumps(r)[:200])
    tokens = {}
    line = ch = 0
    for i in range(0, len(data), 5):
        dl, ds, length, t, mods = data[i:i + 5]
        line += dl
        ch = ds if dl else ch + ds
        names = [m for b, m in enumerate(caps_legend["tokenModifiers"]) if mods & (1 << b)]
        tokens[(line, ch)] = (length, caps_legend["tokenTypes"][t], sorted(names))

    def token(line_no, needle, nth=0):
        p = pos(DOC, line_no, needle, nth, encoding)
        return tokens.get((p["line"], p["character"]))

    def units(s):
        return len(s.encode("utf-16-le")) // 2 if encoding == "utf-16" else len(s)

    expect = [
        ("a keyword", 6, "pipeline", 0, ("keyword", [])),
        ("a pipeline where declared", 6, "retail", 0, ("type", ["declaration"])),
        ("a stage where declared", 7, "incoming", 0, ("function", ["declaration"])),
        ("a stage after Cyrillic in a move", 8, "choose", 0, ("function", [])),
        ("a stage compared with deal.previous_stage", 10, "incoming", 0, ("function", [])),
        ("a stage in a test's `retail.incoming`", 20, "incoming", 0, ("function", [])),
        ("a field with a Cyrillic name", 9, "город", 0, ("property", [])),
        ("a built-in event", 8, "email_opened", 0, ("function", ["defaultLibrary"])),
        ("a standard function", 9, "round", 0, ("function", ["defaultLibrary"])),
        ("a built-in member", 10, "previous_stage", 0, ("property", ["defaultLibrary"])),
        ("a built-in event's payload field", 9, "amount", 0, ("parameter", ["defaultLibrary"])),
        ("a template", 8, "hello", 0, ("type", [])),
        ("a type", 2, "text", 0, ("type", ["defaultLibrary"])),
        ("a duration", 10, "1d", 0, ("number", ["duration"])),
        ("a number", 9, "0", 0, ("number", [])),
        ("`won`, a keyword as in the grammar", 15, "won", 0, ("keyword", [])),
        ("a call of round_robin", 13, "round_robin", 0, ("function", ["defaultLibrary"])),
    ]
    for what, line_no, needle, nth, want in expect:
        got = token(line_no, needle, nth)
        check(f"semantic tokens: {what}", got and got[0] == units(needle) and got[1:] == want,
              f"{needle}: {got} != {want}")
    got = token(8, '"Ёж ')
    check("semantic tokens: a text up to its interpolation", got == (units('"Ёж '), "string", []), got)
    got = token(8, "contact")
    check("semantic tokens: `contact` inside an interpolation", got == (units("contact"), "variable", ["defaultLibrary"]), got)
    got = token(8, "phone")
    check("semantic tokens: a built-in member inside an interpolation", got == (units("phone"), "property", ["defaultLibrary"]), got)
    got = token(4, "budget")
    check("semantic tokens: a field inside a template's interpolation", got == (units("budget"), "property", []), got)
    got = token(8, '"  move')
    check("semantic tokens: the text after the interpolation", got == (1, "string", []), got)
    got = token(7, '"Неразобранное"')
    check(f"semantic tokens: a Cyrillic string, its length in {encoding}",
          got == (units('"Неразобранное"'), "string", []), got)
    got = token(10, "// напоминание")
    check("semantic tokens: a comment", got == (units("// напоминание"), "comment", []), got)


def grammar_words(scope_prefix):
    """The words the TextMate grammar gives a scope starting with `scope_prefix` (from its `(?:a|b|…)` patterns)."""
    grammar = json.loads((ROOT / "editors/vscode/syntaxes/funnel.tmLanguage.json").read_text())
    words = set()

    def walk(x):
        if isinstance(x, dict):
            if x.get("name", "").startswith(scope_prefix) and "match" in x:
                for group in re.findall(r"\(\?:([\w|]+)\)", x["match"]):
                    words.update(group.split("|"))
            for v in x.values():
                walk(v)
        elif isinstance(x, list):
            for v in x:
                walk(v)
    walk(grammar["repository"])
    return words


def semantic_tokens_match_grammar(c, uri):
    print("-- semantic tokens agree with the TextMate grammar")
    r = c.request("textDocument/semanticTokens/full", {"textDocument": {"uri": uri}}).get("result") or {}
    data, lines = r.get("data", []), DOC.split("\n")
    line = ch = 0
    words = {}
    for i in range(0, len(data), 5):
        dl, ds, length, t, mods = data[i:i + 5]
        line += dl
        ch = ds if dl else ch + ds
        word = lines[line][ch:ch + length]  # UTF-16 = code points here: the words checked are Latin
        names = [m for b, m in enumerate(c.legend["tokenModifiers"]) if mods & (1 << b)]
        words.setdefault((c.legend["tokenTypes"][t], tuple(names)), set()).add(word)
    keywords = grammar_words("keyword.") | grammar_words("constant.language")
    events = grammar_words("support.function.event")
    check("every keyword token is a keyword of the grammar", words.get(("keyword", ())) and
          words[("keyword", ())] <= keywords, sorted(words.get(("keyword", ()), set()) - keywords))
    builtin_events = {w for w in words.get(("function", ("defaultLibrary",)), set()) if w in events}
    check("built-in events are the grammar's support.function.event",
          {"email_opened", "payment_received"} <= builtin_events, sorted(builtin_events))


def range_formatting(c, uri, tmp, encoding):
    print(f"-- range formatting ({encoding})")
    messy = DOC.replace('field город: text "Город"', 'field    город:text   "Город"').replace(
        '    on enter { task "Позвонить" due 1d  assign round_robin(sales) }',
        'on enter   {  task "Позвонить"   due 1d assign   round_robin( sales ) }').replace(
        '  won  "Успешно"', '     won    "Успешно"')
    change(c, uri, messy, 20)
    formatted = subprocess.run([sys.argv[1], "fmt", "-"], input=messy.encode(), capture_output=True).stdout.decode()
    check("the messy document formats", formatted == DOC, formatted)
    # A range from the middle of a Cyrillic line of the pipeline to the middle of another.
    lines = messy.split("\n")
    first = lines.index('  stage choose "Выбор" key {')
    rng = {"start": at(messy, first, "Выбор", encoding=encoding), "end": at(messy, first + 1, "Позвонить", encoding=encoding)}
    r = c.request("textDocument/rangeFormatting", {"textDocument": {"uri": uri}, "range": rng,
                                                    "options": {"tabSize": 2, "insertSpaces": True}})
    edits = r.get("result") or []
    result = L.apply_edits(messy, edits, encoding)
    want = DOC.replace('field город: text "Город"', 'field    город:text   "Город"')
    check("range formatting: the pipeline the range touches is formatted, the field outside is not",
          result == want, json.dumps(edits, ensure_ascii=False) + "\n" + result)
    rng = {"start": at(messy, 2, "город", encoding=encoding), "end": at(messy, 2, "город", encoding=encoding)}
    edits = c.request("textDocument/rangeFormatting", {"textDocument": {"uri": uri}, "range": rng,
                                                        "options": {}}).get("result") or []
    result = L.apply_edits(messy, edits, encoding)
    check("range formatting: a cursor in a declaration formats that one only",
          'field город: text "Город"' in result and 'on enter   {' in result, result)
    # Two declarations on one line, the range on the second: both are formatted, none is lost.
    two = messy.replace('field    город:text   "Город"', 'field    город:text   "Город"  field   улица: text "Улица"')
    change(c, uri, two, 23)
    rng = {"start": at(two, 2, "улица", encoding=encoding), "end": at(two, 2, "улица", encoding=encoding)}
    edits = c.request("textDocument/rangeFormatting", {"textDocument": {"uri": uri}, "range": rng,
                                                        "options": {}}).get("result") or []
    result = L.apply_edits(two, edits, encoding)
    check("range formatting: a declaration sharing its first line with another formats both",
          'field город: text "Город"\nfield улица: text "Улица"\n' in result and 'on enter   {' in result, result)
    change(c, uri, messy, 24)
    broken = messy.replace("won    \"Успешно\"", "won    \"Успешно\" {")
    c.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": 25}, "contentChanges": [{"text": broken}]})
    c.diagnostics(uri, 25)
    r = c.request("textDocument/rangeFormatting", {"textDocument": {"uri": uri}, "range": rng, "options": {}})
    check("range formatting: refused with an error on a syntax error",
          r.get("error", {}).get("code") == -32803 and "syntax errors" in r.get("error", {}).get("message", ""),
          json.dumps(r, ensure_ascii=False))
    change(c, uri, DOC, 26)


def main():
    voronka = sys.argv[1]
    tmp = pathlib.Path(tempfile.mkdtemp(prefix="voronka-lsp-features-"))
    try:
        (tmp / "common.funnel").write_text(COMMON)
        (tmp / "more").mkdir()
        (tmp / "more" / "extra.funnel").write_text(EXTRA)
        path = tmp / "main.funnel"
        path.write_text(DOC)
        uri = path.as_uri()
        for encoding in ("utf-16", "utf-32"):
            c, caps = start(voronka, tmp, encoding)
            c.legend = caps.get("semanticTokensProvider", {}).get("legend", {"tokenTypes": [], "tokenModifiers": []})
            diags = open_doc(c, uri, DOC)
            check("the document checks", not [d for d in diags if d["severity"] == 1],
                  json.dumps(diags, ensure_ascii=False))
            if encoding == "utf-16":
                capabilities(caps)
                every_builtin(c, tmp)
                workspace_symbols(c, uri)
            hovers(c, uri, encoding)
            signature_help(c, uri, encoding)
            code_actions(c, uri, encoding)
            semantic_tokens(c, uri, encoding)
            if encoding == "utf-16":
                semantic_tokens_match_grammar(c, uri)
            range_formatting(c, uri, tmp, encoding)
            stop(c)
    finally:
        shutil.rmtree(tmp)
    if L.failures:
        print(f"{len(L.failures)} checks failed")
        return 1
    print("all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
