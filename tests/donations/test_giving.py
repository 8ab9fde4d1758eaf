"""Giving end to end at the HTTP level: the portal, the real stripe SDK and the local Stripe sandbox."""

import pytest
from django.core import mail

from donations.models import Payment, Pledge, PledgeStatus, Refund, StripeEvent
from tests.donations.conftest import deliver, give_data, new_events, pay_on_checkout_page, receipts

pytestmark = pytest.mark.django_db


def _give(client, org, **overrides):
    return client.post(f"/donations/give/{org.slug}/", give_data(**overrides))


def _session(server, pledge):
    return server.store.get("checkout.session", pledge.stripe_checkout_session_id)


def test_single_gift_is_recorded_paid_exactly_once(client, stripe_sandbox, link, django_capture_on_commit_callbacks):
    response = _give(client, link, dedication="For my brother in Hyesan")
    assert response.status_code == 303
    pledge = Pledge.objects.get()
    assert response["Location"] == pledge.stripe_checkout_url
    assert response["Location"].startswith(stripe_sandbox.url + "/checkout/cs_test_")

    session = _session(stripe_sandbox, pledge)
    assert session["mode"] == "payment" and session["submit_type"] == "donate"
    assert session["client_reference_id"] == pledge.reference == session["metadata"]["pledge"]
    assert session["amount_total"] == 2500 and session["currency"] == "usd"
    assert session["customer_email"] == "dana@example.org"
    assert session["success_url"].endswith("/donations/thanks/?session_id={CHECKOUT_SESSION_ID}")
    assert "Hyesan" not in str(stripe_sandbox.state()) and "Hyesan" not in str(stripe_sandbox.events())

    status, location, _ = pay_on_checkout_page(pledge.stripe_checkout_url)
    assert status == 303 and location.endswith(f"session_id={pledge.stripe_checkout_session_id}")
    events = new_events(stripe_sandbox)
    assert [e["type"] for e in events][-1] == "checkout.session.completed"
    with django_capture_on_commit_callbacks(execute=True):
        deliver(client, events)
    with django_capture_on_commit_callbacks(execute=True):
        thanks = client.get(location.replace("http://testserver", ""))
    with django_capture_on_commit_callbacks(execute=True):
        deliver(client, events)  # Stripe delivers them all again

    pledge.refresh_from_db()
    assert pledge.status == PledgeStatus.PAID
    assert list(pledge.transitions.values_list("to_status", flat=True)) == ["paid"]
    payment = Payment.objects.get()
    assert (payment.amount, payment.currency, payment.stripe_id) == (
        2500,
        "USD",
        session["payment_intent"] or payment.stripe_id,
    )
    assert len(receipts()) == 1 and receipts()[0].to == ["dana@example.org"]
    assert "US$25.00" in thanks.text and "Liberty in North Korea" in thanks.text
    assert StripeEvent.objects.filter(outcome="duplicate").count() == 0  # duplicates are not stored twice
    assert StripeEvent.objects.count() == len(events)


def test_thanks_page_tells_another_browser_nothing(client, stripe_sandbox, link, django_capture_on_commit_callbacks):
    from django.test import Client

    _give(client, link)
    pledge = Pledge.objects.get()
    _, location, _ = pay_on_checkout_page(pledge.stripe_checkout_url)
    stranger = Client(HTTP_HOST="127.0.0.1")
    with django_capture_on_commit_callbacks(execute=True):
        page = stranger.get(location.replace("http://testserver", "")).text
    assert "US$25.00" not in page and pledge.reference not in page and "Dana" not in page
    assert "If you completed a gift" in page
    pledge.refresh_from_db()
    assert pledge.status == PledgeStatus.PAID  # the return page applied the session all the same
    assert len(receipts()) == 1


