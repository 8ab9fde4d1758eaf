"""Disputes: Stripe's `charge.dispute.*` events, from the local sandbox over HTTP, make one dispute record per dispute
whatever their order and however often they come; staff are emailed once (never the donor's identity); the admin
lists open disputes first with their deadline."""

import random

import pytest
from django.contrib.auth.models import Permission
from django.core import mail

from donations.models import Dispute, Outcome, Payment, Pledge, PledgeTransition, StripeEvent
from tests import factories
from tests.donations.conftest import deliver, give_data, new_events, pay_on_checkout_page, start_monthly_gift
from tests.donations.webhook_helpers import event, post_event

pytestmark = pytest.mark.django_db

DONOR_NAME, DONOR_EMAIL = "Dana Secretdonor", "dana.secret@example.org"


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def dispute_staff(db):
    """An active staff member allowed to view disputes (and the pledges they are about), not a superuser."""
    person = factories.user(username="disputes-desk", email="desk@portal.example", is_staff=True)
    person.user_permissions.add(*Permission.objects.filter(codename__in=["view_dispute", "view_pledge"]))
    return person


def _paid_gift(client, sandbox, org, on_commit, **overrides) -> Payment:
    data = give_data(donor_name=DONOR_NAME, donor_email=DONOR_EMAIL, **overrides)
    before = Pledge.objects.count()
    response = client.post(f"/donations/give/{org.slug}/", data)
    assert Pledge.objects.count() == before + 1, response.status_code
    pledge = Pledge.objects.order_by("-pk").first()
    pay_on_checkout_page(pledge.stripe_checkout_url)
    with on_commit():
        deliver(client, new_events(sandbox))
    mail.outbox.clear()  # the receipt
    return Payment.objects.get(pledge=pledge)


def _charge_id(sandbox, payment: Payment) -> str:
    return sandbox.store.get("payment_intent", payment.stripe_payment_intent_id)["latest_charge"]


def _staff_mail() -> list:
    return [m for m in mail.outbox if "dispute" in m.subject.lower()]


def _outcome(event: dict) -> str:
    return StripeEvent.objects.get(event_id=event["id"]).outcome


def test_chargeback_lost_is_recorded_staff_emailed_once_and_history_kept(
    client, stripe_sandbox, giving_org, on_commit, dispute_staff
):
    payment = _paid_gift(client, stripe_sandbox, giving_org, on_commit)
    opened = stripe_sandbox.open_dispute(_charge_id(stripe_sandbox, payment), "chargeback", "fraudulent")
    with on_commit():
        deliver(client, new_events(stripe_sandbox))
    dispute = Dispute.objects.get()
    assert (dispute.stripe_dispute_id, dispute.payment, dispute.organization) == (opened["id"], payment, giving_org)
    assert (dispute.status, dispute.reason, dispute.amount, dispute.currency) == (
        "needs_response",
        "fraudulent",
        2500,
        "USD",
    )
    assert dispute.evidence_due_by.timestamp() == opened["evidence_details"]["due_by"]
    assert dispute.funds_withdrawn_at is not None and dispute.is_open and dispute.staff_notified_at is not None
    [notice] = _staff_mail()
    assert notice.to == ["desk@portal.example"]
    assert "US$25.00" in notice.subject or "$25.00" in notice.subject
    assert giving_org.name in notice.subject and opened["id"] in notice.body and payment.pledge.reference in notice.body
    assert f"/admin/donations/dispute/{dispute.pk}/change/" in notice.body
    for secret in (DONOR_NAME, DONOR_EMAIL, "Dana"):
        assert secret not in notice.subject + notice.body

    stripe_sandbox.close_dispute(opened["id"], "lost")
    with on_commit():
        deliver(client, new_events(stripe_sandbox))
    dispute.refresh_from_db()
    assert dispute.status == "lost" and dispute.closed_at is not None and not dispute.is_open
    assert len(_staff_mail()) == 1  # once per dispute, whatever follows
    notes = list(payment.pledge.transitions.filter(note__startswith="dispute").values_list("note", flat=True))
    assert notes[0].startswith(f"dispute {opened['id']} opened: US$25.00, needs_response, reason fraudulent")
    assert notes[-1] == f"dispute {opened['id']}: lost"
    assert Dispute.objects.lost().count() == 1 and Dispute.objects.open().count() == 0


