"""The log scanner of tests/conftest.py: every test fails if a log record at INFO or above names an email address
or a test donor. This shows the scanner sees what the portal logs, so its silence elsewhere means something."""

import logging

import pytest

from donations.models import PledgeStatus
from donations.services import donor_access
from tests import factories

pytestmark = pytest.mark.django_db


def test_the_scanner_catches_an_email_or_a_donor_name_in_any_logger(log_scanner):
    start = len(log_scanner.found)
    logging.getLogger("donations.anything").info("pledge of %s", "dana@example.org")
    logging.getLogger("django.request").warning("Dana Donor did something")
    logging.getLogger("donations.anything").debug("below INFO: %s", "dana@example.org")
    caught = log_scanner.found[start:]
    del log_scanner.found[start:]  # caught on purpose: this test must not fail for it
    assert len(caught) == 2 and "dana@example.org" in caught[0] and "Dana Donor" in caught[1]


def test_asking_for_a_link_logs_no_email(org_a, log_scanner, django_capture_on_commit_callbacks, caplog):
    factories.payment(pledge=factories.pledge(organization=org_a, status=PledgeStatus.PAID))
    start = len(log_scanner.found)
    with caplog.at_level(logging.INFO), django_capture_on_commit_callbacks(execute=True):
        donor_access.donor_link_request(email="dana@example.org")
        donor_access.donor_link_request(email="nobody@example.org")
    assert "donor sign-in link" in caplog.text  # it logged, and named no one
    assert log_scanner.found[start:] == []
