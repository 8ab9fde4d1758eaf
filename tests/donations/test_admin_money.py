"""The staff back office for money: read-only records, actions through the services and the sandbox."""

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from donations.models import Payment, Pledge, PledgeStatus, Refund, StripeEvent
from donations.services.refunds import payment_refundable
from tests import factories
from tests.donations.conftest import deliver, give_data, new_events, pay_on_checkout_page, receipts
from tests.donations.webhook_helpers import event, post_event
from tests.live import one_at_a_time

pytestmark = pytest.mark.django_db


def _paid_gift(client, stripe_sandbox, org, **overrides) -> Payment:
    client.post(f"/donations/give/{org.slug}/", give_data(**overrides))
    pledge = Pledge.objects.order_by("-pk").first()
    pay_on_checkout_page(pledge.stripe_checkout_url)
    deliver(client, new_events(stripe_sandbox))
    return Payment.objects.get(pledge=pledge)


def _action(superuser_client, model, action, objects, **extra):
    return superuser_client.post(
        f"/admin/donations/{model}/",
        {"action": action, ACTION_CHECKBOX_NAME: [obj.pk for obj in objects], **extra},
        follow=True,
    )


def _refund(client, payment, *, amount: str, request_key: str, reason: str = "The donor asked"):
    """Send the refund confirmation page for one payment, as staff would."""
    extra = {"apply": "1", "amount": amount, "request_key": request_key, "reason": reason}
    return _action(client, "payment", "refund", [payment], **extra)


def test_members_and_donors_never_reach_the_admin(org_a, donor):
    for user in (factories.member(organization=org_a), donor):
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(user)
        for url in (
            "/admin/",
            "/admin/donations/pledge/",
            "/admin/donations/payment/",
            "/admin/donations/stripeevent/",
        ):
            response = client.get(url)
            assert response.status_code == 302 and "/admin/login/" in response["Location"]


@pytest.mark.parametrize("model", ["pledge", "payment", "refund", "stripeevent"])
def test_changelist_query_count_does_not_grow_with_rows(superuser_client, model):
    org = factories.giving_organization()
    program = factories.program(organization=org)

    def add(n):
        for i in range(n):
            pledge = factories.pledge(organization=org, program=program if i % 2 else None, status="paid")
            payment = factories.payment(pledge=pledge)
            factories.refund(payment=payment, amount=100)
            StripeEvent.objects.create(
                event_id=f"evt_{pledge.pk}", type="charge.refunded", created=payment.paid_at, payload={"id": pledge.pk}
            )

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert superuser_client.get(f"/admin/donations/{model}/").status_code == 200
        return len(queries)

    add(3)
    few = count()
    add(40)
    assert count() == few


def test_search_by_email_reference_and_stripe_ids(superuser_client):
    org = factories.giving_organization()
    pledge = factories.pledge(organization=org, donor_email="findme@example.org", stripe_subscription_id="sub_find")
    factories.payment(pledge=pledge, stripe_id="pi_findme")
    factories.pledge(organization=org, donor_email="other@example.org")
    for term in ("findme@example.org", pledge.reference, "sub_find", "pi_findme"):
        result = superuser_client.get("/admin/donations/pledge/", {"q": term}).context["cl"].result_list
        assert [p.pk for p in result] == [pledge.pk], term
    payments = superuser_client.get("/admin/donations/payment/", {"q": "findme@example.org"}).context["cl"].result_list
    assert len(payments) == 1


def test_records_are_read_only_with_history_inline(superuser_client):
    org = factories.giving_organization()
    pledge = factories.pledge(organization=org)
    from donations.services.transitions import pledge_transition

    pledge_transition(pledge=pledge, to="paid", source="webhook", stripe_event_id="evt_x")
    page = superuser_client.get(f"/admin/donations/pledge/{pledge.pk}/change/")
    assert page.status_code == 200
    assert "evt_x" in page.text and 'name="_save"' not in page.text
    response = superuser_client.post(f"/admin/donations/pledge/{pledge.pk}/change/", {"status": "refunded"})
    assert response.status_code == 403
    pledge.refresh_from_db()
    assert pledge.status == "paid"
    assert superuser_client.get("/admin/donations/pledge/add/").status_code == 403