def test_reordered_and_duplicated_events_end_in_the_same_state(
    client, stripe_sandbox, giving_org, on_commit, dispute_staff
):
    payment = _paid_gift(client, stripe_sandbox, giving_org, on_commit)
    opened = stripe_sandbox.open_dispute(_charge_id(stripe_sandbox, payment), "chargeback", "duplicate")
    stripe_sandbox.close_dispute(opened["id"], "won")
    events = new_events(stripe_sandbox)
    assert [e["type"] for e in events] == [
        "charge.dispute.created",
        "charge.dispute.funds_withdrawn",
        "charge.dispute.updated",
        "charge.dispute.closed",
        "charge.dispute.funds_reinstated",
    ]
    shuffled = events[::-1] + random.Random(10).sample(events, len(events))  # reversed, then each again
    with on_commit():
        deliver(client, shuffled)
    dispute = Dispute.objects.get()
    assert dispute.status == "won" and dispute.funds_withdrawn_at and dispute.funds_reinstated_at
    assert dispute.amount == 2500 and dispute.closed_at is not None
    assert len(_staff_mail()) == 1
    # The first delivered (funds_reinstated, status won) recorded it closed; the rest changed nothing.
    assert _outcome(events[-1]) == Outcome.DISPUTE.format(id=opened["id"], status="won")
    for late in events[:-1]:
        assert _outcome(late) == Outcome.DISPUTE_UNCHANGED.format(id=opened["id"])
    assert StripeEvent.objects.filter(type__startswith="charge.dispute.").count() == 5
    assert payment.pledge.transitions.filter(note__startswith="dispute").count() == 1


def test_a_late_update_never_reopens_a_closed_dispute(client, stripe_sandbox, giving_org, on_commit):
    payment = _paid_gift(client, stripe_sandbox, giving_org, on_commit)
    opened = stripe_sandbox.open_dispute(_charge_id(stripe_sandbox, payment), "inquiry", "general")
    stripe_sandbox.escalate_dispute(opened["id"])
    stripe_sandbox.close_dispute(opened["id"], "lost")
    by_type = {}
    for e in new_events(stripe_sandbox):
        by_type.setdefault(e["type"], e)
    with on_commit():
        deliver(client, [by_type["charge.dispute.closed"]])
        deliver(client, [by_type["charge.dispute.created"], by_type["charge.dispute.updated"]])
        deliver(client, [by_type["charge.dispute.funds_withdrawn"]])
    dispute = Dispute.objects.get()
    # The closed dispute's balance transactions told that the money left: the late funds_withdrawn adds nothing.
    withdrawn = by_type["charge.dispute.closed"]["data"]["object"]["balance_transactions"][0]["created"]
    assert dispute.status == "lost" and dispute.funds_withdrawn_at.timestamp() == withdrawn
    [note] = payment.pledge.transitions.filter(note__startswith="dispute").values_list("note", flat=True)
    assert note.startswith(f"dispute {opened['id']} opened: US$25.00, lost, reason general")
    for late in ("charge.dispute.created", "charge.dispute.updated", "charge.dispute.funds_withdrawn"):
        assert _outcome(by_type[late]) == Outcome.DISPUTE_UNCHANGED.format(id=opened["id"])


def test_an_inquiry_moves_forward_and_closes_without_money_moving(client, stripe_sandbox, giving_org, on_commit):
    payment = _paid_gift(client, stripe_sandbox, giving_org, on_commit)
    opened = stripe_sandbox.open_dispute(_charge_id(stripe_sandbox, payment), "inquiry", "general")
    with on_commit():
        deliver(client, new_events(stripe_sandbox))
    assert Dispute.objects.get().status == "warning_needs_response"
    stripe_sandbox.submit_dispute_evidence(opened["id"])
    stripe_sandbox.close_dispute(opened["id"], "won")
    with on_commit():
        deliver(client, new_events(stripe_sandbox))
    dispute = Dispute.objects.get()
    assert dispute.status == "warning_closed" and dispute.funds_withdrawn_at is None and not dispute.is_open


