#!/usr/bin/env python3
"""Validates `voronka check --format sarif` (and `--format codequality`).

    python3 tests/sarif/validate_sarif.py VORONKA REPO_ROOT

Exit status 1 with a list of problems when a report is invalid.
"""
import json
import pathlib
import re
import subprocess
import sys
import tempfile
import urllib.parse

import jsonschema

HERE = pathlib.Path(__file__).resolve().parent
problems = []


def fail(message):
    problems.append(message)


def absolute_uri(value):
    parts = urllib.parse.urlsplit(value)
    return bool(parts.scheme) and re.fullmatch(r"[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]*", value) is not None


def uri_reference(value):
    return re.fullmatch(r"[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]*", value) is not None


def validator():
    schema = json.loads((HERE / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    jsonschema.Draft4Validator.check_schema(schema)
    formats = jsonschema.FormatChecker()
    formats.checks("uri")(absolute_uri)
    formats.checks("uri-reference")(uri_reference)
    return jsonschema.Draft4Validator(schema, format_checker=formats)


def run(voronka, args, cwd, env=None):
    done = subprocess.run([voronka, "check", *args], capture_output=True, text=True, cwd=cwd, env=env)
    if done.returncode not in (0, 1):
        fail(f"voronka check {' '.join(args)} exited {done.returncode}: {done.stderr}")
    return done.stdout


def check_sarif(report, name, lint_anchors):
    try:
        log = json.loads(report)
    except json.JSONDecodeError as e:
        fail(f"{name}: not JSON: {e}")
        return None
    for error in VALIDATOR.iter_errors(log):
        fail(f"{name}: schema: {error.message} at {'/'.join(map(str, error.absolute_path))}")
    run_ = log["runs"][0]
    rules = run_["tool"]["driver"]["rules"]
    ids = [r["id"] for r in rules]
    if len(set(ids)) != len(ids):
        fail(f"{name}: rule ids repeat")
    for rule in rules:
        level = rule["defaultConfiguration"]["level"]
        if level == "warning":
            anchor = rule["helpUri"].rsplit("#", 1)[-1]
            if not rule["helpUri"].split("#")[0].endswith("/lints.md") or anchor != rule["id"]:
                fail(f"{name}: lint {rule['id']} has help URI {rule['helpUri']}")
            if anchor not in lint_anchors:
                fail(f"{name}: docs/lints.md has no section for {rule['id']}")
        # Multitool's SARIF1001: a name equal to the id (ignoring case) must be left out.
        if "name" in rule and rule["name"].lower() == rule["id"].lower():
            fail(f"{name}: rule {rule['id']} has the name {rule['name']!r} (SARIF1001: leave it out)")
        if not rule["shortDescription"]["text"] or not rule["fullDescription"]["text"]:
            fail(f"{name}: rule {rule['id']} lacks a description")
    prints = set()
    for result in run_["results"]:
        index = result["ruleIndex"]
        if ids[index] != result["ruleId"]:
            fail(f"{name}: result {result['ruleId']} points at rule {ids[index]}")
        fingerprint = result["partialFingerprints"]["voronkaFingerprint/v1"]
        if not re.fullmatch(r"[0-9a-f]{16}", fingerprint):
            fail(f"{name}: fingerprint {fingerprint!r}")
        if fingerprint in prints:
            fail(f"{name}: fingerprint {fingerprint} repeats")
        prints.add(fingerprint)
    return log


def fingerprints_of(log):
    return {(r["ruleId"], r["message"]["text"]): r["partialFingerprints"]["voronkaFingerprint/v1"]
            for r in log["runs"][0]["results"]}


def main():
    voronka, root = sys.argv[1], pathlib.Path(sys.argv[2]).resolve()
    if "/" in voronka:
        voronka = str(pathlib.Path(voronka).resolve())  # the checks below run in other folders
    global VALIDATOR
    VALIDATOR = validator()
    lint_anchors = set(re.findall(r"^## `?([a-z0-9-]+)`?\s*$", (root / "docs" / "lints.md").read_text(encoding="utf-8"), re.M))

    # Every lint test, the examples and the standard library: many rules, notes, Cyrillic.
    inputs = sorted(str(p.relative_to(root)) for p in (root / "tests" / "lit" / "lint").glob("*.funnel"))
    reports = {
        "lint tests": ["--format", "sarif", *inputs],
        "examples": ["--format", "sarif", "examples", "stdlib"],
        "an error with notes": ["--format", "sarif", "tests/lit/check/fail_trigger-direction.funnel"],
    }
    results = 0
    for name, args in reports.items():
        log = check_sarif(run(voronka, args, root), name, lint_anchors)
        if log:
            results += len(log["runs"][0]["results"])
            if name == "an error with notes" and not any("relatedLocations" in r for r in log["runs"][0]["results"]):
                fail("the notes of an error are not related locations")

    # Columns count characters: `stage thinking "Клиент думает"`, the title at column 18.
    log = json.loads(run(voronka, ["--format", "sarif", "tests/lit/lint/warn_vague-stage-name.funnel"], root))
    regions = [r["locations"][0]["physicalLocation"]["region"] for r in log["runs"][0]["results"]]
    first = regions[0]
    if (first["startLine"], first["startColumn"], first["endColumn"]) != (9, 18, 33):
        fail(f"vague-stage-name region {first}: columns must count characters")
    uri = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    if uri != {"uri": "tests/lit/lint/warn_vague-stage-name.funnel", "uriBaseId": "%SRCROOT%"}:
        fail(f"artifact location {uri}")

    # Fingerprints survive lines moving and change when the flagged code does.
    with tempfile.TemporaryDirectory() as tmp:
        source = (root / "tests" / "lit" / "lint" / "warn_stage-without-task.funnel").read_text(encoding="utf-8")
        path = pathlib.Path(tmp) / "funnel.funnel"
        path.write_text(source, encoding="utf-8")
        before = fingerprints_of(json.loads(run(voronka, ["--format", "sarif", "funnel.funnel"], tmp)))
        path.write_text("// moved down\n\n\n" + source, encoding="utf-8")
        moved = fingerprints_of(json.loads(run(voronka, ["--format", "sarif", "funnel.funnel"], tmp)))
        if not before or before != moved:
            fail(f"fingerprints changed when lines moved: {before} → {moved}")
        path.write_text(source.replace('stage clarify "Уточнение"', 'stage clarify "Уточнение задачи"'), encoding="utf-8")
        edited = fingerprints_of(json.loads(run(voronka, ["--format", "sarif", "funnel.funnel"], tmp)))
        changed = [k for k in before if k in edited and before[k] != edited[k]]
        if len(changed) != 1:
            fail(f"editing one flagged line must change exactly its fingerprint, changed: {changed}")

        # GitLab Code Quality: the same findings and fingerprints, relative paths.
        path.write_text(source, encoding="utf-8")
        quality = json.loads(run(voronka, ["--format", "codequality", "funnel.funnel"], tmp))
        if sorted(i["fingerprint"] for i in quality) != sorted(before.values()):
            fail("codequality fingerprints differ from SARIF's")
        for issue in quality:
            for key in ("description", "check_name", "fingerprint", "severity", "location"):
                if key not in issue:
                    fail(f"codequality issue without {key}: {issue}")
            if issue["location"]["path"] != "funnel.funnel" or issue["severity"] not in ("minor", "major"):
                fail(f"codequality issue {issue}")

    more_checks(voronka, root, lint_anchors)
    if problems:
        print("\n".join(problems))
        return 1
    print(f"SARIF reports valid against the SARIF 2.1.0 schema ({results} results)")
    return 0


ALLOWED = """use std.loss_reasons

pipeline retail "Розница" {
  stage incoming "Неразобранное" {
    on enter {
      task "Разобрать заявку" due 1h
      webhook "http://hooks.example.ru/deal/{deal.id}" with { budget: deal.name }  // voronka: allow plain-http -- no TLS there yet
    }
  }
  won "Успешно"
  lost "Отказ" reasons standard
}
"""


def more_checks(voronka, root, lint_anchors):
    """Docs URL, a log on exit 2, suppressions."""
    import os
    with tempfile.TemporaryDirectory() as tmp:
        tmp = pathlib.Path(tmp)
        # The docs address is configurable: --docs-url, else $VORONKA_DOCS_URL.
        (tmp / "a.funnel").write_text(ALLOWED, encoding="utf-8")
        for args, env in ((["--docs-url", "https://voronka.example/docs/"], None),
                          ([], dict(os.environ, VORONKA_DOCS_URL="https://voronka.example/docs"))):
            log = check_sarif(run(voronka, ["--format", "sarif", *args, "a.funnel"], tmp, env), "docs url", lint_anchors)
            driver = log["runs"][0]["tool"]["driver"] if log else {}
            uris = [driver.get("informationUri", "")] + [r["helpUri"] for r in driver.get("rules", [])]
            if not all(u.startswith("https://voronka.example/docs/") for u in uris):
                fail(f"docs url {args or 'from VORONKA_DOCS_URL'}: {uris[:3]}")

        # A silenced finding is a result with a suppression, not dropped.
        log = check_sarif(run(voronka, ["--format", "sarif", "a.funnel"], tmp), "suppressions", lint_anchors)
        results = log["runs"][0]["results"] if log else []
        suppressed = [r for r in results if r.get("suppressions")]
        if len(suppressed) != 1 or suppressed[0]["suppressions"][0]["kind"] != "inSource" \
                or "no TLS there yet" not in suppressed[0]["suppressions"][0].get("justification", ""):
            fail(f"an allow comment must give an inSource suppression: {json.dumps(results, ensure_ascii=False)[:600]}")
        # A lint turned off in voronka.toml is an external suppression.
        (tmp / "voronka.toml").write_text('[lints]\nplain-http = "off"\n', encoding="utf-8")
        (tmp / "b.funnel").write_text(ALLOWED.replace("  // voronka: allow plain-http -- no TLS there yet", ""),
                                      encoding="utf-8")
        log = check_sarif(run(voronka, ["--format", "sarif", "b.funnel"], tmp), "external suppressions", lint_anchors)
        results = log["runs"][0]["results"] if log else []
        kinds = [s["kind"] for r in results for s in r.get("suppressions", [])]
        if kinds != ["external"]:
            fail(f"a lint turned off in voronka.toml must give an external suppression: {kinds}")
        (tmp / "voronka.toml").unlink()
        # Code Quality: deal data over plain http is a Security issue.
        quality = json.loads(run(voronka, ["--format", "codequality", "b.funnel"], tmp))
        if [i["categories"] for i in quality if i["check_name"] == "plain-http"] != [["Security"]]:
            fail(f"codequality: plain-http must be in the Security category: {quality}")
        # Text output stays quiet about silenced findings.
        done = subprocess.run([voronka, "check", "a.funnel"], capture_output=True, text=True, cwd=tmp)
        if done.returncode != 0 or "plain-http" in done.stderr:
            fail(f"a silenced finding shows in text output: {done.stderr}")

        # Exit 2 (a file that cannot be read) still writes a valid log, to -o and to stdout.
        for to_file in (True, False):
            out = tmp / "report.sarif"
            if out.exists():
                out.unlink()
            args = [voronka, "check", "--format", "sarif", "missing.funnel"] + (["-o", str(out)] if to_file else [])
            done = subprocess.run(args, capture_output=True, text=True, cwd=tmp)
            text = out.read_text(encoding="utf-8") if to_file and out.exists() else done.stdout
            where = "-o FILE" if to_file else "stdout"
            if done.returncode != 2:
                fail(f"a missing file: exit {done.returncode}, not 2")
            log = check_sarif(text, f"exit 2 ({where})", lint_anchors) if text.strip() else None
            if not log:
                fail(f"exit 2 wrote no SARIF log to {where}")
                continue
            invocation = log["runs"][0]["invocations"][0]
            notes = invocation.get("toolExecutionNotifications", [])
            if invocation.get("executionSuccessful") is not False or \
                    not any("missing.funnel" in n["message"]["text"] for n in notes):
                fail(f"exit 2 ({where}): the invocation must fail with a notification: {invocation}")


if __name__ == "__main__":
    sys.exit(main())
