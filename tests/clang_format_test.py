#!/usr/bin/env python3
"""The tree stays formatted as .clang-format says.

Runs Debian 12's clang-format 14 in --dry-run mode over every .h and .cpp
of the project (the .def tables keep their hand-aligned columns and are not
formatted). Another major version of clang-format lays some lines out
differently, so without version 14 the test is skipped (exit 77).

    clang_format_test.py ROOT
"""
import pathlib
import re
import shutil
import subprocess
import sys

FOLDERS = ("bench", "common", "compiler", "runtime", "tests", "tools")


def clang_format_14():
    for name in ("clang-format-14", "clang-format"):
        path = shutil.which(name)
        if not path:
            continue
        version = subprocess.run([path, "--version"], capture_output=True, text=True).stdout
        if re.search(r"version 14\.", version):
            return path
    return None


def main():
    root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else pathlib.Path(__file__).resolve().parents[1])
    tool = clang_format_14()
    if not tool:
        print("skip: clang-format 14 is not installed (scripts/deps.sh installs it)")
        return 77
    files = sorted(str(p) for folder in FOLDERS for pattern in ("*.h", "*.cpp") for p in (root / folder).rglob(pattern))
    if len(files) < 200:
        print(f"FAIL found only {len(files)} sources under {root}")
        return 1
    result = subprocess.run([tool, "--dry-run", "-Werror", f"--style=file:{root / '.clang-format'}", *files],
                            capture_output=True, text=True)
    if result.returncode != 0:
        unformatted = sorted(set(re.findall(r"^(\S+?):\d+:\d+: error", result.stderr, re.M)))
        for f in unformatted:
            print("FAIL not formatted:", pathlib.Path(f).relative_to(root))
        print("Run: clang-format -i FILE (the style is .clang-format at the top of the tree)")
        return 1
    print(f"ok   {len(files)} sources are formatted")
    return 0


if __name__ == "__main__":
    sys.exit(main())
