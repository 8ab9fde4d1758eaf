"""A program's page: its goals per currency with the portal's own progress (refunds and lost disputes out), the
Give form set to the program, approved unit-cost statements beside the nearest suggested amount."""

import datetime

import pytest
from django.utils import timezone

from donations.models import Dispute
from donations.selectors import program_progress, program_received
from orgs.models import ProgramGoal, UnitCost
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def program():
    org = factories.giving_organization(name="Crossing Borders", slug="crossing-borders")
    return factories.program(organization=org, name="Orphan Care", slug="orphan-care", description="Care for kids.")


def _paid(program, amount, currency="USD", **fields):
    pledge = factories.pledge(
        organization=program.organization, program=program, gift_amount=amount, currency=currency, **fields
    )
    return factories.payment(pledge=pledge)


def test_progress_counts_each_currency_apart_with_refunds_and_lost_disputes_out(program):
    ProgramGoal.objects.create(program=program, currency="USD", amount=100_00)
    ProgramGoal.objects.create(program=program, currency="KRW", amount=1_000_000)
    _paid(program, 30_00)
    partly_refunded = _paid(program, 20_00)
    factories.refund(payment=partly_refunded, amount=5_00)
    fully_refunded = _paid(program, 10_00)
    factories.refund(payment=fully_refunded, amount=10_00)
    factories.refund(payment=_paid(program, 7_00), amount=7_00, status="failed")  # a failed refund: still received
    lost = _paid(program, 40_00)
    factories.dispute(payment=lost, status=Dispute.Status.LOST)
    open_dispute = _paid(program, 8_00)
    factories.dispute(payment=open_dispute, status=Dispute.Status.NEEDS_RESPONSE)  # in question, not gone
    won = _paid(program, 2_00)
    factories.dispute(payment=won, status=Dispute.Status.WON)
    _paid(program, 50_000, currency="KRW")
    other = factories.program(organization=program.organization)
    _paid(other, 99_00)  # another program's gift
    factories.payment(pledge=factories.pledge(organization=program.organization, gift_amount=99_00))  # no program

    assert program_received(program=program) == {"USD": (30_00 + 15_00 + 7_00 + 8_00 + 2_00, 5), "KRW": (50_000, 1)}
    rows = {row.currency: row for row in program_progress(program=program)}
    assert rows["USD"].received == 62_00 and rows["USD"].gifts == 5 and rows["USD"].percent == 62
    assert rows["KRW"].received == 50_000 and rows["KRW"].percent == 5
    assert rows["KRW"].received_display == "₩50,000" and rows["USD"].goal_display == "US$100.00"


def test_a_refund_and_a_lost_dispute_on_one_payment_never_count_below_zero(program):
    ProgramGoal.objects.create(program=program, currency="USD", amount=10_00)
    payment = _paid(program, 10_00)
    factories.refund(payment=payment, amount=6_00)
    factories.dispute(payment=payment, amount=10_00, status=Dispute.Status.LOST)
    _paid(program, 25_00)
    [row] = program_progress(program=program)
    assert (row.received, row.gifts, row.percent) == (25_00, 1, 100)  # beyond the goal: the bar stops at 100


def test_no_goal_no_progress_and_no_query(program, django_assert_num_queries):
    program = type(program).objects.prefetch_related("goals").get(pk=program.pk)
    with django_assert_num_queries(0):
        assert program_progress(program=program) == []


def test_program_page_shows_goal_progress_and_form_set_to_it(client, program):
    ProgramGoal.objects.create(program=program, currency="USD", amount=100_00)
    _paid(program, 25_00)
    response = client.get("/organizations/crossing-borders/programs/orphan-care/")
    assert response.status_code == 200
    text = response.text
    assert "Care for kids." in text
    assert "US$25.00" in text and "US$100.00" in text and "from 1 gift" in text
    assert f'<option value="{program.pk}" selected>Orphan Care</option>' in text
    assert program.get_absolute_url() == "/organizations/crossing-borders/programs/orphan-care/"


def test_program_page_of_unknown_inactive_or_unpublished_is_404(client, program):
    assert client.get("/organizations/crossing-borders/programs/nope/").status_code == 404
    hidden = factories.program(organization=program.organization, slug="old", active=False)
    assert client.get(hidden.get_absolute_url()).status_code == 404
    unpublished = factories.organization(slug="draft", published=False)
    draft_program = factories.program(organization=unpublished, slug="p")
    assert client.get(draft_program.get_absolute_url()).status_code == 404


def test_progress_moves_on_the_next_request_after_a_payment(client, program):
    """The page is cached for anonymous visitors; a payment makes it stale."""
    ProgramGoal.objects.create(program=program, currency="USD", amount=100_00)
    url = program.get_absolute_url()
    assert "from 0 gifts" in client.get(url).text
    payment = _paid(program, 40_00)
    assert "US$40.00" in client.get(url).text
    factories.refund(payment=payment, amount=40_00)
    assert "from 0 gifts" in client.get(url).text


