"""axe-core in Chromium on the public pages, the give form (with its errors), the return pages, sign-in and reports:
no serious or critical violation of a WCAG 2.1 A or AA rule."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from orgs.models import Organization
from tests import factories
from tests.e2e.browsing import fill_give_form, give, label, review, sign_in, to_checkout

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": WCAG_21_AA}, "resultTypes": ["violations"]}
BLOCKING = ("serious", "critical")


def serious_violations(page) -> list[dict]:
    results = Axe().run(page, options=AXE_OPTIONS)
    return [v for v in results.response["violations"] if v["impact"] in BLOCKING]


def describe(url: str, violations: list[dict]) -> str:
    lines = [f"{len(violations)} serious or critical WCAG 2.1 A/AA violation(s) on {url}:"]
    for v in violations:
        lines.append(f"- {v['id']} ({v['impact']}): {v['help']} <{v['helpUrl']}>")
        for node in v["nodes"][:5]:
            lines.append(f"    at {', '.join(map(str, node['target']))}: {node['html'][:200]}")
            if node.get("failureSummary"):
                lines.append("      " + node["failureSummary"].replace("\n", "\n      "))
        if len(v["nodes"]) > 5:
            lines.append(f"    ... and {len(v['nodes']) - 5} more element(s)")
    return "\n".join(lines)


def assert_accessible(page) -> None:
    violations = serious_violations(page)
    assert not violations, describe(page.url, violations)


def _member(slug: str) -> str:
    """A member of the organization, with gifts in its report (named, anonymous, monthly, refunded)."""
    organization = Organization.objects.get(slug=slug)
    program = organization.programs.first()
    named = factories.pledge(organization=organization, status="paid", share_identity=True, donor_name="Nari Named")
    factories.payment(pledge=named)
    monthly = factories.pledge(
        organization=organization,
        status="active",
        frequency="monthly",
        program=program,
        currency="KRW",
        gift_amount=50000,
    )
    factories.payment(pledge=monthly, amount=50000, currency="KRW")
    refunded = factories.pledge(organization=organization, status="refunded")
    factories.refund(payment=factories.payment(pledge=refunded))
    factories.pledge(organization=organization, status="pending")
    factories.member(organization=organization, username="member")
    return "member"


def open_directory(page, portal):
    page.goto("/")


def open_profile(page, portal):
    page.goto("/organizations/helping-hands-korea/")
    expect(page.get_by_role("button", name="Review your gift")).to_be_visible()


def open_give_form_errors(page, portal):
    page.goto("/organizations/helping-hands-korea/")
    page.get_by_role("button", name="Review your gift").click()
    expect(page.locator("#give-errors")).to_have_attribute("role", "alert")
    # Each error is tied to its field: aria-invalid, and aria-describedby naming the error's text.
    for name in ("Your name", "Your email"):
        field = page.get_by_label(label(name))
        expect(field).to_have_attribute("aria-invalid", "true")
        described = field.get_attribute("aria-describedby").split()
        errors = [page.locator(f"#{id_}").inner_text() for id_ in described]
        assert any("This field is required." in text for text in errors), (name, errors)


def open_review(page, portal):
    page.goto("/organizations/helping-hands-korea/")
    fill_give_form(page, name="Rho Review", email="rho@example.org", share=True, dedication="For all", cover_fee=True)
    review(page)


def open_thanks(page, portal):
    give(page, portal.sandbox.url, "helping-hands-korea", name="Tae Thanks", email="tae@example.org")


def open_cancelled(page, portal):
    page.goto("/organizations/helping-hands-korea/")
    fill_give_form(page, name="Chae Cancel", email="chae@example.org")
    review(page)
    to_checkout(page, portal.sandbox.url)
    page.get_by_role("link", name="Cancel and go back").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Nothing was charged")


def open_program(page, portal):
    from tests.e2e.test_trust_journey import program_with_goal_and_statement

    page.goto(program_with_goal_and_statement().get_absolute_url())
    expect(page.locator(".goal")).to_be_visible()


def open_search(page, portal):
    page.goto("/?q=LiNK&gifts=1")


def open_situation(page, portal):
    page.goto("/situation/")


def open_sign_in(page, portal):
    page.goto("/accounts/login/")


def open_reports_index(page, portal):
    sign_in(page, _member("helping-hands-korea"))
    page.goto("/reports/")


def open_report(page, portal):
    sign_in(page, _member("helping-hands-korea"))
    page.goto("/reports/helping-hands-korea/")
    expect(page.locator("svg.chart").first).to_be_visible()


PAGES = {
    "directory": open_directory,
    "profile-with-give-form": open_profile,
    "give-form-errors": open_give_form_errors,
    "review": open_review,
    "thanks": open_thanks,
    "cancelled": open_cancelled,
    "situation": open_situation,
    "program": open_program,
    "search": open_search,
    "sign-in": open_sign_in,
    "reports-index": open_reports_index,
    "report": open_report,
}


@pytest.mark.parametrize("name", PAGES)
def test_no_serious_wcag_violations(page, portal, name):
    PAGES[name](page, portal)
    assert_accessible(page)
