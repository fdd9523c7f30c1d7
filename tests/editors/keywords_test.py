#!/usr/bin/env python3
"""One source of keywords: grammar/Funnel.g4; one of built-in events:
common/language/events.def.

Fails when a keyword of the grammar is missing from the TextMate grammar
(editors/vscode) or the Vim syntax (editors/vim), when one of them lists a
word that is no keyword, or when a reserved word is shown as contextual (or
the other way round); when an action keyword of common/language/actions.def
is not a reserved keyword of the grammar; and when the editors' built-in
events differ from events.def.

Reserved keywords are the lexer's "Reserved keywords" block; contextual ones
are the keyword tokens of the parser rule `ident` (and must be exactly the
lexer's "Contextual keywords" block).

    keywords_test.py ROOT
"""
import json
import pathlib
import re
import sys


def grammar_keywords(g4):
    text = g4.read_text()
    literal = re.compile(r"\b([A-Z_]+)\s*:\s*'([a-z_]+)'\s*;")

    def block(start, end):
        a = text.index(start)
        b = text.index(end, a)
        return dict(literal.findall(text[a:b]))

    reserved = block("// Reserved keywords.", "// Contextual keywords")
    contextual_block = block("// Contextual keywords", "// Punctuation")
    # The `ident` rule: IDENT or a contextual keyword token.
    m = re.search(r"^ident\s*\n((?:\s+[:|].*\n)+)\s*;", text, re.M)
    if not m:
        raise SystemExit("cannot find the `ident` rule in " + str(g4))
    ident_tokens = set(re.findall(r"\b[A-Z_]+\b", m.group(1))) - {"IDENT"}
    problems = []
    if ident_tokens != set(contextual_block):
        problems.append("the `ident` rule and the lexer's contextual block differ: "
                        f"only in ident: {sorted(ident_tokens - set(contextual_block))}, "
                        f"only in the block: {sorted(set(contextual_block) - ident_tokens)}")
    contextual = {contextual_block[t] for t in ident_tokens if t in contextual_block}
    return set(reserved.values()), contextual, problems


def table_names(path, macro):
    """The quoted second column of MACRO(Name, "text", …) lines of a .def table."""
    return [m.group(1) for m in re.finditer(r"^" + macro + r'\(\w+,\s*"([^"]*)"', path.read_text(), re.M)]


def textmate_events(path):
    rule = json.loads(path.read_text())["repository"].get("events-builtin", {})
    words = set()
    for alternation in re.findall(r"\(\?:([a-z_|]+)\)", rule.get("match", "")):
        words |= set(alternation.split("|"))
    return words


def vim_events(path):
    words = set()
    for line in path.read_text().splitlines():
        m = re.match(r"\s*syn(?:tax)?\s+keyword\s+funnelEvent\s+(.*)", line)
        if m:
            words |= set(m.group(1).split())
    return words


def textmate_keywords(path):
    grammar = json.loads(path.read_text())
    reserved, contextual = set(), set()
    for key, rule in grammar["repository"].items():
        if not key.startswith("keywords-"):
            continue
        words = set()
        for alternation in re.findall(r"\(\?:([a-z_|]+)\)", rule.get("match", "")):
            words |= set(alternation.split("|"))
        (contextual if key == "keywords-contextual" else reserved).update(words)
    return reserved, contextual


def vim_keywords(path):
    reserved, contextual = set(), set()
    for line in path.read_text().splitlines():
        m = re.match(r"\s*syn(?:tax)?\s+keyword\s+(\w+)\s+(.*)", line)
        if not m or m.group(1) in ("funnelTodo", "funnelEvent"):
            continue
        words = {w for w in m.group(2).split() if not w.startswith(("contained", "nextgroup", "skipwhite"))}
        (contextual if m.group(1) == "funnelContextual" else reserved).update(words)
    # A word that is also an argument of `:syn keyword` (`contains`) is a match of one whole word.
    for m in re.finditer(r'^\s*syn(?:tax)?\s+match\s+funnelContextual\s+"\\<(\w+)\\>"', path.read_text(), re.M):
        contextual.add(m.group(1))
    return reserved, contextual


def compare(name, reserved, contextual, got_reserved, got_contextual):
    problems = []
    for label, words in (("reserved", reserved - got_reserved - got_contextual),
                         ("contextual", contextual - got_contextual - got_reserved)):
        if words:
            problems.append(f"{name}: {label} keywords missing: {' '.join(sorted(words))}")
    if reserved & got_contextual:
        problems.append(f"{name}: reserved keywords shown as contextual: {' '.join(sorted(reserved & got_contextual))}")
    if contextual & got_reserved:
        problems.append(f"{name}: contextual keywords shown as reserved: {' '.join(sorted(contextual & got_reserved))}")
    extra = (got_reserved | got_contextual) - reserved - contextual
    if extra:
        problems.append(f"{name}: words listed as keywords that the grammar does not have: {' '.join(sorted(extra))}")
    return problems


def main():
    root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else pathlib.Path(__file__).resolve().parents[2])
    reserved, contextual, problems = grammar_keywords(root / "grammar" / "Funnel.g4")
    if len(reserved) < 40 or len(contextual) < 30:
        problems.append(f"found only {len(reserved)} reserved and {len(contextual)} contextual keywords in the grammar")
    problems += compare("editors/vscode/syntaxes/funnel.tmLanguage.json", reserved, contextual,
                        *textmate_keywords(root / "editors" / "vscode" / "syntaxes" / "funnel.tmLanguage.json"))
    problems += compare("editors/vim/syntax/funnel.vim", reserved, contextual,
                        *vim_keywords(root / "editors" / "vim" / "syntax" / "funnel.vim"))
    language = root / "common" / "language"
    for action in table_names(language / "actions.def", "ACTION"):
        first, *rest = action.split()
        missing = ([first] if first not in reserved else []) + [w for w in rest if w not in reserved | contextual]
        if missing:
            problems.append(f"actions.def: the action `{action}` has words that are no keyword of the grammar "
                            f"(its first word must be reserved): {' '.join(missing)}")
    # Built-in events that are reserved keywords (`create`) are shown as keywords.
    events = set(table_names(language / "events.def", "EVENT")) - reserved
    if len(events) < 15:
        problems.append(f"found only {len(events)} built-in events in common/language/events.def")
    for name, got in (("editors/vscode/syntaxes/funnel.tmLanguage.json (events-builtin)",
                       textmate_events(root / "editors" / "vscode" / "syntaxes" / "funnel.tmLanguage.json")),
                      ("editors/vim/syntax/funnel.vim (funnelEvent)",
                       vim_events(root / "editors" / "vim" / "syntax" / "funnel.vim"))):
        if got != events:
            problems.append(f"{name}: built-in events missing: {' '.join(sorted(events - got)) or '-'}; "
                            f"not built-in events: {' '.join(sorted(got - events)) or '-'}")
    for p in problems:
        print("FAIL", p)
    if problems:
        print("Keep the editors in step with grammar/Funnel.g4 (see docs/editors.md).")
        return 1
    print(f"ok   {len(reserved)} reserved and {len(contextual)} contextual keywords and {len(events)} built-in events "
          "are in both editor grammars")
    return 0


if __name__ == "__main__":
    sys.exit(main())
