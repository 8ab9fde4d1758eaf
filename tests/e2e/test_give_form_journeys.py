"""The Give form in Chromium, on a phone (375 px) and a desktop (1280 px): a gift changed after Checkout, currency
switches that keep what was typed (without JavaScript), one amount never guessed, errors in view and focused, and
one visible focus outline on every control. Screenshots under artifacts/screenshots/give-form-*/."""

import re

import pytest
from playwright.sync_api import Page, expect

from donations.models import Payment, Pledge, PledgeStatus
from tests.e2e.browsing import (
    DESKTOP,
    PHONE,
    SCREENSHOTS,
    fill_give_form,
    label,
    pay,
    review,
    snap,
    to_checkout,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SCREENS = {"375": PHONE, "1280": DESKTOP}
FOCUS_OUTLINE = {"style": "solid", "color": "rgb(245, 183, 0)", "width": "3px"}
SHARE = re.compile(r"^\s*Share my name and email with")


@pytest.fixture(params=list(SCREENS))
def screen(request) -> str:
    return request.param


@pytest.fixture
def open_page(new_page, screen):
    """open_page(javascript=True): a new person's browser at the journey's width."""

    def make(*, javascript: bool = True) -> Page:
        return new_page(viewport=SCREENS[screen], javascript=javascript, mobile=screen == "375")

    return make


def shot(page: Page, journey: str, name: str, screen: str) -> None:
    """What the donor sees right now at the journey's width (not the whole page), then both widths' full pages."""
    folder = SCREENSHOTS / journey
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=folder / f"{name}-in-view-{screen}.png")
    snap(page, journey, f"{name}-{screen}-journey")
    page.set_viewport_size(SCREENS[screen])  # snap() leaves the page at 1280 px


def give_box(page: Page):
    return page.locator("form.give-form")


def test_a_gift_changed_after_checkout_is_paid_exactly_as_reviewed(open_page, portal, screen):
    """Item 1: shared and dedicated, to Checkout, Back, "Change something", anonymous and no dedication: paid so."""
    journey = "give-form-changed-gift"
    page = open_page()
    page.goto("/organizations/crossing-borders/")
    fill_give_form(
        page, amount="US$50.00", name="Ha-eun Seo", email="haeun@example.org", share=True, dedication="For my brother"
    )
    review(page)
    expect(page.locator("main")).to_contain_text("Your name and email (Ha-eun Seo, haeun@example.org)")
    # Checkout opens; the donor comes back to the review page. (Chromium's Back to a POST's page asks to send the
    # form again, which Playwright cannot answer: Checkout opens in another tab, the review page stays in this one.)
    confirm = page.get_by_role("button", name="Continue to secure payment")
    confirm.evaluate("button => { button.formTarget = '_blank'; }")
    with page.context.expect_page() as opened:
        confirm.click()
    checkout = opened.value
    expect(checkout).to_have_url(re.compile("^" + re.escape(portal.sandbox.url) + "/checkout/cs_"))
    checkout.close()
    expect(page.get_by_role("heading", level=1)).to_have_text("Review your gift")
    page.get_by_role("button", name="Change something").click()
    expect(page).to_have_url(re.compile(r"/donations/give/crossing-borders/#give$"))
    form = give_box(page)
    expect(form.get_by_label(SHARE)).to_be_checked()
    form.get_by_label(SHARE).uncheck()
    form.get_by_label(label("Dedication (optional)")).fill("")
    shot(page, journey, "changed", screen)

    review(page)
    main = page.locator("main")
    expect(main).to_contain_text("“Anonymous”: no name, no email")
    expect(main).not_to_contain_text("For my brother")
    expect(main).not_to_contain_text("Ha-eun Seo")
    shot(page, journey, "review-anonymous", screen)
    to_checkout(page, portal.sandbox.url)
    pay(page)

    paid = Pledge.objects.get(status=PledgeStatus.PAID)
    assert (paid.share_identity, paid.dedication, paid.gift_amount) == (False, "", 5000)
    assert Payment.objects.get().pledge == paid
    first = Pledge.objects.exclude(pk=paid.pk).get()  # the pledge confirmed first can no longer be paid
    assert first.status in (PledgeStatus.ABANDONED, PledgeStatus.EXPIRED) and not first.share_identity


