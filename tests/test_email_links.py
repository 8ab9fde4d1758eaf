"""One rule for absolute links in emails: PORTAL_BASE_URL, never the host a request came through.

Receipts (their stop link), invitations and password resets all point at PORTAL_BASE_URL; the development server
sets it to its own host and port, so a portal run on another port than 8000 sends working links.
"""

import pytest
from django.core import mail
from django.core.management import call_command

from donations.management.commands import devserver
from donations.tasks import send_receipt
from tests import factories

pytestmark = pytest.mark.django_db
BASE = "http://127.0.0.1:8123"  # not the default port, and not the port the requests below come through
OTHER_HOST = "127.0.0.1:9000"


def _links(body: str) -> list[str]:
    return [word for line in body.splitlines() for word in line.split() if "://" in word]


def test_receipt_stop_link_is_on_portal_base_url(settings):
    settings.PORTAL_BASE_URL = BASE + "/"
    pledge = factories.pledge(
        organization=factories.giving_organization(), frequency="monthly", status="active", language="en"
    )
    send_receipt.enqueue(payment_id=factories.payment(pledge=pledge).pk)
    [link] = _links(mail.outbox[-1].body)
    assert link.startswith(BASE + "/donations/monthly/stop/")


def test_invitation_link_is_on_portal_base_url_not_the_request_host(settings, superuser_client, org_a):
    settings.PORTAL_BASE_URL = BASE
    superuser_client.post(
        f"/admin/orgs/organization/{org_a.pk}/invite/",
        {"email": "new@example.org"},
        HTTP_HOST=OTHER_HOST,
    )
    links = _links(mail.outbox[-1].body)
    assert any(link.startswith(BASE + "/accounts/reset/") for link in links), links
    assert all(link.startswith(BASE + "/accounts/") for link in links), links


def test_password_reset_link_is_on_portal_base_url_not_the_request_host(settings, member_a, client):
    settings.PORTAL_BASE_URL = "https://portal.example.org"
    client.post("/accounts/password_reset/", {"email": member_a.email}, HTTP_HOST=OTHER_HOST)
    [link] = _links(mail.outbox[-1].body)
    assert link.startswith("https://portal.example.org/accounts/reset/")


@pytest.mark.parametrize(
    ("addrport", "origin"),
    [("127.0.0.1:8123", BASE), ("8123", BASE), ("0.0.0.0:8123", BASE), ("localhost:8000", "http://localhost:8000")],
)
def test_devserver_points_email_links_at_its_own_port(settings, monkeypatch, addrport, origin):
    settings.DEBUG, settings.STRIPE_SANDBOX, settings.PORTAL_BASE_URL = True, False, "http://127.0.0.1:8000"
    monkeypatch.delenv("PORTAL_BASE_URL", raising=False)
    seen = []
    monkeypatch.setattr(devserver, "call_command", lambda *args, **kwargs: seen.append(settings.PORTAL_BASE_URL))
    call_command("devserver", addrport)
    assert seen == [origin]


def test_devserver_keeps_a_portal_base_url_set_in_the_environment(settings, monkeypatch):
    settings.DEBUG, settings.STRIPE_SANDBOX, settings.PORTAL_BASE_URL = True, False, "https://portal.example.org"
    monkeypatch.setenv("PORTAL_BASE_URL", "https://portal.example.org")
    seen = []
    monkeypatch.setattr(devserver, "call_command", lambda *args, **kwargs: seen.append(settings.PORTAL_BASE_URL))
    call_command("devserver", "127.0.0.1:8123")
    assert seen == ["https://portal.example.org"]