def test_a_dispute_of_a_charge_that_is_not_ours_answers_not_ours_without_calling_stripe(
    client, stripe_sandbox, giving_org
):
    factories.pledge(organization=giving_org)  # the portal has gifts of its own
    before = len(stripe_sandbox.api_requests)
    obj = {
        "id": "dp_someone_else",
        "object": "dispute",
        "amount": 1000,
        "currency": "usd",
        "charge": "ch_someone_else",
        "payment_intent": "pi_someone_else",
        "status": "needs_response",
        "reason": "general",
        "created": 1_700_000_000,
        "evidence_details": {"due_by": 1_700_600_000},
        "balance_transactions": [],
    }
    for event_type in ("charge.dispute.created", "charge.dispute.closed"):
        payload = event(event_type, obj, event_id=f"evt_{event_type.replace('.', '_')}")
        assert post_event(client, payload).status_code == 200
        assert post_event(client, payload).status_code == 200
        assert _outcome(payload) == Outcome.NOT_OURS
    assert not Dispute.objects.exists()
    assert stripe_sandbox.api_requests[before:] == []


def test_a_dispute_before_its_payments_news_is_retried_then_recorded(client, stripe_sandbox, giving_org, on_commit):
    client.post(f"/donations/give/{giving_org.slug}/", give_data())
    pledge = Pledge.objects.get()
    pay_on_checkout_page(pledge.stripe_checkout_url)
    payment_events = new_events(stripe_sandbox)
    intent = stripe_sandbox.store.get("checkout.session", pledge.stripe_checkout_session_id)["payment_intent"]
    stripe_sandbox.open_dispute(stripe_sandbox.store.get("payment_intent", intent)["latest_charge"])
    created = new_events(stripe_sandbox)[0]
    assert post_event(client, created).status_code == 500  # Stripe delivers it again later
    assert not StripeEvent.objects.filter(event_id=created["id"]).exists()
    with on_commit():
        deliver(client, payment_events + [created])
    assert Dispute.objects.get().payment == Payment.objects.get(pledge=pledge)


def test_a_dispute_of_a_monthly_renewal_before_any_of_its_news_is_retried_then_recorded(
    client, stripe_sandbox, giving_org, on_commit
):
    """Found by the webhook storm (bench/storm.py): a renewal's payment intent does not name the pledge, so its
    dispute, arriving before the renewal's invoice.paid (or even the gift's checkout), was answered "not ours" and
    lost for good. Its invoice names the pledge: the event is answered 500 until the payment is recorded."""
    pledge, _ = start_monthly_gift(client, stripe_sandbox, giving_org)
    invoice = stripe_sandbox.advance(_subscription_of(stripe_sandbox, pledge))
    paid = [p for p in stripe_sandbox.store.all("invoice_payment") if p["invoice"] == invoice["id"]]
    intent = paid[0]["payment"]["payment_intent"]
    opened = stripe_sandbox.open_dispute(stripe_sandbox.store.get("payment_intent", intent)["latest_charge"])
    stripe_sandbox.close_dispute(opened["id"], "lost")
    news = new_events(stripe_sandbox)
    disputes = [e for e in news if e["type"].startswith("charge.dispute.")]
    for dispute_event in disputes[::-1]:  # before the gift's checkout and the renewal's invoice.paid
        assert post_event(client, dispute_event).status_code == 500  # Stripe delivers it again later
    assert not StripeEvent.objects.filter(type__startswith="charge.dispute.").exists()
    with on_commit():
        deliver(client, [e for e in news if e not in disputes] + disputes[::-1])
    renewal = Payment.objects.get(pledge=pledge, stripe_payment_intent_id=intent)
    dispute = Dispute.objects.get()
    assert (dispute.payment, dispute.status, dispute.amount) == (renewal, "lost", 50000)