def test_partial_then_full_refund_through_stripe(client, superuser_client, stripe_sandbox, giving_org):
    payment = _paid_gift(client, stripe_sandbox, giving_org)
    confirm = _action(superuser_client, "payment", "refund", [payment])
    assert "Still refundable" in confirm.text and "US$25.00" in confirm.text
    assert not Refund.objects.exists()

    key = confirm.context["form"]["request_key"].value()
    too_much = _refund(superuser_client, payment, amount="30", request_key=key)
    assert "Refund between" in too_much.text and not Refund.objects.exists()

    done = _refund(superuser_client, payment, amount="10", request_key=key)
    assert "Refunded US$10.00" in done.text
    again = _refund(superuser_client, payment, amount="10", request_key=key)
    assert "Refunded US$10.00" in again.text  # the same confirmation sent twice: one refund
    refund = Refund.objects.get()
    assert (refund.amount, refund.source) == (1000, Refund.Source.STAFF)
    charge = stripe_sandbox.store.get("payment_intent", payment.stripe_payment_intent_id)["latest_charge"]
    assert stripe_sandbox.store.get("charge", charge)["amount_refunded"] == 1000

    deliver(client, new_events(stripe_sandbox))  # Stripe's charge.refunded for the same refund: no double
    assert Refund.objects.count() == 1

    assert len(stripe_sandbox.store.all("refund")) == 1
    second = _action(superuser_client, "payment", "refund", [payment]).context["form"]["request_key"].value()
    assert second != key
    _refund(superuser_client, payment, amount="15", request_key=second)
    assert sum(Refund.objects.values_list("amount", flat=True)) == 2500
    assert Pledge.objects.get().status == PledgeStatus.REFUNDED


@pytest.mark.django_db(transaction=True)
def test_staff_refund_says_who_and_why_when_the_webhook_comes_before_stripes_answer(
    client, live_server, superuser, superuser_client, stripe_sandbox, giving_org
):
    payment = _paid_gift(client, stripe_sandbox, giving_org)
    stripe_sandbox.delivery = "sync"  # this test needs the order: charge.refunded comes before the API's answer
    stripe_sandbox.set_webhook_url(live_server.url + "/donations/stripe/webhook/")
    key = "e" * 32
    response = _refund(superuser_client, payment, amount="10", reason="Gave twice by mistake", request_key=key)
    assert "Refunded US$10.00" in response.text
    assert StripeEvent.objects.filter(type="charge.refunded").exists()  # the webhook arrived (before the answer)
    refund = Refund.objects.get()
    assert (refund.source, refund.request_key) == (Refund.Source.STAFF, key)
    assert (refund.requested_by, refund.reason) == (superuser, "Gave twice by mistake")
    assert (refund.amount, refund.status) == (1000, "succeeded") and refund.stripe_refund_id.startswith("re_")
    assert payment_refundable(payment) == 1500


@pytest.mark.django_db(transaction=True)
def test_staff_refund_with_webhooks_after_stripes_answer_in_any_order(
    client, live_server, superuser, superuser_client, stripe_sandbox, giving_org
):
    payment = _paid_gift(client, stripe_sandbox, giving_org)
    stripe_sandbox.set_webhook_url(live_server.url + "/donations/stripe/webhook/")  # async, as Stripe: the default
    key = "e" * 32
    with one_at_a_time():  # its webhooks wait for the page to finish (tests/live.py)
        response = _refund(superuser_client, payment, amount="10", reason="Gave twice by mistake", request_key=key)
    assert "Refunded US$10.00" in response.text
    stripe_sandbox.wait_for_deliveries()
    assert StripeEvent.objects.filter(type="charge.refunded").exists()
    refund = Refund.objects.get()
    assert (refund.source, refund.request_key, refund.requested_by) == (Refund.Source.STAFF, key, superuser)
    assert (refund.amount, refund.status) == (1000, "succeeded") and payment_refundable(payment) == 1500
    assert Pledge.objects.get().status == PledgeStatus.PAID


