#!/usr/bin/env python3
"""The console in a real browser: headless Chromium (Debian's chromium and
chromium-driver, driven by python3-selenium) logs in, opens the board of a
seeded store, follows a deal to its timeline, sees a letter's failed
delivery attempts, is refused a retry of a dead letter as read-only and
retries it as admin; under `serve --tenants` the operator's login switches
tenants with the header's switcher. Any JavaScript error in the browser's console fails
the test; the only errors allowed are the browser's own notes of the two
refusals the test provokes (401 before logging in, 403 of the read-only
retry).

Screenshots of the main pages go to SHOTS (the build dir); with --docs DIR
they are copied there too (docs/console, by hand: tests do not write the
source tree unless asked).

usage: browser_test.py VORONKA SHOTS [--docs DIR]
Exits 77 (skipped) when chromium, chromedriver or selenium is missing."""
import os
import shutil
import sys
import tempfile
import time

from console_seed import ADMIN, READER, seeded_server

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
DRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
# Nothing reaches out: this machine has no network and the test must not need one.
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage"]


def missing():
    if not os.path.exists(CHROMIUM):
        return "chromium is not installed (apt-get install chromium)"
    if not os.path.exists(DRIVER):
        return "chromedriver is not installed (apt-get install chromium-driver)"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "python3-selenium is not installed (apt-get install python3-selenium)"
    return None


class Browser:
    def __init__(self, profile):
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        for flag in FLAGS:
            options.add_argument(flag)
        options.add_argument("--user-data-dir=" + profile)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        self.driver = webdriver.Chrome(service=Service(DRIVER), options=options)
        self.driver.set_window_size(1280, 800)
        self.log = []

    def find(self, css, timeout=10):
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support import expected_conditions as ec
        from selenium.common.exceptions import TimeoutException
        from selenium.webdriver.support.ui import WebDriverWait
        try:
            return WebDriverWait(self.driver, timeout).until(ec.visibility_of_element_located((By.CSS_SELECTOR, css)))
        except TimeoutException:
            page = self.driver.find_element(By.TAG_NAME, "body").text
            log = "\n".join(e["message"] for e in self.driver.get_log("browser"))
            raise AssertionError(f"no {css} on {self.driver.current_url}; the page says:\n{page}\nconsole:\n{log}")

    def all(self, css):
        from selenium.webdriver.common.by import By
        return self.driver.find_elements(By.CSS_SELECTOR, css)

    def wait(self, condition, what, timeout=10):
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                if condition():
                    return
            except Exception:  # the page is being redrawn
                pass
            time.sleep(0.1)
        raise AssertionError("timed out waiting for " + what)

    def collect_log(self):
        self.log += self.driver.get_log("browser")

    def quit(self):
        self.driver.quit()


def login(b, base, token):
    b.driver.get(base + "/console/")
    b.find("#token").send_keys(token)
    b.find("#login-button").click()
    b.find("#board")


def main():
    args = sys.argv[1:]
    # python3-selenium is Debian's: when this runs under another Python (pyenv), run again under Debian's.
    system = "/usr/bin/python3"
    if missing() and "selenium" in missing() and os.path.exists(system) and \
            os.path.realpath(sys.executable) != os.path.realpath(system) and "VORONKA_REEXEC" not in os.environ:
        os.environ["VORONKA_REEXEC"] = "1"
        os.execv(system, [system, os.path.abspath(__file__), *args])
    voronka, shots = os.path.abspath(args[0]), os.path.abspath(args[1])
    docs = os.path.abspath(args[args.index("--docs") + 1]) if "--docs" in args else None
    why = missing()
    if why:
        print("SKIPPED: " + why)
        return 77
    os.makedirs(shots, exist_ok=True)
    with tempfile.TemporaryDirectory() as work:
        srv = seeded_server(voronka, work)
        profile = tempfile.mkdtemp(prefix="voronka-chromium-")
        b = Browser(profile)
        try:
            run(b, f"http://127.0.0.1:{srv.port}", shots)
            switch_tenants(b, voronka, work, shots)
        finally:
            b.quit()
            shutil.rmtree(profile, ignore_errors=True)
            srv.terminate()
            srv.receiver.stop()
    if docs:
        os.makedirs(docs, exist_ok=True)
        for name in sorted(os.listdir(shots)):
            shutil.copy(os.path.join(shots, name), os.path.join(docs, name))
    print("console in Chromium: ok; screenshots in " + shots)
    return 0


