"""A donor who does not know the portal finds LiNK by its acronym and by words of its name, opens a program, sees
its goal and what an amount does (the organization's approved statement), gives to it, and sees the goal move."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from donations.models import Payment
from orgs.models import Program, ProgramGoal, UnitCost
from tests import factories
from tests.e2e.browsing import fill_give_form, review, snap, to_checkout, wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

JOURNEY = "trust-program-goal"
STATEMENT = "covers one test journey's costs"  # test data, as staff would enter and approve it in the admin


def program_with_goal_and_statement() -> Program:
    """What staff set in the admin: a USD goal for LiNK's rescue program and an approved unit-cost statement."""
    program = Program.objects.get(organization__slug="liberty-in-north-korea", slug="rescue")
    ProgramGoal.objects.create(program=program, currency="USD", amount=1_000_00)
    UnitCost.objects.create(
        organization=program.organization,
        program=program,
        currency="USD",
        amount=45_00,
        statement=STATEMENT,
        source=factories.source(title="Test annual report", url="https://example.org/test-report"),
        stated_on=datetime.date(2025, 3, 1),
        approved_at=timezone.now(),
        approved_by=factories.staff(),
    )
    return program


def search(page, words: str) -> None:
    page.get_by_role("searchbox", name="Search").fill(words)
    page.get_by_role("button", name="Search").click()
    expect(page).to_have_url(re.compile(r"[?&]q="))


def test_donor_finds_link_gives_to_a_program_and_its_goal_moves(new_page, portal):
    program = program_with_goal_and_statement()
    page = new_page()
    page.goto("/")
    expect(page.locator("article.org-card").filter(has_text="Helping Hands Korea")).to_contain_text("Takes gifts here")
    expect(page.locator("article.org-card").filter(has_text="Human Rights Watch")).to_contain_text(
        "does not take gifts here"
    )

    search(page, "LiNK")
    cards = page.locator("article.org-card h2")
    expect(cards).to_have_text(["Liberty in North Korea"])
    snap(page, JOURNEY, "search-acronym")

    search(page, "liberty korea")
    expect(cards.first).to_have_text("Liberty in North Korea")
    snap(page, JOURNEY, "search-words")

    page.get_by_role("link", name="Liberty in North Korea").click()
    page.locator("#programs-heading + ul").get_by_role("link", name="Rescue along escape routes").click()
    expect(page).to_have_url(re.compile(r"/organizations/liberty-in-north-korea/programs/rescue/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Rescue along escape routes")
    goal = page.locator(".goal")
    expect(goal).to_contain_text("US$0.00 received toward US$1,000.00 from 0 gifts")
    give_box = page.locator("#give")
    expect(give_box.get_by_label(re.compile("Use my gift for"))).to_have_value(str(program.pk))
    amount = f"US$50.00 (Liberty in North Korea says: US$45.00: “{STATEMENT}”)"
    expect(give_box.get_by_role("radio", name=amount, exact=True)).to_be_visible()
    expect(give_box).to_contain_text("Test annual report")
    snap(page, JOURNEY, "program")

    fill_give_form(page, amount=amount, name="Lee Ji-won", email="jiwon@example.org")
    review(page)
    expect(page.locator("main")).to_contain_text("Rescue along escape routes")
    to_checkout(page, portal.sandbox.url)
    page.get_by_role("button", name="Pay with test card 4242").click()
    expect(page.locator("main")).to_contain_text("is received")
    expect(page.get_by_role("link", name=re.compile("Give US\\$50.00 every month"))).to_be_visible()
    snap(page, JOURNEY, "thanks")
    wait_for(lambda: Payment.objects.filter(pledge__program=program).exists(), "the payment")

    visitor = new_page()  # someone else, anonymous: the page comes from the page cache when it is fresh
    visitor.goto(program.get_absolute_url())
    expect(visitor.locator(".goal")).to_contain_text("US$50.00 received toward US$1,000.00 from 1 gift")

    page.get_by_role("link", name=re.compile("Give US\\$50.00 every month")).click()
    expect(page.locator("#give").get_by_role("radio", name="monthly", exact=True)).to_be_checked()
    expect(page.locator("#give").get_by_role("radio", name=amount, exact=True)).to_be_checked()


def test_new_pages_at_both_widths(new_page, portal):
    program_with_goal_and_statement()
    page = new_page()
    page.goto("/?gifts=1&sort=updated")
    expect(page.locator("article.org-card").first).to_contain_text("Takes gifts here")
    snap(page, JOURNEY, "directory-takes-gifts")
    page.goto("/organizations/refugees-welcome/")
    expect(page.locator("main")).to_contain_text("Johanna Tvedt (board member)")
    snap(page, JOURNEY, "profile-evidence")
    page.goto("/situation/")
    expect(page.locator("svg.chart .series")).to_have_count(2)
    snap(page, JOURNEY, "situation")
