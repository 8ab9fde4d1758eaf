"""A Korean donor gives ₩30,000 a month with Kakao Pay through the sandbox, which sends its webhooks to the running
portal asynchronously: a paid monthly gift, a receipt in Korean, and renewals paid by Kakao Pay."""

import urllib.parse

import pytest
import requests
from django.core import mail
from django.test import Client

from donations.models import Payment, Pledge, PledgeStatus
from tests.donations.conftest import give_data
from tests.live import one_at_a_time

pytestmark = pytest.mark.django_db(transaction=True)


def _pay_with_kakao_pay(checkout_url: str) -> str:
    """On the sandbox's checkout page: Kakao Pay, approve in Kakao Pay's page, come back. The portal's return URL."""
    page = requests.get(checkout_url, timeout=10)
    assert 'lang="ko"' in page.text and "카카오페이(으)로 결제" in page.text and "페이코" not in page.text
    away = requests.post(
        checkout_url + "/pay", data={"outcome": "redirect:kakao_pay"}, allow_redirects=False, timeout=10
    )
    assert away.status_code == 303
    wallet = urllib.parse.urljoin(checkout_url, away.headers["Location"])
    assert "카카오페이에서 승인" in requests.get(wallet, timeout=10).text
    back = requests.post(wallet, data={"outcome": "approve"}, allow_redirects=False, timeout=10)
    assert back.status_code == 303
    return back.headers["Location"]


def receipts() -> list:
    """Receipts in Korean ("영수증: ...")."""
    return [m for m in mail.outbox if m.subject.startswith("영수증")]


def test_krw_monthly_gift_with_kakao_pay_is_paid_receipted_in_korean_and_renewed(
    live_server, stripe_sandbox, giving_org
):
    stripe_sandbox.set_webhook_url(live_server.url + "/donations/stripe/webhook/")
    donor = Client(HTTP_HOST="127.0.0.1", HTTP_ACCEPT_LANGUAGE="ko")
    response = donor.post(
        f"/donations/give/{giving_org.slug}/",
        give_data(frequency="monthly", currency="KRW", amount_choice="other", other_amount="30000"),
    )
    assert response.status_code == 303
    thanks = _pay_with_kakao_pay(response["Location"])  # the webhooks come after the sandbox answered
    with one_at_a_time():  # they may be arriving meanwhile (tests/live.py)
        assert donor.get(thanks.replace("http://testserver", "")).status_code == 200
    stripe_sandbox.wait_for_deliveries()

    pledge = Pledge.objects.get()
    assert pledge.status == PledgeStatus.ACTIVE and pledge.language == "ko" and pledge.amount == 30000
    first = Payment.objects.get(pledge=pledge)
    assert (first.amount, first.currency) == (30000, "KRW")
    intent = stripe_sandbox.store.get("payment_intent", first.stripe_payment_intent_id)
    assert intent["payment_method_types"] == ["kakao_pay"]
    (receipt,) = receipts()
    assert len(mail.outbox) == 1 and "₩30,000" in receipt.subject
    assert "감사합니다" in receipt.body and "매월 정기 후원" in receipt.body and "Thank you" not in receipt.body

    for _month in range(2):
        stripe_sandbox.advance(pledge.stripe_subscription_id)
        stripe_sandbox.wait_for_deliveries()
    payments = Payment.objects.filter(pledge=pledge)
    assert payments.count() == 3 and {p.amount for p in payments} == {30000}
    for payment in payments:
        charge = stripe_sandbox.store.get(
            "charge", stripe_sandbox.store.get("payment_intent", payment.stripe_payment_intent_id)["latest_charge"]
        )
        assert charge["payment_method_details"]["type"] == "kakao_pay"
    assert len(receipts()) == len(mail.outbox) == 3
    pledge.refresh_from_db()
    assert pledge.status == PledgeStatus.ACTIVE
    assert {e["delivery"] for e in stripe_sandbox.state()["events"]} == {"delivered"}
