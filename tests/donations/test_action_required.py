"""3-D Secure on a monthly renewal: the donor is sent Stripe's hosted invoice page once, and the organization's
report shows the month as awaiting the donor until the donor confirms it."""

import pytest
from django.core import mail

from donations.models import ActionRequired, Outcome, Payment, Pledge, StripeEvent
from reports import selectors
from tests.donations.conftest import deliver, events_by_type, new_events, start_monthly_gift
from tests.donations.webhook_helpers import post_event

pytestmark = pytest.mark.django_db
DONOR = "dana@example.org"


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


def _active_monthly_gift(client, stripe_sandbox, org, on_commit) -> Pledge:
    pledge, first = start_monthly_gift(client, stripe_sandbox, org)
    with on_commit():
        deliver(client, list(first.values()))
    pledge.refresh_from_db()
    mail.outbox.clear()  # the receipt
    return pledge


def _awaiting(org) -> list[tuple[str, int, int]]:
    totals = selectors.report_totals(org, selectors.ReportFilters.default())
    return [(t.currency, t.awaiting_donor, t.awaiting_donor_amount) for t in totals if t.awaiting_donor]


def test_a_renewal_needing_3d_secure_emails_the_donor_the_hosted_invoice_page_once_in_korean(
    client, stripe_sandbox, giving_org_with_program, on_commit
):
    org = giving_org_with_program
    pledge = _active_monthly_gift(client, stripe_sandbox, org, on_commit)
    Pledge.objects.filter(pk=pledge.pk).update(language="ko")
    invoice = stripe_sandbox.advance(pledge.stripe_subscription_id, outcome="requires_action")
    events = new_events(stripe_sandbox)
    action_required = events_by_type(events)["invoice.payment_action_required"]
    with on_commit():
        deliver(client, events)
        deliver(client, events)  # the same deliveries again
        post_event(client, {**action_required, "id": "evt_asked_again"})  # Stripe's news repeated
    [message] = mail.outbox
    assert message.to == [DONOR]
    assert "확인" in message.subject and "₩50,000" in message.body
    assert invoice["hosted_invoice_url"] in message.body and pledge.reference in message.body
    # invoice.payment_failed came first and recorded the month (Stripe sends it too, and makes the gift past due)
    assert StripeEvent.objects.get(event_id=action_required["id"]).outcome == Outcome.ACTION_ALREADY
    assert StripeEvent.objects.get(event_id="evt_asked_again").outcome == Outcome.ACTION_ALREADY
    assert _awaiting(org) == [("KRW", 1, 50000)] and ActionRequired.objects.count() == 1
    assert pledge.transitions.filter(note__contains="awaits the donor's confirmation").count() == 1
    pledge.refresh_from_db()
    assert pledge.status == "past_due"  # as Stripe's subscription: one email all the same (the link)

    stripe_sandbox.retry_invoice(invoice["id"], "paid")  # the donor confirmed on Stripe's page
    with on_commit():
        deliver(client, new_events(stripe_sandbox))
        post_event(client, {**action_required, "id": "evt_late_after_paid"})  # a late delivery
    assert len(mail.outbox) == 2 and "영수증" in mail.outbox[-1].subject  # the month's receipt, nothing else
    assert Payment.objects.filter(stripe_id=invoice["id"]).exists()
    assert _awaiting(org) == []
    assert StripeEvent.objects.get(event_id="evt_late_after_paid").outcome == Outcome.INVOICE_PAID


def test_an_action_required_arriving_after_the_invoice_was_paid_sends_nothing(
    client, stripe_sandbox, giving_org_with_program, on_commit
):
    pledge = _active_monthly_gift(client, stripe_sandbox, giving_org_with_program, on_commit)
    invoice = stripe_sandbox.advance(pledge.stripe_subscription_id, outcome="requires_action")
    stripe_sandbox.retry_invoice(invoice["id"], "paid")
    events = new_events(stripe_sandbox)
    with on_commit():
        deliver(client, [e for e in events if e["type"] != "invoice.payment_action_required"])
        deliver(client, [e for e in events if e["type"] == "invoice.payment_action_required"])
    assert [m.subject for m in mail.outbox if "confirm" in m.subject.lower()] == []
    assert not ActionRequired.objects.exists() and _awaiting(giving_org_with_program) == []