def _assert_kept(page: Page, *, currency: str, email: str = "somin@example.org") -> None:
    form = give_box(page)
    expect(form).to_contain_text(f"Currency: {currency}")
    expect(form.locator("input[name=currency]")).to_have_value(currency)
    expect(form.get_by_role("radio", name="monthly")).to_be_checked()
    expect(form.get_by_role("radio", name="Other amount")).to_be_checked()
    expect(form.get_by_role("textbox", name="Other amount")).to_have_value("35000")
    expect(form.get_by_label(label("Your name"))).to_have_value("Park So-min")
    expect(form.get_by_label(label("Your email"))).to_have_value(email)
    expect(form.get_by_label(SHARE)).to_be_checked()
    expect(form.get_by_label(label("Dedication (optional)"))).to_have_value("For the children")
    expect(form.get_by_label(label("Add the processing fee"))).to_be_checked()
    expect(form.get_by_role("status")).to_contain_text("Amounts are not converted between currencies")


def test_switching_currency_keeps_what_was_typed_without_javascript(open_page, portal, screen):
    """Item 3: after an error, after "Change something" and on the cancelled page, with JavaScript off."""
    journey = "give-form-currency"
    page = open_page(javascript=False)
    page.goto("/organizations/helping-hands-korea/")
    typed = {
        "frequency": "monthly",
        "other_amount": "35000",
        "name": "Park So-min",
        "share": True,
        "dedication": "For the children",
        "cover_fee": True,
    }
    fill_give_form(page, email="somin@", **typed)
    page.get_by_role("button", name="Review your gift").click()
    expect(page.locator("#give-errors")).to_contain_text("Your email")
    page.get_by_role("button", name="KRW", exact=True).click()  # after a validation error
    _assert_kept(page, currency="KRW", email="somin@")
    shot(page, journey, "after-error-krw", screen)

    give_box(page).get_by_label(label("Your email")).fill("somin@example.org")
    review(page)
    page.get_by_role("button", name="Change something").click()
    page.get_by_role("button", name="USD", exact=True).click()  # after "Change something"
    _assert_kept(page, currency="USD")
    page.get_by_role("button", name="KRW", exact=True).click()
    _assert_kept(page, currency="KRW")

    review(page)
    expect(page.locator("#review-gift")).to_have_text("₩35,000")
    to_checkout(page, portal.sandbox.url)
    page.get_by_role("link", name="Cancel and go back").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Nothing was charged")
    page.get_by_role("button", name="USD", exact=True).click()  # on the cancelled page
    expect(page).to_have_url(re.compile(r"/donations/give/helping-hands-korea/#give$"))
    form = give_box(page)
    expect(form).to_contain_text("Currency: USD")
    expect(form.get_by_role("textbox", name="Other amount")).to_have_value("35000")
    expect(form.get_by_label(label("Your name"))).to_have_value("Park So-min")
    expect(form.get_by_label(label("Dedication (optional)"))).to_have_value("For the children")
    expect(form.get_by_label(SHARE)).to_be_checked()
    shot(page, journey, "cancelled-then-usd", screen)


