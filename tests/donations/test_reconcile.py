"""reconcile_stripe: a webhook endpoint that was down; the records catch up, and a second run changes nothing."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from donations.models import Payment, Pledge, PledgeStatus, StripeEvent
from tests.donations.conftest import give_data, pay_on_checkout_page

pytestmark = pytest.mark.django_db


def _reconcile() -> str:
    out = StringIO()
    call_command("reconcile_stripe", pending_minutes=10, event_hours=1, stdout=out)
    return out.getvalue()


def _snapshot():
    return (
        list(Pledge.objects.values_list("reference", "status")),
        list(Payment.objects.values_list("stripe_id", "amount")),
        StripeEvent.objects.count(),
    )


def test_missed_webhooks_are_caught_up_once(
    client, stripe_sandbox, giving_org, giving_org_with_program, django_capture_on_commit_callbacks
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
    pay_on_checkout_page(once.stripe_checkout_url)  # no webhook URL: nothing reaches the portal
    pay_on_checkout_page(monthly.stripe_checkout_url)
    stripe_sandbox.advance(
        stripe_sandbox.store.get("checkout.session", monthly.stripe_checkout_session_id)["subscription"]
    )
    Pledge.objects.update(created_at=timezone.now() - timedelta(hours=1))

    with django_capture_on_commit_callbacks(execute=True):
        output = _reconcile()
    once.refresh_from_db()
    monthly.refresh_from_db()
    assert once.status == PledgeStatus.PAID and monthly.status == PledgeStatus.ACTIVE
    assert Payment.objects.filter(pledge=once).count() == 1
    assert Payment.objects.filter(pledge=monthly).count() == 2  # the first month and the second
    assert StripeEvent.objects.count() == len(stripe_sandbox.events())
    assert "event(s) were new" in output

    before = _snapshot()
    second = _reconcile()
    assert _snapshot() == before
    assert "0 of" in second


def test_recent_pending_pledges_are_left_alone(client, stripe_sandbox, giving_org):
    client.post(f"/donations/give/{giving_org.slug}/", give_data())
    output = _reconcile()
    assert "Checked 0 session(s)" in output
    assert Pledge.objects.get().status == PledgeStatus.PENDING


@pytest.mark.slow  # waits out the SDK's real retry back-off
def test_reconcile_reports_stripe_unreachable(client, stripe_sandbox, giving_org):
    from django.core.management import CommandError

    stripe_sandbox.set_fault("error", count=10)
    with pytest.raises(CommandError, match="could not be reached"):
        _reconcile()
