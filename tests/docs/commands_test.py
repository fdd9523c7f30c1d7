#!/usr/bin/env python3
"""The documents describe the binary that exists.

For docs/*.md and README.md:

- every `voronka SUBCOMMAND` written as code (in backticks or a code block,
  outside its comments) must run with --help, and every --long-option
  written after it on the same code line must be in that help;
- no sentence may say that a command or feature is not available, not
  built, not implemented or not supported (yet) while naming a `voronka
  SUBCOMMAND` that exists.

A subcommand exists when `voronka SUBCOMMAND --help` succeeds and prints
its own usage line (the top-level help would succeed for any word).

    commands_test.py VORONKA ROOT
"""
import pathlib
import re
import subprocess
import sys

COMMAND = re.compile(r"(?<![\w:.\-/])(?:build/bin/)?voronka\s+([a-z][a-z0-9-]*)\b([^`\n]*)")
OPTION = re.compile(r"(?<![\w-])(--[a-z][a-z0-9-]*)")
NOT_THERE = re.compile(
    r"\bnot\s+(?:yet\s+)?(?:available|built|implemented|supported)(?:\s+yet)?\b|\bcoming soon\b", re.I)


def code_lines(text):
    """(line number, code) for inline code spans and fenced code lines, comments cut off."""
    fenced = False
    for number, line in enumerate(text.splitlines(), 1):
        if line.lstrip().startswith("```"):
            fenced = not fenced
            continue
        if fenced:
            yield number, re.split(r"\s#|^#|\s//", line, maxsplit=1)[0]
        else:
            for span in re.findall(r"`([^`]+)`", line):
                yield number, span


def sentences(text):
    """(line number, sentence) for the text's sentences; paragraphs and list items end one too."""
    start = 0
    for m in re.finditer(r"(?<=[.!?])\s+(?=[A-Z*`(>])|\n\s*\n|\n(?=\s*(?:[-*|]|\d+\.)\s)", text + "\n\n"):
        yield text.count("\n", 0, start) + 1, text[start:m.start()]
        start = m.end()


class Binary:
    def __init__(self, path):
        self.path = path
        self.helps = {}

    def help(self, sub):
        if sub not in self.helps:
            run = subprocess.run([self.path, *sub.split(), "--help"], capture_output=True, text=True, timeout=30)
            own = re.search(r"Usage: \S*voronka " + re.escape(sub) + r"\b", run.stdout)
            self.helps[sub] = run.stdout if run.returncode == 0 and own else None
        return self.helps[sub]


def main():
    binary, root = Binary(sys.argv[1]), pathlib.Path(sys.argv[2])
    files = sorted((root / "docs").glob("*.md")) + [root / "README.md"]
    problems, named = [], set()
    for path in files:
        text = path.read_text()
        where = path.relative_to(root)
        for number, code in code_lines(text):
            for m in COMMAND.finditer(code):
                sub, rest = m.group(1), m.group(2)
                named.add(sub)
                help_text = binary.help(sub)
                if help_text is None:
                    problems.append(f"{where}:{number}: `voronka {sub}` is not a command (`voronka {sub} --help` fails)")
                    continue
                # `voronka crm pull --url …`: the options are the nested subcommand's.
                nested = re.match(r"\s+([a-z][a-z0-9-]*)\b", rest)
                if nested and re.search(r"^Subcommands:(?:\n .*)*\n\s+" + re.escape(nested.group(1)) + r"\b",
                                        help_text, re.M):
                    sub = f"{sub} {nested.group(1)}"
                    help_text = binary.help(sub)
                    if help_text is None:
                        problems.append(f"{where}:{number}: `voronka {sub}` is not a command")
                        continue
                for option in OPTION.findall(rest.split("|")[0]):
                    if not re.search(re.escape(option) + r"\b", help_text):
                        problems.append(f"{where}:{number}: `voronka {sub}` has no option {option}")
        for number, sentence in sentences(text):
            claim = NOT_THERE.search(sentence)
            if not claim:
                continue
            for m in COMMAND.finditer(sentence):
                sub = m.group(1)
                if binary.help(sub) is not None:
                    problems.append(f"{where}:{number}: says \"{claim.group(0)}\" next to `voronka {sub}`, which exists")
    for p in problems:
        print(p)
    if not named:
        print("no `voronka SUBCOMMAND` found in the documents: is the pattern broken?")
        return 1
    print(f"{'FAIL' if problems else 'ok  '} {len(named)} commands named in {len(files)} documents: "
          f"{', '.join(sorted(named))}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