def run(b, base, shots):
    shot = lambda name: b.driver.save_screenshot(os.path.join(shots, name + ".png"))  # noqa: E731

    # Read-only first: the board of the seeded store.
    login(b, base, READER)
    b.wait(lambda: len(b.all(".column")) == 5, "five stage columns")
    cards = {c.get_attribute("data-deal") for c in b.all(".card")}
    assert {"D-1", "D-2", "D-3", "D-6"} <= cards, cards
    new = b.find('.column[data-stage="new"] .sum').text
    assert new.startswith("2 "), new
    assert b.find("#funnel svg"), "the funnel diagram"
    # Deals in their stage longer than its p90 are marked (the others left "new" and "talk" at once).
    b.wait(lambda: b.driver.refresh() or b.find("#board") and
           {"D-3", "D-6"} <= {c.get_attribute("data-deal") for c in b.all(".card.stuck")}, "stuck deals marked")
    assert b.find("#role").text == "только чтение", b.find("#role").text
    shot("board")

    # The responsible filter.
    from selenium.webdriver.support.ui import Select
    Select(b.find("#filter-responsible")).select_by_value("anna")
    b.wait(lambda: "responsible=anna" in b.driver.current_url and
           {c.get_attribute("data-deal") for c in b.all(".card")} == {"D-1", "D-3", "D-5"}, "anna's deals")

    # Follow a deal to its timeline: the letter and its failed attempts.
    b.driver.get(base + "/console/#/board")
    b.find('.card[data-deal="D-2"]').click()
    b.find("#timeline")
    b.wait(lambda: any(li.get_attribute("data-what") == "move" for li in b.all("#timeline li")), "a move")
    attempts = [a.text for a in b.all('#timeline li[data-what="effect"] .attempts')]
    assert any("2 попыток" in a and "последняя ошибка" in a for a in attempts), attempts
    assert any("shop.talk#" in c.text for c in b.all("#timers td code")), "the pending timer's rule"
    shot("deal")

    # Stage speed and conversion, with its charts.
    b.find('#nav a[data-page="stats"]').click()
    b.find(".stats-table")
    assert len(b.all(".chart svg")) == 3, "three charts"
    shot("stats")

    # The outbox: a read-only login is refused a retry, visibly.
    b.find('#nav a[data-page="outbox"]').click()
    button = b.find("#outbox button.danger")
    effect = button.get_attribute("id").split("-")[1]
    button.click()
    message = b.find("#retry-message-" + effect)
    b.wait(lambda: "администратор" in message.text, "the refusal")
    assert "администратор" in b.find("#toast").text
    shot("outbox-refused")

    # Versions.
    b.find('#nav a[data-page="versions"]').click()
    assert len(b.find("#running-version").text) > 8
    shot("versions")
    b.collect_log()

    # Admin: the retry goes through and the letter leaves the dead letters.
    b.find("#logout").click()
    b.find("#token")
    login(b, base, ADMIN)
    b.driver.get(base + "/console/#/outbox?status=dead")
    button = b.find(f"#retry-{effect}")
    button.click()
    b.wait(lambda: b.find("#toast").text == "Письмо снова в очереди", "the retry")
    shot("outbox")

    # English, and a phone's screen.
    b.find("#lang").click()
    b.driver.get(base + "/console/#/board")
    b.wait(lambda: b.find('#nav a[data-page="board"]').text == "Board", "English")
    shot("board-en")
    b.driver.set_window_size(390, 844)
    b.driver.refresh()
    b.find("#board")
    shot("board-phone")
    b.collect_log()

    errors = []
    for entry in b.log:
        if entry["level"] != "SEVERE":
            continue
        text = entry["message"]
        expected = ("/console/api/session" in text and "401" in text) or \
                   (f"/console/api/outbox/{effect}/retry" in text and "403" in text)
        if not expected:
            errors.append(text)
    assert not errors, "errors in the browser's console:\n" + "\n".join(errors)


def switch_tenants(b, voronka, work, shots):
    """The tenant switcher: the operator's login at alpha's console lists
    every tenant, and choosing beta opens beta's board with the same login."""
    from console_tenants_test import ADMIN as OPERATOR, FUNNEL, TOKENS, TenantServer, raw, write_tenants
    from selenium.webdriver.support.ui import Select
    from serve_support import build
    b.driver.set_window_size(1280, 800)
    module = build(voronka, FUNNEL, work, name="tenants")
    tenants_file = os.path.join(work, "tenants.toml")
    write_tenants(tenants_file, work, module, ["alpha", "beta"])
    server = TenantServer(voronka, tenants_file)
    try:
        for deal in ("a1", "a2"):
            status, _, _ = raw(server.port, "POST", "/t/alpha/v1/deals", {"id": deal, "pipeline": "p", "name": deal},
                               {"Authorization": "Bearer " + TOKENS["alpha"][0], "Content-Type": "application/json"})
            assert status == 201, status
        base = f"http://127.0.0.1:{server.port}/t/alpha"
        b.log = []
        login(b, base, OPERATOR)
        b.wait(lambda: len(b.all(".card")) == 2, "alpha's two deals")
        assert "null" not in b.find("#page").text, b.find("#page").text
        switcher = Select(b.find("#tenant-switcher"))
        names = [o.text for o in switcher.options]
        assert names == ["alpha", "beta"], names
        assert switcher.first_selected_option.text == "alpha"
        shot_path = os.path.join(shots, "tenants.png")
        b.driver.save_screenshot(shot_path)
        switcher.select_by_visible_text("beta")
        b.wait(lambda: "/t/beta/console/" in b.driver.current_url, "beta's console")
        b.find("#board")
        assert Select(b.find("#tenant-switcher")).first_selected_option.text == "beta"
        b.collect_log()
        # The only error allowed: the page's 401 before logging in.
        errors = [e["message"] for e in b.log if e["level"] == "SEVERE" and
                  not ("/console/api/session" in e["message"] and "401" in e["message"])]
        assert not errors, "errors in the browser's console:\n" + "\n".join(errors)
    finally:
        server.stop()


if __name__ == "__main__":
    sys.exit(main())