def test_the_notice_is_not_sent_when_the_month_was_paid_before_the_task_ran(
    client, stripe_sandbox, giving_org_with_program, django_capture_on_commit_callbacks
):
    from donations.tasks import send_action_required_notice

    pledge = _active_monthly_gift(
        client, stripe_sandbox, giving_org_with_program, lambda: django_capture_on_commit_callbacks(execute=True)
    )
    invoice = stripe_sandbox.advance(pledge.stripe_subscription_id, outcome="requires_action")
    with django_capture_on_commit_callbacks(execute=False):  # the email task is queued, not yet run
        deliver(client, new_events(stripe_sandbox))
    stripe_sandbox.retry_invoice(invoice["id"], "paid")
    deliver(client, new_events(stripe_sandbox))
    mail.outbox.clear()
    assert send_action_required_notice.call(action_id=ActionRequired.objects.get().pk) is False
    assert mail.outbox == []


def test_the_report_shows_the_month_awaiting_the_donor(
    client, superuser_client, stripe_sandbox, giving_org_with_program, on_commit
):
    org = giving_org_with_program
    pledge = _active_monthly_gift(client, stripe_sandbox, org, on_commit)
    stripe_sandbox.advance(pledge.stripe_subscription_id, outcome="requires_action")
    with on_commit():
        deliver(client, new_events(stripe_sandbox))
    page = superuser_client.get(f"/reports/{org.slug}/").content.decode()
    assert "Months awaiting the donor" in page and "1 (₩50,000)" in page


def test_staff_see_the_month_awaiting_the_donor_on_the_pledge(
    client, superuser_client, stripe_sandbox, giving_org_with_program, on_commit
):
    pledge = _active_monthly_gift(client, stripe_sandbox, giving_org_with_program, on_commit)
    invoice = stripe_sandbox.advance(pledge.stripe_subscription_id, outcome="requires_action")
    with on_commit():
        deliver(client, new_events(stripe_sandbox))
    page = superuser_client.get(f"/admin/donations/pledge/{pledge.pk}/change/").content.decode()
    assert "Payments awaiting the donor" in page and invoice["id"] in page


@pytest.mark.parametrize(
    "first",
    ["customer.subscription.updated", "invoice.payment_failed", "invoice.payment_action_required"],
)
def test_a_3d_secure_month_emails_the_donor_once_whatever_event_comes_first(
    client, stripe_sandbox, giving_org_with_program, on_commit, first
):
    """Stripe's three events for a renewal awaiting 3-D Secure (payment failed, past due, action required), in any
    order and twice: one email, the link to confirm; no "payment failed" email besides."""
    pledge = _active_monthly_gift(client, stripe_sandbox, giving_org_with_program, on_commit)
    invoice = stripe_sandbox.advance(pledge.stripe_subscription_id, outcome="requires_action")
    events = new_events(stripe_sandbox)
    ordered = [e for e in events if e["type"] == first] + [e for e in events if e["type"] != first]
    with on_commit():
        deliver(client, ordered)
        deliver(client, ordered[::-1])
    [message] = mail.outbox
    assert invoice["hosted_invoice_url"] in message.body
    pledge.refresh_from_db()
    assert pledge.status == "past_due" and ActionRequired.objects.get().stripe_invoice_id == invoice["id"]

    stripe_sandbox.retry_invoice(invoice["id"], "paid")  # the donor confirmed
    with on_commit():
        deliver(client, new_events(stripe_sandbox))
    pledge.refresh_from_db()
    assert pledge.status == "active" and _awaiting(giving_org_with_program) == []


def test_a_declined_renewal_still_emails_payment_failed(client, stripe_sandbox, giving_org_with_program, on_commit):
    pledge = _active_monthly_gift(client, stripe_sandbox, giving_org_with_program, on_commit)
    stripe_sandbox.advance(pledge.stripe_subscription_id, outcome="failed")
    with on_commit():
        deliver(client, new_events(stripe_sandbox))
    [message] = mail.outbox
    assert "hosted" not in message.body and not ActionRequired.objects.exists()
    pledge.refresh_from_db()
    assert pledge.status == "past_due"
