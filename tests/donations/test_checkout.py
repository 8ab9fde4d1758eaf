"""Checkout: from the Give form to Stripe's page and back, recorded exactly once whatever the donor or Stripe does."""

import pytest

from donations.models import Payment, Pledge, PledgeStatus, StripeEvent
from tests.donations.conftest import checkout_session, deliver, give, new_events, pay_on_checkout_page, receipts

pytestmark = pytest.mark.django_db


def test_single_gift_is_recorded_paid_exactly_once(
    client, stripe_sandbox, giving_org, django_capture_on_commit_callbacks
):
    response = give(client, giving_org, dedication="For my brother in Hyesan")
    assert response.status_code == 303
    pledge = Pledge.objects.get()
    assert response["Location"] == pledge.stripe_checkout_url
    assert response["Location"].startswith(stripe_sandbox.url + "/checkout/cs_test_")

    session = checkout_session(stripe_sandbox, pledge)
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


def test_thanks_page_tells_another_browser_nothing(
    client, stripe_sandbox, giving_org, django_capture_on_commit_callbacks
):
    from django.test import Client

    give(client, giving_org)
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


def test_declined_card_records_nothing_and_the_donor_can_try_again(client, stripe_sandbox, giving_org):
    give(client, giving_org)
    pledge = Pledge.objects.get()
    status, _, body = pay_on_checkout_page(pledge.stripe_checkout_url, "decline")
    assert status in (200, 402) and "declined" in body.lower()
    deliver(client, new_events(stripe_sandbox))
    pledge.refresh_from_db()
    assert pledge.status == PledgeStatus.PENDING and not Payment.objects.exists()
    (note,) = pledge.transitions.values_list("note", flat=True)  # staff see why the donor could not pay
    assert note.endswith("generic_decline: Your card was declined.")
    status, location, _ = pay_on_checkout_page(pledge.stripe_checkout_url)  # the same session, another card
    assert status == 303


def test_cancel_at_checkout_says_nothing_was_charged_with_the_form_filled_in(client, stripe_sandbox, giving_org):
    give(client, giving_org, dedication="For Min-ji", amount_choice="other", other_amount="30")
    pledge = Pledge.objects.get()
    page = client.get(f"/donations/cancelled/{pledge.reference}/")
    assert page.status_code == 200
    assert "Nothing was charged" in page.text
    assert 'value="For Min-ji"' in page.text and 'value="30.00"' in page.text
    pledge.refresh_from_db()
    assert pledge.status == PledgeStatus.ABANDONED
    assert checkout_session(stripe_sandbox, pledge)["status"] == "expired"
    deliver(client, new_events(stripe_sandbox))  # checkout.session.expired
    pledge.refresh_from_db()
    assert pledge.status == PledgeStatus.EXPIRED and not Payment.objects.exists()


@pytest.mark.slow  # waits out the SDK's real retry back-off
def test_stripe_down_keeps_the_pledge_and_a_retry_makes_one_session(client, stripe_sandbox, giving_org):
    stripe_sandbox.set_fault("error", count=3)  # the first try and both network retries fail
    response = give(client, giving_org)
    assert response.status_code == 503
    assert "did not answer in time" in response.text and "Try again" in response.text
    pledge = Pledge.objects.get()
    assert pledge.status == PledgeStatus.PENDING and not pledge.stripe_checkout_session_id

    token = response.context["token"]
    assert client.post(f"/donations/pledges/{pledge.reference}/checkout/", {"token": "forged"}).status_code == 302
    retry = client.post(f"/donations/pledges/{pledge.reference}/checkout/", {"token": token})
    assert retry.status_code == 303
    again = give(client, giving_org)  # the same form submitted again (same submission key)
    assert again.status_code == 303 and again["Location"] == retry["Location"]
    assert len(stripe_sandbox.store.all("checkout.session")) == 1
    assert Pledge.objects.count() == 1


def test_stripe_rate_limiting_asks_the_donor_to_try_again_not_refused(client, stripe_sandbox, giving_org):
    stripe_sandbox.set_fault("rate_limit", count=100)
    response = give(client, giving_org)
    assert response.status_code == 503 and not response.context["rejected"]
    assert "is busy or did not answer in time" in response.text and "Try again" in response.text
    stripe_sandbox.set_fault("none")
    pledge = Pledge.objects.get()
    retry = client.post(f"/donations/pledges/{pledge.reference}/checkout/", {"token": response.context["token"]})
    assert retry.status_code == 303
    assert len(stripe_sandbox.store.all("checkout.session")) == 1


@pytest.mark.slow  # waits out real timeouts
def test_stripe_timeout_then_retry_makes_one_session(client, stripe_sandbox, giving_org, settings):
    settings.STRIPE_TIMEOUT_SECONDS = 1
    stripe_sandbox.set_fault("timeout", count=3, delay=1.5)
    response = give(client, giving_org)
    assert response.status_code == 503
    stripe_sandbox.set_fault("none")
    pledge = Pledge.objects.get()
    retry = client.post(f"/donations/pledges/{pledge.reference}/checkout/", {"token": response.context["token"]})
    assert retry.status_code == 303
    assert len(stripe_sandbox.store.all("checkout.session")) == 1  # the slow tries were replayed, not repeated


def test_double_click_makes_one_pledge_and_one_session(client, stripe_sandbox, giving_org):
    first, second = give(client, giving_org), give(client, giving_org)
    assert first["Location"] == second["Location"]
    assert Pledge.objects.count() == 1 and len(stripe_sandbox.store.all("checkout.session")) == 1


def test_a_form_sent_again_for_another_gift_is_not_mixed_up(client, stripe_sandbox, giving_org):
    give(client, giving_org)
    first = Pledge.objects.get()
    client.get(f"/donations/cancelled/{first.reference}/")  # abandoned
    response = give(client, giving_org, amount_choice="10000")  # Back button, same form, other amount
    assert response.status_code == 409 and "already sent" in response.text
    fresh_key = response.context["give_form"]["submission_key"].value()
    assert fresh_key != first.submission_key
    again = give(client, giving_org, amount_choice="10000", submission_key=fresh_key)
    assert again.status_code == 303
    assert Pledge.objects.get(submission_key=fresh_key).amount == 10000
    first.refresh_from_db()
    assert first.amount == 2500 and first.status == PledgeStatus.ABANDONED


def test_checkout_uses_dynamic_payment_methods_of_the_pinned_version(client, stripe_sandbox, giving_org):
    """No payment_method_types (gone from Checkout in the pinned API version) and no explicit list: the payment
    methods enabled in the Stripe dashboard (cards, with Apple Pay and Google Pay) are offered, per currency."""
    give(client, giving_org)
    session = stripe_sandbox.store.get("checkout.session", Pledge.objects.get().stripe_checkout_session_id)
    assert session["ui_mode"] == "hosted_page"
    assert session["payment_method_configuration_details"]["id"].startswith("pmc_")
    assert session["payment_method_types"] == ["card"]
