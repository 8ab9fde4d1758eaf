"""409 on the donor's path: a second try while Stripe still works on the first (same idempotency key) is "try
again", never "refused"; the pledge is kept and the next try gets the one Checkout Session. Through the sandbox's
fault modes (a request held in flight), with two donors' requests really at once."""

import threading
import time

import pytest
from django.test import Client

from donations.models import Pledge, PledgeStatus
from tests.donations.conftest import give

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_second_try_while_stripe_works_on_the_first_says_try_again(stripe_sandbox, giving_org, settings):
    settings.STRIPE_MAX_NETWORK_RETRIES = 0  # the SDK would otherwise retry the 409 (tests/donations/test_gateway.py)
    donor = Client()
    stripe_sandbox.set_fault("rate_limit", count=100)
    first = give(donor, giving_org)  # Stripe busy: the pledge is kept, the donor may try again
    assert first.status_code == 503 and not first.context["rejected"]
    pledge, token = Pledge.objects.get(), first.context["token"]
    retry_url = f"/donations/pledges/{pledge.reference}/checkout/"

    stripe_sandbox.set_fault("slow", count=1, delay=1.5, path_prefix="/v1/checkout/sessions")
    answers: list = []
    in_flight = threading.Thread(target=lambda: answers.append(Client().post(retry_url, {"token": token})))
    in_flight.start()
    deadline = time.monotonic() + 10
    while not stripe_sandbox.store.idempotency:  # Stripe has the first try's key, still working on it
        assert time.monotonic() < deadline
        time.sleep(0.02)
    second = donor.post(retry_url, {"token": token})
    in_flight.join()

    assert second.status_code == 503 and not second.context["rejected"]
    assert "is busy or did not answer in time" in second.text and "your gift is saved" in second.text
    assert answers[0].status_code == 303
    assert Pledge.objects.get().status == PledgeStatus.PENDING
    again = donor.post(retry_url, {"token": token})
    assert again.status_code == 303 and again["Location"] == answers[0]["Location"]
    assert len(stripe_sandbox.store.all("checkout.session")) == 1
