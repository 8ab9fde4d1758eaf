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


def _sign_in(client, username, password):
    return client.post("/accounts/login/", {"username": username, "password": password})


def test_a_guesser_cannot_lock_the_owner_out(settings, org_a):
    """Wrong passwords from many addresses cool the account down for new addresses, never for its owner's usual one."""
    settings.LOGIN_RATE_LIMIT = 3
    factories.member(organization=org_a, username="park@example.org", password="right-pass-1")
    owner = Client(HTTP_HOST="127.0.0.1", REMOTE_ADDR="203.0.113.20")
    assert _sign_in(owner, "park@example.org", "right-pass-1").status_code == 302  # a usual address now
    owner.post("/accounts/logout/")
    for n in range(4):  # the name `admin`-style guessing, from a different address each time
        guesser = Client(HTTP_HOST="127.0.0.1", REMOTE_ADDR=f"198.51.100.{30 + n}")
        _sign_in(guesser, "park@example.org", "wrong")
    stranger = Client(HTTP_HOST="127.0.0.1", REMOTE_ADDR="198.51.100.99")
    assert "Too many sign-in attempts" in _sign_in(stranger, "park@example.org", "right-pass-1").text
    assert _sign_in(owner, "Park@Example.org", "right-pass-1").status_code == 302


def test_sign_in_is_throttled_per_visitor_behind_the_proxy(settings, org_a):
    settings.LOGIN_RATE_LIMIT = 3
    settings.TRUSTED_PROXY_HOPS = 1
    factories.member(organization=org_a, username="choi@example.org", password="right-pass-1")
    proxied = {"HTTP_HOST": "127.0.0.1", "REMOTE_ADDR": "10.0.0.1"}
    guesser = Client(**proxied, HTTP_X_FORWARDED_FOR="198.51.100.40")
    for _ in range(4):
        _sign_in(guesser, "someone-else", "wrong")
    assert "Too many sign-in attempts" in _sign_in(guesser, "someone-else", "wrong").text
    member = Client(**proxied, HTTP_X_FORWARDED_FOR="203.0.113.41")
    assert _sign_in(member, "choi@example.org", "right-pass-1").status_code == 302


def test_password_reset_is_throttled_per_address_and_per_email(settings, member_a):
    from django.core import mail

    settings.PASSWORD_RESET_RATE_LIMIT = 2
    asker = Client(HTTP_HOST="127.0.0.1", REMOTE_ADDR="198.51.100.50")
    for _ in range(2):
        assert asker.post("/accounts/password_reset/", {"email": member_a.email}).status_code == 302
    refused = asker.post("/accounts/password_reset/", {"email": member_a.email})
    assert refused.status_code == 429 and "Too many password reset requests" in refused.text
    assert int(refused["Retry-After"]) > 0
    assert len(mail.outbox) == 2
    elsewhere = Client(HTTP_HOST="127.0.0.1", REMOTE_ADDR="198.51.100.51")
    assert elsewhere.post("/accounts/password_reset/", {"email": member_a.email}).status_code == 302
    assert len(mail.outbox) == 2  # over the email's allowance: the same page, no more emails
