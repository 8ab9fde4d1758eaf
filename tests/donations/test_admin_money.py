"""The staff back office for money: read-only records, actions through the services and the sandbox."""

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from donations.models import Payment, Pledge, PledgeStatus, Refund, StripeEvent
from tests import factories
from tests.donations.conftest import deliver, give_data, new_events, pay_on_checkout_page, receipts
from tests.donations.webhook_helpers import event, post_event

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


def test_members_and_donors_never_reach_the_admin(org_a, donor):
    for user in (factories.member(organization=org_a, role="manager"), donor):
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
    too_much = _action(superuser_client, "payment", "refund", [payment], apply="1", amount="30", request_key=key)
    assert "Refund between" in too_much.text and not Refund.objects.exists()

    done = _action(superuser_client, "payment", "refund", [payment], apply="1", amount="10", request_key=key)
    assert "Refunded US$10.00" in done.text
    again = _action(superuser_client, "payment", "refund", [payment], apply="1", amount="10", request_key=key)
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
    _action(superuser_client, "payment", "refund", [payment], apply="1", amount="15", request_key=second)
    assert sum(Refund.objects.values_list("amount", flat=True)) == 2500
    assert Pledge.objects.get().status == PledgeStatus.REFUNDED


def test_refund_failure_from_stripe_is_shown_and_nothing_is_recorded(
    client, superuser_client, stripe_sandbox, giving_org
):
    payment = _paid_gift(client, stripe_sandbox, giving_org)
    stripe_sandbox.set_fault("error", count=3)
    key = "f" * 32
    response = _action(superuser_client, "payment", "refund", [payment], apply="1", amount="5", request_key=key)
    assert "Stripe did not refund" in response.text
    assert not Refund.objects.exists()


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


def test_staff_invite_a_member_who_sets_a_password_and_reads_reports(superuser_client, org_a):
    org = org_a
    page = superuser_client.get(f"/admin/orgs/organization/{org.pk}/change/")
    assert f"/admin/orgs/organization/{org.pk}/invite/" in page.text
    response = superuser_client.post(
        f"/admin/orgs/organization/{org.pk}/invite/", {"email": "New.Member@Example.org", "role": "viewer"}
    )
    assert response.status_code == 302
    message = mail.outbox[-1]
    assert message.to == ["new.member@example.org"]
    reset_url = next(line for line in message.body.splitlines() if "/accounts/reset/" in line).strip()
    path = reset_url[reset_url.index("/accounts/") :]

    member = Client(HTTP_HOST="127.0.0.1")
    form_page = member.get(path, follow=True)
    assert form_page.status_code == 200 and "Choose a new password" in form_page.text
    done = member.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "a long new passphrase 42", "new_password2": "a long new passphrase 42"},
    )
    assert done.status_code == 302
    assert member.login(username="new.member@example.org", password="a long new passphrase 42")
    assert member.get("/reports/alpha/").status_code == 200
    assert member.get("/admin/").status_code == 302


def test_sign_in_page_is_in_the_portals_look(client):
    page = client.get("/accounts/login/")
    assert page.status_code == 200 and "Organization sign-in" in page.text and "navbar" in page.text
    assert client.get("/accounts/password_reset/").status_code == 200


def test_view_only_staff_cannot_act_on_money(client, stripe_sandbox, giving_org, staff_without_permissions):
    from django.contrib.auth.models import Permission

    payment = _paid_gift(client, stripe_sandbox, giving_org)
    viewer = staff_without_permissions
    viewer.user_permissions.add(*Permission.objects.filter(codename__in=["view_payment", "view_pledge"]))
    auditor = Client(HTTP_HOST="127.0.0.1")
    auditor.force_login(viewer)
    page = auditor.get("/admin/donations/payment/")
    assert page.status_code == 200 and "Refund the selected payment" not in page.text
    response = _action(auditor, "payment", "refund", [payment], apply="1", amount="5", request_key="a" * 32)
    assert not Refund.objects.exists()
    assert response.status_code == 200


def test_invite_handles_taken_usernames_and_unsendable_email(superuser_client, org_a, settings):
    from django.contrib.auth import get_user_model

    org = org_a
    factories.user(username="taken@example.org", email="someone-else@example.org")
    response = superuser_client.post(
        f"/admin/orgs/organization/{org.pk}/invite/", {"email": "Taken@Example.org", "role": "viewer"}
    )
    assert response.status_code == 302
    invited = get_user_model().objects.get(email="taken@example.org")
    assert invited.username.startswith("member-") and not invited.has_usable_password()

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 1, 2  # nothing listens there
    response = superuser_client.post(
        f"/admin/orgs/organization/{org.pk}/invite/", {"email": "offline@example.org", "role": "viewer"}, follow=True
    )
    assert "the email could not be sent" in response.text
    assert get_user_model().objects.get(email="offline@example.org").memberships.count() == 1


def test_an_invited_member_can_ask_for_a_new_link_from_the_sign_in_page(superuser_client, org_a):
    org = org_a
    superuser_client.post(f"/admin/orgs/organization/{org.pk}/invite/", {"email": "late@example.org", "role": "viewer"})
    mail.outbox.clear()
    Client(HTTP_HOST="127.0.0.1").post("/accounts/password_reset/", {"email": "late@example.org"})
    assert len(mail.outbox) == 1 and "/accounts/reset/" in mail.outbox[0].body
    mail.outbox.clear()
    stranger = factories.user(username="nobody", email="nopass@example.org")
    stranger.set_unusable_password()
    stranger.save()
    Client(HTTP_HOST="127.0.0.1").post("/accounts/password_reset/", {"email": "nopass@example.org"})
    assert mail.outbox == []  # no password and no membership: not an account the portal invited


def test_sign_in_is_case_insensitive(db):
    factories.member(organization=factories.giving_organization(), username="kim@example.org", password="right-pass-1")
    client = Client(HTTP_HOST="127.0.0.1")
    assert (
        client.post("/accounts/login/", {"username": "Kim@Example.org", "password": "right-pass-1"}).status_code == 302
    )


def test_sign_in_attempts_are_throttled(settings, db):
    settings.LOGIN_RATE_LIMIT = 3
    factories.member(organization=factories.giving_organization(), username="lee@example.org", password="right-pass-1")
    guesser = Client(HTTP_HOST="127.0.0.1", REMOTE_ADDR="198.51.100.4")
    for _ in range(3):
        assert "Too many" not in guesser.post("/accounts/login/", {"username": "lee@example.org", "password": "x"}).text
    blocked = guesser.post("/accounts/login/", {"username": "lee@example.org", "password": "right-pass-1"})
    assert blocked.status_code == 200 and "Too many sign-in attempts" in blocked.text
    admin_guess = Client(HTTP_HOST="127.0.0.1", REMOTE_ADDR="198.51.100.5")
    for _ in range(3):
        admin_guess.post("/admin/login/", {"username": "boss", "password": "x"})
    assert "Too many sign-in attempts" in admin_guess.post("/admin/login/", {"username": "boss", "password": "x"}).text
