"""Redis down (REDIS_URL pointing at a closed port): pages still serve, writes to the directory go through, and the
rate limits fail closed: no pledge, sign-in or reset email goes ahead unbraked. End to end: tests/production."""

import socket

import pytest
from django.test import override_settings

from donations.models import Pledge
from tests import factories
from tests.donations.conftest import give


@pytest.fixture
def redis_down(_fresh_cache):
    """The cache is Redis at a closed port until the test ends (before the cache is cleared for the next test)."""
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    down = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": f"redis://127.0.0.1:{port}/0",
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }
    with override_settings(CACHES={"default": down}):
        yield


def test_public_pages_serve_without_the_cache(client, redis_down, giving_org):
    assert client.get("/").status_code == 200
    page = client.get(giving_org.get_absolute_url())
    assert page.status_code == 200 and giving_org.name in page.text
    assert client.get("/situation/").status_code == 200


def test_an_edit_to_the_directory_is_saved(redis_down, giving_org):
    giving_org.summary = "Edited while Redis was down"
    giving_org.save()  # bumps the page cache's version: unreachable, logged, the save goes on
    giving_org.refresh_from_db()
    assert giving_org.summary == "Edited while Redis was down"


def test_a_pledge_is_refused_with_the_form_kept_and_nothing_saved(client, redis_down, giving_org):
    response = give(client, giving_org, donor_email="kim@example.org")
    assert response.status_code == 503 and response["Retry-After"] == "60"
    assert "Giving is paused for a moment" in response.text and "Nothing was saved or charged" in response.text
    assert 'value="kim@example.org"' in response.text
    assert not Pledge.objects.exists()


def test_over_the_limit_with_redis_up_is_still_too_many_attempts(client, giving_org, settings):
    settings.PLEDGE_RATE_LIMIT = 1
    give(client, giving_org)  # no Stripe: the pledge is kept, the donor asked to try again
    response = give(client, giving_org, submission_key="c" * 32)
    assert response.status_code == 429 and "Too many attempts" in response.text


def test_sign_in_is_refused_not_unthrottled(client, redis_down, db):
    factories.user(username="member", password="a-long-password-1")
    response = client.post("/accounts/login/", {"username": "member", "password": "a-long-password-1"})
    assert response.status_code == 200 and "Too many sign-in attempts" in response.text
    assert "_auth_user_id" not in client.session