def test_monthly_krw_gift_to_a_program_with_second_month_and_stop_link(
    client, stripe_sandbox, hhk, django_capture_on_commit_callbacks
):
    program = hhk.programs.get()
    response = _give(client, hhk, currency="KRW", frequency="monthly", amount_choice="50000", program=str(program.pk))
    assert response.status_code == 303
    pledge = Pledge.objects.get()
    session = _session(stripe_sandbox, pledge)
    assert session["mode"] == "subscription" and session["amount_total"] == 50000 and session["currency"] == "krw"
    assert session.get("submit_type") is None

    pay_on_checkout_page(pledge.stripe_checkout_url)
    with django_capture_on_commit_callbacks(execute=True):
        deliver(client, new_events(stripe_sandbox))
    pledge.refresh_from_db()
    assert pledge.status == PledgeStatus.ACTIVE and pledge.stripe_subscription_id.startswith("sub_")
    assert Payment.objects.count() == 1 and Payment.objects.get().amount == 50000

    stripe_sandbox.advance(pledge.stripe_subscription_id)
    with django_capture_on_commit_callbacks(execute=True):
        deliver(client, new_events(stripe_sandbox))
    assert Payment.objects.filter(pledge=pledge).count() == 2
    assert len(receipts()) == 2
    second = Payment.objects.filter(pledge=pledge).order_by("pk").last()
    assert second.stripe_payment_intent_id  # kept, so a refund of this month finds it
    stripe_sandbox.dashboard_refund(
        stripe_sandbox.store.get("payment_intent", second.stripe_payment_intent_id)["latest_charge"]
    )
    deliver(client, new_events(stripe_sandbox))
    assert Refund.objects.get().payment == second
    pledge.refresh_from_db()
    assert pledge.status == PledgeStatus.ACTIVE  # a refunded month does not end a monthly gift
    receipt = receipts()[-1].body
    assert "₩50,000" in receipt and "Foster care" in receipt
    stop_url = next(line for line in receipt.splitlines() if "/donations/monthly/stop/" in line).strip()
    stop_path = stop_url[stop_url.index("/donations/") :]

    assert "Stop my monthly gift" in client.get(stop_path).text
    response = client.post(stop_path)
    assert response.status_code == 200 and "is stopped" in response.text
    assert stripe_sandbox.store.get("subscription", pledge.stripe_subscription_id)["status"] == "canceled"
    deliver(client, new_events(stripe_sandbox))  # customer.subscription.deleted: already stopped, no effect
    pledge.refresh_from_db()
    assert pledge.status == PledgeStatus.CANCELED
    assert list(pledge.transitions.values_list("to_status", flat=True)) == ["active", "canceled"]


def test_refund_made_in_stripe_dashboard_shows_up(client, stripe_sandbox, link, django_capture_on_commit_callbacks):
    _give(client, link)
    pledge = Pledge.objects.get()
    pay_on_checkout_page(pledge.stripe_checkout_url)
    deliver(client, new_events(stripe_sandbox))
    charge_id = stripe_sandbox.store.get("payment_intent", Payment.objects.get().stripe_payment_intent_id)[
        "latest_charge"
    ]

    stripe_sandbox.dashboard_refund(charge_id, amount=1000)
    deliver(client, new_events(stripe_sandbox))
    refund = Refund.objects.get()
    assert (refund.amount, refund.currency, refund.source) == (1000, "USD", Refund.Source.STRIPE)
    pledge.refresh_from_db()
    assert pledge.status == PledgeStatus.PAID  # partly refunded

    stripe_sandbox.dashboard_refund(charge_id)
    events = new_events(stripe_sandbox)
    deliver(client, events)
    deliver(client, events)
    assert Refund.objects.count() == 2 and sum(r.amount for r in Refund.objects.all()) == 2500
    pledge.refresh_from_db()
    assert pledge.status == PledgeStatus.REFUNDED


def test_declined_card_records_nothing_and_the_donor_can_try_again(client, stripe_sandbox, link):
    _give(client, link)
    pledge = Pledge.objects.get()
    status, _, body = pay_on_checkout_page(pledge.stripe_checkout_url, "decline")
    assert status in (200, 402) and "declined" in body.lower()
    deliver(client, new_events(stripe_sandbox))
    pledge.refresh_from_db()
    assert pledge.status == PledgeStatus.PENDING and not Payment.objects.exists()
    status, location, _ = pay_on_checkout_page(pledge.stripe_checkout_url)  # the same session, another card
    assert status == 303


