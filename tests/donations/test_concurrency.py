"""The same news from ten webhook deliveries and the success page at once: applied exactly once.

Row locks (select_for_update) are what make this safe, and SQLite ignores them, so this runs in the
PostgreSQL pass of .ci/run (DATABASE_URL=postgres://...).
"""

import threading

import pytest
from django.db import connection
from django.test import Client

from donations.models import Payment, Pledge, PledgeStatus, PledgeTransition, StripeEvent
from tests.donations.conftest import give_data, new_events, pay_on_checkout_page, receipts
from tests.donations.webhook_helpers import post_event

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("row locking needs PostgreSQL; .ci/run runs this with DATABASE_URL set")


def _in_threads(actions) -> list:
    barrier = threading.Barrier(len(actions))
    results: list = [None] * len(actions)

    def run(index, action):
        try:
            barrier.wait(timeout=10)
            results[index] = action()
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_ten_deliveries_and_the_success_page_at_once(stripe_sandbox, giving_org):
    donor = Client(HTTP_HOST="127.0.0.1")
    donor.post(f"/donations/give/{giving_org.slug}/", give_data())
    pledge = Pledge.objects.get()
    _, location, _ = pay_on_checkout_page(pledge.stripe_checkout_url)
    completed = next(e for e in new_events(stripe_sandbox) if e["type"] == "checkout.session.completed")

    def deliver():
        return post_event(Client(HTTP_HOST="127.0.0.1"), completed).status_code

    def success_page():
        return donor.get(location.replace("http://testserver", "")).status_code

    statuses = _in_threads([deliver] * 10 + [success_page])
    assert statuses == [200] * 11
    pledge.refresh_from_db()
    assert pledge.status == PledgeStatus.PAID
    assert PledgeTransition.objects.filter(pledge=pledge).count() == 1
    assert Payment.objects.count() == 1
    assert StripeEvent.objects.count() == 1
    assert len(receipts()) == 1


def test_ten_deliveries_of_a_monthly_invoice_at_once(stripe_sandbox, giving_org_with_program):
    donor = Client(HTTP_HOST="127.0.0.1")
    donor.post(
        f"/donations/give/{giving_org_with_program.slug}/",
        give_data(frequency="monthly", currency="KRW", amount_choice="50000"),
    )
    pledge = Pledge.objects.get()
    pay_on_checkout_page(pledge.stripe_checkout_url)
    invoice_paid = next(e for e in new_events(stripe_sandbox) if e["type"] == "invoice.paid")
    statuses = _in_threads([lambda: post_event(Client(HTTP_HOST="127.0.0.1"), invoice_paid).status_code] * 10)
    assert statuses == [200] * 10
    assert Payment.objects.count() == 1 and len(receipts()) == 1
    assert PledgeTransition.objects.filter(pledge=pledge, to_status="active").count() == 1


@pytest.mark.slow  # waits on a real slow answer
def test_the_give_submit_holds_no_lock_while_waiting_on_stripe(stripe_sandbox, giving_org, settings):
    import time

    from django.db import transaction

    settings.STRIPE_TIMEOUT_SECONDS = 6
    stripe_sandbox.set_fault("timeout", count=1, delay=2.5)  # Stripe answers, slowly
    donor = Client(HTTP_HOST="127.0.0.1")
    result = {}

    def give():
        try:
            result["status"] = donor.post(f"/donations/give/{giving_org.slug}/", give_data()).status_code
        finally:
            connection.close()

    thread = threading.Thread(target=give)
    thread.start()
    deadline = time.monotonic() + 5
    while not Pledge.objects.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert thread.is_alive(), "the submit should still be waiting on Stripe"
    with transaction.atomic():  # NOWAIT: raises at once if the submit held the pledge's row
        locked = Pledge.objects.select_for_update(nowait=True).get()
    assert locked.status == PledgeStatus.PENDING and not locked.stripe_checkout_session_id
    thread.join(timeout=20)
    assert result["status"] == 303
