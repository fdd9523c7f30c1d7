#!/usr/bin/env python3
"""`voronka crm pull` against the fake amoCRM and Bitrix24: the funnel's
names bound by title, what could not be matched listed, a funnel skeleton
from the account that checks; and `voronka check --crm` reporting unmapped
names and type mismatches at file:line.

usage: pull_test.py VORONKA"""
import os
import subprocess
import sys
import tempfile
import traceback

from crm_support import HERE, write
from fake_amocrm import FakeAmoCrm
from fake_bitrix24 import FakeBitrix24, HOOK

SHOP = os.path.join(HERE, "shop.funnel")


def run(voronka, *args, env=None):
    return subprocess.run([voronka, *args], capture_output=True, text=True, env={**os.environ, **(env or {})})


def test_amocrm_pull_and_check(voronka, workdir):
    fake = FakeAmoCrm().start()
    try:
        out = os.path.join(workdir, "crm.toml")
        r = run(voronka, "crm", "pull", "amocrm", "--url", fake.url, "--token-env", "AMO", "-o", out, SHOP,
                env={"AMO": "long-lived-token"})
        assert r.returncode == 0, r.stderr
        text = open(out, encoding="utf-8").read()
        for line in ("id = 7", "incoming = 101", "qualified = 102", "contract = 103", "won = 142", "lost = 143",
                     'budget = { id = "price"', "enums = { site = 9001, ads = 9002 }", "ivanov = 6001",
                     "petrova = 6002", "robot_user = 5000"):
            assert line in text, (line, text)
        assert "0 names not matched" in r.stdout, r.stdout
        r = run(voronka, "check", "--crm", out, SHOP)
        assert r.returncode == 0 and "[crm-" not in r.stderr, r.stderr

        # A funnel with a stage and a member the account does not have.
        funnel = write(os.path.join(workdir, "more.funnel"), open(SHOP, encoding="utf-8").read()
                       .replace('stage contract "Договор"', 'stage contract "Договор"\n  stage delivery "Доставка"')
                       .replace('ads "Реклама" }', 'ads "Реклама", call "Звонок" }'))
        r = run(voronka, "crm", "pull", "amocrm", "--url", fake.url, "--token-env", "AMO", "-o", out, funnel,
                env={"AMO": "long-lived-token"})
        assert r.returncode == 0, r.stderr
        assert 'not matched: stage retail.delivery "Доставка"' in r.stderr, r.stderr
        assert 'not matched: field source: member call "Звонок"' in r.stderr, r.stderr
        r = run(voronka, "check", "--crm", out, funnel)
        assert r.returncode == 1, r.stderr
        assert f"{funnel}:38:9: error: stage `retail.delivery` has no status" in r.stderr, r.stderr
        assert "member `call` of field `source` has no value id" in r.stderr, r.stderr

        # A typo in crm.toml and a field of the wrong type, at their places.
        bad = write(os.path.join(workdir, "bad.toml"), text.replace("contract = 103", "contrakt = 103")
                    .replace('budget = { id = "price", type = "price" }', 'budget = { id = 5002, type = "text" }'))
        r = run(voronka, "check", "--crm", bad, SHOP)
        assert r.returncode == 1, r.stderr
        assert "bad.toml:" in r.stderr and "pipeline `retail` has no stage `contrakt` [crm-unknown-name]" in r.stderr, r.stderr
        bad = write(os.path.join(workdir, "bad.toml"), text.replace(
            'budget = { id = "price", type = "price" }', 'budget = { id = 5002, type = "text" }'))
        r = run(voronka, "check", "--crm", bad, SHOP)
        assert "shop.funnel:9:7: error: field `budget` is text in the CRM" in r.stderr, r.stderr

        skeleton = os.path.join(workdir, "client.funnel")
        r = run(voronka, "crm", "pull", "amocrm", "--url", fake.url, "--token-env", "AMO", "--skeleton", skeleton,
                env={"AMO": "long-lived-token"})
        assert r.returncode == 0, r.stderr
        r = run(voronka, "check", skeleton)
        assert r.returncode == 0, r.stderr
        r = run(voronka, "crm", "pull", "amocrm", "--url", fake.url, "--token-env", "AMO", "-o", out, skeleton,
                env={"AMO": "long-lived-token"})
        assert "0 names not matched" in r.stdout, (r.stdout, r.stderr)
        r = run(voronka, "crm", "pull", "amocrm", "--url", fake.url, "--token-env", "NOT_SET", "-o", out, SHOP)
        assert r.returncode == 2 and "NOT_SET is not set" in r.stderr, r.stderr
    finally:
        fake.stop()


def test_bitrix24_pull(voronka, workdir):
    fake = FakeBitrix24()
    try:
        out = os.path.join(workdir, "crm.toml")
        base = fake.url[:-len(HOOK.split("/")[3]) - 1]  # .../rest/1 without the secret
        secret = HOOK.split("/")[3]
        r = run(voronka, "crm", "pull", "bitrix24", "--url", base, "--token-env", "B24", "-o", out, SHOP,
                env={"B24": secret})
        assert r.returncode == 0, r.stderr
        text = open(out, encoding="utf-8").read()
        for line in ("id = 0", 'incoming = "NEW"', 'won = "WON"', 'lost = "LOSE"', 'id = "UF_CRM_SOURCE"',
                     'site = 41', "ivanov = 11", "robot_user = 1"):
            assert line in text, (line, text)
        skeleton = os.path.join(workdir, "client.funnel")
        r = run(voronka, "crm", "pull", "bitrix24", "--url", base, "--token-env", "B24", "--skeleton", skeleton,
                env={"B24": secret})
        assert r.returncode == 0, r.stderr
        r = run(voronka, "check", skeleton)
        assert r.returncode == 0, r.stderr
    finally:
        fake.stop()


def main():
    voronka = sys.argv[1]
    passed = failed = 0
    for test in (test_amocrm_pull_and_check, test_bitrix24_pull):
        with tempfile.TemporaryDirectory() as workdir:
            try:
                test(voronka, workdir)
                passed += 1
                print(f"PASS {test.__name__}")
            except Exception:
                failed += 1
                print(f"FAIL {test.__name__}")
                traceback.print_exc()
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
