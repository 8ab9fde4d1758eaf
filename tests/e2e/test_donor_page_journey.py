"""The donor's page in Chromium: a donor who gave twice (once and monthly) opens their gifts from another browser
with an email link, downloads the yearly statement, changes the monthly amount, pauses it, updates the card on the
sandbox, stops showing their name to the organization, and erases their data. After each step the organization's
report and CSV, and the sandbox's subscription, say the same."""

import csv
import io
import re

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from donations.models import Pledge, PledgeStatus
from donations.services.rollups import rollup_differences
from orgs.models import Organization
from tests import factories
from tests.e2e.browsing import give, label, sign_in, snap, wait_for
from tests.e2e.test_accessibility import assert_accessible

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
JOURNEY = "donor-page"
ORG = "helping-hands-korea"
EMAIL = "kim.donor@example.org"
LINK = re.compile(r"http://[^\s]+(/donations/mine/open/[^/\s]+/)")


def _organization_view(member) -> tuple[str, list[dict]]:
    """What the organization sees: its report page's text, and its CSV's rows."""
    member.goto(f"/reports/{ORG}/")
    text = member.locator("main").inner_text()
    with member.expect_download() as download_info:
        member.get_by_role("link", name="Download these gifts as CSV").click()
    with open(download_info.value.path(), "rb") as file:
        rows = list(csv.DictReader(io.StringIO(file.read().decode("utf-8-sig"))))
    return text, rows


def _subscription(portal, pledge: Pledge) -> dict:
    return portal.sandbox.store.get("subscription", pledge.stripe_subscription_id)


def test_donor_controls_gifts_and_data_from_an_email_link(new_page, portal):
    giver = new_page()
    give(giver, portal.sandbox.url, ORG, name="Kim Donor", email=EMAIL, amount="US$50.00", share=True)
    give(
        giver,
        portal.sandbox.url,
        ORG,
        name="Kim Donor",
        email=EMAIL,
        frequency="monthly",
        amount="US$25.00",
        share=True,
    )
    monthly = wait_for(
        lambda: Pledge.objects.filter(frequency="monthly", status=PledgeStatus.ACTIVE).first(), "the monthly gift"
    )
    factories.member(organization=Organization.objects.get(slug=ORG), username="hh-member")
    member = new_page()
    sign_in(member, "hh-member")
    text, rows = _organization_view(member)
    assert "Kim Donor" in text and {r["donor name"] for r in rows} == {"Kim Donor"}

    # another browser: no session, no cookie from the gifts
    donor = new_page()
    donor.goto("/")
    donor.get_by_role("link", name="My gifts").click()
    snap(donor, JOURNEY, "ask-for-a-link")
    assert_accessible(donor)
    donor.get_by_label(label("Your email")).fill(EMAIL)
    donor.get_by_role("button", name="Email me a link").click()
    expect(donor.get_by_role("status")).to_contain_text("If gifts were made with that address")
    snap(donor, JOURNEY, "link-sent")
    message = wait_for(lambda: [m for m in mail.outbox if m.to == [EMAIL] and "link" in m.subject], "the link")[-1]
    donor.goto(LINK.search(message.body)[1])
    snap(donor, JOURNEY, "open-link")
    donor.get_by_role("button", name="Open my gifts").click()
    expect(donor.get_by_role("heading", level=1)).to_have_text("My gifts")
    expect(donor.locator("[data-status]")).to_have_text(["monthly: active", "paid"])
    snap(donor, JOURNEY, "my-gifts")
    assert_accessible(donor)

    # the yearly statement
    with donor.expect_download() as download_info:
        donor.locator("section[aria-labelledby='statements']").get_by_role("link", name="Download").click()
    statement = download_info.value
    assert statement.suggested_filename == f"statement-{timezone.now().year}-{ORG}.html"
    with open(statement.path(), encoding="utf-8") as file:
        body = file.read()
    assert "US$75.00" in body and "Helping Hands Korea" in body

    # a new monthly amount, from next month
    gift = donor.locator("section.card", has=donor.locator("[data-status='monthly_active']"))
    gift.get_by_label(label("New monthly gift (USD)")).fill("40")
    gift.get_by_role("button", name="Change the amount from next month").click()
    expect(donor.get_by_role("alert").or_(donor.locator(".alert"))).to_contain_text("charged from next month")
    snap(donor, JOURNEY, "amount-changed")
    assert _subscription(portal, monthly)["items"]["data"][0]["price"]["unit_amount"] == 4000
    text, rows = _organization_view(member)
    assert "US$40.00" in text  # what the monthly gifts bring per month

    # a pause of one month
    gift = donor.locator("section.card", has=donor.locator("[data-status='monthly_active']"))
    gift.get_by_label(label("Pause for")).select_option(label="1 month")
    gift.get_by_role("button", name="Pause", exact=True).click()
    expect(donor.locator("[data-status='monthly_paused']")).to_have_text("monthly: paused")
    snap(donor, JOURNEY, "paused")
    assert _subscription(portal, monthly)["pause_collection"]["behavior"] == "void"

    # a new card, on the sandbox's customer portal page
    old_card = _subscription(portal, monthly)["default_payment_method"]
    donor.get_by_role("button", name="Update my card").click()
    expect(donor).to_have_url(re.compile("^" + re.escape(portal.sandbox.url) + "/billing_portal/bps_"))
    expect(donor.get_by_role("note")).to_contain_text("TEST MODE")
    snap(donor, JOURNEY, "sandbox-card")
    donor.get_by_role("button", name="Save card").click()
    expect(donor.locator("main")).to_contain_text("Your new card is saved")
    assert _subscription(portal, monthly)["default_payment_method"] != old_card
    snap(donor, JOURNEY, "card-updated")

    # the organization no longer sees the name, on either gift
    for _ in range(2):
        donor.get_by_role("button", name="Hide my name from the organization").first.click()
        expect(donor.locator("main")).to_contain_text("now sees this gift as anonymous")
    snap(donor, JOURNEY, "name-hidden")
    text, rows = _organization_view(member)
    assert "Kim Donor" not in text and {r["donor name"] for r in rows} == {"Anonymous"}
    assert EMAIL not in str(rows)

    # erase my data: what is kept, and why; the monthly gift stopped first; the Stripe customer deleted
    customer = Pledge.objects.get(pk=monthly.pk).stripe_customer_id
    donor.get_by_role("link", name="Erase my data").click()
    expect(donor.locator("main")).to_contain_text("What we keep, and why")
    snap(donor, JOURNEY, "erase-confirm")
    assert_accessible(donor)
    donor.get_by_role("button", name="Yes, erase my data").click()
    expect(donor.get_by_role("status")).to_contain_text("Your identity is erased from 2 gifts")
    snap(donor, JOURNEY, "erased")
    assert _subscription(portal, monthly)["status"] == "canceled"
    assert customer not in portal.sandbox.store.objects
    monthly.refresh_from_db()
    assert monthly.status == PledgeStatus.CANCELED and monthly.identity_erased_at is not None
    text, rows = _organization_view(member)
    assert sorted(r["received"] for r in rows) == ["25.00", "50.00"]  # the money stays
    assert "Kim Donor" not in text and EMAIL not in str(rows)
    donor.goto("/donations/mine/gifts/")
    expect(donor).to_have_url(re.compile(r"/donations/mine/$"))
    assert rollup_differences() == []  # the reports' running totals followed every change