def _subscription_of(sandbox, pledge) -> str:
    return sandbox.store.get("checkout.session", pledge.stripe_checkout_session_id)["subscription"]


def test_a_dispute_larger_than_its_payment_is_flagged_not_recorded(client, stripe_sandbox, giving_org, on_commit):
    payment = _paid_gift(client, stripe_sandbox, giving_org, on_commit)
    stripe_sandbox.open_dispute(_charge_id(stripe_sandbox, payment), "chargeback", "fraudulent")
    created = new_events(stripe_sandbox)[0]
    created["id"] += "_tampered"
    created["data"]["object"].update(amount=999_999, currency="eur")
    deliver(client, [created])
    assert _outcome(created).startswith("flagged: dispute ")
    pledge = Pledge.objects.get(pk=payment.pledge_id)
    assert "999999 EUR" in pledge.stripe_mismatch and not Dispute.objects.exists()


def test_staff_email_goes_to_active_staff_allowed_to_view_disputes_only(
    client, stripe_sandbox, giving_org, on_commit, dispute_staff, superuser, staff_without_permissions
):
    factories.user(username="gone", email="gone@portal.example", is_staff=True, is_active=False, is_superuser=True)
    factories.member(organization=giving_org, email="member@org.example")
    payment = _paid_gift(client, stripe_sandbox, giving_org, on_commit)
    stripe_sandbox.open_dispute(_charge_id(stripe_sandbox, payment), "inquiry", "general")
    with on_commit():
        deliver(client, new_events(stripe_sandbox))
    [notice] = _staff_mail()
    assert sorted(notice.to) == sorted([dispute_staff.email, superuser.email])


def test_admin_lists_open_disputes_first_with_deadline_and_stripe_link(
    client, stripe_sandbox, giving_org, on_commit, dispute_staff
):
    first = _paid_gift(client, stripe_sandbox, giving_org, on_commit, submission_key="c" * 32)
    second = _paid_gift(client, stripe_sandbox, giving_org, on_commit, submission_key="d" * 32)
    lost = stripe_sandbox.open_dispute(_charge_id(stripe_sandbox, first), "chargeback", "fraudulent")
    stripe_sandbox.close_dispute(lost["id"], "lost")
    still_open = stripe_sandbox.open_dispute(_charge_id(stripe_sandbox, second), "chargeback", "general")
    with on_commit():
        deliver(client, new_events(stripe_sandbox))
    staff_client = client.__class__(HTTP_HOST="127.0.0.1")
    factories.sign_in(staff_client, dispute_staff, verified=True)
    page = staff_client.get("/admin/donations/dispute/").content.decode()
    assert page.index(still_open["id"]) < page.index(lost["id"])  # open first
    assert f"{stripe_sandbox.url}/_sandbox/#{still_open['id']}" in page
    assert DONOR_EMAIL not in page and DONOR_NAME not in page
    open_only = staff_client.get("/admin/donations/dispute/?open=yes").content.decode()
    assert still_open["id"] in open_only and lost["id"] not in open_only
    lost_only = staff_client.get("/admin/donations/dispute/?status__exact=lost").content.decode()
    assert lost["id"] in lost_only and still_open["id"] not in lost_only
    record = Dispute.objects.get(stripe_dispute_id=still_open["id"])
    detail = staff_client.get(f"/admin/donations/dispute/{record.pk}/change/")
    assert detail.status_code == 200 and "evidence due by" in detail.content.decode().lower()
    assert staff_client.post(f"/admin/donations/dispute/{record.pk}/delete/").status_code == 403
    pledge_page = staff_client.get(f"/admin/donations/pledge/{second.pledge_id}/change/").content.decode()
    assert f"/admin/donations/dispute/{record.pk}/change/" in pledge_page


def test_dashboard_link_points_to_stripe_in_test_and_live_mode(settings):
    from donations import stripe_gateway as gateway

    settings.STRIPE_SANDBOX, settings.STRIPE_LIVE = False, False
    assert gateway.dashboard_url("disputes/dp_1") == "https://dashboard.stripe.com/test/disputes/dp_1"
    settings.STRIPE_LIVE = True
    assert gateway.dashboard_url("disputes/dp_1") == "https://dashboard.stripe.com/disputes/dp_1"


