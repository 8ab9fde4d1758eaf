"""Every status move records who brought the news: reconciliation, the webhook, the return page, staff."""

from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.management import call_command
from django.utils import timezone

from donations.models import Payment, Pledge, PledgeStatus
from tests.donations.conftest import deliver, give_data, new_events, pay_on_checkout_page

pytestmark = pytest.mark.django_db


def _reconcile() -> str:
    out = StringIO()
    call_command("reconcile_stripe", pending_minutes=10, event_hours=1, stdout=out)
    return out.getvalue()


def _sources(pledge: Pledge) -> list[tuple[str, str]]:
    return list(pledge.transitions.values_list("to_status", "source"))


def _paid_then_refunded_at_stripe(client, stripe_sandbox, org) -> Pledge:
    """A single gift paid two hours ago (its events are outside the replay window) and refunded now,
    with no webhook reaching the portal: only the refund's events are recent."""
    client.post(f"/donations/give/{org.slug}/", give_data())
    pledge = Pledge.objects.get()
    pay_on_checkout_page(pledge.stripe_checkout_url)
    with stripe_sandbox.store.lock:
        for event in stripe_sandbox.store.events:
            event["created"] -= 2 * 3600
    session = stripe_sandbox.store.get("checkout.session", pledge.stripe_checkout_session_id)
    stripe_sandbox.dashboard_refund(
        stripe_sandbox.store.get("payment_intent", session["payment_intent"])["latest_charge"]
    )
    return pledge


def test_reconciliation_records_reconcile_on_a_payment_learnt_from_a_refund(client, stripe_sandbox, giving_org):
    pledge = _paid_then_refunded_at_stripe(client, stripe_sandbox, giving_org)
    _reconcile()
    pledge.refresh_from_db()
    assert pledge.status == PledgeStatus.REFUNDED and Payment.objects.filter(pledge=pledge).count() == 1
    assert _sources(pledge) == [("paid", "reconcile"), ("refunded", "reconcile")]


def test_webhook_records_webhook_on_a_payment_learnt_from_a_refund(client, stripe_sandbox, giving_org):
    pledge = _paid_then_refunded_at_stripe(client, stripe_sandbox, giving_org)
    refunded = [e for e in new_events(stripe_sandbox) if e["type"] == "charge.refunded"]
    deliver(client, refunded)
    pledge.refresh_from_db()
    assert _sources(pledge) == [("paid", "webhook"), ("refunded", "webhook")]


def test_reconciliation_records_reconcile_on_sessions_and_invoices(
    client, stripe_sandbox, giving_org, giving_org_with_program
):
    client.post(f"/donations/give/{giving_org.slug}/", give_data())
    client.post(
        f"/donations/give/{giving_org_with_program.slug}/",
        give_data(submission_key="c" * 32, frequency="monthly", currency="KRW", amount_choice="50000"),
    )
    once, monthly = (
        Pledge.objects.get(organization=giving_org),
        Pledge.objects.get(organization=giving_org_with_program),
    )
    pay_on_checkout_page(once.stripe_checkout_url)
    pay_on_checkout_page(monthly.stripe_checkout_url)
    subscription = stripe_sandbox.store.get("checkout.session", monthly.stripe_checkout_session_id)["subscription"]
    stripe_sandbox.advance(subscription, outcome="failed")
    Pledge.objects.update(created_at=timezone.now() - timedelta(hours=1))
    _reconcile()
    assert _sources(once) == [("paid", "reconcile")]
    # active, then past due as the subscription is now (the completion's news re-fetches it), then the decline's
    # reason written as a note on the history
    assert _sources(monthly) == [("active", "reconcile"), ("past_due", "reconcile"), ("past_due", "reconcile")]


def test_return_page_records_return_page(client, stripe_sandbox, giving_org):
    client.post(f"/donations/give/{giving_org.slug}/", give_data())
    pledge = Pledge.objects.get()
    _, location, _ = pay_on_checkout_page(pledge.stripe_checkout_url)
    client.get(location.replace("http://testserver", ""))
    assert _sources(pledge) == [("paid", "return_page")]


def test_staff_refund_in_the_admin_records_staff(client, superuser_client, stripe_sandbox, giving_org):
    client.post(f"/donations/give/{giving_org.slug}/", give_data())
    pledge = Pledge.objects.get()
    pay_on_checkout_page(pledge.stripe_checkout_url)
    deliver(client, new_events(stripe_sandbox))
    payment = Payment.objects.get()
    form = {"action": "refund", ACTION_CHECKBOX_NAME: [payment.pk]}
    confirm = superuser_client.post("/admin/donations/payment/", form)
    key = confirm.context["form"]["request_key"].value()
    superuser_client.post(
        "/admin/donations/payment/",
        {**form, "apply": "1", "amount": "25", "reason": "The donor asked", "request_key": key},
    )
    assert _sources(pledge) == [("paid", "webhook"), ("refunded", "staff")]