def test_a_refund_needs_a_reason(client, superuser_client, stripe_sandbox, giving_org):
    payment = _paid_gift(client, stripe_sandbox, giving_org)
    response = _refund(superuser_client, payment, amount="10", reason=" ", request_key="d" * 32)
    assert "Why this refund" in response.text and "This field is required." in response.text
    assert not Refund.objects.exists() and not stripe_sandbox.store.all("refund")


@pytest.mark.slow  # waits out the SDK's real retry back-off
def test_refund_failure_from_stripe_is_shown_and_nothing_is_recorded(
    client, superuser_client, stripe_sandbox, giving_org
):
    payment = _paid_gift(client, stripe_sandbox, giving_org)
    stripe_sandbox.set_fault("error", count=3)
    key = "f" * 32
    response = _refund(superuser_client, payment, amount="5", request_key=key)
    assert "Stripe is busy or did not answer" in response.text and "try again in a moment" in response.text
    assert not Refund.objects.exists()


def test_rate_limited_refund_says_try_again_and_the_retry_refunds_once(
    client, superuser_client, stripe_sandbox, giving_org
):
    payment = _paid_gift(client, stripe_sandbox, giving_org)
    stripe_sandbox.set_fault("rate_limit", count=100, path_prefix="/v1/refunds")
    key = "e" * 32
    response = _refund(superuser_client, payment, amount="5", request_key=key)
    assert "try again in a moment" in response.text and "Stripe did not refund" not in response.text
    assert not Refund.objects.exists() and not stripe_sandbox.store.all("refund")
    stripe_sandbox.set_fault("none")
    response = _refund(superuser_client, payment, amount="5", request_key=key)
    assert "Refunded" in response.text
    assert Refund.objects.count() == 1 and len(stripe_sandbox.store.all("refund")) == 1


