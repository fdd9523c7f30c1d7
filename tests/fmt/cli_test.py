#!/usr/bin/env python3
"""`voronka fmt` as a command: --check, --diff, -w, stdin, refusals, exit codes.

    cli_test.py VORONKA
"""
import os
import pathlib
import shutil
import stat
import subprocess
import sys
import tempfile

UNFORMATTED = 'field budget:money "Бюджет"\nteam sales "Продажи" {\nivanov "Иван"\n}\n'
FORMATTED = 'field budget: money "Бюджет"\nteam sales "Продажи" {\n  ivanov "Иван"\n}\n'
BROKEN = 'pipeline p "P" {\n  stage a "A" {\n'

failures = []


def check(name, condition, detail=""):
    if condition:
        print(f"ok   {name}")
    else:
        print(f"FAIL {name}\n{detail}")
        failures.append(name)


def run(voronka, *args, stdin=None, cwd=None):
    return subprocess.run([voronka, "fmt", *args], input=stdin, capture_output=True, text=True, cwd=cwd)


def main():
    voronka = os.path.abspath(sys.argv[1])
    tmp = pathlib.Path(tempfile.mkdtemp(prefix="voronka-fmt-cli-"))
    try:
        messy = tmp / "messy.funnel"
        neat = tmp / "neat.funnel"
        broken = tmp / "broken.funnel"
        messy.write_text(UNFORMATTED)
        neat.write_text(FORMATTED)
        broken.write_text(BROKEN)

        r = run(voronka, str(messy))
        check("prints the formatted file", r.returncode == 0 and r.stdout == FORMATTED, r.stdout + r.stderr)
        check("leaves the file alone without -w", messy.read_text() == UNFORMATTED)

        r = run(voronka, "-", stdin=UNFORMATTED)
        check("formats stdin", r.returncode == 0 and r.stdout == FORMATTED, r.stdout + r.stderr)
        r = run(voronka, stdin=UNFORMATTED)
        check("no path means stdin", r.returncode == 0 and r.stdout == FORMATTED, r.stdout + r.stderr)

        r = run(voronka, "--check", str(tmp))
        check("--check lists the unformatted files and exits 1",
              r.returncode == 1 and r.stdout.splitlines() == [str(messy)] and "1 file is not formatted" in r.stderr
              and "broken.funnel" in r.stderr, f"rc={r.returncode}\n{r.stdout}\n{r.stderr}")
        r = run(voronka, "--check", str(neat))
        check("--check of a formatted file is silent and exits 0", r.returncode == 0 and r.stdout == "" and r.stderr == "",
              f"rc={r.returncode}\n{r.stdout}\n{r.stderr}")

        r = run(voronka, "--diff", str(messy))
        check("--diff prints a unified diff", r.returncode == 0 and r.stdout.startswith(f"--- {messy}\t(original)\n")
              and "-field budget:money" in r.stdout and "+field budget: money" in r.stdout, r.stdout + r.stderr)
        patched = tmp / "patched.funnel"
        shutil.copy(messy, patched)
        diff = r.stdout.replace(str(messy), str(patched))
        p = subprocess.run(["patch", "-s", "-p0"], input=diff, capture_output=True, text=True, cwd="/")
        check("patch applies the diff", p.returncode == 0 and patched.read_text() == FORMATTED, p.stdout + p.stderr)
        r = run(voronka, "--diff", "--check", str(messy))
        check("--diff --check exits 1", r.returncode == 1 and r.stdout.startswith("---"), f"rc={r.returncode}")

        os.chmod(messy, 0o640)
        neat_mtime = neat.stat().st_mtime_ns
        r = run(voronka, "-w", str(messy), str(neat))
        check("-w rewrites in place", r.returncode == 0 and messy.read_text() == FORMATTED and r.stdout == "",
              f"rc={r.returncode}\n{r.stdout}\n{r.stderr}")
        check("-w keeps the permissions", stat.S_IMODE(messy.stat().st_mode) == 0o640, oct(messy.stat().st_mode))
        check("-w does not touch a formatted file", neat.stat().st_mtime_ns == neat_mtime)
        check("-w leaves no temporary files", sorted(p.name for p in tmp.iterdir()) ==
              ["broken.funnel", "messy.funnel", "neat.funnel", "patched.funnel"], str(list(tmp.iterdir())))

        r = run(voronka, "-w", str(broken))
        check("refuses a file with syntax errors: exit 1, errors shown, file untouched",
              r.returncode == 1 and broken.read_text() == BROKEN and "error:" in r.stderr
              and "not formatted: it has syntax errors" in r.stderr, f"rc={r.returncode}\n{r.stderr}")
        check("the syntax error names file:line:col", f"{broken}:2:" in r.stderr or f"{broken}:3:" in r.stderr, r.stderr)

        r = run(voronka, "--check", "-w", str(neat))
        check("--check with -w is a usage error (exit 2)", r.returncode == 2, f"rc={r.returncode}\n{r.stderr}")
        r = run(voronka, str(tmp / "missing.funnel"))
        check("a missing file is an I/O error (exit 2)", r.returncode == 2 and "missing.funnel" in r.stderr,
              f"rc={r.returncode}\n{r.stderr}")

        crlf = tmp / "crlf.funnel"
        crlf.write_bytes(UNFORMATTED.replace("\n", "\r\n").encode())
        r = subprocess.run([voronka, "fmt", str(crlf)], capture_output=True)
        check("keeps CRLF line endings", r.stdout == FORMATTED.replace("\n", "\r\n").encode(), repr(r.stdout))
    finally:
        shutil.rmtree(tmp)
    if failures:
        print(f"{len(failures)} checks failed")
        return 1
    print("all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
