"""Forged, tampered, stale or missing signatures and garbage bodies: 400 and nothing written.

A correctly signed event the portal cannot read is Stripe's all the same: recorded as unprocessable, answered 200."""

import json
import time

import pytest

from donations.models import Pledge, StripeEvent
from tests.donations.webhook_helpers import WEBHOOK_URL, event, post_event, signature

pytestmark = pytest.mark.django_db


def _event():
    return event("checkout.session.expired", {"id": "cs_test_x", "object": "checkout.session"}, event_id="evt_sec_1")


def test_a_correctly_signed_event_is_accepted(client):
    response = post_event(client, _event())
    assert response.status_code == 200
    assert StripeEvent.objects.filter(event_id="evt_sec_1").exists()


@pytest.mark.parametrize(
    "signing",
    [
        {"secret": "whsec_someone_else"},  # forged
        {"timestamp": int(time.time()) - 301},  # stale: older than five minutes
    ],
)
def test_bad_signature_is_400_and_nothing_is_written(client, signing):
    response = post_event(client, _event(), **signing)
    assert response.status_code == 400
    assert not StripeEvent.objects.exists()


def test_tampered_body_is_400(client):
    payload = json.dumps(_event()).encode()
    header = signature(payload)
    tampered = payload.replace(b"cs_test_x", b"cs_test_y")
    response = client.post(WEBHOOK_URL, data=tampered, content_type="application/json", HTTP_STRIPE_SIGNATURE=header)
    assert response.status_code == 400
    assert not StripeEvent.objects.exists()


def test_missing_signature_is_400(client):
    response = client.post(WEBHOOK_URL, data=json.dumps(_event()), content_type="application/json")
    assert response.status_code == 400


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not json",
        b"[]",
        b'{"object": "event"}',
        b"\xff\xfe",
        json.dumps({"object": "event", "type": "invoice.paid", "created": 1, "data": {"object": {}}}).encode(),
    ],
)
def test_garbage_bodies_are_400_not_500(client, body):
    response = client.post(
        WEBHOOK_URL, data=body, content_type="application/json", HTTP_STRIPE_SIGNATURE=signature(body)
    )
    assert response.status_code == 400
    assert not StripeEvent.objects.exists()


def test_get_is_not_allowed(client):
    assert client.get(WEBHOOK_URL).status_code == 405


def test_unknown_event_type_is_200_and_logged(client):
    response = post_event(client, event("customer.created", {"id": "cus_1", "object": "customer"}, event_id="evt_u"))
    assert response.status_code == 200
    assert StripeEvent.objects.get(event_id="evt_u").outcome == "ignored: unhandled type"


def test_object_that_is_not_ours_is_200(client):
    session = {
        "id": "cs_test_other",
        "object": "checkout.session",
        "client_reference_id": "PNOTOURS",
        "status": "complete",
    }
    response = post_event(client, event("checkout.session.completed", session, event_id="evt_n"))
    assert response.status_code == 200
    assert StripeEvent.objects.get(event_id="evt_n").outcome == "ignored: not ours"


@pytest.mark.parametrize("created", ["yesterday", None, 1.5, 10**20])
def test_signed_event_with_a_malformed_creation_time_is_recorded_as_unprocessable(client, created):
    bad = {**_event(), "created": created}
    assert post_event(client, bad).status_code == 200  # signed, so Stripe's: recorded, and no retries for days
    assert StripeEvent.objects.get(event_id="evt_sec_1").outcome == "unprocessable: no creation time"
    assert not Pledge.objects.exists()