def test_a_typed_amount_is_chosen_and_never_guessed(open_page, portal, screen):
    """Item 4: typing selects "Other amount"; with both sent (no JavaScript) the form asks."""
    journey = "give-form-amount"
    page = open_page()
    page.goto("/organizations/crossing-borders/")
    fill_give_form(page, amount="US$50.00", name="Lee Jun", email="jun@example.org")
    form = give_box(page)
    form.get_by_role("textbox", name="Other amount").fill("75")
    expect(form.get_by_role("radio", name="Other amount")).to_be_checked()
    expect(form.get_by_role("radio", name="US$50.00")).not_to_be_checked()
    shot(page, journey, "typed-selects-other", screen)
    review(page)
    expect(page.locator("#review-total")).to_have_text("US$75.00")

    plain = open_page(javascript=False)
    plain.goto("/organizations/crossing-borders/")
    fill_give_form(plain, amount="US$50.00", name="Lee Jun", email="jun@example.org")
    give_box(plain).get_by_role("textbox", name="Other amount").fill("75")
    plain.get_by_role("button", name="Review your gift").click()
    summary = plain.locator("#give-errors")
    expect(summary).to_contain_text("You chose US$50.00 and also typed an amount under “Other amount”")
    expect(summary).to_be_in_viewport()  # without JavaScript too: the page opens at the Give box (#give)
    expect(plain.get_by_role("heading", level=1)).not_to_have_text("Review your gift")
    shot(plain, journey, "both-asked", screen)
    assert not Pledge.objects.exists()


def test_a_failed_submit_shows_the_errors_in_view_and_focused(open_page, portal, screen):
    """Item 5: the summary at the top of the Give box, in view and focused, each line taking you to its field."""
    journey = "give-form-errors"
    page = open_page()
    page.goto("/organizations/helping-hands-korea/")
    form = give_box(page)
    form.get_by_role("radio", name="Other amount").check()
    form.get_by_label(label("Your email")).fill("not-an-email")
    form.get_by_role("button", name="Review your gift").click()

    expect(page).to_have_url(re.compile(r"/donations/give/helping-hands-korea/#give$"))
    summary = page.locator("#give-errors")
    expect(summary).to_be_focused()
    expect(summary).to_be_in_viewport()
    expect(summary).to_have_attribute("tabindex", "-1")
    links = summary.get_by_role("link")
    expect(links).to_have_text(
        [
            "Other amount: Enter the amount you want to give.",
            re.compile(r"^Your name: This field is required\.$"),
            "Your email: Enter a valid email address.",
        ]
    )
    shot(page, journey, "summary-focused", screen)

    summary.get_by_role("link", name=re.compile("^Your email")).click()
    email = page.get_by_label(label("Your email"))
    expect(email).to_be_focused()
    expect(email).to_be_in_viewport()
    shot(page, journey, "email-field", screen)


FOCUSED_STYLE = """() => {
  const el = document.activeElement;
  const again = el.dataset.tabbed === '1';
  el.dataset.tabbed = '1';
  const style = getComputedStyle(el);
  return {
    tag: el.tagName.toLowerCase() + (el.type ? '[' + el.type + ']' : '') + (el.name ? ' ' + el.name : '')
      + (el.id ? '#' + el.id : ''),
    style: style.outlineStyle, color: style.outlineColor, width: style.outlineWidth,
    inGive: !!el.closest('form.give-form'), again: again,
  };
}"""


def test_every_control_shows_the_portals_focus_outline(open_page, portal, screen):
    """Item 6: Tab through the whole profile page; every control it reaches wears the same high-contrast outline."""
    journey = "give-form-focus"
    page = open_page()
    page.goto("/organizations/helping-hands-korea/")
    seen, wrong, kinds = [], [], set()
    for _ in range(80):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED_STYLE)
        if focused["tag"] == "body" or focused["again"]:  # round the page once
            break
        seen.append(focused)
        kinds.add(focused["tag"].split(" ")[0].split("#")[0])
        if {k: focused[k] for k in FOCUS_OUTLINE} != FOCUS_OUTLINE:
            wrong.append(focused)
        if focused["tag"].startswith(("input[radio]", "input[checkbox]", "select")) and focused["inGive"]:
            name = focused["tag"].split(" ")[1].split("#")[0]
            shot_path = SCREENSHOTS / journey
            shot_path.mkdir(parents=True, exist_ok=True)
            give_box(page).screenshot(path=shot_path / f"focus-{name}-{screen}.png")
    assert not wrong, f"controls without the portal's focus outline at {screen} px: {wrong}"
    assert {"a", "button[submit]", "input[radio]", "input[text]", "input[email]", "select[select-one]"} <= kinds
    assert "input[checkbox]" in kinds, kinds
    assert sum(f["inGive"] for f in seen) >= 8