def test_cancel_at_checkout_says_nothing_was_charged_with_the_form_filled_in(client, stripe_sandbox, link):
    _give(client, link, dedication="For Min-ji", amount_choice="other", other_amount="30")
    pledge = Pledge.objects.get()
    page = client.get(f"/donations/cancelled/{pledge.reference}/")
    assert page.status_code == 200
    assert "Nothing was charged" in page.text
    assert 'value="For Min-ji"' in page.text and 'value="30.00"' in page.text
    pledge.refresh_from_db()
    assert pledge.status == PledgeStatus.ABANDONED
    assert _session(stripe_sandbox, pledge)["status"] == "expired"
    deliver(client, new_events(stripe_sandbox))  # checkout.session.expired
    pledge.refresh_from_db()
    assert pledge.status == PledgeStatus.EXPIRED and not Payment.objects.exists()


def test_delayed_payment_that_settles(client, stripe_sandbox, link, django_capture_on_commit_callbacks):
    _give(client, link)
    pledge = Pledge.objects.get()
    pay_on_checkout_page(pledge.stripe_checkout_url, "delayed_success")
    deliver(client, new_events(stripe_sandbox))
    pledge.refresh_from_db()
    assert pledge.status == PledgeStatus.PROCESSING and not Payment.objects.exists()
    stripe_sandbox.settle(pledge.stripe_checkout_session_id, "succeed")
    with django_capture_on_commit_callbacks(execute=True):
        deliver(client, new_events(stripe_sandbox))
    pledge.refresh_from_db()
    assert pledge.status == PledgeStatus.PAID and Payment.objects.count() == 1 and len(receipts()) == 1


def test_delayed_payment_that_fails(client, stripe_sandbox, link):
    _give(client, link)
    pledge = Pledge.objects.get()
    pay_on_checkout_page(pledge.stripe_checkout_url, "delayed_failure")
    stripe_sandbox.settle(pledge.stripe_checkout_session_id, "fail")
    deliver(client, new_events(stripe_sandbox))
    pledge.refresh_from_db()
    assert pledge.status == PledgeStatus.FAILED and not Payment.objects.exists() and not mail.outbox


def _events_by_type(events):
    return {e["type"]: e for e in events}


def test_async_success_before_completed_and_a_late_failure(client, stripe_sandbox, link):
    _give(client, link)
    pledge = Pledge.objects.get()
    pay_on_checkout_page(pledge.stripe_checkout_url, "delayed_success")
    completed = _events_by_type(new_events(stripe_sandbox))["checkout.session.completed"]
    stripe_sandbox.settle(pledge.stripe_checkout_session_id, "succeed")
    succeeded = _events_by_type(new_events(stripe_sandbox))["checkout.session.async_payment_succeeded"]
    late_failure = {
        **succeeded,
        "id": "evt_late_failure",
        "type": "checkout.session.async_payment_failed",
    }
    deliver(client, [succeeded, completed, late_failure])
    pledge.refresh_from_db()
    assert pledge.status == PledgeStatus.PAID
    assert Payment.objects.count() == 1
    assert list(pledge.transitions.values_list("to_status", flat=True)) == ["paid"]


def test_refund_before_completed(client, stripe_sandbox, link):
    _give(client, link)
    pledge = Pledge.objects.get()
    pay_on_checkout_page(pledge.stripe_checkout_url)
    completed = _events_by_type(new_events(stripe_sandbox))["checkout.session.completed"]
    intent = stripe_sandbox.store.get("payment_intent", completed["data"]["object"]["payment_intent"])
    stripe_sandbox.dashboard_refund(intent["latest_charge"])
    refunded = _events_by_type(new_events(stripe_sandbox))["charge.refunded"]
    deliver(client, [refunded, completed, refunded])
    pledge.refresh_from_db()
    assert pledge.status == PledgeStatus.REFUNDED
    assert Payment.objects.count() == 1 and Refund.objects.count() == 1
    assert Refund.objects.get().amount == Payment.objects.get().amount == 2500


def test_stripe_down_keeps_the_pledge_and_a_retry_makes_one_session(client, stripe_sandbox, link):
    stripe_sandbox.set_fault("error", count=3)  # the first try and both network retries fail
    response = _give(client, link)
    assert response.status_code == 503
    assert "did not answer in time" in response.text and "Try again" in response.text
    pledge = Pledge.objects.get()
    assert pledge.status == PledgeStatus.PENDING and not pledge.stripe_checkout_session_id

    token = response.context["token"]
    assert client.post(f"/donations/pledges/{pledge.reference}/checkout/", {"token": "forged"}).status_code == 302
    retry = client.post(f"/donations/pledges/{pledge.reference}/checkout/", {"token": token})
    assert retry.status_code == 303
    again = _give(client, link)  # the same form submitted again (same submission key)
    assert again.status_code == 303 and again["Location"] == retry["Location"]
    assert len(stripe_sandbox.store.all("checkout.session")) == 1
    assert Pledge.objects.count() == 1


