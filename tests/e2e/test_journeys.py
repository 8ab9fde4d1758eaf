"""Journeys through the real portal and the real Stripe sandbox, in Chromium; screenshots of every key page."""

import csv
import io
import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from accounts.second_factor import second_factor_code
from donations.models import Payment, Pledge, PledgeStatus
from orgs.models import Organization
from tests import factories
from tests.e2e.browsing import (
    fill_give_form,
    give,
    label,
    pay,
    receipts_to,
    review,
    sign_in,
    snap,
    to_checkout,
    wait_for,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_donor_finds_an_organization_by_cause_and_gives_monthly_in_krw(page, portal):
    journey = "give-monthly-krw"
    page.goto("/")
    snap(page, journey, "directory")

    page.get_by_label(label("Cause")).select_option(label="Food and medicine")
    page.get_by_role("button", name="Search").click()
    expect(page).to_have_url(re.compile(r"[?&]cause=food-medicine"))
    cards = page.locator("article.org-card h2")
    expect(cards).to_contain_text(["Crossing Borders", "Helping Hands Korea"])
    expect(cards.filter(has_text="Liberty in North Korea")).to_have_count(0)
    snap(page, journey, "directory-filtered")

    page.get_by_role("link", name="Helping Hands Korea").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Helping Hands Korea")
    page.get_by_role("button", name="KRW", exact=True).click()
    expect(page).to_have_url(re.compile(r"/donations/give/helping-hands-korea/#give$"))
    expect(page.locator("#give")).to_contain_text("Currency: KRW")
    fill_give_form(
        page,
        frequency="monthly",
        amount="₩50,000",
        program="Children separated from their mothers",
        name="Kim Min-ji",
        email="minji@example.org",
    )
    snap(page, journey, "profile-give-form")

    review(page)
    expect(page.locator("#review-total")).to_have_text("₩50,000")
    expect(page.locator("main")).to_contain_text("Every month, until you stop it")
    expect(page.locator("main")).to_contain_text("Children separated from their mothers")
    snap(page, journey, "review")

    to_checkout(page, portal.sandbox.url)
    expect(page.locator(".amount")).to_have_text("₩50,000 every month")
    snap(page, journey, "checkout")

    pay(page)
    expect(page.locator("main")).to_contain_text("Your gift of ₩50,000 to Helping Hands Korea is received.")
    expect(page.locator("main")).to_contain_text("It will repeat every month")
    snap(page, journey, "thanks")

    pledge = Pledge.objects.select_related("program").get()
    assert (pledge.status, pledge.currency, pledge.amount, pledge.frequency) == (
        PledgeStatus.ACTIVE,
        "KRW",
        50000,
        "monthly",
    )
    assert pledge.program.name == "Children separated from their mothers"
    assert Payment.objects.filter(pledge=pledge, amount=50000, currency="KRW").count() == 1
    (receipt,) = wait_for(lambda: receipts_to("minji@example.org"), "the receipt email")
    assert "₩50,000" in receipt.body and "Helping Hands Korea" in receipt.body


def test_declined_and_cancelled_donors_can_try_again_with_the_form_filled_in(new_page, portal):
    journey = "declined-and-cancelled"
    declined = new_page()
    declined.goto("/organizations/crossing-borders/")
    fill_give_form(declined, amount="US$50.00", name="Dae Declined", email="declined@example.org")
    review(declined)
    to_checkout(declined, portal.sandbox.url)
    declined.get_by_role("button", name="Use a card that is declined").click()
    alert = declined.get_by_role("alert")
    expect(alert).to_contain_text("Your card was declined")
    expect(alert).to_contain_text("Nothing was charged. You can try again.")
    expect(declined.get_by_role("button", name="Pay with test card 4242")).to_be_visible()
    snap(declined, journey, "checkout-declined")

    declined.get_by_role("link", name="Cancel and go back").click()
    expect(declined.get_by_role("heading", level=1)).to_have_text("Nothing was charged")
    expect(declined.get_by_role("radio", name="US$50.00")).to_be_checked()
    expect(declined.get_by_label(label("Your name"))).to_have_value("Dae Declined")
    expect(declined.get_by_label(label("Your email"))).to_have_value("declined@example.org")
    snap(declined, journey, "back-after-decline")
    review(declined)
    expect(declined.locator("#review-total")).to_have_text("US$50.00")

    cancelled = new_page()
    cancelled.goto("/organizations/helping-hands-korea/")
    fill_give_form(
        cancelled,
        frequency="monthly",
        other_amount="12.50",
        program="Food, medicine and clothing",
        name="Chae Cancel",
        email="cancel@example.org",
        share=True,
        dedication="For my grandmother",
        cover_fee=True,
    )
    review(cancelled)
    to_checkout(cancelled, portal.sandbox.url)
    snap(cancelled, journey, "checkout")
    cancelled.get_by_role("link", name="Cancel and go back").click()
    expect(cancelled).to_have_url(re.compile(r"/donations/cancelled/"))
    expect(cancelled.get_by_role("heading", level=1)).to_have_text("Nothing was charged")
    expect(cancelled.get_by_role("status")).to_contain_text("no money moved")
    expect(cancelled.get_by_role("radio", name="monthly")).to_be_checked()
    expect(cancelled.get_by_role("radio", name="Other amount")).to_be_checked()
    expect(cancelled.get_by_role("textbox", name="Other amount")).to_have_value("12.50")
    expect(cancelled.get_by_label(label("Use my gift for")).locator("option:checked")).to_have_text(
        "Food, medicine and clothing"
    )
    expect(cancelled.get_by_label(label("Your name"))).to_have_value("Chae Cancel")
    expect(cancelled.get_by_label(label("Your email"))).to_have_value("cancel@example.org")
    expect(cancelled.get_by_label(re.compile(r"^\s*Share my name"))).to_be_checked()
    expect(cancelled.get_by_label(label("Dedication (optional)"))).to_have_value("For my grandmother")
    expect(cancelled.get_by_label(label("Add the processing fee"))).to_be_checked()
    snap(cancelled, journey, "cancelled")

    review(cancelled)  # trying again: the same gift, to the checkout page again
    expect(cancelled.locator("#review-gift")).to_have_text("US$12.50")
    to_checkout(cancelled, portal.sandbox.url)
    expect(cancelled.locator(".amount")).to_contain_text("every month")

    assert not Payment.objects.exists()
    assert not Pledge.objects.filter(status__in=[PledgeStatus.PAID, PledgeStatus.ACTIVE]).exists()
    assert not [m for m in mail.outbox if "receipt" in m.subject.lower()]


def test_member_sees_named_and_anonymous_gifts_and_downloads_them_as_csv(new_page, portal):
    journey = "member-report"
    give(
        new_page(),
        portal.sandbox.url,
        "crossing-borders",
        amount="US$25.00",
        name="Nari Named",
        email="nari@example.org",
        share=True,
    )
    give(
        new_page(),
        portal.sandbox.url,
        "crossing-borders",
        amount="US$100.00",
        name="Hana Hidden",
        email="hana@example.org",
        share=False,
    )
    crossing_borders = Organization.objects.get(slug="crossing-borders")
    factories.member(organization=crossing_borders, username="cb-member")
    factories.member(organization=Organization.objects.get(slug="enok"), username="enok-member")

    member = new_page()
    sign_in(member, "cb-member")
    snap(member, journey, "reports-index")
    member.get_by_role("link", name="Crossing Borders").click()
    expect(member.get_by_role("heading", level=1)).to_have_text("Gifts to Crossing Borders")
    latest = member.locator("section[aria-labelledby='latest-heading'] tbody")
    expect(latest.locator("tr")).to_have_count(2)
    expect(latest.locator("tr", has_text="US$25.00")).to_contain_text("Nari Named")
    expect(latest.locator("tr", has_text="US$25.00")).to_contain_text("nari@example.org")
    expect(latest.locator("tr", has_text="US$100.00")).to_contain_text("Anonymous")
    expect(member.locator("main")).not_to_contain_text("Hana")
    expect(member.locator("main")).not_to_contain_text("hana@example.org")
    snap(member, journey, "report")

    with member.expect_download() as download_info:
        member.get_by_role("link", name="Download these gifts as CSV").click()
    download = download_info.value
    assert re.fullmatch(r"crossing-borders-gifts-\d{4}-\d{2}-\d{2}-\d{4}-\d{2}-\d{2}\.csv", download.suggested_filename)
    with open(download.path(), "rb") as file:
        content = file.read()
    assert content.startswith(b"\xef\xbb\xbf")  # the byte-order mark: Excel reads the file as UTF-8
    text = content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert sorted((r["received"], r["net"], r["donor name"], r["donor email"], r["currency"]) for r in rows) == [
        ("100.00", "100.00", "Anonymous", "", "USD"),
        ("25.00", "25.00", "Nari Named", "nari@example.org", "USD"),
    ]
    assert all(r["payment id"].startswith("pi_") and r["time (UTC)"].endswith("Z") for r in rows)
    assert "Hana" not in text and "hana@example.org" not in text

    outsider = new_page()
    sign_in(outsider, "enok-member")
    response = outsider.goto("/reports/crossing-borders/")
    assert response.status == 404
    expect(outsider.locator("main")).not_to_contain_text("Nari Named")
    response = outsider.goto("/reports/crossing-borders/gifts.csv")
    assert response.status == 404
    snap(outsider, journey, "other-organization-404")


def test_staff_edits_unpublishes_and_refunds_and_the_public_pages_and_report_follow(new_page, portal):
    journey = "staff-admin"
    give(
        new_page(), portal.sandbox.url, "liberty-in-north-korea", amount="US$25.00", name="Rae Refund", email="r@x.org"
    )
    authenticator = factories.otp_device(factories.staff(username="staffer"))  # enrolled: the admin asks its code
    public = new_page()

    staff = new_page()
    staff.goto("/admin/")
    staff.get_by_label(label("Username")).fill("staffer")
    staff.get_by_label(label("Password")).fill("a-long-test-password")
    snap(staff, journey, "admin-sign-in")
    staff.get_by_role("button", name="Log in").click()
    expect(staff.locator(".errornote")).to_be_visible()  # the password alone does not open the admin
    staff.get_by_label(label("Password")).fill("a-long-test-password")
    staff.get_by_label(label("Code from your authenticator app")).fill(second_factor_code(authenticator))
    staff.get_by_role("button", name="Log in").click()
    expect(staff.get_by_role("heading", name="Site administration")).to_be_visible()
    snap(staff, journey, "admin-index")

    staff.goto("/admin/orgs/organization/")
    staff.get_by_role("link", name="Helping Hands Korea", exact=True).click()
    summary = "Delivers food, medicine and clothing, and foster care for children: edited by staff."
    staff.locator("#id_summary").fill(summary)
    snap(staff, journey, "organization-change")
    staff.locator("input[name='_save']").click()
    expect(staff.locator(".messagelist")).to_contain_text("was changed successfully")
    staff.locator("#result_list").get_by_role("link", name="Helping Hands Korea", exact=True).click()
    staff.get_by_role("link", name="Audit trail").click()  # who changed what, when: the summary, by staffer
    expect(staff.locator("#auditlog-history")).to_contain_text("staffer")
    expect(staff.locator("#auditlog-history")).to_contain_text("edited by staff")
    snap(staff, journey, "organization-audit-trail")

    public.goto("/organizations/helping-hands-korea/")
    expect(public.locator("p.lead")).to_have_text(summary)
    public.goto("/?q=foster")
    expect(public.locator("article.org-card", has_text="Helping Hands Korea")).to_contain_text(summary)

    staff.goto("/admin/orgs/organization/")
    staff.locator("#result_list tr", has=staff.get_by_role("link", name="ENoK", exact=True)).locator(
        "input[name='_selected_action']"
    ).check()
    staff.locator("select[name='action']").select_option(label="Unpublish the selected organizations")
    staff.get_by_role("button", name="Go").click()
    expect(staff.locator(".messagelist")).to_contain_text("1 organization unpublished.")
    snap(staff, journey, "organizations-unpublished")

    assert public.goto("/organizations/enok/").status == 404
    public.goto("/")
    expect(public.locator("main")).not_to_contain_text("ENoK")
    snap(public, journey, "directory-after")

    payment = Payment.objects.get()
    staff.goto("/admin/donations/payment/")
    staff.locator("#result_list tr", has_text=payment.stripe_id).locator("input[name='_selected_action']").check()
    staff.locator("select[name='action']").select_option(label="Refund the selected payment (full or partial)")
    staff.get_by_role("button", name="Go").click()
    expect(staff.locator("#content")).to_contain_text("Still refundable: US$25.00")
    staff.get_by_label(label("Amount to refund")).fill("10")
    staff.get_by_label(label("Why this refund")).fill("The donor asked by email")
    snap(staff, journey, "refund-confirmation")
    staff.get_by_role("button", name="Refund now").click()
    expect(staff.locator(".messagelist")).to_contain_text("Refunded US$10.00")
    portal.sandbox.wait_for_deliveries()  # Stripe's charge.refunded comes after its answer, asynchronously
    refund = payment.refunds.get()  # whichever came first, the row still says who and why
    assert (refund.amount, refund.source, refund.requested_by.username) == (1000, "staff", "staffer")
    assert refund.reason == "The donor asked by email" and refund.request_key

    staff.goto("/reports/liberty-in-north-korea/")
    totals = staff.locator("section[aria-labelledby='totals-heading'] tbody tr", has_text="USD")
    expect(totals.locator("td")).to_contain_text(["US$25.00", "US$10.00", "US$15.00"])
    snap(staff, journey, "report-after-refund")


def _focused(page) -> dict:
    return page.evaluate(
        """() => {
          const el = document.activeElement;
          const style = getComputedStyle(el);
          return {tag: el.tagName.toLowerCase(), id: el.id, name: el.name || '', text: (el.innerText || '').trim(),
                  checked: !!el.checked, value: el.value ?? '',
                  outline: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0,
                  shadow: style.boxShadow !== 'none'};
        }"""
    )


def _tab_to(page, want, key: str = "Tab", limit: int = 60) -> dict:
    """Press Tab (or Shift+Tab) until the focused element matches ``want``; every stop must show its focus."""
    for _ in range(limit):
        page.keyboard.press(key)
        focus = _focused(page)
        assert focus["outline"] or focus["shadow"], f"no visible focus on {focus}"
        if want(focus):
            return focus
    raise AssertionError(f"{key} never reached the wanted element")


def test_giving_form_with_the_keyboard_alone(page, portal):
    journey = "keyboard-give"
    page.goto("/organizations/helping-hands-korea/")

    page.keyboard.press("Tab")
    assert _focused(page)["text"] == "Skip to main content"
    page.keyboard.press("Enter")
    assert _focused(page)["id"] == "content"

    _tab_to(page, lambda f: f["name"] == "frequency")
    page.keyboard.press("ArrowDown")
    expect(page.get_by_role("radio", name="monthly")).to_be_checked()
    focus = _tab_to(page, lambda f: f["name"] == "amount_choice")
    assert focus["value"] == "5000"  # the checked one of the group
    for _ in range(3):
        page.keyboard.press("ArrowDown")
    expect(page.get_by_role("radio", name="Other amount")).to_be_checked()
    _tab_to(page, lambda f: f["name"] == "other_amount")
    page.keyboard.type("40")
    _tab_to(page, lambda f: f["name"] == "program")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    expect(page.get_by_label(label("Use my gift for")).locator("option:checked")).to_have_text(
        "Food, medicine and clothing"
    )
    _tab_to(page, lambda f: f["name"] == "donor_name")
    page.keyboard.type("Kei Keyboard")
    _tab_to(page, lambda f: f["name"] == "donor_email")
    page.keyboard.type("kei@example.org")
    _tab_to(page, lambda f: f["name"] == "share_identity")
    page.keyboard.press("Space")
    _tab_to(page, lambda f: f["name"] == "dedication")
    page.keyboard.type("For the children")
    _tab_to(page, lambda f: f["name"] == "cover_fee")
    page.keyboard.press("Space")
    # Back to the name with Shift+Tab, to correct it.
    _tab_to(page, lambda f: f["name"] == "donor_name", key="Shift+Tab")
    page.keyboard.press("End")
    page.keyboard.type(" Kim")
    expect(page.get_by_label(label("Add the processing fee"))).to_be_checked()
    expect(page.get_by_label(re.compile(r"^\s*Share my name"))).to_be_checked()
    snap(page, journey, "form-filled")

    _tab_to(page, lambda f: f["text"] == "Review your gift")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Review your gift")
    expect(page.locator("#review-gift")).to_have_text("US$40.00")
    expect(page.locator("main")).to_contain_text("Kei Keyboard Kim")
    expect(page.locator("main")).to_contain_text("Food, medicine and clothing")
    expect(page.locator("main")).to_contain_text("For the children")
    expect(page.locator("#review-fee")).to_be_visible()
    snap(page, journey, "review")

    _tab_to(page, lambda f: f["text"] == "Continue to secure payment")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile("^" + re.escape(portal.sandbox.url) + "/checkout/cs_"))
    expect(page.locator(".amount")).to_contain_text("every month")
    snap(page, journey, "checkout")
    pledge = Pledge.objects.get()
    assert (pledge.gift_amount, pledge.frequency, pledge.share_identity, pledge.fee_amount > 0) == (
        4000,
        "monthly",
        True,
        True,
    )


