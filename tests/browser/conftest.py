"""Browser tests: real headless Chromium driven by Selenium (Debian's chromium, chromium-driver
and python3-selenium) against the real stack from tests/integration/stack.py.

Every page a test opens is watched for JavaScript errors and Content-Security-Policy violations:
a listener for `securitypolicyviolation` is installed in every document before its own scripts
run (CDP Page.addScriptToEvaluateOnNewDocument) and keeps what it sees in sessionStorage, and
the console log (level SEVERE) is read after every step. Network errors for the video hosts,
which are unreachable here, are the only errors allowed."""
import base64
import contextlib
import os
import shutil
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))

from stack import Stack  # noqa: E402  (tests/integration/stack.py, shared, not copied)

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SCREENSHOTS = os.path.join(ROOT, "build", "screenshots")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")

SIZES = {"desktop": (1280, 900), "phone": (390, 844)}

# Hosts of the embeds: the network is offline, so their frames fail to load, which is expected.
OFFLINE_HOSTS = ("youtube-nocookie.com", "youtube.com", "ytimg.com", "vimeo.com", "speakerdeck.com",
                 "slideshare.net", "google.com", "gstatic.com", "notist.")

WATCH_CSP = r"""
(function () {
  try {
    document.addEventListener('securitypolicyviolation', function (e) {
      try {
        var key = '__talks_csp';
        var seen = JSON.parse(window.sessionStorage.getItem(key) || '[]');
        seen.push({page: String(document.location), directive: e.violatedDirective,
                   blocked: String(e.blockedURI), sample: e.sample || ''});
        window.sessionStorage.setItem(key, JSON.stringify(seen));
      } catch (err) { /* a frame without storage (e.g. an error page) */ }
    });
    window.__talks_csp_watch = true;
  } catch (err) { }
}());
"""


class Session:
    """One browser (its own profile, so its own cookies) with the checks every page gets."""

    def __init__(self, stack, driver, name):
        self.stack = stack
        self.driver = driver
        self.name = name
        self.base = f"http://127.0.0.1:{stack.port}"
        self.problems = []
        self.expected = []  # console messages the next check allows (allow_console)
        driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": WATCH_CSP})

    # ---- navigation and waiting ----

    def get(self, path, status=None):
        """Opens path; status: the error status (404, 429, ...) the test expects it to answer."""
        self.check()
        self.driver.get(self.base + path)
        self.wait_ready()
        if status:
            self.allow_console(f"status of {status} ")
        self.check()

    def wait(self, condition, timeout=10, message=""):
        from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
        from selenium.webdriver.support.ui import WebDriverWait
        # A condition may look at the page while it is being replaced by the next one.
        return WebDriverWait(self.driver, timeout, ignored_exceptions=(
            NoSuchElementException, StaleElementReferenceException)).until(condition, message)

    def wait_ready(self):
        self.wait(lambda d: d.execute_script("return document.readyState") == "complete",
                  message="the page to load")
        # Our listener ran in this document (proves the CSP watch is live on every page).
        assert self.driver.execute_script("return window.__talks_csp_watch === true"), \
            "the securitypolicyviolation listener is not installed"

    def path(self):
        return "/" + self.driver.current_url.split("/", 3)[3]

    def find(self, css):
        from selenium.webdriver.common.by import By
        return self.driver.find_element(By.CSS_SELECTOR, css)

    def find_all(self, css):
        from selenium.webdriver.common.by import By
        return self.driver.find_elements(By.CSS_SELECTOR, css)

    def visible(self, css, timeout=10):
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support import expected_conditions as EC
        return self.wait(EC.visibility_of_element_located((By.CSS_SELECTOR, css)), timeout,
                         f"{css} to be visible")

    def sideways(self):
        """How far the page scrolls sideways (the classic phone-layout bug): 0 when it fits."""
        return self.driver.execute_script(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth")

    def in_view(self, el):
        """Whether the element is wholly inside the viewport as the page is scrolled now."""
        return self.driver.execute_script(
            "var r = arguments[0].getBoundingClientRect();"
            "return r.height > 0 && r.top >= 0 && r.left >= 0 &&"
            " r.bottom <= window.innerHeight && r.right <= window.innerWidth;", el)

    def flashes(self):
        return [el.text.strip() for el in self.find_all("main .alert")]

    # ---- checks ----

    def allow_console(self, text):
        """The next check lets console errors holding text pass (e.g. a page answered 429 on
        purpose, which Chromium reports as a resource that failed to load)."""
        self.expected.append(text)

    def check(self):
        """Fails on any console error (bar the offline video hosts) or CSP violation so far."""
        try:
            logs = self.driver.get_log("browser")
        except Exception as e:  # noqa: BLE001 - the session may be gone at teardown
            logs = []
            self.problems.append(f"could not read the console: {e}")
        for entry in logs:
            msg = entry.get("message", "")
            if "Content Security Policy" in msg:
                self.problems.append(f"CSP: {msg}")
            elif entry.get("level") == "SEVERE" and not (
                    ("net::ERR_" in msg or "Failed to load resource" in msg)
                    and any(h in msg for h in OFFLINE_HOSTS)) and not any(
                    text in msg for text in self.expected):
                self.problems.append(f"console error: {msg}")
        try:
            seen = self.driver.execute_script(
                "var s = window.sessionStorage.getItem('__talks_csp');"
                "window.sessionStorage.removeItem('__talks_csp'); return s;")
        except Exception:  # noqa: BLE001 - e.g. no document yet
            seen = None
        if seen:
            self.problems.append(f"securitypolicyviolation: {seen}")
        problems, self.problems, self.expected = self.problems, [], []
        assert not problems, f"[{self.name}] " + "\n".join(problems)

    # ---- sizes and screenshots ----

    def size(self, name):
        w, h = SIZES[name]
        self.driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
            "width": w, "height": h, "deviceScaleFactor": 1, "mobile": name == "phone"})

    def screenshot(self, name):
        """The whole page (not only the viewport) as build/screenshots/<name>.png."""
        os.makedirs(SCREENSHOTS, exist_ok=True)
        shot = self.driver.execute_cdp_cmd("Page.captureScreenshot",
                                           {"format": "png", "captureBeyondViewport": True})
        path = os.path.join(SCREENSHOTS, name + ".png")
        with open(path, "wb") as f:
            f.write(base64.b64decode(shot["data"]))
        return path


