#!/usr/bin/env python3
"""`voronka test --junit`: the report as the Jenkins xunit plugin (junit-10.xsd)
and Apache Ant's JUnit schema (JUnit.xsd) demand it.

    junit_test.py VORONKA REPO_ROOT

The schemas themselves are not copied here (their licences are not the
project's); this test checks what they require of each element, and
xmllint checks the XML is well formed:

- <testsuites>: no attributes (Ant declares none; xunit's are optional);
  only <testsuite> children.
- <testsuite>: name, tests, failures, errors, time (decimal), timestamp
  (YYYY-MM-DDTHH:MM:SS, no zone), hostname, package and id (Ant's
  aggregated form, id counting from 0); children in Ant's order:
  <properties>, <testcase>*, <system-out>, <system-err>.
- <testcase>: name, classname, time; at most one of <failure>, <error>,
  <skipped>, and a <failure>/<error> has a `type`. No other attributes —
  unless --junit-locations asks for `file` and `line` (GitHub and GitLab
  read them; the strict schemas reject them).
"""
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

problems = []


def fail(message):
    problems.append(message)


PASSING = '''pipeline p "P" {
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

test "падает дважды" {
  deal d in p.a {}
  expect stage won
  expect task call "Написать"
}
'''

BROKEN = '''pipeline q "Q" {
  stage a "А" initial { on enter { move nowhere } }
  won "W"
  lost "L"
}

test "не запустится" {
  deal d in q.a {}
  expect stage a
}
'''


def check_report(path, name, locations=False):
    if shutil.which("xmllint"):
        lint = subprocess.run(["xmllint", "--noout", str(path)], capture_output=True, text=True)
        if lint.returncode != 0:
            fail(f"{name}: xmllint: {lint.stderr}")
    root = ET.parse(path).getroot()
    if root.tag != "testsuites" or root.attrib:
        fail(f"{name}: <testsuites> must have no attributes: {root.attrib}")
    suites = list(root)
    for index, suite in enumerate(suites):
        if suite.tag != "testsuite":
            fail(f"{name}: <{suite.tag}> in <testsuites>")
            continue
        for attr in ("name", "tests", "failures", "errors", "time", "timestamp", "hostname", "package", "id"):
            if not suite.get(attr):
                fail(f"{name}: testsuite without {attr}: {suite.attrib}")
        allowed = {"name", "tests", "failures", "errors", "skipped", "time", "timestamp", "hostname", "package", "id"}
        if set(suite.attrib) - allowed:
            fail(f"{name}: testsuite attributes outside both schemas: {set(suite.attrib) - allowed}")
        if suite.get("id") != str(index):
            fail(f"{name}: testsuite id {suite.get('id')} at position {index}")
        if not re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", suite.get("timestamp", "")):
            fail(f"{name}: timestamp {suite.get('timestamp')}")
        if not re.fullmatch(r"\d+(\.\d+)?", suite.get("time", "")):
            fail(f"{name}: time {suite.get('time')}")
        tags = [c.tag for c in suite]
        if not tags or tags[0] != "properties" or tags[-2:] != ["system-out", "system-err"] or \
                any(t != "testcase" for t in tags[1:-2]):
            fail(f"{name}: testsuite children {tags} (Ant: properties, testcase*, system-out, system-err)")
        cases = suite.findall("testcase")
        counted = {"tests": len(cases), "failures": sum(1 for c in cases if c.find("failure") is not None),
                   "errors": sum(1 for c in cases if c.find("error") is not None)}
        for key, value in counted.items():
            if suite.get(key) != str(value):
                fail(f"{name}: {key}={suite.get(key)} but {value} counted")
        for case in cases:
            required = {"name", "classname", "time"}
            extra = set(case.attrib) - required - ({"file", "line"} if locations else set())
            if required - set(case.attrib) or extra:
                fail(f"{name}: testcase attributes {case.attrib}")
            outcomes = [c for c in case if c.tag in ("failure", "error", "skipped")]
            if len(outcomes) > 1:
                fail(f"{name}: testcase {case.get('name')!r} has {len(outcomes)} outcomes (at most one)")
            for o in outcomes:
                if o.tag != "skipped" and not o.get("type"):
                    fail(f"{name}: <{o.tag}> without type")
    return root


def main():
    voronka = str(pathlib.Path(sys.argv[1]).resolve())
    with tempfile.TemporaryDirectory() as tmp:
        tmp = pathlib.Path(tmp)
        (tmp / "a_test.funnel").write_text(PASSING, encoding="utf-8")
        (tmp / "b_test.funnel").write_text(BROKEN, encoding="utf-8")

        # One file passes and fails; the other does not check: a report all the same.
        done = subprocess.run([voronka, "test", "--junit", "r.xml", "a_test.funnel", "b_test.funnel"],
                              capture_output=True, text=True, cwd=tmp)
        if done.returncode != 1:
            fail(f"exit status {done.returncode}, not 1: {done.stdout}{done.stderr}")
        if not (tmp / "r.xml").exists():
            fail("no report when one file does not check")
        else:
            root = check_report(tmp / "r.xml", "mixed run")
            cases = {c.get("name"): c for c in root.iter("testcase")}
            twice = cases.get("падает дважды")
            failures = twice.findall("failure") if twice is not None else []
            if len(failures) != 1 or "won" not in (failures[0].text or "") or "Написать" not in (failures[0].text or ""):
                fail("one <failure> per testcase, with every failed expectation in it: "
                     + (ET.tostring(twice, encoding="unicode") if twice is not None else "missing"))
            broken = cases.get("не запустится")
            if broken is None or broken.find("error") is None or "nowhere" not in (broken.find("error").text or ""):
                fail("the tests of a file that does not check are errors with its diagnostics: "
                     + (ET.tostring(broken, encoding="unicode") if broken is not None else "missing"))
            if "проходит" not in cases or cases["проходит"].find("failure") is not None:
                fail("the passing test of the other file still runs and passes")

        # --junit-locations: file and line of the first failed expectation.
        subprocess.run([voronka, "test", "--junit", "l.xml", "--junit-locations", "a_test.funnel"],
                       capture_output=True, text=True, cwd=tmp)
        if (tmp / "l.xml").exists():
            root = check_report(tmp / "l.xml", "locations", locations=True)
            case = next((c for c in root.iter("testcase") if c.get("name") == "падает дважды"), None)
            lines = PASSING.split("\n")
            want = next(i + 1 for i, l in enumerate(lines) if "expect stage won" in l)
            if case is None or case.get("file") != "a_test.funnel" or case.get("line") != str(want):
                fail(f"--junit-locations: {case.attrib if case is not None else None}, want line {want}")
        else:
            fail("--junit-locations wrote no report")
    if problems:
        print("\n".join(problems))
        return 1
    print("JUnit reports fit the Jenkins xunit and Ant schemas' requirements")
    return 0


if __name__ == "__main__":
    sys.exit(main())
