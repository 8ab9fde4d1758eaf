"""The audit trail of staff's money actions (refunds, stopped monthly gifts), and what it never holds: donors'
personal data (name, email, dedication, Stripe customer id), which an erasure blanks on the pledge."""

import json

import pytest
from auditlog.models import LogEntry
from auditlog.registry import auditlog
from django.conf import settings

from common.audit import StaffAuditMiddleware
from donations.models import Dispute, Pledge, PledgeStatus, Refund
from tests import factories
from tests.donations.test_admin_money import _action, _paid_gift, _refund

pytestmark = pytest.mark.django_db

DONOR_FIELDS = {"donor_name", "donor_email", "dedication", "stripe_customer_id"}


def _staff_request(rf, user):
    """A request of a signed-in staff member, as the audit middleware sees it (a session cookie, the user)."""
    request = rf.get("/admin/", HTTP_COOKIE=f"{settings.SESSION_COOKIE_NAME}=signed-in")
    request.user = user
    return request


def _trail_text() -> str:
    rows = LogEntry.objects.values_list("object_repr", "changes", "serialized_data", "additional_data")
    return json.dumps([list(row) for row in rows], default=str)


def test_a_staff_refund_is_recorded_with_who_how_much_and_why(
    client, superuser_client, superuser, stripe_sandbox, giving_org
):
    payment = _paid_gift(client, stripe_sandbox, giving_org)
    assert not LogEntry.objects.exists()  # the donor's gift and Stripe's webhooks are not staff actions
    _refund(superuser_client, payment, amount="25", request_key="b" * 32, reason="The donor asked by email")
    refund = Refund.objects.get()
    entries = list(LogEntry.objects.get_for_object(refund).order_by("pk"))
    assert entries and all(entry.actor == superuser for entry in entries)
    created = entries[0]
    assert created.action == LogEntry.Action.CREATE
    assert (
        created.changes_dict["amount"][1] == "2500" and created.changes_dict["reason"][1] == "The donor asked by email"
    )
    assert created.changes_dict["requested_by"][1] == str(superuser.pk)
    assert any(
        entry.changes_dict.get("stripe_refund_id", [None, None])[1] == refund.stripe_refund_id for entry in entries
    )
    (settled,) = LogEntry.objects.get_for_object(payment.pledge)
    assert (settled.actor, settled.changes_dict) == (superuser, {"status": [PledgeStatus.PAID, PledgeStatus.REFUNDED]})
    assert "dana@example.org" not in _trail_text() and "Dana" not in _trail_text()


def test_stopping_a_monthly_gift_is_recorded(
    client, superuser_client, superuser, stripe_sandbox, giving_org_with_program
):
    payment = _paid_gift(
        client, stripe_sandbox, giving_org_with_program, frequency="monthly", currency="KRW", amount_choice="50000"
    )
    _action(superuser_client, "pledge", "stop_monthly", [payment.pledge])
    (stopped,) = LogEntry.objects.get_for_object(payment.pledge)
    assert stopped.actor == superuser
    assert stopped.changes_dict == {"status": [PledgeStatus.ACTIVE, PledgeStatus.CANCELED]}
    page = superuser_client.get(f"/admin/donations/pledge/{payment.pledge.pk}/auditlog/")
    assert page.status_code == 200 and "canceled" in page.text


def test_the_trail_never_copies_a_donors_personal_data(superuser, rf):
    """Only the pledge's status and Stripe mismatch are registered; a staff request that changed the donor's
    fields too records the status alone, so erasing the pledge's copy leaves none behind."""
    assert set(auditlog.get_model_fields(Pledge)["include_fields"]) == {"status", "stripe_mismatch"}
    pledge = factories.pledge(
        organization=factories.giving_organization(),
        donor_name="Erin Erasable",
        donor_email="erin@example.org",
        dedication="For my mother Mi-ok",
        stripe_customer_id="cus_erin",
    )

    def staff_edit(request):
        pledge.donor_name, pledge.donor_email, pledge.dedication = "Other Name", "other@example.org", "Other words"
        pledge.stripe_customer_id, pledge.status = "cus_other", PledgeStatus.CANCELED
        pledge.save()
        return None

    request = _staff_request(rf, superuser)
    StaffAuditMiddleware(staff_edit)(request)
    (entry,) = LogEntry.objects.get_for_object(pledge)
    assert entry.actor == superuser and set(entry.changes_dict) == {"status"}
    text = _trail_text()
    for value in ("Erin", "erin@example.org", "Mi-ok", "cus_erin", "Other Name", "other@example.org", "cus_other"):
        assert value not in text
    assert not DONOR_FIELDS & set(entry.changes_dict)


def test_disputes_are_registered_and_recorded_only_for_staff(superuser, rf):
    pledge = factories.pledge(organization=factories.giving_organization(), status=PledgeStatus.PAID)
    payment = factories.payment(pledge=pledge)
    fields = {"payment": payment, "organization": pledge.organization, "amount": 2500, "currency": "USD"}
    Dispute.objects.create(stripe_dispute_id="dp_webhook", status="needs_response", **fields)  # a webhook's
    assert not LogEntry.objects.exists()

    def staff_records(request):
        Dispute.objects.create(stripe_dispute_id="dp_staff", status="needs_response", **fields)

    request = _staff_request(rf, superuser)
    StaffAuditMiddleware(staff_records)(request)
    (entry,) = LogEntry.objects.all()
    assert entry.actor == superuser and entry.object_repr.startswith("dp_staff")
