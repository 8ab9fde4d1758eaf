"""Events for objects that are not the portal's, and signed events the portal cannot read.

Stripe's own example object of every resource (../shared/stripe/fixtures3.json), wrapped in an event of a plausible
type (every type the portal handles included), answers 200 twice and asks Stripe nothing: another product on the same
account, a deleted object or a dashboard test event must never make Stripe retry for three days and disable the
endpoint. Signed but malformed events are recorded as unprocessable, never a 500.
"""

import copy
import json
from pathlib import Path

import pytest

from donations.models import Outcome, StripeEvent
from donations.services.events import HANDLERS
from tests import factories
from tests.donations.conftest import start_monthly_gift
from tests.donations.webhook_helpers import WEBHOOK_URL, event, post_event, signature

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).resolve().parents[1] / "stripe_sandbox" / "fixtures3.json"  # a copy of ../shared/stripe's

# The resource each handled type carries.
HANDLED_RESOURCE = {
    "checkout.session": "checkout.session",
    "invoice": "invoice",
    "customer.subscription": "subscription",
    "charge.refund": "refund",
    "charge.dispute": "dispute",
    "charge": "charge",
    "refund": "refund",
    "payment_intent": "payment_intent",
}


def _resource_of(event_type: str) -> str:
    prefix = max((p for p in HANDLED_RESOURCE if event_type.startswith(p + ".")), key=len)
    return HANDLED_RESOURCE[prefix]


def example_events() -> list[tuple[str, dict]]:
    """(type, object) for every example resource, and every handled type with its resource, live and deleted."""
    resources = json.loads(FIXTURES.read_text(encoding="utf-8"))["resources"]
    cases = []
    for name, obj in sorted(resources.items()):
        base = name.removeprefix("deleted_")
        handled = [t for t in HANDLERS if _resource_of(t) == base]
        cases += [(t, obj) for t in handled] or [(f"{base}.{'deleted' if name != base else 'updated'}", obj)]
    return cases


IGNORED = {
    Outcome.NOT_OURS,
    Outcome.UNHANDLED,
    Outcome.INVOICE_PAID,
    Outcome.SESSION_OPEN,
}


def test_every_handled_type_is_among_the_examples():
    assert set(HANDLERS) <= {t for t, _ in example_events()}


def test_stripe_example_events_are_not_ours_answer_200_twice_and_ask_stripe_nothing(client, stripe_sandbox):
    ours = factories.giving_organization(name="Ours", slug="ours")  # the portal has data of its own
    factories.pledge(  # a monthly gift running: a dispute of one of its renewals may come before the renewal's news
        organization=ours,
        frequency="monthly",
        status="active",
        stripe_checkout_session_id="cs_test_ours",
        stripe_subscription_id="sub_ours",
        stripe_customer_id="cus_ours",
    )
    before = len(stripe_sandbox.api_requests)
    problems = {}
    for number, (event_type, obj) in enumerate(example_events()):
        payload = event(event_type, copy.deepcopy(obj), event_id=f"evt_example_{number}")
        first, second = post_event(client, payload), post_event(client, payload)
        outcome = StripeEvent.objects.filter(event_id=payload["id"]).values_list("outcome", flat=True).first()
        if (first.status_code, second.status_code) != (200, 200) or outcome not in IGNORED:
            problems[f"{event_type} ({obj.get('object')})"] = (first.status_code, second.status_code, outcome)
    assert not problems, problems
    assert stripe_sandbox.api_requests[before:] == []


def _signed_post(client, body: bytes):
    return client.post(WEBHOOK_URL, data=body, content_type="application/json", HTTP_STRIPE_SIGNATURE=signature(body))


def _invoice_event(**changes):
    return {**event("invoice.paid", {"id": "in_x", "object": "invoice"}, event_id="evt_bad"), **changes}


@pytest.mark.parametrize(
    "bad",
    [
        _invoice_event(type="invoice.paid\u0000"),  # a NUL in the type
        _invoice_event(data={"object": {"id": "in_\u0000", "object": "invoice", "metadata": {"k\u0000": "v"}}}),
        _invoice_event(type="x" * 200),  # longer than any type Stripe sends
        _invoice_event(data={}),  # no data.object
        _invoice_event(data={"object": "in_x"}),  # data.object not an object
        _invoice_event(type="checkout.session.completed", data={"object": {"object": "checkout.session"}}),  # no id
        _invoice_event(created="yesterday"),
        {k: v for k, v in _invoice_event().items() if k != "created"},
    ],
    ids=[
        "nul-type",
        "nul-object",
        "long-type",
        "no-object",
        "object-not-a-dict",
        "object-without-id",
        "bad-created",
        "no-created",
    ],
)
def test_signed_but_malformed_event_is_recorded_as_unprocessable_never_500(client, bad):
    body = json.dumps(bad).encode()
    assert _signed_post(client, body).status_code == 200
    assert _signed_post(client, body).status_code == 200  # a redelivery: a duplicate
    record = StripeEvent.objects.get(event_id="evt_bad")
    assert record.outcome.startswith(Outcome.UNPROCESSABLE.split(":")[0])
    assert "\u0000" not in json.dumps(record.payload) + record.type


def test_signed_event_without_a_usable_id_is_400_and_nothing_is_written(client):
    for bad_id in ("", "evt_\u0000", "x" * 300, None):
        assert _signed_post(client, json.dumps(_invoice_event(id=bad_id)).encode()).status_code == 400
    assert not StripeEvent.objects.exists()


def test_an_event_naming_an_object_stripe_does_not_have_is_recorded_not_retried(client, stripe_sandbox, giving_org):
    pledge, events = start_monthly_gift(client, stripe_sandbox, giving_org)
    ghost = copy.deepcopy(events["invoice.paid"])
    ghost["data"]["object"].update(id="in_deleted_long_ago", payment_intent=None, payments=None)
    assert post_event(client, ghost).status_code == 200  # was 500 on every delivery: Stripe answers 404
    assert StripeEvent.objects.get(event_id=ghost["id"]).outcome == "unprocessable: Stripe has no such object"
    pledge.refresh_from_db()
    assert not pledge.payments.exists()


def test_a_charge_refunded_with_an_unknown_payment_intent_asks_stripe_only_while_a_gift_awaits_payment(
    client, stripe_sandbox, giving_org
):
    pledge = factories.pledge(organization=giving_org, stripe_checkout_session_id="cs_test_expired_one")
    charge = {"id": "ch_other_product", "object": "charge", "amount": 900, "currency": "usd", "payment_intent": "pi_x"}
    for status, asks in (("expired", False), ("pending", True)):
        type(pledge).objects.filter(pk=pledge.pk).update(status=status)
        before = len(stripe_sandbox.api_requests)
        assert post_event(client, event("charge.refunded", charge, event_id=f"evt_other_{status}")).status_code == 200
        assert (len(stripe_sandbox.api_requests) > before) is asks, status
