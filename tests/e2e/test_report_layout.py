"""The report on a phone (375 px): no blank band above the totals, and every gift's donor on screen (rows stack)."""

import pytest
from playwright.sync_api import expect

from orgs.models import Organization
from tests import factories
from tests.e2e.browsing import DESKTOP, PHONE, sign_in, snap
from tests.e2e.test_accessibility import assert_accessible

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# Where each element of interest is, in CSS pixels of the page.
_LAYOUT_JS = """() => {
  const box = (el) => { const r = el.getBoundingClientRect(); return {top: r.top + scrollY, bottom: r.bottom + scrollY,
    left: r.left, right: r.right, width: r.width, height: r.height}; };
  const totals = document.querySelector("section[aria-labelledby='totals-heading']");
  const latest = document.querySelector("section[aria-labelledby='latest-heading']");
  return {
    heading: box(totals.querySelector('h2')),
    firstTotal: box(totals.querySelector('tbody tr')),
    donors: [...latest.querySelectorAll('tbody tr')].map((row) => box(row.lastElementChild)),
    donorTexts: [...latest.querySelectorAll('tbody tr')].map((row) => row.lastElementChild.innerText),
    cutOff: [...document.querySelectorAll('.table-stack tbody *')]
      .filter((el) => el.getBoundingClientRect().right > innerWidth + 1 || el.scrollWidth > el.clientWidth + 1)
      .map((el) => el.tagName.toLowerCase() + '.' + el.className + ': ' + el.innerText),
    donorLabel: getComputedStyle(latest.querySelector('tbody tr td:last-child'), '::before').content,
    netLabel: getComputedStyle(totals.querySelectorAll('tbody tr td')[2], '::before').content,
  };
}"""


def _gifts(organization) -> None:
    named = factories.pledge(
        organization=organization,
        status="paid",
        share_identity=True,
        donor_name="Nari Named-Longname",
        donor_email="nari.named.longname@example.org",
        dedication="In memory of my grandmother, who crossed the river in 1998",
    )
    factories.refund(payment=factories.payment(pledge=named), amount=1000)
    monthly = factories.pledge(
        organization=organization, status="active", frequency="monthly", currency="KRW", gift_amount=50000
    )
    factories.payment(pledge=monthly)
    factories.payment(pledge=factories.pledge(organization=organization, status="paid", fee_amount=105))


def test_report_is_readable_on_a_phone(page, portal):
    journey = "report-phone"
    organization = Organization.objects.get(slug="helping-hands-korea")
    _gifts(organization)
    factories.member(organization=organization, username="hhk-member")
    sign_in(page, "hhk-member")

    page.set_viewport_size(PHONE)
    page.goto("/reports/helping-hands-korea/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Helping Hands Korea")
    layout = page.evaluate(_LAYOUT_JS)
    gap = layout["firstTotal"]["top"] - layout["heading"]["bottom"]
    assert gap < 40, f"a blank band of {gap:.0f} px between the Totals heading and the first figures"
    assert len(layout["donors"]) == 3
    for donor, text in zip(layout["donors"], layout["donorTexts"], strict=True):
        assert donor["width"] > 0 and donor["left"] >= 0 and donor["right"] <= PHONE["width"], (text, donor)
    assert not layout["cutOff"], f"cut off or off-screen at 375 px: {layout['cutOff']}"
    assert any("nari.named.longname@example.org" in text for text in layout["donorTexts"])
    assert_accessible(page)  # axe-core, on the stacked tables
    # Each stacked figure says what it is, as the column header does on a wide screen.
    assert (layout["donorLabel"], layout["netLabel"]) == ('"Donor"', '"Net"')

    page.set_viewport_size(DESKTOP)
    wide = page.evaluate(_LAYOUT_JS)
    assert wide["firstTotal"]["top"] - wide["heading"]["bottom"] < 80
    assert all(donor["right"] <= DESKTOP["width"] for donor in wide["donors"])
    assert wide["donorLabel"] == "none"  # a wide screen has the header row instead
    snap(page, journey, "report")