def test_stripe_timeout_then_retry_makes_one_session(client, stripe_sandbox, link, settings):
    settings.STRIPE_TIMEOUT_SECONDS = 1
    stripe_sandbox.set_fault("timeout", count=3, delay=1.5)
    response = _give(client, link)
    assert response.status_code == 503
    stripe_sandbox.set_fault("none")
    pledge = Pledge.objects.get()
    retry = client.post(f"/donations/pledges/{pledge.reference}/checkout/", {"token": response.context["token"]})
    assert retry.status_code == 303
    assert len(stripe_sandbox.store.all("checkout.session")) == 1  # the slow tries were replayed, not repeated


def test_double_click_makes_one_pledge_and_one_session(client, stripe_sandbox, link):
    first, second = _give(client, link), _give(client, link)
    assert first["Location"] == second["Location"]
    assert Pledge.objects.count() == 1 and len(stripe_sandbox.store.all("checkout.session")) == 1


def test_pledge_starts_are_rate_limited_per_address_and_email(client, stripe_sandbox, link, settings):
    from django.test import Client

    settings.PLEDGE_RATE_LIMIT = 2
    for n in range(2):
        assert _give(client, link, submission_key=f"{n}" * 32, donor_email=f"d{n}@example.org").status_code == 303
    blocked = _give(client, link, submission_key="c" * 32, donor_email="d9@example.org")
    assert blocked.status_code == 429 and "Too many attempts" in blocked.text
    other = Client(HTTP_HOST="127.0.0.1", REMOTE_ADDR="203.0.113.9")
    assert (
        other.post(
            "/donations/give/liberty-in-north-korea/", give_data(submission_key="d" * 32, donor_email="x@example.org")
        ).status_code
        == 303
    )
    same_email = Client(HTTP_HOST="127.0.0.1", REMOTE_ADDR="203.0.113.10")
    for key in ("e", "f"):
        same_email.post(
            "/donations/give/liberty-in-north-korea/", give_data(submission_key=key * 32, donor_email="y@example.org")
        )
    assert (
        same_email.post(
            "/donations/give/liberty-in-north-korea/", give_data(submission_key="1" * 32, donor_email="y@example.org")
        ).status_code
        == 429
    )
    assert Pledge.objects.count() == 5


def test_handling_failure_rolls_back_and_answers_500(client, stripe_sandbox, link):
    _give(client, link)
    pledge = Pledge.objects.get()
    pay_on_checkout_page(pledge.stripe_checkout_url)
    events = _events_by_type(new_events(stripe_sandbox))
    stripe_sandbox.dashboard_refund(
        stripe_sandbox.store.get(
            "payment_intent", events["checkout.session.completed"]["data"]["object"]["payment_intent"]
        )["latest_charge"]
    )
    refunded = _events_by_type(new_events(stripe_sandbox))["charge.refunded"]
    refunded["data"]["object"]["metadata"] = {}  # as on charges Stripe makes without our metadata
    stripe_sandbox.set_fault("error", count=3)  # the portal must ask Stripe whose charge this is, and cannot
    from tests.donations.webhook_helpers import post_event

    assert post_event(client, refunded).status_code == 500
    assert not StripeEvent.objects.filter(event_id=refunded["id"]).exists() and not Refund.objects.exists()
    stripe_sandbox.set_fault("none")
    assert post_event(client, refunded).status_code == 200  # Stripe's next delivery goes through
    assert Refund.objects.count() == 1