def test_a_donor_gives_in_korean_from_start_to_end(browser, portal):
    """The browser asks for Korean: every portal page of the gift is in Korean, and so is the receipt."""
    from django.utils import translation

    with translation.override("ko"):
        t = {
            key: translation.gettext(key)
            for key in (
                "Your name",
                "Your email",
                "Review your gift",
                "Continue to secure payment",
                "Thank you",
                "Test mode: no real money moves.",
                "Once",
            )
        }
    context = browser.new_context(viewport={"width": 375, "height": 800}, base_url=portal.url, locale="ko-KR")
    page = context.new_page()
    try:
        page.goto("/organizations/liberty-in-north-korea/")
        expect(page.locator("html")).to_have_attribute("lang", "ko")
        expect(page.get_by_role("note")).to_contain_text(t["Test mode: no real money moves."])
        form = page.locator("form[action^='/donations/give/']")
        # A Korean page starts in won, ₩30,000 chosen (tests/donations/test_won.py); the donor takes ₩50,000.
        expect(form.get_by_role("radio", name="₩30,000", exact=True)).to_be_checked()
        form.get_by_role("radio", name="₩50,000", exact=True).check()
        form.get_by_label(label(t["Your name"])).fill("김민지")
        form.get_by_label(label(t["Your email"])).fill("minji.ko@example.org")
        snap(page, "give-in-korean", "profile")
        page.get_by_role("button", name=t["Review your gift"]).click()
        expect(page.get_by_role("heading", level=1)).to_have_text(t["Review your gift"])
        expect(page.locator("#review-total")).to_have_text("₩50,000")
        snap(page, "give-in-korean", "review")
        page.get_by_role("button", name=t["Continue to secure payment"]).click()
        page.get_by_role(
            "button", name="테스트 카드 4242로 결제"
        ).click()  # the sandbox's page, in the session's locale
        expect(page.get_by_role("heading", level=1)).to_have_text(t["Thank you"])
        expect(page.locator("main")).to_contain_text("₩50,000")
        snap(page, "give-in-korean", "thanks")
    finally:
        context.close()
    pledge = Pledge.objects.get(donor_email="minji.ko@example.org")
    assert pledge.language == "ko" and pledge.status == PledgeStatus.PAID
    receipt = wait_for(lambda: [m for m in mail.outbox if m.to == ["minji.ko@example.org"]] or None, "the receipt")[0]
    with translation.override("ko"):
        assert translation.gettext("Reference") in receipt.body
        assert translation.gettext("Reference") != "Reference"
    assert "₩50,000" in receipt.body and pledge.currency == "KRW" and pledge.gift_amount == 50000
