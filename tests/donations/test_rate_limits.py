"""Starting pledges is rate-limited per donor email and (more generously) per client address, behind a proxy too."""

import pytest

from donations.models import Pledge
from tests.donations.conftest import give, give_data

pytestmark = pytest.mark.django_db


def test_pledge_starts_are_rate_limited_per_address_and_email(client, stripe_sandbox, giving_org, settings):
    from django.test import Client

    settings.PLEDGE_RATE_LIMIT = settings.PLEDGE_RATE_LIMIT_PER_ADDRESS = 2
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

    settings.PLEDGE_RATE_LIMIT_PER_ADDRESS, settings.TRUSTED_PROXY_HOPS = 1, 1
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


def test_donors_behind_one_shared_address_can_each_finish_a_gift(client, stripe_sandbox, giving_org, settings):
    """A church's giving day behind one address: the per-email limit brakes card testing, not the congregation."""
    assert settings.PLEDGE_RATE_LIMIT_PER_ADDRESS >= 10 * settings.PLEDGE_RATE_LIMIT
    settings.PLEDGE_RATE_LIMIT, settings.PLEDGE_RATE_LIMIT_PER_ADDRESS = 2, 6
    answers = [
        give(client, giving_org, submission_key=f"{n:x}" * 32, donor_email=f"member{n}@example.org").status_code
        for n in range(6)
    ]
    assert answers == [303] * 6
    assert give(client, giving_org, submission_key="e" * 32, donor_email="late@example.org").status_code == 429


def test_one_email_is_limited_whatever_its_address(stripe_sandbox, giving_org, settings):
    from django.test import Client

    settings.PLEDGE_RATE_LIMIT = 2
    answers = [
        Client(HTTP_HOST="127.0.0.1", REMOTE_ADDR=f"203.0.113.{n}")
        .post(f"/donations/give/{giving_org.slug}/", give_data(submission_key=f"{n}" * 32, donor_email="t@example.org"))
        .status_code
        for n in range(1, 4)
    ]
    assert answers == [303, 303, 429]


def test_a_refused_donor_keeps_the_form_and_is_told_when_to_retry(client, stripe_sandbox, giving_org, settings):
    settings.PLEDGE_RATE_LIMIT, settings.PLEDGE_RATE_WINDOW_SECONDS = 1, 3600
    give(client, giving_org, submission_key="1" * 32)
    refused = give(
        client,
        giving_org,
        submission_key="2" * 32,
        donor_name="Min-ji Kim",
        share_identity="on",
        dedication="For my mother",
        amount_choice="other",
        other_amount="75",
    )
    assert refused.status_code == 429 and Pledge.objects.count() == 1
    wait = int(refused["Retry-After"])
    assert 0 < wait <= 3600
    minutes = -(-wait // 60)
    assert f"Please try again in {minutes} minute" in refused.text
    form = refused.context["give_form"]
    assert not form.errors
    assert (form["donor_name"].value(), form["dedication"].value(), form["other_amount"].value()) == (
        "Min-ji Kim",
        "For my mother",
        "75",
    )
    assert 'value="Min-ji Kim"' in refused.text and 'value="75"' in refused.text
    assert form["share_identity"].value() and form["amount_choice"].value() == "other"
    assert form["submission_key"].value() != "2" * 32  # a fresh form: sending it again later starts a new gift
    assert 'name="confirm"' not in refused.text  # it goes through the review page again
    assert "Too many attempts" in refused.text and "Nothing was charged" in refused.text
