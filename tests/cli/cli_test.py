#!/usr/bin/env python3
"""Command-line conventions of `voronka`: --version and -V everywhere, an
unknown command names the nearest, NO_COLOR and TERM=dumb, --color, and
`voronka test --format json`.

    cli_test.py VORONKA

Colours are tested through a pseudo-terminal, where `auto` would colour.
"""
import json
import os
import pathlib
import pty
import subprocess
import sys
import tempfile

from checks import check, summary


def on_tty(args, env, cwd):
    """Runs with stdout and stderr on a pseudo-terminal; returns what it printed."""
    pid, fd = pty.fork()
    if pid == 0:
        os.chdir(cwd)
        os.execve(args[0], args, env)
    out = b""
    while True:
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    os.waitpid(pid, 0)
    return out.decode(errors="replace")


FUNNEL = '''pipeline p "P" {
  stage a "А" initial {
    on enter { move chose }
  }
  stage choose "Выбор" key
  won "W"
  lost "L"
}
'''

TESTS = '''pipeline p "P" {
  stage a "А" initial {
    on enter { task call "Позвонить" due 1h }
  }
  won "W"
  lost "L"
}

test "проходит" {
  deal d in p.a {}
  expect task call "Позвонить"
}

test "падает" {
  deal d in p.a {}
  expect stage won
}
'''


def main():
    voronka = os.path.abspath(sys.argv[1])
    tmp = pathlib.Path(tempfile.mkdtemp(prefix="voronka-cli-"))
    (tmp / "bad.funnel").write_text(FUNNEL, encoding="utf-8")
    (tmp / "t_test.funnel").write_text(TESTS, encoding="utf-8")

    for args in (["--version"], ["-V"], ["check", "--version"], ["test", "-V"], ["fmt", "--version"]):
        r = subprocess.run([voronka, *args], capture_output=True, text=True)
        check(f"voronka {' '.join(args)} prints the version", r.returncode == 0 and r.stdout.startswith("voronka 0."),
              f"{r.returncode}: {r.stdout!r} {r.stderr!r}")

    r = subprocess.run([voronka, "chek", "x.funnel"], capture_output=True, text=True)
    check("an unknown command names the nearest", r.returncode == 2 and "unknown command `chek`" in r.stderr
          and "`check`" in r.stderr, r.stderr)

    base = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "TERM")}
    tty = lambda extra, *args: on_tty([voronka, *args], {**base, "TERM": "xterm", **extra}, tmp)
    check("check colours a terminal by default", "\x1b[" in tty({}, "check", "bad.funnel"))
    check("NO_COLOR turns colour off", "\x1b[" not in tty({"NO_COLOR": "1"}, "check", "bad.funnel"))
    check("TERM=dumb turns colour off", "\x1b[" not in tty({"TERM": "dumb"}, "check", "bad.funnel"))
    check("--color always wins over NO_COLOR", "\x1b[" in tty({"NO_COLOR": "1"}, "check", "--color", "always", "bad.funnel"))
    check("test colours a terminal by default", "\x1b[" in tty({}, "test", "t_test.funnel"))
    check("test: NO_COLOR", "\x1b[" not in tty({"NO_COLOR": "1"}, "test", "t_test.funnel"))
    check("test --color never", "\x1b[" not in tty({}, "test", "--color", "never", "t_test.funnel"))
    check("build: NO_COLOR", "\x1b[" not in tty({"NO_COLOR": "1"}, "build", "bad.funnel", "-o", "x.funnelc"))
    check("fmt: TERM=dumb", "\x1b[" not in tty({"TERM": "dumb"}, "fmt", "--check", "bad.funnel"))

    r = subprocess.run([voronka, "test", "--format", "json", "t_test.funnel"], capture_output=True, text=True, cwd=tmp)
    try:
        report = json.loads(r.stdout)
    except json.JSONDecodeError as e:
        report = None
        check("test --format json prints JSON", False, f"{e}: {r.stdout[:300]}")
    if report is not None:
        tests = [t for f in report.get("files", []) for t in f.get("tests", [])]
        failed = [t for t in tests if not t.get("passed")]
        check("test --format json: the results", r.returncode == 1 and report.get("passed") == 1
              and report.get("failed") == 1 and len(tests) == 2, json.dumps(report, ensure_ascii=False)[:400])
        first = (failed[0].get("failures") or [{}])[0] if failed else {}
        check("test --format json: a failure with its place and message",
              first.get("file") == "t_test.funnel" and first.get("line") == 16 and "won" in first.get("message", ""),
              json.dumps(failed, ensure_ascii=False)[:400])
    return summary()


if __name__ == "__main__":
    sys.exit(main())
