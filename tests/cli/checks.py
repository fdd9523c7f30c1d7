"""The checks of the command-line tests in this folder: each prints `ok`
or `FAIL` with what was seen, and the script fails at the end when any
did, so one run shows every failure, not only the first."""

failures = []


def check(name, condition, detail=""):
    if condition:
        print(f"ok   {name}")
    else:
        print(f"FAIL {name}\n     {detail}")
        failures.append(name)


def summary():
    """The script's exit status, said: 1 when a check failed."""
    if failures:
        print(f"{len(failures)} failed")
        return 1
    print("all checks passed")
    return 0
