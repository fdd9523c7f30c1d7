#!/usr/bin/env python3
"""Every file `voronka` is given to read, given as a directory or as a path
with nothing there: the command stops with a non-zero exit and says
"cannot read PATH: it is a directory" (or "there is no such file"), and
prints nothing on stdout. On Linux a stream opens a directory without
complaint and reads nothing, so before, `serve --config DIR` served with no
config at all, `sim --rates DIR` forecast with no rates, `run --events DIR`
replayed nothing and said so with exit 0, and `sim --stats DIR` crashed.

Every file it writes, given as a directory or in a directory that is not
there: exit 2, "cannot write PATH: it is a directory" (or "there is no
such directory"), and no temporary left behind; a file that is there is
replaced whole, keeping its permissions.

    file_paths_test.py VORONKA SOURCE_DIR
"""
import pathlib
import subprocess
import sys
import tempfile

from checks import check, summary


def sources(voronka, module, tmp):
    """The commands that compile funnel sources, given what is not one: a
    compiled module (once parsed as text, a screen of invalid UTF-8), a
    directory with no .funnel files, a path with nothing there."""
    (tmp / "empty").mkdir()
    given = [(module, "a compiled module (made by `voronka build`), not a funnel source"),
             (str(tmp / "empty"), "no .funnel files in this directory"),
             (str(tmp / "missing.funnel"), "no such file or directory")]
    for command in ("check", "build", "test", "fmt"):
        for path, said in given:
            r = subprocess.run([voronka, command, path], capture_output=True, text=True, timeout=60)
            check(f"{command} {pathlib.Path(path).name}: exit 2, {said!r}",
                  r.returncode == 2 and f"voronka: error: {path}: {said}" in r.stderr and "invalid-utf8" not in r.stderr,
                  f"exit {r.returncode}, stderr {r.stderr[-300:]!r}")


def outputs(voronka, funnel, tmp):
    out = tmp / "out"
    out.mkdir()
    (out / "a_directory").mkdir()
    # (what is written, the command with {} for the path)
    cases = [
        ("build's module", ["build", funnel, "-o", "{}"]),
        ("graph's drawing", ["graph", funnel, "-o", "{}"]),
        ("check's SARIF", ["check", funnel, "--format", "sarif", "-o", "{}"]),
        ("test's JUnit XML", ["test", funnel, "--junit", "{}"]),
    ]
    for what, reason in (("a_directory", "it is a directory"), ("missing/file", "there is no such directory")):
        path = str(out / what)
        for name, args in cases:
            r = subprocess.run([voronka] + [a.replace("{}", path) for a in args], capture_output=True, text=True,
                               timeout=120)
            left = sorted(p.name for p in out.iterdir())
            check(f"{name} to {what}: exit 2, the reason, nothing left behind",
                  r.returncode == 2 and f"cannot write {path}: {reason}" in r.stderr and left == ["a_directory"],
                  f"exit {r.returncode}, stderr {r.stderr[-300:]!r}, left {left}")
    # Replaced whole, with its permissions: a module made read-only for the
    # group stays so.
    module = out / "m.funnelc"
    module.write_text("old")
    module.chmod(0o640)
    r = subprocess.run([voronka, "build", funnel, "-o", str(module)], capture_output=True, text=True, timeout=120)
    check("build over a file: replaced, permissions kept, no temporary",
          r.returncode == 0 and module.read_bytes().startswith(b"VRNKFNLC")
          and module.stat().st_mode & 0o777 == 0o640
          and sorted(p.name for p in out.iterdir()) == ["a_directory", "m.funnelc"],
          f"exit {r.returncode}, {r.stderr!r}, mode {oct(module.stat().st_mode)}, {sorted(out.iterdir())}")


def main():
    voronka, source = sys.argv[1], pathlib.Path(sys.argv[2])
    funnel = str(source / "examples/furniture/furniture.funnel")
    rates = str(source / "examples/furniture/rates.toml")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = pathlib.Path(tmp)
        (tmp / "a_directory").mkdir()
        module = str(tmp / "m.funnelc")
        built = subprocess.run([voronka, "build", funnel, "-o", module], capture_output=True, text=True)
        assert built.returncode == 0, built.stderr
        store = f"sqlite:{tmp / 'store.db'}"
        served = ["serve", module, "--store", store, "--listen", "127.0.0.1:0"]
        # (what is read, the command with {} for the path, the exit status,
        # what stderr says before the reason)
        cases = [
            ("a module", ["disasm", "{}"], 2, "cannot read {}"),
            ("run's event log", ["run", module, "--events", "{}"], 2, "cannot read {}"),
            ("replay's event log", ["replay", funnel, "--old", funnel, "--events", "{}"], 2, "cannot read {}"),
            ("sim's rates", ["sim", funnel, "--rates", "{}"], 2, "cannot read {}"),
            ("sim's statistics", ["sim", funnel, "--stats", "{}"], 1, "cannot read {}"),
            ("serve's config", served + ["--config", "{}"], 2, "{}: cannot read the file"),
            ("serve's crm.toml", served + ["--crm", "{}"], 2, "{}: cannot read the file"),
            ("serve's plan", served + ["--plan", "{}"], 2, "{}: cannot read the plan file"),
            ("the tenants file", ["serve", "--tenants", "{}", "--check"], 2, "{}: cannot read the file"),
            ("deploy's plan", ["deploy", module, "--store", store, "--plan", "{}"], 2, "{}: cannot read the plan file"),
        ]
        for what, reason in (("a_directory", "it is a directory"), ("missing.txt", "there is no such file")):
            path = str(tmp / what)
            for name, args, status, said in cases:
                command = [voronka] + [a.replace("{}", path) for a in args]
                try:
                    r = subprocess.run(command, capture_output=True, text=True, timeout=30, cwd=tmp)
                except subprocess.TimeoutExpired:
                    check(f"{name} as {what}", False, "it did not stop: it ran as if it had read the file")
                    continue
                expected = f"{said.replace('{}', path)}: {reason}"
                check(f"{name} as {what}: exit {status}, {expected!r}, nothing on stdout",
                      r.returncode == status and expected in r.stderr and r.stdout == "",
                      f"exit {r.returncode}, stderr {r.stderr!r}, stdout {r.stdout[:200]!r}")
        # Read or not, where the chart would go is a directory: said before
        # the runs, with no report printed.
        r = subprocess.run([voronka, "sim", funnel, "--rates", rates, "--deals", "10", "--runs", "1", "--svg",
                            str(tmp / "a_directory")], capture_output=True, text=True, timeout=60)
        check("sim --svg DIR: refused before the runs", r.returncode == 2 and r.stdout == ""
              and f"cannot write {tmp / 'a_directory'}: it is a directory" in r.stderr,
              f"exit {r.returncode}, stderr {r.stderr!r}, stdout {r.stdout[:200]!r}")
        # Stores: a directory is not called missing.
        for command in (["stats", "--store", "{}"], ["sim", funnel, "--store", "{}"]):
            args = [a.replace("{}", str(tmp / "a_directory")) for a in command]
            r = subprocess.run([voronka] + args, capture_output=True, text=True, timeout=30)
            check(f"{command[0]} --store DIR", r.returncode == 1 and "it is a directory, not a store file" in r.stderr,
                  f"exit {r.returncode}, stderr {r.stderr!r}")
        outputs(voronka, funnel, tmp)
        sources(voronka, module, tmp)
    return summary()


if __name__ == "__main__":
    sys.exit(main())
