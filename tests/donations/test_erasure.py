"""Forgetting donors: the retention rule (dry run and run, in batches), "Erase my data" (monthly gifts stopped
first, the Stripe customer deleted, every pledge erased but those in an open dispute or under a legal hold), and
what stays: amounts, dates, references. An erased pledge cannot be un-erased."""

import re
from datetime import timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from donations.models import Dispute, Payment, Pledge, PledgeStatus, PledgeTransition, StripeEvent, UpdateEmail
from donations.services import erasure
from donations.services.rollups import rollup_differences
from tests import factories
from tests.donations.conftest import deliver, new_events, start_monthly_gift

pytestmark = pytest.mark.django_db
LINK = re.compile(r"http://[^\s]+/donations/mine/open/([^/\s]+)/")
MONEY_FIELDS = ("gift_amount", "fee_amount", "amount", "currency", "created_at", "organization_id", "program_id")


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


def _money(pledge: Pledge) -> tuple:
    pledge.refresh_from_db()
    payments = list(Payment.objects.filter(pledge=pledge).values_list("amount", "currency", "paid_at", "stripe_id"))
    return tuple(getattr(pledge, f) for f in MONEY_FIELDS) + (pledge.reference, tuple(payments))


def _paid(org, days_ago: int, **fields) -> Pledge:
    fields.setdefault("stripe_customer_id", "")  # a customer id makes "Erase my data" ask Stripe to delete it
    pledge = factories.pledge(organization=org, status=PledgeStatus.PAID, dedication="For Grandma", **fields)
    factories.payment(pledge=pledge, paid_at=timezone.now() - timedelta(days=days_ago))
    return pledge


def _erased(pledge: Pledge) -> bool:
    pledge.refresh_from_db()
    return pledge.identity_erased_at is not None and (
        pledge.donor_name,
        pledge.donor_email,
        pledge.dedication,
        pledge.stripe_customer_id,
        pledge.share_identity,
    ) == ("", "", "", "", False)


def test_retention_dry_run_prints_and_changes_nothing_then_the_run_erases(org_a, settings):
    settings.DONOR_DATA_RETENTION_DAYS = 365
    old = _paid(org_a, days_ago=400, share_identity=True, stripe_customer_id="cus_1")
    recent = _paid(org_a, days_ago=100)
    abandoned = factories.pledge(organization=org_a, status=PledgeStatus.ABANDONED)
    expired = factories.pledge(organization=org_a, status=PledgeStatus.EXPIRED)
    fresh_abandoned = factories.pledge(organization=org_a, status=PledgeStatus.ABANDONED)
    month_ago = timezone.now() - timedelta(days=31)
    Pledge.objects.filter(pk__in=[abandoned.pk, expired.pk]).update(updated_at=month_ago)
    money = _money(old)

    out = StringIO()
    call_command("erase_donor_data", "--dry-run", stdout=out)
    printed = out.getvalue()
    assert f"would erase pledge {old.reference} (last payment" in printed
    assert f"would erase pledge {abandoned.reference} (never paid)" in printed
    assert expired.reference in printed
    assert recent.reference not in printed and fresh_abandoned.reference not in printed
    assert "dana@example.org" not in printed and "Dana Donor" not in printed  # references only
    assert "3 pledge(s) would erase" in printed
    assert not Pledge.objects.filter(identity_erased_at__isnull=False).exists()

    out = StringIO()
    call_command("erase_donor_data", "--batch-size", "1", stdout=out)  # batches of one still reach every pledge
    assert "3 pledge(s) erased" in out.getvalue()
    assert _erased(old) and _erased(abandoned) and _erased(expired)
    assert not _erased(recent) and not _erased(fresh_abandoned)
    assert _money(old) == money  # erasure never touches amounts
    assert rollup_differences() == []
    note = old.transitions.get(source=PledgeTransition.Source.RETENTION)
    assert note.note.startswith("donor identity erased (last payment")
    out = StringIO()
    call_command("erase_donor_data", stdout=out)  # twice: nothing more
    assert "0 pledge(s) erased" in out.getvalue()


def test_retention_keeps_running_monthly_gifts_disputes_and_legal_holds(org_a, settings):
    settings.DONOR_DATA_RETENTION_DAYS = 365
    running = _paid(org_a, days_ago=400, frequency="monthly")
    Pledge.objects.filter(pk=running.pk).update(status=PledgeStatus.ACTIVE)
    held = _paid(org_a, days_ago=400)
    Pledge.objects.filter(pk=held.pk).update(legal_hold=True)
    disputed = _paid(org_a, days_ago=400)
    dispute = Dispute.objects.create(
        payment=disputed.payments.get(),
        organization=org_a,
        stripe_dispute_id="dp_1",
        amount=2500,
        currency="USD",
        status="needs_response",
    )
    call_command("erase_donor_data", stdout=StringIO())
    assert not _erased(running) and not _erased(held) and not _erased(disputed)
    Dispute.objects.filter(pk=dispute.pk).update(status="won")  # the dispute closes: erased on the next run
    call_command("erase_donor_data", stdout=StringIO())
    assert _erased(disputed) and not _erased(held)


