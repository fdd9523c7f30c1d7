#!/usr/bin/env python3
"""Fails when a diagnostic kind is never produced by a file test.

Every id listed by `voronka explain --list` must appear as `[id]` in a CHECK
line of some file under tests/lit (Carbon's coverage test, in spirit).
"""
import pathlib
import re
import subprocess
import sys


def main() -> int:
    voronka, lit_dir = sys.argv[1], pathlib.Path(sys.argv[2])
    listing = subprocess.run([voronka, "explain", "--list"], check=True, capture_output=True, text=True).stdout
    ids = [line.split()[0] for line in listing.splitlines() if line.strip()]
    checked = set()
    for path in lit_dir.rglob("*.funnel"):
        for line in path.read_text(encoding="utf-8").splitlines():
            if "CHECK" in line:
                checked.update(re.findall(r"\[([a-z0-9-]+)\]", line))
    missing = [i for i in ids if i not in checked]
    if missing:
        print("diagnostics without a file test in tests/lit (add a fail_<id>.funnel):")
        for i in missing:
            print("  " + i)
        return 1
    print(f"all {len(ids)} diagnostics are exercised by file tests")
    return 0


if __name__ == "__main__":
    sys.exit(main())
