"""Delayed payment methods: a pledge is processing until Stripe says the money settled or failed, in any order."""

import pytest
from django.core import mail

from donations.models import Payment, Pledge, PledgeStatus
from tests.donations.conftest import (
    checkout_session,
    deliver,
    events_by_type,
    give,
    new_events,
    pay_on_checkout_page,
    receipts,
)

pytestmark = pytest.mark.django_db


def test_delayed_payment_that_settles(client, stripe_sandbox, giving_org, django_capture_on_commit_callbacks):
    give(client, giving_org)
    pledge = Pledge.objects.get()
    pay_on_checkout_page(pledge.stripe_checkout_url, "delayed_success")
    deliver(client, new_events(stripe_sandbox))
    pledge.refresh_from_db()
    assert pledge.status == PledgeStatus.PROCESSING and not Payment.objects.exists()
    stripe_sandbox.settle(pledge.stripe_checkout_session_id, "succeed")
    with django_capture_on_commit_callbacks(execute=True):
        deliver(client, new_events(stripe_sandbox))
    pledge.refresh_from_db()
    assert pledge.status == PledgeStatus.PAID and Payment.objects.count() == 1 and len(receipts()) == 1


def test_delayed_payment_that_fails(client, stripe_sandbox, giving_org):
    give(client, giving_org)
    pledge = Pledge.objects.get()
    pay_on_checkout_page(pledge.stripe_checkout_url, "delayed_failure")
    stripe_sandbox.settle(pledge.stripe_checkout_session_id, "fail")
    deliver(client, new_events(stripe_sandbox))
    pledge.refresh_from_db()
    assert pledge.status == PledgeStatus.FAILED and not Payment.objects.exists() and not mail.outbox


def test_async_success_before_completed_and_a_late_failure(client, stripe_sandbox, giving_org):
    give(client, giving_org)
    pledge = Pledge.objects.get()
    pay_on_checkout_page(pledge.stripe_checkout_url, "delayed_success")
    completed = events_by_type(new_events(stripe_sandbox))["checkout.session.completed"]
    stripe_sandbox.settle(pledge.stripe_checkout_session_id, "succeed")
    succeeded = events_by_type(new_events(stripe_sandbox))["checkout.session.async_payment_succeeded"]
    late_failure = {
        **succeeded,
        "id": "evt_late_failure",
        "type": "checkout.session.async_payment_failed",
    }
    deliver(client, [succeeded, completed, late_failure])
    pledge.refresh_from_db()
    assert pledge.status == PledgeStatus.PAID
    assert Payment.objects.count() == 1
    assert list(pledge.transitions.values_list("to_status", flat=True)) == ["paid"]


def test_a_bounced_bank_debit_is_in_the_history_with_the_bank_reason(client, stripe_sandbox, giving_org):
    give(client, giving_org)
    pledge = Pledge.objects.get()
    pay_on_checkout_page(pledge.stripe_checkout_url, "delayed_failure")
    stripe_sandbox.settle(pledge.stripe_checkout_session_id, "fail")
    deliver(client, new_events(stripe_sandbox))
    pledge.refresh_from_db()
    assert pledge.status == PledgeStatus.FAILED
    notes = list(pledge.transitions.values_list("note", flat=True))
    intent = checkout_session(stripe_sandbox, pledge)["payment_intent"]
    reason = f"payment failed ({intent}): payment_method_provider_decline: The bank declined the debit (test mode)."
    assert reason in notes  # written whichever came first, the bounce's reason or the failed session
