"""Donors who ask for an organization's updates get each published update by email once, with a link out.

Private by default (the box is unticked), sent by the portal (the organization never sees the list), plain text (no
tracking pixel), only to donors whose gift arrived, and once per donor per update however often the command runs.
"""

import html
import io
import re
from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from donations.models import Pledge, UpdateEmail
from donations.services.updates import update_mailings_queue
from orgs.updates.models import Update, UpdateStatus
from orgs.updates.services import CHECKLIST, update_approve
from tests import factories
from tests.donations.conftest import give

pytestmark = pytest.mark.django_db


def test_the_give_form_offers_updates_unticked(client, giving_org):
    page = client.get(f"/organizations/{giving_org.slug}/").text
    box = page[page.index('name="wants_updates"') - 200 : page.index('name="wants_updates"') + 60]
    assert 'type="checkbox"' in box and "checked" not in box
    assert "never learns who you are" in html.unescape(page)


@pytest.mark.parametrize(("ticked", "expected"), [({}, False), ({"wants_updates": "on"}, True)])
def test_the_pledge_records_the_donors_choice(client, stripe_sandbox, giving_org, ticked, expected):
    assert give(client, giving_org, **ticked).status_code == 303
    assert Pledge.objects.get().wants_updates is expected


def _donor(org, email, *, wants=True, paid=True, language=""):
    pledge = factories.pledge(organization=org, donor_email=email, wants_updates=wants, language=language)
    if paid:
        factories.payment(pledge=pledge)
    return pledge


def _publish(org, staff, title="Wells repaired"):
    now = timezone.now()
    update = Update.objects.create(
        organization=org,
        title=title,
        text="Two wells now give clean water.",
        status=UpdateStatus.SUBMITTED,
        submitted_at=now,
        publish_after=now + timedelta(days=30),
        names_no_one=True,
    )
    update_approve(update=update, by=staff, checked=list(CHECKLIST))
    Update.objects.filter(pk=update.pk).update(publish_after=now - timedelta(seconds=1))
    return update


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """publish_updates, with what its transactions queue for after commit (the emails) run as a real commit would."""

    def command() -> str:
        out = io.StringIO()
        with django_capture_on_commit_callbacks(execute=True):
            call_command("publish_updates", stdout=out)
        return out.getvalue()

    return command


def test_one_email_per_opted_in_donor_once_however_often_the_command_runs(org_a, org_b, superuser, run):
    _donor(org_a, "one@example.org")
    _donor(org_a, "ONE@example.org")  # the same donor again, another gift
    _donor(org_a, "two@example.org", language="ko")
    _donor(org_a, "private@example.org", wants=False)  # did not ask
    _donor(org_a, "unpaid@example.org", paid=False)  # no money arrived: an address never confirmed
    _donor(org_b, "other-org@example.org")  # asked another organization
    update = _publish(org_a, superuser)
    assert "published 1 update(s); queued 2 email(s)" in run()
    assert sorted(m.to[0] for m in mail.outbox) == ["one@example.org", "two@example.org"]
    assert run() == "published 0 update(s); queued 0 email(s)\n"
    assert len(mail.outbox) == 2 and UpdateEmail.objects.filter(update=update, sent_at__isnull=False).count() == 2


def test_the_email_is_plain_text_with_the_update_and_a_link_out(org_a, superuser, settings, run):
    settings.PORTAL_BASE_URL = "https://portal.example.org"
    _donor(org_a, "one@example.org")
    _publish(org_a, superuser)
    run()
    (email,) = mail.outbox
    assert email.subject == "Alpha Aid: Wells repaired"
    assert "Two wells now give clean water." in email.body and not email.alternatives  # no HTML, no pixel
    assert "<img" not in email.body and "one@example.org" not in email.body
    assert "https://portal.example.org/organizations/alpha/" in email.body
    assert re.search(r"https://portal\.example\.org/donations/updates/stop/[^/\s]+/", email.body)


def test_a_queued_email_is_sent_once_even_when_its_task_runs_twice(org_a, superuser, run):
    from donations.tasks import send_update_email

    _donor(org_a, "one@example.org")
    _publish(org_a, superuser)
    run()
    row = UpdateEmail.objects.get()
    assert send_update_email.call(row.pk) is False
    assert len(mail.outbox) == 1


def test_a_second_run_finds_the_mailing_taken_and_queues_nothing(org_a, superuser, run):
    _donor(org_a, "one@example.org")
    _publish(org_a, superuser)
    run()
    assert update_mailings_queue() == 0 and len(mail.outbox) == 1


def test_unsubscribe_stops_further_updates_and_gifts_go_on(client, org_a, superuser, run):
    _donor(org_a, "one@example.org")
    _donor(org_a, "two@example.org")
    _publish(org_a, superuser, title="First")
    run()
    first = next(m for m in mail.outbox if m.to == ["one@example.org"])
    link = re.search(r"http\S+/donations/updates/stop/\S+/", first.body).group(0)
    path = link.split("127.0.0.1:8000", 1)[-1] if "127.0.0.1:8000" in link else "/" + link.split("/", 3)[3]
    page = client.get(path)
    assert page.status_code == 200 and "Stop these updates" in page.text
    assert Pledge.objects.filter(donor_email="one@example.org", wants_updates=True).exists()  # a GET changes nothing
    done = client.post(path)
    assert "You will receive no more updates from Alpha Aid" in html.unescape(done.text)
    mail.outbox.clear()
    _publish(org_a, superuser, title="Second")
    run()
    assert [m.to for m in mail.outbox] == [["two@example.org"]]


def test_a_forged_unsubscribe_link_is_a_404(client):
    assert client.get("/donations/updates/stop/not-a-token/").status_code == 404


def test_the_organization_sees_no_subscriber(manager_client_factory, org_a, superuser, run):
    _donor(org_a, "one@example.org")
    _publish(org_a, superuser)
    run()
    page = manager_client_factory(org_a).get("/reports/alpha/updates/").text
    assert "one@example.org" not in page


@pytest.fixture
def manager_client_factory(db):
    from django.test import Client

    def make(org):
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(factories.member(organization=org, role="manager"))
        return client

    return make
