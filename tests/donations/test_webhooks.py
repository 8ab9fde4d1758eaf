"""The webhook's handling as a whole: a failure rolls back and asks Stripe to deliver again; a flat query count."""

import pytest

from donations.models import Pledge, Refund, StripeEvent
from tests.donations.conftest import deliver, events_by_type, give, new_events, pay_on_checkout_page

pytestmark = pytest.mark.django_db


@pytest.mark.slow  # waits out the SDK's real retry back-off
def test_handling_failure_rolls_back_and_answers_500(client, stripe_sandbox, giving_org):
    give(client, giving_org)
    pledge = Pledge.objects.get()
    pay_on_checkout_page(pledge.stripe_checkout_url)
    events = events_by_type(new_events(stripe_sandbox))
    stripe_sandbox.dashboard_refund(
        stripe_sandbox.store.get(
            "payment_intent", events["checkout.session.completed"]["data"]["object"]["payment_intent"]
        )["latest_charge"]
    )
    refunded = events_by_type(new_events(stripe_sandbox))["charge.refunded"]
    refunded["data"]["object"]["metadata"] = {}  # as on charges Stripe makes without our metadata
    stripe_sandbox.set_fault("error", count=3)  # the portal must ask Stripe whose charge this is, and cannot
    from tests.donations.webhook_helpers import post_event

    assert post_event(client, refunded).status_code == 500
    assert not StripeEvent.objects.filter(event_id=refunded["id"]).exists() and not Refund.objects.exists()
    stripe_sandbox.set_fault("none")
    assert post_event(client, refunded).status_code == 200  # Stripe's next delivery goes through
    assert Refund.objects.count() == 1


def test_webhook_query_count_does_not_grow_with_the_data(
    client, stripe_sandbox, giving_org, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests import factories

    def one_gift_queries() -> int:
        give(client, giving_org, submission_key=None or __import__("uuid").uuid4().hex)
        pledge = Pledge.objects.order_by("-pk").first()
        pay_on_checkout_page(pledge.stripe_checkout_url)
        events = new_events(stripe_sandbox)
        with CaptureQueriesContext(connection) as queries:
            deliver(client, events)
        return len(queries)

    one_gift_queries()  # the first gift of the day also creates the day's row of the reports' totals
    first = one_gift_queries()
    for _ in range(200):
        extra = factories.pledge(organization=giving_org, status="paid")
        factories.payment(pledge=extra)
    assert one_gift_queries() == first
