"""publish_updates run four times at once (two cron hosts, a retry): each update published once, each donor who
asked emailed once. Needs PostgreSQL's row locks (the PostgreSQL pass of .ci/run)."""

import io
from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from donations.models import UpdateEmail
from orgs.updates.models import Update, UpdateStatus
from tests import factories
from tests.donations.test_concurrency import _in_threads

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("row locking needs PostgreSQL; .ci/run runs this with DATABASE_URL set")


def test_four_runs_at_once_send_one_email_per_donor(org_a):
    for n in range(5):
        pledge = factories.pledge(organization=org_a, donor_email=f"donor{n}@example.org", wants_updates=True)
        factories.payment(pledge=pledge)
    now = timezone.now()
    Update.objects.create(
        organization=org_a,
        title="Wells repaired",
        text="Two wells now give clean water.",
        status=UpdateStatus.APPROVED,
        submitted_at=now - timedelta(days=31),
        publish_after=now - timedelta(days=1),
        approved_at=now,
        approved_by=factories.staff(),
        names_no_one=True,
    )

    def run() -> str:
        out = io.StringIO()
        call_command("publish_updates", stdout=out)
        return out.getvalue()

    outputs = _in_threads([run] * 4)
    assert sum("published 1 update(s)" in output for output in outputs) == 1
    assert sorted(m.to[0] for m in mail.outbox) == [f"donor{n}@example.org" for n in range(5)]
    assert UpdateEmail.objects.filter(sent_at__isnull=False).count() == 5