def test_webhook_query_count_does_not_grow_with_the_data(client, stripe_sandbox, link, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests import factories

    def one_gift_queries() -> int:
        _give(client, link, submission_key=None or __import__("uuid").uuid4().hex)
        pledge = Pledge.objects.order_by("-pk").first()
        pay_on_checkout_page(pledge.stripe_checkout_url)
        events = new_events(stripe_sandbox)
        with CaptureQueriesContext(connection) as queries:
            deliver(client, events)
        return len(queries)

    first = one_gift_queries()
    for _ in range(200):
        extra = factories.pledge(organization=link, status="paid")
        factories.payment(pledge=extra)
    assert one_gift_queries() == first


def test_connected_account_receives_the_money_with_the_platform_fee(client, stripe_sandbox, link, hhk):
    for org in (link, hhk):
        org.stripe_account_id, org.platform_fee_basis_points, org.statement_descriptor = (
            "acct_1Partner",
            250,
            "AID GIFT",
        )
        org.save()
    _give(client, link, amount_choice="10000")
    _give(client, hhk, submission_key="c" * 32, frequency="monthly", currency="KRW", amount_choice="50000")
    once, monthly = Pledge.objects.get(organization=link), Pledge.objects.get(organization=hhk)
    pay_on_checkout_page(once.stripe_checkout_url)
    pay_on_checkout_page(monthly.stripe_checkout_url)
    intent = stripe_sandbox.store.get("payment_intent", _session(stripe_sandbox, once)["payment_intent"])
    assert intent["transfer_data"]["destination"] == "acct_1Partner"
    assert intent["application_fee_amount"] == 250  # 2.5% of US$100.00
    assert intent["statement_descriptor_suffix"] == "AID GIFT"
    subscription = stripe_sandbox.store.get("subscription", _session(stripe_sandbox, monthly)["subscription"])
    assert subscription["transfer_data"]["destination"] == "acct_1Partner"
    assert float(subscription["application_fee_percent"]) == 2.5


def test_without_a_connected_account_the_platform_collects(client, stripe_sandbox, link):
    _give(client, link)
    pledge = Pledge.objects.get()
    pay_on_checkout_page(pledge.stripe_checkout_url)
    intent = stripe_sandbox.store.get("payment_intent", _session(stripe_sandbox, pledge)["payment_intent"])
    assert intent.get("transfer_data") is None and not intent.get("application_fee_amount")


def test_failed_monthly_payment_is_past_due_until_the_next_one_is_paid(client, stripe_sandbox, hhk):
    _give(client, hhk, frequency="monthly", currency="KRW", amount_choice="50000")
    pledge = Pledge.objects.get()
    pay_on_checkout_page(pledge.stripe_checkout_url)
    deliver(client, new_events(stripe_sandbox))
    pledge.refresh_from_db()
    stripe_sandbox.advance(pledge.stripe_subscription_id, outcome="failed")
    deliver(client, new_events(stripe_sandbox))
    pledge.refresh_from_db()
    assert pledge.status == PledgeStatus.PAST_DUE and Payment.objects.count() == 1
    stripe_sandbox.advance(pledge.stripe_subscription_id, outcome="paid")
    deliver(client, new_events(stripe_sandbox))
    pledge.refresh_from_db()
    assert pledge.status == PledgeStatus.ACTIVE and Payment.objects.count() == 2
    assert list(pledge.transitions.values_list("to_status", flat=True)) == ["active", "past_due", "active"]


def test_every_page_says_test_mode_in_sandbox_mode(client, link, settings):
    settings.STRIPE_SANDBOX = True
    for url in ("/", link.get_absolute_url(), "/situation/", "/donations/thanks/"):
        assert "Test mode: no real money moves." in client.get(url).text
    settings.STRIPE_SANDBOX, settings.STRIPE_API_KEY = False, "sk_live_x"
    assert "Test mode" not in client.get("/").text


def _monthly(client, stripe_sandbox, hhk):
    _give(client, hhk, frequency="monthly", currency="KRW", amount_choice="50000")
    pledge = Pledge.objects.get()
    pay_on_checkout_page(pledge.stripe_checkout_url)
    return pledge, _events_by_type(new_events(stripe_sandbox))


def test_a_late_monthly_failure_does_not_undo_its_payment(client, stripe_sandbox, hhk):
    pledge, first = _monthly(client, stripe_sandbox, hhk)
    deliver(client, list(first.values()))
    pledge.refresh_from_db()
    stripe_sandbox.advance(pledge.stripe_subscription_id, outcome="failed")
    failed = _events_by_type(new_events(stripe_sandbox))["invoice.payment_failed"]
    paid_retry = {**first["invoice.paid"], "id": "evt_retry_paid"}
    paid_retry["data"] = {"object": {**failed["data"]["object"], "status": "paid", "amount_paid": 50000}}
    deliver(client, [paid_retry, failed])  # Stripe's retry succeeded; the failure's delivery comes late
    pledge.refresh_from_db()
    assert pledge.status == PledgeStatus.ACTIVE and Payment.objects.count() == 2


def test_subscription_deleted_before_it_was_activated_stays_stopped(client, stripe_sandbox, hhk):
    pledge, first = _monthly(client, stripe_sandbox, hhk)
    subscription = first["customer.subscription.created"]["data"]["object"]["id"]
    stripe_sandbox.cancel_subscription(subscription)
    deleted = _events_by_type(new_events(stripe_sandbox))["customer.subscription.deleted"]
    deliver(client, [deleted, first["invoice.paid"], first["checkout.session.completed"]])
    pledge.refresh_from_db()
    assert pledge.status == PledgeStatus.CANCELED
    assert Payment.objects.count() == 1  # the money that moved is still recorded


def test_refund_of_a_month_before_its_invoice_is_retried_not_lost(client, stripe_sandbox, hhk):
    from tests.donations.webhook_helpers import post_event

    pledge, first = _monthly(client, stripe_sandbox, hhk)
    deliver(client, [first["checkout.session.completed"]])
    stripe_sandbox.advance(
        stripe_sandbox.store.get("checkout.session", pledge.stripe_checkout_session_id)["subscription"]
    )
    second_paid = _events_by_type(new_events(stripe_sandbox))["invoice.paid"]
    invoice = stripe_sandbox.store.get("invoice", second_paid["data"]["object"]["id"])
    intent_id = next(
        p["payment"]["payment_intent"]
        for p in stripe_sandbox.store.all("invoice_payment")
        if p["invoice"] == invoice["id"]
    )
    stripe_sandbox.dashboard_refund(stripe_sandbox.store.get("payment_intent", intent_id)["latest_charge"])
    refunded = _events_by_type(new_events(stripe_sandbox))["charge.refunded"]
    assert post_event(client, refunded).status_code == 500  # not recorded yet: Stripe will deliver it again
    deliver(client, [first["invoice.paid"], second_paid, refunded])
    assert Refund.objects.get().payment.stripe_id == invoice["id"]


def test_a_form_sent_again_for_another_gift_is_not_mixed_up(client, stripe_sandbox, link):
    _give(client, link)
    first = Pledge.objects.get()
    client.get(f"/donations/cancelled/{first.reference}/")  # abandoned
    response = _give(client, link, amount_choice="10000")  # Back button, same form, other amount
    assert response.status_code == 409 and "already sent" in response.text
    fresh_key = response.context["give_form"]["submission_key"].value()
    assert fresh_key != first.submission_key
    again = _give(client, link, amount_choice="10000", submission_key=fresh_key)
    assert again.status_code == 303
    assert Pledge.objects.get(submission_key=fresh_key).amount == 10000
    first.refresh_from_db()
    assert first.amount == 2500 and first.status == PledgeStatus.ABANDONED


def test_rate_limit_uses_the_donors_address_behind_a_trusted_proxy(client, stripe_sandbox, link, settings):
    from django.test import Client

    settings.PLEDGE_RATE_LIMIT, settings.TRUSTED_PROXY_HOPS = 1, 1
    proxy = Client(HTTP_HOST="127.0.0.1", REMOTE_ADDR="10.0.0.1")
    first = proxy.post(
        f"/donations/give/{link.slug}/", give_data(donor_email="a@example.org"), HTTP_X_FORWARDED_FOR="203.0.113.1"
    )
    second = proxy.post(
        f"/donations/give/{link.slug}/",
        give_data(submission_key="c" * 32, donor_email="b@example.org"),
        HTTP_X_FORWARDED_FOR="spoofed, 203.0.113.2",
    )
    third = proxy.post(
        f"/donations/give/{link.slug}/",
        give_data(submission_key="d" * 32, donor_email="c@example.org"),
        HTTP_X_FORWARDED_FOR="203.0.113.1",
    )
    assert (first.status_code, second.status_code, third.status_code) == (303, 303, 429)


def test_organization_name_cannot_inject_html_into_the_form(client):
    from tests import factories

    org = factories.giving_organization(name='Evil <img src=x onerror="alert(1)">', slug="evil")
    text = client.get(org.get_absolute_url()).text
    assert "<img src=x" not in text and "&lt;img src=x" in text
