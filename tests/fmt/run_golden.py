#!/usr/bin/env python3
"""Golden tests of `voronka fmt`.

For each cases/NAME.funnel, `voronka fmt cases/NAME.funnel` must print exactly
expected/NAME.funnel, and formatting expected/NAME.funnel must change nothing.

    run_golden.py VORONKA [--update]

--update rewrites the expected files from the current formatter (review the
diff before committing it).
"""
import difflib
import pathlib
import subprocess
import sys


def fmt(voronka, path):
    run = subprocess.run([voronka, "fmt", str(path)], capture_output=True)
    if run.returncode != 0:
        raise RuntimeError(f"voronka fmt {path} exited {run.returncode}:\n{run.stderr.decode()}")
    return run.stdout


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    voronka = sys.argv[1]
    update = "--update" in sys.argv[2:]
    here = pathlib.Path(__file__).resolve().parent
    cases = sorted((here / "cases").glob("*.funnel"))
    if not cases:
        print("no cases found in", here / "cases")
        return 1
    failures = 0
    for case in cases:
        expected_path = here / "expected" / case.name
        try:
            got = fmt(voronka, case)
        except RuntimeError as e:
            print(f"FAIL {case.name}: {e}")
            failures += 1
            continue
        if update:
            expected_path.write_bytes(got)
            print(f"updated {expected_path.relative_to(here)}")
            continue
        if not expected_path.exists():
            print(f"FAIL {case.name}: no {expected_path.relative_to(here)} (run with --update to create it)")
            failures += 1
            continue
        expected = expected_path.read_bytes()
        if got != expected:
            diff = difflib.unified_diff(expected.decode().splitlines(True), got.decode().splitlines(True),
                                        f"expected/{case.name}", f"voronka fmt cases/{case.name}")
            print(f"FAIL {case.name}: output differs from the expected file\n{''.join(diff)}")
            failures += 1
            continue
        again = fmt(voronka, expected_path)
        if again != expected:
            diff = difflib.unified_diff(expected.decode().splitlines(True), again.decode().splitlines(True),
                                        f"expected/{case.name}", "formatted again")
            print(f"FAIL {case.name}: formatting the expected output changes it (not idempotent)\n{''.join(diff)}")
            failures += 1
            continue
        print(f"ok   {case.name}")
    if failures:
        print(f"{failures} of {len(cases)} golden tests failed")
        return 1
    print(f"all {len(cases)} golden tests passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
