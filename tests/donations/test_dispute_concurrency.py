"""A dispute's five events, each delivered twice, all at once: one dispute, its final status, one staff email.

Row locks make this safe and SQLite ignores them, so this runs in the PostgreSQL pass (DATABASE_URL=postgres://...).
"""

import pytest
from django.core import mail
from django.db import connection
from django.test import Client

from donations.models import Dispute, Payment, Pledge, StripeEvent
from tests import factories
from tests.donations.conftest import give_data, new_events, pay_on_checkout_page
from tests.donations.test_concurrency import _in_threads
from tests.donations.webhook_helpers import post_event

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("row locking needs PostgreSQL; .ci/run runs this with DATABASE_URL set")


def test_a_storm_of_dispute_events_records_one_dispute_and_emails_staff_once(stripe_sandbox, giving_org):
    factories.staff(username="desk", email="desk@portal.example")
    donor = Client(HTTP_HOST="127.0.0.1")
    donor.post(f"/donations/give/{giving_org.slug}/", give_data())
    pledge = Pledge.objects.get()
    pay_on_checkout_page(pledge.stripe_checkout_url)
    for event in new_events(stripe_sandbox):
        assert post_event(Client(HTTP_HOST="127.0.0.1"), event).status_code == 200
    payment = Payment.objects.get()
    charge = stripe_sandbox.store.get("payment_intent", payment.stripe_payment_intent_id)["latest_charge"]
    opened = stripe_sandbox.open_dispute(charge, "chargeback", "fraudulent")
    stripe_sandbox.close_dispute(opened["id"], "won")
    events = new_events(stripe_sandbox)
    assert len(events) == 5
    mail.outbox.clear()

    def delivery(event):
        return lambda: post_event(Client(HTTP_HOST="127.0.0.1"), event).status_code

    statuses = _in_threads([delivery(e) for e in events + events[::-1]])
    assert statuses == [200] * 10
    dispute = Dispute.objects.get()
    assert dispute.status == "won" and dispute.funds_withdrawn_at and dispute.funds_reinstated_at
    assert StripeEvent.objects.filter(type__startswith="charge.dispute.").count() == 5
    assert [m.to for m in mail.outbox if "Dispute" in m.subject] == [["desk@portal.example"]]