def test_resend_receipt(client, superuser_client, stripe_sandbox, giving_org, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        payment = _paid_gift(client, stripe_sandbox, giving_org)
    assert len(receipts()) == 1
    response = _action(superuser_client, "payment", "resend_receipt", [payment])
    assert "1 receipt queued." in response.text
    assert len(receipts()) == 2 and receipts()[-1].to == ["dana@example.org"]


def test_cancel_a_monthly_gift_from_the_admin(client, superuser_client, stripe_sandbox, giving_org_with_program):
    payment = _paid_gift(
        client, stripe_sandbox, giving_org_with_program, frequency="monthly", currency="KRW", amount_choice="50000"
    )
    pledge = payment.pledge
    pledge.refresh_from_db()
    response = _action(superuser_client, "pledge", "stop_monthly", [pledge])
    assert "1 monthly gift stopped." in response.text
    pledge.refresh_from_db()
    assert pledge.status == PledgeStatus.CANCELED
    assert stripe_sandbox.store.get("subscription", pledge.stripe_subscription_id)["status"] == "canceled"


def test_export_selection_as_csv_escapes_cells(superuser_client):
    org = factories.giving_organization()
    pledge = factories.pledge(organization=org, dedication="=cmd|' /C calc'!A0", status="paid")
    factories.payment(pledge=pledge)
    response = _action(superuser_client, "pledge", "export_csv", [pledge])
    body = b"".join(response.streaming_content).decode()
    assert "'=cmd" in body and pledge.reference in body and "25.00" in body


def test_event_log_shows_the_payload(superuser_client, client):
    post_event(client, event("customer.created", {"id": "cus_log", "object": "customer"}, event_id="evt_log"))
    record = StripeEvent.objects.get()
    page = superuser_client.get(f"/admin/donations/stripeevent/{record.pk}/change/").text
    assert "cus_log" in page and "ignored: unhandled type" in page


def test_view_only_staff_cannot_act_on_money(client, stripe_sandbox, giving_org, staff_without_permissions):
    from django.contrib.auth.models import Permission

    payment = _paid_gift(client, stripe_sandbox, giving_org)
    viewer = staff_without_permissions
    viewer.user_permissions.add(*Permission.objects.filter(codename__in=["view_payment", "view_pledge"]))
    auditor = factories.sign_in(Client(HTTP_HOST="127.0.0.1"), viewer, verified=True)
    page = auditor.get("/admin/donations/payment/")
    assert page.status_code == 200 and "Refund the selected payment" not in page.text
    response = _refund(auditor, payment, amount="5", request_key="a" * 32)
    assert not Refund.objects.exists()
    assert response.status_code == 200


def _readonly(page, value: str) -> bool:
    return f'<div class="readonly">{value}</div>' in page.text


def test_record_pages_show_amounts_and_link_payments_refunds_and_stripe_ids(superuser_client):
    org = factories.giving_organization()
    pledge = factories.pledge(
        organization=org, gift_amount=10000, fee_amount=320, stripe_checkout_session_id="cs_linked"
    )
    payment = factories.payment(pledge=pledge, stripe_id="pi_linked")
    refund = factories.refund(payment=payment, stripe_refund_id="re_linked", amount=2500)
    payment_url = f"/admin/donations/payment/{payment.pk}/change/"
    refund_url = f"/admin/donations/refund/{refund.pk}/change/"
    pledge_url = f"/admin/donations/pledge/{pledge.pk}/change/"

    page = superuser_client.get(pledge_url)
    for amount in ("US$100.00", "US$3.20", "US$103.20"):
        assert _readonly(page, amount), amount
    assert not any(_readonly(page, minor) for minor in ("10000", "320", "10320"))
    assert f'<a href="{payment_url}">pi_linked</a>' in page.text
    assert f'<a href="{refund_url}">re_linked</a>: US$25.00 (succeeded)' in page.text
    assert 'href="/admin/donations/stripeevent/?q=cs_linked"' in page.text

    page = superuser_client.get(payment_url)
    assert _readonly(page, "US$103.20") and not _readonly(page, "10320")
    assert f'<a href="{refund_url}">re_linked</a>' in page.text and f'href="{pledge_url}"' in page.text
    assert 'href="/admin/donations/stripeevent/?q=pi_linked"' in page.text

    page = superuser_client.get(refund_url)
    assert _readonly(page, "US$25.00") and not _readonly(page, "2500")
    assert f'href="{payment_url}"' in page.text and f'<a href="{pledge_url}">{pledge.reference}</a>' in page.text


def test_charge_ids_find_payments_through_the_stripe_events_that_named_them(superuser_client):
    org = factories.giving_organization()
    refunded = factories.payment(pledge=factories.pledge(organization=org), stripe_id="pi_refunded")
    disputed = factories.payment(pledge=factories.pledge(organization=org), stripe_id="pi_disputed")
    factories.payment(pledge=factories.pledge(organization=org), stripe_id="pi_other")
    charge = {"id": "ch_refunded", "object": "charge", "payment_intent": "pi_refunded"}
    dispute = {"id": "dp_1", "object": "dispute", "charge": "ch_disputed", "payment_intent": "pi_disputed"}
    for n, (kind, obj) in enumerate([("charge.refunded", charge), ("charge.dispute.created", dispute)]):
        StripeEvent.objects.create(
            event_id=f"evt_ch_{n}", type=kind, created=refunded.paid_at, payload={"type": kind, "data": {"object": obj}}
        )

    def found(term: str) -> list[int]:
        page = superuser_client.get("/admin/donations/payment/", {"q": term})
        return [payment.pk for payment in page.context["cl"].result_list]

    assert found("ch_refunded") == [refunded.pk]
    assert found(" ch_disputed ") == [disputed.pk]
    assert found("ch_never_seen") == []
    assert "Charge ids are not stored" in superuser_client.get("/admin/donations/payment/").text


def test_event_log_is_searchable_by_pledge_reference_payment_intent_and_checkout_session(superuser_client, client):
    session = {"id": "cs_logged", "object": "checkout.session", "client_reference_id": "PLOGGEDREFERENCE"}
    session["payment_intent"] = "pi_logged"
    post_event(client, event("checkout.session.completed", session, event_id="evt_session"))
    post_event(client, event("customer.created", {"id": "cus_other", "object": "customer"}, event_id="evt_other"))
    assert StripeEvent.objects.count() == 2
    for term in ("PLOGGEDREFERENCE", "ploggedreference", "pi_logged", "cs_logged", "evt_session"):
        page = superuser_client.get("/admin/donations/stripeevent/", {"q": term})
        assert [e.event_id for e in page.context["cl"].result_list] == ["evt_session"], term
