"""Signing in: the portal's own page, account names in any case, attempts throttled on the portal and the admin."""

import pytest
from django.test import Client

from tests import factories

pytestmark = pytest.mark.django_db


def test_sign_in_page_is_in_the_portals_look(client):
    page = client.get("/accounts/login/")
    assert page.status_code == 200 and "Organization sign-in" in page.text and "navbar" in page.text
    assert client.get("/accounts/password_reset/").status_code == 200


def test_sign_in_is_case_insensitive(org_a):
    factories.member(organization=org_a, username="kim@example.org", password="right-pass-1")
    client = Client(HTTP_HOST="127.0.0.1")
    assert (
        client.post("/accounts/login/", {"username": "Kim@Example.org", "password": "right-pass-1"}).status_code == 302
    )


def test_sign_in_attempts_are_throttled(settings, org_a):
    settings.LOGIN_RATE_LIMIT = 3
    factories.member(organization=org_a, username="lee@example.org", password="right-pass-1")
    guesser = Client(HTTP_HOST="127.0.0.1", REMOTE_ADDR="198.51.100.4")
    for _ in range(3):
        assert "Too many" not in guesser.post("/accounts/login/", {"username": "lee@example.org", "password": "x"}).text
    blocked = guesser.post("/accounts/login/", {"username": "lee@example.org", "password": "right-pass-1"})
    assert blocked.status_code == 200 and "Too many sign-in attempts" in blocked.text
    admin_guess = Client(HTTP_HOST="127.0.0.1", REMOTE_ADDR="198.51.100.5")
    for _ in range(3):
        admin_guess.post("/admin/login/", {"username": "boss", "password": "x"})
    assert "Too many sign-in attempts" in admin_guess.post("/admin/login/", {"username": "boss", "password": "x"}).text