def test_goal_edited_in_admin_shows_on_the_next_request(client, superuser_client, program):
    goal = ProgramGoal.objects.create(program=program, currency="USD", amount=100_00)
    url = program.get_absolute_url()
    assert "US$100.00" in client.get(url).text
    data = {
        "organization": program.organization.pk,
        "name": program.name,
        "slug": program.slug,
        "active": "on",
        "goals-TOTAL_FORMS": "1",
        "goals-INITIAL_FORMS": "1",
        "goals-MIN_NUM_FORMS": "0",
        "goals-MAX_NUM_FORMS": "1000",
        "goals-0-id": goal.pk,
        "goals-0-program": program.pk,
        "goals-0-currency": "USD",
        "goals-0-amount": "500000",
    }
    response = superuser_client.post(f"/admin/orgs/program/{program.pk}/change/", data)
    assert response.status_code == 302, response.text[:2000]
    assert "US$5,000.00" in client.get(url).text


def _statement(program, **fields):
    fields.setdefault("currency", "KRW")
    fields.setdefault("amount", 50_000)
    fields.setdefault("statement", "feeds a family for a month")
    fields.setdefault("source", factories.source(title="Annual report 2024", url="https://example.org/report"))
    fields.setdefault("stated_on", datetime.date(2024, 5, 1))
    return UnitCost.objects.create(organization=program.organization, **fields)


def test_an_unapproved_statement_never_shows(client, program):
    _statement(program)
    assert "feeds a family" not in client.get(program.get_absolute_url() + "?currency=KRW").text


def test_an_approved_statement_shows_beside_the_nearest_suggested_amount_with_its_source(
    client, superuser_client, program
):
    statement = _statement(program, amount=45_000)  # KRW suggests ₩10,000, ₩30,000, ₩50,000, ₩100,000
    url = program.get_absolute_url() + "?currency=KRW"
    assert "feeds a family" not in client.get(url).text
    response = superuser_client.post("/admin/orgs/unitcost/", {"action": "approve", "_selected_action": [statement.pk]})
    assert response.status_code == 302
    statement.refresh_from_db()
    assert statement.approved_at is not None
    text = client.get(url).text  # the approval bumped the page cache
    assert "₩50,000 (Crossing Borders says: ₩45,000: “feeds a family for a month”)" in text
    assert "₩30,000 (" not in text and "₩100,000 (" not in text
    assert 'href="https://example.org/report"' in text and "Annual report 2024" in text
    assert "the portal does not" in text  # the portal never claims the outcome itself
    assert "feeds a family" not in client.get(program.get_absolute_url() + "?currency=USD").text  # other currency


def test_staff_approval_needs_a_staff_member(program):
    from django.core.exceptions import ValidationError

    from orgs.services import unit_cost_approve

    _statement(program)
    with pytest.raises(ValidationError):
        unit_cost_approve(unit_costs=UnitCost.objects.all(), by=factories.user())
    assert unit_cost_approve(unit_costs=UnitCost.objects.all(), by=factories.staff()) == 1
    assert UnitCost.objects.approved().get().approved_at <= timezone.now()


def test_a_failed_refund_reported_by_stripe_puts_the_gift_back_on_the_next_request(client, program):
    """Stripe's refund.updated changes a refund's status with a queryset update (no signal): the page cache is
    made stale all the same."""
    from donations import stripe_gateway as gateway
    from donations.services.fulfilment import refund_updated

    ProgramGoal.objects.create(program=program, currency="USD", amount=100_00)
    payment = _paid(program, 30_00)
    pending = factories.refund(payment=payment, amount=30_00, status="pending")
    url = program.get_absolute_url()
    assert "from 0 gifts" in client.get(url).text  # cached with the pending refund counted
    refund_updated(
        refund=gateway.Refund(
            id=pending.stripe_refund_id,
            payment_intent_id=payment.stripe_payment_intent_id,
            amount=30_00,
            currency="USD",
            status="failed",
            created=None,
        ),
        source="webhook",
    )
    pending.refresh_from_db()
    assert pending.status == "failed"
    assert "US$30.00</strong> received toward US$100.00 from 1 gift" in client.get(url).text


def test_an_edited_statement_needs_approval_again(client, superuser_client, program):
    statement = _statement(program, approved_at=timezone.now())
    url = program.get_absolute_url() + "?currency=KRW"
    assert "feeds a family" in client.get(url).text
    data = {
        "organization": program.organization.pk,
        "program": "",
        "currency": "KRW",
        "amount": "50000",
        "statement": "feeds two families for a month",
        "statement_ko": "",
        "source": statement.source.pk,
        "stated_on": "2024-05-01",
    }
    response = superuser_client.post(f"/admin/orgs/unitcost/{statement.pk}/change/", data)
    assert response.status_code == 302
    statement.refresh_from_db()
    assert statement.approved_at is None
    assert "feeds two families" not in client.get(url).text and "feeds a family" not in client.get(url).text
