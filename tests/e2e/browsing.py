"""What a person does in the browser, shared by the journeys and the accessibility checks."""

from __future__ import annotations

import json
import re
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

from django.core import mail
from playwright.sync_api import Page, expect

SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 812}
PASSWORD = "a-long-test-password"  # tests/factories.py's default

# The elements wider than the phone's viewport, to say what makes a page scroll sideways.
_OVERFLOW_JS = """() => {
  const width = window.innerWidth;
  const wide = [];
  for (const el of document.querySelectorAll('body *')) {
    const box = el.getBoundingClientRect();
    if (box.width && box.right > width + 1) {
      wide.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
        (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\\s+/).join('.') : '') +
        ' (right edge ' + Math.round(box.right) + ' px)');
    }
  }
  return {scrollWidth: document.documentElement.scrollWidth, innerWidth: width, wide: wide.slice(0, 8)};
}"""


def label(text: str) -> re.Pattern:
    """A field's accessible name: its label, maybe with the required-field asterisk or the admin's colon."""
    return re.compile(r"^\s*" + re.escape(text) + r"\s*\*?:?\s*$")


def snap(page: Page, journey: str, name: str) -> None:
    """Screenshots of the page at 1280 and 375 px wide; the page must not scroll sideways at 375 px."""
    folder = SCREENSHOTS / journey
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=folder / f"{name}-1280.png", full_page=True)
    page.set_viewport_size(PHONE)
    try:
        page.screenshot(path=folder / f"{name}-375.png", full_page=True)
        layout = page.evaluate(_OVERFLOW_JS)
    finally:
        page.set_viewport_size(DESKTOP)
    assert layout["scrollWidth"] <= layout["innerWidth"], (
        f"{page.url} scrolls sideways at 375 px: the page is {layout['scrollWidth']} px wide; "
        f"wider than the screen: {layout['wide']}"
    )


def wait_for(condition: Callable[[], object], what: str, seconds: float = 5.0):
    """The condition's value once it is true (the portal's server threads may still be finishing a request)."""
    deadline = time.monotonic() + seconds
    while not (value := condition()):
        if time.monotonic() > deadline:
            raise AssertionError(f"still waiting for {what} after {seconds} s")
        time.sleep(0.05)
    return value


def receipts_to(email: str) -> list:
    return [m for m in mail.outbox if "receipt" in m.subject.lower() and email in m.to]


def fill_give_form(
    page: Page,
    *,
    name: str,
    email: str,
    frequency: str = "once",
    amount: str | None = None,
    other_amount: str | None = None,
    program: str | None = None,
    share: bool = False,
    dedication: str = "",
    cover_fee: bool = False,
) -> None:
    """Fill the Give form on the page as a donor does (labels, not ids)."""
    form = page.locator("form[action^='/donations/give/']")
    form.get_by_role("radio", name=frequency, exact=True).check()
    if other_amount is not None:
        form.get_by_role("radio", name="Other amount").check()
        form.get_by_role("textbox", name="Other amount").fill(other_amount)
    elif amount is not None:
        form.get_by_role("radio", name=amount, exact=True).check()
    if program is not None:
        form.get_by_label(label("Use my gift for")).select_option(label=program)
    form.get_by_label(label("Your name")).fill(name)
    form.get_by_label(label("Your email")).fill(email)
    form.get_by_label(re.compile(r"^\s*Share my name and email with")).set_checked(share)
    form.get_by_label(label("Dedication (optional)")).fill(dedication)
    form.get_by_label(label("Add the processing fee")).set_checked(cover_fee)


def review(page: Page) -> None:
    page.get_by_role("button", name="Review your gift").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Review your gift")


def to_checkout(page: Page, sandbox_url: str) -> None:
    page.get_by_role("button", name="Continue to secure payment").click()
    expect(page).to_have_url(re.compile("^" + re.escape(sandbox_url) + "/checkout/cs_"))
    expect(page.get_by_role("note")).to_contain_text("TEST MODE")


def pay(page: Page) -> None:
    """Pay on the sandbox's checkout page; the thank-you page; then wait until the sandbox has sent its webhooks
    (asynchronous, as Stripe's): the test's next database work must not meet one (tests/live.py)."""
    sandbox = "{0.scheme}://{0.netloc}".format(urlsplit(page.url))
    page.get_by_role("button", name="Pay with test card 4242").click()
    expect(page).to_have_url(re.compile(r"/donations/thanks/\?session_id=cs_"))
    expect(page.locator("main")).to_contain_text("is received")
    webhooks_delivered(sandbox)


def webhooks_delivered(sandbox_url: str, seconds: float = 10.0) -> None:
    """Wait until the sandbox's queue of webhooks is empty (its state's ``webhooks.queued``)."""
    deadline = time.monotonic() + seconds
    while True:
        with urllib.request.urlopen(sandbox_url + "/_sandbox/state", timeout=5) as response:  # noqa: S310
            if not json.loads(response.read())["webhooks"]["queued"]:
                return
        if time.monotonic() > deadline:
            raise AssertionError(f"the sandbox's webhooks still queued after {seconds} s")
        time.sleep(0.05)


def give(page: Page, sandbox_url: str, slug: str, **form) -> None:
    """A whole gift: profile, form, review, the sandbox's checkout page, paid, the thank-you page."""
    page.goto(f"/organizations/{slug}/")
    fill_give_form(page, **form)
    review(page)
    to_checkout(page, sandbox_url)
    pay(page)


def sign_in(page: Page, username: str, password: str = PASSWORD) -> None:
    page.goto("/accounts/login/")
    page.get_by_label(label("Username")).fill(username)
    page.get_by_label(label("Password")).fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def admin_sign_in(page: Page, username: str, code: str) -> None:
    """Sign in to the admin as staff do: username, password and the authenticator app's code."""
    page.goto("/admin/")
    page.get_by_label(label("Username")).fill(username)
    page.get_by_label(label("Password")).fill(PASSWORD)
    page.get_by_label(label("Code from your authenticator app")).fill(code)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Site administration")).to_be_visible()
