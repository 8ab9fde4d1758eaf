"""A donor's link used in several browsers at once opens one page; a double-clicked change is made once.

Run on PostgreSQL (the PostgreSQL pass of .ci/run), where the rows are really locked."""

import re

import pytest
from django.core import mail
from django.db import connection
from django.test import Client

from donations.models import DonorLink, PledgeStatus, PledgeTransition
from donations.services import donor_access
from tests import factories
from tests.donations.test_concurrency import _in_threads

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]
LINK = re.compile(r"/donations/mine/open/([^/\s]+)/")


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("row locking needs PostgreSQL; .ci/run runs this with DATABASE_URL set")


def test_one_link_used_in_six_browsers_at_once_opens_one_page(org_a):
    factories.payment(pledge=factories.pledge(organization=org_a, status=PledgeStatus.PAID))
    donor_access.donor_link_request(email="dana@example.org")  # no surrounding transaction: the task runs now
    token = LINK.search(mail.outbox[-1].body)[1]
    browsers = [Client(HTTP_HOST="127.0.0.1") for _ in range(6)]

    def use(browser):
        return lambda: browser.post(f"/donations/mine/open/{token}/").status_code

    statuses = _in_threads([use(b) for b in browsers])
    assert sorted(statuses) == [302] + [400] * 5
    assert DonorLink.objects.filter(used_at__isnull=False).count() == 1


def test_a_double_clicked_name_change_is_recorded_once(org_a):
    pledge = factories.pledge(organization=org_a, status=PledgeStatus.PAID)
    factories.payment(pledge=pledge)
    donor_access.donor_link_request(email="dana@example.org")
    browser = Client(HTTP_HOST="127.0.0.1")
    assert browser.post(f"/donations/mine/open/{LINK.search(mail.outbox[-1].body)[1]}/").status_code == 302

    def share():
        return browser.post(f"/donations/mine/gifts/{pledge.reference}/sharing/", {"share": "1"}).status_code

    assert _in_threads([share] * 5) == [302] * 5
    notes = PledgeTransition.objects.filter(pledge=pledge, source=PledgeTransition.Source.DONOR)
    assert notes.count() == 1