def test_staff_clear_a_stripe_mismatch_flag_and_the_history_keeps_who(
    superuser_client, superuser, staff_without_permissions_client, giving_org
):
    from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME

    pledge = factories.pledge(organization=giving_org)
    Pledge.objects.filter(pk=pledge.pk).update(stripe_mismatch="invoice in_1 reports 1 USD; the pledge is 2500 USD")
    form = {"action": "clear_stripe_mismatch", ACTION_CHECKBOX_NAME: [pledge.pk]}
    staff_without_permissions_client.post("/admin/donations/pledge/", form)
    assert Pledge.objects.get(pk=pledge.pk).stripe_mismatch  # no permission: nothing cleared
    response = superuser_client.post("/admin/donations/pledge/", form, follow=True)
    assert "1 Stripe mismatch flag cleared." in response.content.decode()
    assert Pledge.objects.get(pk=pledge.pk).stripe_mismatch == ""
    line = PledgeTransition.objects.get(pledge=pledge)
    assert line.source == PledgeTransition.Source.STAFF and line.from_status == line.to_status
    assert line.note == (
        f"Stripe mismatch cleared by {superuser.get_username()} after checking: "
        "invoice in_1 reports 1 USD; the pledge is 2500 USD"
    )
    superuser_client.post("/admin/donations/pledge/", form)  # again: nothing to clear, nothing written
    assert PledgeTransition.objects.filter(pledge=pledge).count() == 1


def test_report_counts_disputes_from_stripe_per_currency(client, stripe_sandbox, giving_org, on_commit):
    from django.test import Client

    from reports import disputes, selectors

    lost = _paid_gift(client, stripe_sandbox, giving_org, on_commit, submission_key="e" * 32)
    won = _paid_gift(client, stripe_sandbox, giving_org, on_commit, submission_key="f" * 32)
    krw = _paid_gift(
        client, stripe_sandbox, giving_org, on_commit, submission_key="a" * 32, currency="KRW", amount_choice="50000"
    )
    for payment, outcome in ((lost, "lost"), (won, "won"), (krw, None)):
        opened = stripe_sandbox.open_dispute(_charge_id(stripe_sandbox, payment), "chargeback", "fraudulent")
        if outcome:
            stripe_sandbox.close_dispute(opened["id"], outcome)
    with on_commit():
        deliver(client, new_events(stripe_sandbox))
    filters = selectors.ReportFilters.default()
    rows = disputes.with_disputes(
        selectors.report_totals(giving_org, filters), disputes.dispute_totals(giving_org, filters)
    )
    figures = {r.currency: (r.received, r.lost_to_disputes, r.under_dispute, r.net) for r in rows}
    assert figures == {"USD": (5000, 2500, 0, 2500), "KRW": (50000, 0, 50000, 50000)}
    member = Client(HTTP_HOST="127.0.0.1")
    member.force_login(factories.member(organization=giving_org))
    page = member.get(f"/reports/{giving_org.slug}/").text
    assert "Lost to disputes" in page and DONOR_NAME not in page and DONOR_EMAIL not in page


def test_dispute_list_query_count_does_not_grow_and_payment_page_shows_its_disputes(superuser_client, giving_org):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def add(n):
        for _ in range(n):
            payment = factories.payment(pledge=factories.pledge(organization=giving_org, status="paid"))
            Dispute.objects.create(
                payment=payment,
                organization=giving_org,
                stripe_dispute_id=f"dp_{payment.stripe_id}",
                amount=payment.amount,
                currency=payment.currency,
                status="needs_response",
            )

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert superuser_client.get("/admin/donations/dispute/").status_code == 200
        return len(queries)

    add(2)
    few = count()
    add(30)
    assert count() == few
    dispute = Dispute.objects.first()
    page = superuser_client.get(f"/admin/donations/payment/{dispute.payment_id}/change/").content.decode()
    assert dispute.stripe_dispute_id in page and f"/admin/donations/dispute/{dispute.pk}/change/" in page
