#!/usr/bin/env python3
"""Every kind of the language's tables (common/language/*.def) is handled
everywhere it must be.

An action kind of actions.def must be
  - written in the grammar: its keyword's tokens start an alternative of the
    parser rule `action` (or of the rule it delegates to: `if`);
  - handled by the checker (compiler/check), the lowering (compiler/lower)
    and the engine (runtime/engine): a `case …ActionKind::Name` in each;
  - documented: a row of the action table in docs/language.md (section 7.1).
A built-in event of events.def must be documented in the event table of
docs/language.md (section 6.3) and described for the language server's hover
(kEventWhen in tools/voronka/lsp/builtins.cpp).

The compiler adds its own check: a switch over a kind that misses one does
not build (-Werror=switch in the top-level CMakeLists.txt).

    tables_test.py ROOT
"""
import pathlib
import re
import sys


def table(path, macro):
    """(Name, "text") of each MACRO(Name, "text", …) line of a .def file."""
    return re.findall(r"^" + macro + r'\(\s*(\w+),\s*"([^"]*)"', path.read_text(), re.M)


def grammar_tokens(g4):
    """Lexer literal tokens: 'move' -> MOVE."""
    return {word: token for token, word in re.findall(r"\b([A-Z_]+)\s*:\s*'([a-z_]+)'\s*;", g4)}


def parser_rule(g4, name):
    """The alternatives of a parser rule, each a list of its symbols."""
    m = re.search(r"^" + name + r"\s*:(.*?)\s;\s*$", g4, re.M | re.S)
    body = m.group(1) if m else ""
    return [alt.split("#")[0].split() for alt in re.split(r"\|(?![^(]*\))", body) if alt.strip()]


def sources(root, folder):
    return "\n".join(p.read_text() for p in sorted((root / folder).rglob("*.cpp")))


def main():
    root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else pathlib.Path(__file__).resolve().parents[2])
    language = root / "common" / "language"
    g4 = (root / "grammar" / "Funnel.g4").read_text()
    tokens = grammar_tokens(g4)
    alternatives = parser_rule(g4, "action") + parser_rule(g4, "ifStatement")
    docs = (root / "docs" / "language.md").read_text()
    places = {
        "the checker (compiler/check)": sources(root, "compiler/check"),
        "the lowering (compiler/lower)": sources(root, "compiler/lower"),
        "the engine (runtime/engine)": sources(root, "runtime/engine"),
    }

    problems = []
    actions = table(language / "actions.def", "ACTION")
    for name, keyword in actions:
        words = keyword.split()
        expected = [tokens.get(w) for w in words]
        if None in expected:
            problems.append(f"action `{keyword}`: the grammar has no token for "
                            f"{' '.join(w for w in words if w not in tokens)}")
        elif not any(alt[:len(expected)] == expected or alt[:1] == ["(" + expected[0]] for alt in alternatives):
            problems.append(f"action `{keyword}`: no alternative of the grammar's `action` rule starts with "
                            f"{' '.join(expected)}")
        for where, text in places.items():
            if not re.search(r"case\s+(?:\w+::)*ActionKind::" + name + r"\b", text):
                problems.append(f"action `{keyword}`: {where} has no `case ActionKind::{name}`")
        if not re.search(r"^\| `" + re.escape(keyword) + r"\b", docs, re.M):
            problems.append(f"action `{keyword}`: docs/language.md's action table (section 7.1) has no row for it")

    events = table(language / "events.def", "EVENT")
    hover = (root / "tools" / "voronka" / "lsp" / "builtins.cpp").read_text()
    for name, event in events:
        if not re.search(r"^\| `" + re.escape(event) + r"` \|", docs, re.M):
            problems.append(f"event `{event}`: docs/language.md's event table (section 6.3) has no row for it")
        if not re.search(r'\{"' + re.escape(event) + r'",', hover):
            problems.append(f"event `{event}`: the language server's hover (kEventWhen in "
                            "tools/voronka/lsp/builtins.cpp) does not say when it happens")

    if len(actions) < 20 or len(events) < 19:
        problems.append(f"read only {len(actions)} actions and {len(events)} events from common/language")
    for p in problems:
        print("FAIL", p)
    if problems:
        print("A kind of common/language/*.def is declared once and handled everywhere: "
              "docs/architecture.md lists the places (\"Adding an action\").")
        return 1
    print(f"ok   {len(actions)} actions and {len(events)} built-in events are in the grammar, the checker, "
          "the lowering, the engine, the docs and the language server's hover")
    return 0


if __name__ == "__main__":
    sys.exit(main())