def test_a_dispute_blocks_erasure_until_it_closes(org_a):
    pledge = _paid(org_a, days_ago=1)
    dispute = Dispute.objects.create(
        payment=pledge.payments.get(),
        organization=org_a,
        stripe_dispute_id="dp_2",
        amount=2500,
        currency="USD",
        status="under_review",
    )
    with pytest.raises(erasure.Blocked):
        erasure.pledge_erase_identity(pledge=pledge, source="donor", why="test")
    result = erasure.donor_erase(email="dana@example.org")
    assert result.erased == [] and [(p.pk, why) for p, why in result.kept] == [(pledge.pk, "dispute")]
    assert not _erased(pledge)
    Dispute.objects.filter(pk=dispute.pk).update(status="lost")
    result = erasure.donor_erase(email="dana@example.org")
    assert result.erased == [pledge.reference] and _erased(pledge)


def test_an_erased_pledge_cannot_be_un_erased(org_a, superuser_client):
    pledge = _paid(org_a, days_ago=1)
    erasure.pledge_erase_identity(pledge=pledge, source="donor", why="test")
    erased_at = Pledge.objects.get(pk=pledge.pk).identity_erased_at
    assert erasure.pledge_erase_identity(pledge=pledge, source="donor", why="again") is False
    assert Pledge.objects.get(pk=pledge.pk).identity_erased_at == erased_at
    # staff see whether and when; the admin has no way to write the identity back
    listing = superuser_client.get("/admin/donations/pledge/?identity=erased").content.decode()
    assert pledge.reference in listing
    page = superuser_client.get(f"/admin/donations/pledge/{pledge.pk}/change/").content.decode()
    assert "identity erased at" in page.lower()
    response = superuser_client.post(
        f"/admin/donations/pledge/{pledge.pk}/change/", {"donor_name": "Dana Donor", "donor_email": "d@example.org"}
    )
    assert response.status_code == 403
    # nor does a legal hold bring anything back
    assert erasure.pledge_set_legal_hold(pledge=pledge, hold=True, by="staff") is False
    pledge.refresh_from_db()
    assert (pledge.donor_name, pledge.donor_email, pledge.legal_hold) == ("", "", False)


def test_staff_set_a_legal_hold_that_blocks_the_donors_erasure(org_a, superuser_client):
    pledge = _paid(org_a, days_ago=1)
    superuser_client.post("/admin/donations/pledge/", {"action": "set_legal_hold", "_selected_action": [pledge.pk]})
    pledge.refresh_from_db()
    assert pledge.legal_hold
    assert pledge.transitions.filter(source=PledgeTransition.Source.STAFF, note__startswith="legal hold set").exists()
    result = erasure.donor_erase(email="dana@example.org")
    assert [(p.pk, why) for p, why in result.kept] == [(pledge.pk, "legal_hold")] and not _erased(pledge)
    superuser_client.post("/admin/donations/pledge/", {"action": "lift_legal_hold", "_selected_action": [pledge.pk]})
    assert erasure.donor_erase(email="dana@example.org").erased == [pledge.reference]


def test_erase_my_data_stops_monthly_gifts_deletes_the_customer_and_keeps_amounts(
    client, stripe_sandbox, giving_org, on_commit
):
    monthly, events = start_monthly_gift(client, stripe_sandbox, giving_org)
    with on_commit():
        deliver(client, list(events.values()))
    monthly.refresh_from_db()
    customer = monthly.stripe_customer_id
    assert customer.startswith("cus_") and StripeEvent.objects.filter(payload__icontains="dana@example.org").exists()
    money = _money(monthly)
    with on_commit():
        client.post("/donations/mine/", {"email": "dana@example.org"})
    token = LINK.search(mail.outbox[-1].body)[1]
    client.post(f"/donations/mine/open/{token}/")
    confirm = client.get("/donations/mine/erase/").content.decode()
    assert "What we keep, and why" in confirm and "stopped first" in confirm
    with on_commit():
        response = client.post("/donations/mine/erase/", {"confirm": "1"})
    assert response.status_code == 200 and "Your identity is erased from 1 gift" in response.content.decode()
    monthly.refresh_from_db()
    assert monthly.status == PledgeStatus.CANCELED and _erased(monthly)
    assert stripe_sandbox.store.objects.get(monthly.stripe_subscription_id)["status"] == "canceled"
    assert customer not in stripe_sandbox.store.objects  # the Stripe customer is deleted
    assert _money(monthly) == money
    assert rollup_differences() == []
    # the events the portal keeps no longer hold the address
    assert not [e for e in StripeEvent.objects.all() if "dana@example.org" in str(e.payload).lower()]
    # the page is closed, and a new link cannot be had: no gifts remain for the address
    assert client.get("/donations/mine/gifts/").status_code == 302
    mail.outbox.clear()
    with on_commit():
        client.post("/donations/mine/", {"email": "dana@example.org"})
    assert mail.outbox == []
    # the customer.subscription.deleted and customer.deleted events that follow change nothing
    with on_commit():
        deliver(client, new_events(stripe_sandbox))
    assert _erased(monthly)


def test_erasure_forgets_the_donors_wish_for_updates_and_their_update_emails(org_a):
    from orgs.updates.models import Update, UpdateStatus

    pledge = _paid(org_a, days_ago=1, wants_updates=True)
    update = Update.objects.create(
        organization=org_a,
        title="Wells repaired",
        text="Two wells now give clean water.",
        status=UpdateStatus.SUBMITTED,
        submitted_at=timezone.now(),
        publish_after=timezone.now(),
        names_no_one=True,
    )
    UpdateEmail.objects.create(update=update, pledge=pledge, donor_email=pledge.donor_email)
    assert erasure.donor_erase(email="dana@example.org").erased == [pledge.reference]
    pledge.refresh_from_db()
    assert not pledge.wants_updates and not UpdateEmail.objects.exists()