@contextlib.contextmanager
def running_stack(directory, extra_env=None):
    """The whole stack in directory (extra_env as Stack takes it), stopped at the end, where
    every process must have exited cleanly and without a sanitizer report."""
    s = Stack(directory, extra_env)
    try:
        s.start_all()
    except BaseException:
        for proc in s.procs.values():  # leave nothing running behind a failed start
            proc.kill()
            proc.wait()
        raise
    yield s
    codes = s.stop_all()
    for name, code in codes.items():
        assert code == 0, f"{name} exited with {code}:\n{s.log(name)[-3000:]}"
        assert "Sanitizer" not in s.log(name), s.log(name)[-3000:]


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    """One stack for a test file (a file may define its own `stack` with other settings)."""
    with running_stack(tmp_path_factory.mktemp("browser")) as s:
        yield s


@pytest.fixture
def browser(stack):
    """browser(name) opens a new Chromium (a fresh anonymous session) at desktop size;
    javascript=False opens one with JavaScript switched off (as a visitor may have it), on=
    another stack than the file's."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    sessions = []

    def open_browser(name="visitor", javascript=True, on=None):
        opts = webdriver.ChromeOptions()
        opts.binary_location = CHROMIUM
        for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                    "--lang=en-US", "--window-size=1280,900", "--no-first-run",
                    "--disable-extensions", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync",
                    # Bootstrap scrolls smoothly otherwise, and a click would land mid-scroll.
                    "--force-prefers-reduced-motion",
                    # Offline: every name but the stack's own fails at once.
                    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"):
            opts.add_argument(arg)
        if not javascript:  # the page's scripts do not run; WebDriver's own still do
            opts.add_experimental_option(
                "prefs", {"profile.managed_default_content_settings.javascript": 2})
        opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
        driver.set_page_load_timeout(20)
        session = Session(on or stack, driver, name)
        sessions.append(session)
        session.size("desktop")
        return session

    yield open_browser
    errors = []
    for s in sessions:
        try:
            s.check()
        except AssertionError as e:
            errors.append(str(e))
        finally:
            s.driver.quit()
    assert not errors, "\n".join(errors)
