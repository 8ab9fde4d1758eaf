"""Browser tests: Playwright's sync API drives Debian's Chromium against real servers on 127.0.0.1.

The portal is pytest-django's ``live_server`` (a threaded WSGI server, ``transactional_db``: the server's threads
see what the test writes and the other way round); the local Stripe sandbox runs beside it on a free port and
delivers really signed webhooks to the portal's endpoint. Never a downloaded browser: no ``playwright install``.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from django.core.management import call_command

from tests.e2e.browsing import DESKTOP

if TYPE_CHECKING:
    from stripe_sandbox import SandboxServer

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
E2E_DIR = Path(__file__).resolve().parent

# The portal listens on 127.0.0.1 (as the sandbox does), not "localhost", which Chromium may try as ::1 first.
os.environ.setdefault("DJANGO_LIVE_TEST_SERVER_ADDRESS", "127.0.0.1")


def pytest_collection_modifyitems(config, items) -> None:
    """Browser tests run last: while Playwright is running, the main thread has an asyncio loop (see `browser`)."""
    items[:] = [i for i in items if not _is_e2e(i)] + [i for i in items if _is_e2e(i)]


def pytest_itemcollected(item) -> None:
    """Every browser test is slow (`pytest -m "not slow"` leaves them out); this hook sees only tests/e2e's items."""
    item.add_marker(pytest.mark.slow)


def _is_e2e(item) -> bool:
    return Path(str(item.path)).resolve().is_relative_to(E2E_DIR)


@pytest.fixture(scope="session")
def browser() -> Iterator:
    if not Path(CHROMIUM).is_file():
        pytest.fail(
            f"The browser tests need Debian's Chromium at {CHROMIUM}, which is missing. "
            "Install it with `apt-get install chromium` (never `playwright install`).",
            pytrace=False,
        )
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an asyncio event loop in the main thread for as long as it is started, so Django's
    # "async-unsafe" guard refuses every ORM call the test makes (SynchronousOnlyOperation), though the test itself
    # is plain synchronous code. The guard is switched off only while Playwright runs: these tests come last.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
    finally:
        playwright.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="session")
def sandbox_server() -> Iterator:
    from django.conf import settings

    from stripe_sandbox import SandboxServer

    server = SandboxServer(host="127.0.0.1", port=0, webhook_url=None, webhook_secret=settings.STRIPE_WEBHOOK_SECRET)
    server.start()
    yield server
    server.stop()


@dataclass
class Portal:
    url: str
    sandbox: SandboxServer


@pytest.fixture
def portal(live_server, sandbox_server, settings, transactional_db) -> Portal:
    """The portal with the seeded directory, paying through the sandbox, which sends its webhooks back here."""
    settings.STRIPE_SANDBOX = True
    settings.STRIPE_API_KEY = "sk_test_portal_e2e"
    settings.STRIPE_API_BASE = sandbox_server.url
    settings.STRIPE_TIMEOUT_SECONDS = 5
    sandbox_server.set_webhook_url(live_server.url + "/donations/stripe/webhook/")
    assert sandbox_server.delivery == "async"  # webhooks after the API's answer, delayed and reordered, as Stripe's
    call_command("load_directory", stdout=io.StringIO())
    return Portal(url=live_server.url, sandbox=sandbox_server)


@pytest.fixture
def new_page(browser, portal) -> Iterator[Callable]:
    """A page in a fresh browser context (its own cookies: another person), 1280 px wide unless told otherwise."""
    contexts = []

    def make(*, viewport: dict = DESKTOP, javascript: bool = True, mobile: bool = False):
        context = browser.new_context(
            viewport=viewport,
            base_url=portal.url,
            accept_downloads=True,
            java_script_enabled=javascript,
            is_mobile=mobile,
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        # Every page runs under the portal's Content-Security-Policy: a violation Chromium reports fails the test.
        page.on("console", lambda message: _csp_violation(message, violations))
        return page

    violations: list[str] = []
    yield make
    for context in contexts:
        context.close()
    assert not violations, "Content-Security-Policy violations:\n" + "\n".join(violations)


def _csp_violation(message, violations: list[str]) -> None:
    if "Content Security Policy" in message.text:
        violations.append(message.text)


@pytest.fixture
def page(new_page):
    return new_page()
