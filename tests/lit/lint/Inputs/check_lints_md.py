#!/usr/bin/env python3
"""Checks the examples of docs/lints.md with `voronka check`.

    python3 check_lints_md.py VORONKA docs/lints.md

Before each ```funnel block a hidden comment says what it shows:
`<!-- lint: bad ID -->` must give the warning ID (and no error), `<!-- lint:
good -->` must give no diagnostic at all. Every lint must have at least one
bad and one good example. Prints one line per problem; exit status 1 if any.
"""
import json
import pathlib
import re
import subprocess
import sys
import tempfile


def main():
    voronka, md = sys.argv[1], pathlib.Path(sys.argv[2])
    text = md.read_text(encoding="utf-8")
    listing = subprocess.run([voronka, "explain", "--list"], capture_output=True, text=True, check=True).stdout
    lints = [line.split()[0] for line in listing.splitlines() if line.split()[1:2] == ["warning"]]
    blocks = re.findall(r"<!-- lint: (bad ([a-z0-9-]+)|good) -->\s*\n```funnel\n(.*?)```", text, re.S)
    problems, bad, good = [], set(), 0
    for number, (kind, lint, code) in enumerate(blocks, 1):
        with tempfile.TemporaryDirectory() as tmp:
            path = pathlib.Path(tmp) / "example.funnel"
            path.write_text(code, encoding="utf-8")
            run = subprocess.run([voronka, "check", "--format", "json", str(path)], capture_output=True, text=True)
        found = json.loads(run.stdout)["diagnostics"] if run.stdout else []
        ids = [d["id"] for d in found]
        shown = "; ".join(f"{d['id']}: {d['message']}" for d in found) or "nothing"
        if kind == "good":
            good += 1
            if found or run.returncode != 0:
                problems.append(f"example {number} (good) reports {shown}")
        else:
            bad.add(lint)
            errors = [d for d in found if d["severity"] == "error"]
            if lint not in ids or errors or run.returncode != 0:
                problems.append(f"example {number} (bad {lint}) reports {shown}")
    for lint in lints:
        if lint not in bad:
            problems.append(f"no bad example of {lint}")
        if not re.search(rf"^## `{re.escape(lint)}`$", text, re.M):
            problems.append(f"no section `## \\`{lint}\\``")
    for p in problems:
        print(p)
    print(f"{len(blocks)} examples ({len(bad)} lints shown bad, {good} good), {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
