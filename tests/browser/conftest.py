"""Real-browser tests: Debian's Chromium, driven by Playwright, against the live server."""

import os
import shutil
import threading
import time

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

# Playwright's sync API runs an event loop on this thread; the ORM calls that tests make to set
# up data are still synchronous and safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def chromium():
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing; CI must install Debian's chromium")
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class RequestThreads:
    """Counts the live server's request threads, so a test can wait until none is running."""

    def __init__(self, server):
        self.running = 0
        self.changed = threading.Condition()
        handle = server.process_request_thread

        def counted(request, client_address):
            with self.changed:
                self.running += 1
            try:
                handle(request, client_address)
            finally:
                with self.changed:
                    self.running -= 1
                    self.changed.notify_all()

        server.process_request_thread = counted

    def wait_until_idle(self, timeout):
        deadline = time.monotonic() + timeout
        with self.changed:
            while self.running:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self.changed.wait(left)
        return True


@pytest.fixture(autouse=True)
def live_server_idle_before_flush(live_server, transactional_db):
    """Hold the database flush until the live server has finished every request.

    A browser closed at the end of a test can leave a request running on the server, say a proof
    of play inside its transaction; PostgreSQL's TRUNCATE then deadlocks with it and the flush
    fails, leaving rows behind for the next test. Fixtures that open browsers are set up after
    this one, so their contexts are closed before this waits.
    """
    server = live_server.thread.httpd
    if not hasattr(server, "request_threads"):
        server.request_threads = RequestThreads(server)
    yield
    # Event streams notice the closed browser at their next keep-alive write.
    assert server.request_threads.wait_until_idle(timeout=30), "the live server never went idle"


class ConsoleLog:
    def __init__(self):
        self.errors = []

    def record_message(self, message):
        if message.type == "error":
            self.errors.append(message.text)

    def record_page_error(self, error):
        self.errors.append(str(error))


@pytest.fixture
def browser_page(chromium, live_server, transactional_db, site_tree):
    """A fresh browser page whose console errors are collected in ``page.console_errors``."""
    context = chromium.new_context(base_url=live_server.url, locale="zh-CN")
    page = context.new_page()
    log = ConsoleLog()
    page.on("console", log.record_message)
    page.on("pageerror", log.record_page_error)
    page.console_errors = log.errors
    yield page
    context.close()


def serious_violations(page):
    """axe-core violations of impact serious or critical on the page as it is now."""
    from axe_playwright_python.sync_playwright import Axe

    # A message that is still fading or sliding in would be measured half-transparent: a
    # contrast finding one run in several (Wagtail's admin messages animate in).
    page.evaluate(
        """() => Promise.all(document.getAnimations()
            .filter(a => a.effect && a.effect.getComputedTiming().iterations !== Infinity)
            .map(a => a.finished.catch(() => null)))"""
    )
    results = Axe().run(page)
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']}"
        for violation in results.response["violations"]
        if violation["impact"] in {"serious", "critical"}
    ]
