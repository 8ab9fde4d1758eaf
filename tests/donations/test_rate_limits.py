"""Starting pledges is rate-limited per client address and per donor email, behind a trusted proxy too."""

import pytest

from donations.models import Pledge
from tests.donations.conftest import give, give_data

pytestmark = pytest.mark.django_db


def test_pledge_starts_are_rate_limited_per_address_and_email(client, stripe_sandbox, giving_org, settings):
    from django.test import Client

    settings.PLEDGE_RATE_LIMIT = 2
    for n in range(2):
        assert give(client, giving_org, submission_key=f"{n}" * 32, donor_email=f"d{n}@example.org").status_code == 303
    blocked = give(client, giving_org, submission_key="c" * 32, donor_email="d9@example.org")
    assert blocked.status_code == 429 and "Too many attempts" in blocked.text
    other = Client(HTTP_HOST="127.0.0.1", REMOTE_ADDR="203.0.113.9")
    assert (
        other.post(
            "/donations/give/liberty-in-north-korea/", give_data(submission_key="d" * 32, donor_email="x@example.org")
        ).status_code
        == 303
    )
    same_email = Client(HTTP_HOST="127.0.0.1", REMOTE_ADDR="203.0.113.10")
    for key in ("e", "f"):
        same_email.post(
            "/donations/give/liberty-in-north-korea/", give_data(submission_key=key * 32, donor_email="y@example.org")
        )
    assert (
        same_email.post(
            "/donations/give/liberty-in-north-korea/", give_data(submission_key="1" * 32, donor_email="y@example.org")
        ).status_code
        == 429
    )
    assert Pledge.objects.count() == 5


def test_rate_limit_uses_the_donors_address_behind_a_trusted_proxy(client, stripe_sandbox, giving_org, settings):
    from django.test import Client

    settings.PLEDGE_RATE_LIMIT, settings.TRUSTED_PROXY_HOPS = 1, 1
    proxy = Client(HTTP_HOST="127.0.0.1", REMOTE_ADDR="10.0.0.1")
    first = proxy.post(
        f"/donations/give/{giving_org.slug}/",
        give_data(donor_email="a@example.org"),
        HTTP_X_FORWARDED_FOR="203.0.113.1",
    )
    second = proxy.post(
        f"/donations/give/{giving_org.slug}/",
        give_data(submission_key="c" * 32, donor_email="b@example.org"),
        HTTP_X_FORWARDED_FOR="spoofed, 203.0.113.2",
    )
    third = proxy.post(
        f"/donations/give/{giving_org.slug}/",
        give_data(submission_key="d" * 32, donor_email="c@example.org"),
        HTTP_X_FORWARDED_FOR="203.0.113.1",
    )
    assert (first.status_code, second.status_code, third.status_code) == (303, 303, 429)
