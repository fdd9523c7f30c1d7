#!/usr/bin/env python3
"""Fails when a source includes a header from a folder it must not depend on.

The layering of docs/architecture.md section 2, for what a link error would
not catch (a header-only include links fine):
  - common/ includes nothing of the compiler or the runtime;
  - runtime/ includes nothing of the compiler, and its CMake files link no
    compiler library;
  - runtime/vm does not include runtime/engine (the engine drives the VM,
    not the other way round).
Usage: include_boundaries.py SOURCE_DIR
"""
import pathlib
import re
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s*"([^"]+)"', re.MULTILINE)
SOURCE_SUFFIXES = {".h", ".cpp", ".def", ".inc"}
COMPILER_LIBRARIES = re.compile(
    r"\bvoronka_(source|diagnostics|ast|parse|check|lint|graph|driver|format|index|lower)\b|\bfunnel_grammar\b")

# (folder whose sources are checked, forbidden include prefixes, why)
RULES = [
    ("common", ("compiler/", "runtime/", "tools/"), "common/ depends on no other part of the project"),
    ("runtime", ("compiler/", "tools/"), "the runtime does not depend on the compiler or the tools"),
    ("runtime/vm", ("runtime/engine/", "runtime/server/", "runtime/store/"), "the VM talks to the engine only through vm::Host"),
]


def sources(folder: pathlib.Path):
    return sorted(p for p in folder.rglob("*") if p.suffix in SOURCE_SUFFIXES and p.is_file())


def main() -> int:
    root = pathlib.Path(sys.argv[1])
    problems = []
    checked = 0
    for folder, forbidden, why in RULES:
        for path in sources(root / folder):
            checked += 1
            for include in INCLUDE.findall(path.read_text(encoding="utf-8")):
                if include.startswith(forbidden):
                    problems.append(f"{path.relative_to(root)}: includes {include}: {why}")
    for cmake in sorted((root / "runtime").rglob("CMakeLists.txt")) + [root / "common" / "CMakeLists.txt"]:
        for match in COMPILER_LIBRARIES.finditer(cmake.read_text(encoding="utf-8")):
            problems.append(f"{cmake.relative_to(root)}: links {match.group(0)}: runtime and common libraries link no compiler library")
    if problems:
        print("\n".join(problems))
        print(f"{len(problems)} include boundary violations")
        return 1
    print(f"{checked} sources checked: no include crosses a boundary")
    return 0


if __name__ == "__main__":
    sys.exit(main())
