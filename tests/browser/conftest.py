"""Browser tests: the site served by Django's live server, driven in Debian's headless Chromium.

Every test in this folder gets, without asking:

- the `browser` marker (`pytest -m "not browser"` leaves them out) and a transactional database
  that starts each test as the migrations left it: the live server answers from another thread,
  so the test's data must be committed for it to see.
- a failure if the page throws a JavaScript error or logs a console error (a missing stylesheet,
  say), and, when it fails, a screenshot in `artifacts/screenshots/failed/`.

Fixtures: `page` (a fresh browser context on the live server: `page.goto("/")`; viewport
1280x800; actions and `expect` give up after 10 s) and `save_screenshot("name")`, which keeps
`artifacts/screenshots/name.png`.
"""

import os
import re
import shutil
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from django.db import connections
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, expect, sync_playwright

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",  # CI runs as root, where Chromium's sandbox refuses to start
    "--disable-gpu",
    "--disable-dev-shm-usage",
    # The machines reach no network but the package registries: without these Chromium keeps
    # calling Google's services and hangs on the refused connections.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
TIMEOUT_MS = 10_000
VIEWPORT = {"width": 1280, "height": 800}
SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
FAILURE_SCREENSHOTS = SCREENSHOTS / "failed"
PAGE = pytest.StashKey[Page]()
PAGE_ERRORS = pytest.StashKey[list[str]]()

expect.set_options(timeout=TIMEOUT_MS)


def pytest_itemcollected(item):
    item.add_marker(pytest.mark.browser)
    if item.get_closest_marker("django_db") is None:
        # The flush that ends a transactional test empties every table; serialized_rollback reloads
        # what the migrations wrote (the Editor and Reviewer roles, the permissions) before the next.
        item.add_marker(pytest.mark.django_db(transaction=True, serialized_rollback=True))


@pytest.fixture(scope="package", autouse=True)
def _leave_the_migration_data_behind(django_db_blocker):
    """Serialized rollback reloads the migrations' data at the start of the next test that asks for it,
    so the last browser test would leave empty tables to whatever runs after: put the data back once."""
    yield
    with django_db_blocker.unblock():
        for connection in connections.all():
            if contents := getattr(connection, "_test_serialized_contents", None):
                call_command("flush", database=connection.alias, interactive=False, verbosity=0, inhibit_post_migrate=True)
                connection.creation.deserialize_db_from_string(contents)


@pytest.fixture(scope="package")
def playwright():
    """Playwright, running only while the browser tests do."""
    # Playwright's sync API keeps its asyncio loop marked as running in this thread, and Django then
    # takes the test's code for async code: it refuses ORM calls (SynchronousOnlyOperation) and keeps
    # database connections per async context, so the tests would get fresh ones, without what setting
    # up the test database stored on the usual ones (the data serialized_rollback restores). The
    # calls are synchronous in fact: lift the guard and hand Django its usual connections, only while
    # Playwright runs. pytest-django runs these transactional tests after the others that use the database.
    usual_connections = {alias: connections[alias] for alias in connections}
    with pytest.MonkeyPatch.context() as patch, sync_playwright() as playwright:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        for alias, connection in usual_connections.items():
            connections[alias] = connection
        yield playwright


@pytest.fixture(scope="package")
def browser(playwright):
    """One headless Chromium for all the browser tests."""
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(
            f"The browser tests need Chromium, and there is none at {CHROMIUM}. Run scripts/ensure-chromium "
            "(make test does), which installs Debian's chromium, or set CHROMIUM to a Chromium binary.",
            pytrace=False,
        )
    try:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    except PlaywrightError as error:
        raise pytest.fail.Exception(f"Chromium ({CHROMIUM}) did not start. {error.message}", pytrace=False) from None
    shutil.rmtree(FAILURE_SCREENSHOTS, ignore_errors=True)  # those of an earlier run would mislead
    yield browser
    browser.close()


@pytest.fixture
def page(browser, live_server, request):
    context = browser.new_context(base_url=live_server.url, viewport=VIEWPORT)
    context.set_default_timeout(TIMEOUT_MS)
    errors = request.node.stash[PAGE_ERRORS] = []

    def on_console(message):
        # Chromium asks for /favicon.ico on its own; the site having none is no error of the page.
        if message.type == "error" and urlsplit(message.location["url"]).path != "/favicon.ico":
            errors.append(f"console error: {message.text} {message.location['url']}".rstrip())

    context.on("console", on_console)
    context.on("weberror", lambda web_error: errors.append(f"uncaught {web_error.error.name}: {web_error.error.message}"))
    page = request.node.stash[PAGE] = context.new_page()
    yield page
    context.close()


@pytest.fixture
def save_screenshot(page):
    """`save_screenshot("profile")` saves the whole page as artifacts/screenshots/profile.png and returns the path."""

    def save(name: str, *, full_page: bool = True) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=path, full_page=full_page)
        return path

    return save


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    result = yield
    if errors := item.stash.get(PAGE_ERRORS, []):
        pytest.fail("The page reported errors (the site should have none):\n" + "\n".join(errors), pytrace=False)
    return result


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    page = item.stash.get(PAGE, None)
    if report.when == "call" and report.failed and page is not None:
        path = FAILURE_SCREENSHOTS / (re.sub(r"[^\w.-]+", "-", f"{item.path.stem}-{item.name}") + ".png")
        try:
            page.screenshot(path=path, full_page=True)
            report.sections.append(("Screenshot", str(path)))
        except PlaywrightError as error:
            report.sections.append(("Screenshot", f"none could be taken: {error.message}"))
    return report
