"""Korean payment methods at Checkout: offered by Stripe's rules, on a page in the session's language, paid after
the donor approves in the wallet and comes back (redirect-based), with Stripe's events and payment method details."""

from __future__ import annotations

import re

import pytest
import requests

from .conftest import Api, Receiver, pay, payment_params, subscription_params

KOREAN = ["kr_card", "kakao_pay", "naver_pay", "payco", "samsung_pay"]
ALL = ["card", *KOREAN]


def _allowed(methods: list[str]) -> dict[str, str]:
    return {f"allowed_payment_method_types[{i}]": m for i, m in enumerate(methods)}


def _krw(amount: int = 30000, **extra: str) -> dict[str, str]:
    return payment_params(
        **{"line_items[0][price_data][currency]": "krw", "line_items[0][price_data][unit_amount]": str(amount)},
        **extra,
    )


def _buttons(html: str) -> list[str]:
    return re.findall(r'<button type="submit" name="outcome" value="([^"]+)"', html)


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        (30000, ALL),
        (100, ALL),
        (2_000_000, ALL),
        (2_000_001, ["card", "kr_card", "kakao_pay", "naver_pay", "payco"]),  # Samsung Pay: at most ₩2,000,000
        (99, ["card"]),  # the Korean methods: at least ₩100
    ],
)
def test_one_off_krw_sessions_offer_the_eligible_methods(api: Api, amount: int, expected: list[str]) -> None:
    session = api.ok("post", "checkout/sessions", _krw(amount, **_allowed(ALL)))
    assert session["payment_method_types"] == expected
    html = requests.get(session["url"], timeout=5).text
    korean = [b.removeprefix("redirect:") for b in _buttons(html) if b.startswith("redirect:")]
    assert korean == expected[1:]  # exactly the methods the session allows
    assert "delayed_success" not in _buttons(html)  # no bank debit: not in the list


def test_monthly_krw_sessions_offer_only_the_recurring_korean_methods(api: Api) -> None:
    params = subscription_params(**_allowed(ALL))
    session = api.ok("post", "checkout/sessions", params)
    assert session["payment_method_types"] == ["card", "kr_card", "kakao_pay", "naver_pay"]


def test_korean_methods_are_krw_only_and_a_list_with_nothing_eligible_is_refused(api: Api) -> None:
    session = api.ok("post", "checkout/sessions", payment_params(**_allowed(ALL)))  # USD
    assert session["payment_method_types"] == ["card"]
    html = requests.get(session["url"], timeout=5).text
    assert _buttons(html) == ["success", "decline"]
    refused = api.post("checkout/sessions", payment_params(**_allowed(["kakao_pay", "payco"])))
    assert refused.status_code == 400
    assert refused.json()["error"]["param"] == "allowed_payment_method_types"
    monthly_payco = api.post("checkout/sessions", subscription_params(**_allowed(["payco", "samsung_pay"])))
    assert monthly_payco.status_code == 400


def test_the_page_follows_the_sessions_locale(api: Api) -> None:
    korean = api.ok("post", "checkout/sessions", subscription_params(locale="ko", **_allowed(ALL)))
    html = requests.get(korean["url"], timeout=5).text
    assert '<html lang="ko">' in html and "테스트 모드: 실제 돈은 오가지 않습니다" in html
    assert "매월 ₩50,000" in html and "카카오페이(으)로 결제" in html and "네이버페이(으)로 결제" in html
    assert "국내 카드(으)로 결제" in html and "테스트 카드 4242로 결제" in html and "취소하고 돌아가기" in html
    assert "TEST MODE" not in html and "every month" not in html and "Pay with" not in html
    for locale in ("en", "auto"):
        english = api.ok("post", "checkout/sessions", subscription_params(locale=locale, **_allowed(ALL)))
        html = requests.get(english["url"], timeout=5).text
        assert '<html lang="en">' in html and "Pay with Kakao Pay" in html and "₩50,000 every month" in html
        assert "카카오페이" not in html


@pytest.mark.parametrize("method", KOREAN)
def test_a_korean_method_pays_after_the_donor_approves_and_returns(
    api: Api, sandbox, receiver: Receiver, method: str
) -> None:
    session = api.ok("post", "checkout/sessions", _krw(locale="ko", **_allowed(ALL)))
    away = pay(sandbox, session["id"], f"redirect:{method}")
    assert away.status_code == 303 and away.headers["Location"] == f"/checkout/{session['id']}/wallet/{method}"
    assert receiver.types() == []  # nothing happens before the donor approves
    assert api.ok("get", f"checkout/sessions/{session['id']}")["status"] == "open"
    wallet = requests.get(sandbox.url + away.headers["Location"], timeout=5)
    assert wallet.status_code == 200 and '<html lang="ko">' in wallet.text and "₩30,000" in wallet.text
    back = requests.post(
        sandbox.url + away.headers["Location"], data={"outcome": "approve"}, allow_redirects=False, timeout=15
    )
    assert back.status_code == 303 and back.headers["Location"].startswith("https://portal.example/give/thanks")
    assert receiver.types() == ["payment_intent.succeeded", "charge.succeeded", "checkout.session.completed"]
    done = api.ok("get", f"checkout/sessions/{session['id']}")
    assert done["status"] == "complete" and done["payment_status"] == "paid"
    intent = api.ok("get", f"payment_intents/{done['payment_intent']}")
    assert intent["status"] == "succeeded" and intent["payment_method_types"] == [method]
    charge = api.ok("get", f"charges/{intent['latest_charge']}")
    details = charge["payment_method_details"]
    assert details["type"] == method and set(details) == {"type", method}
    assert details[method]["buyer_id"] and details[method]["transaction_id"]
    if method == "kr_card":
        assert details[method]["brand"] == "shinhan" and len(details[method]["last4"]) == 4
    refund = api.ok("post", "refunds", {"charge": charge["id"], "amount": "10000"})
    assert refund["status"] == "succeeded" and refund["destination_details"]["type"] == method


def test_leaving_the_wallet_without_approving_charges_nothing(api: Api, sandbox, receiver: Receiver) -> None:
    session = api.ok("post", "checkout/sessions", _krw(locale="ko", **_allowed(ALL)))
    wallet = pay(sandbox, session["id"], "redirect:kakao_pay").headers["Location"]
    back = requests.post(sandbox.url + wallet, data={"outcome": "cancel"}, allow_redirects=False, timeout=15)
    assert back.status_code == 200 and 'role="alert"' in back.text and "청구된 금액은 없습니다" in back.text
    assert receiver.types() == [] and api.ok("get", f"checkout/sessions/{session['id']}")["status"] == "open"


def test_a_method_the_session_does_not_offer_cannot_be_paid(api: Api, sandbox) -> None:
    monthly = api.ok("post", "checkout/sessions", subscription_params(**_allowed(ALL)))
    assert pay(sandbox, monthly["id"], "redirect:payco").status_code == 400
    assert requests.get(f"{sandbox.url}/checkout/{monthly['id']}/wallet/payco", timeout=5).status_code == 404
    card_only = api.ok("post", "checkout/sessions", _krw(**_allowed(["kakao_pay"])))
    assert pay(sandbox, card_only["id"], "success").status_code == 400  # no card in this session


def test_a_monthly_gift_with_kakao_pay_renews_with_kakao_pay(api: Api, sandbox, receiver: Receiver) -> None:
    session = api.ok("post", "checkout/sessions", subscription_params(locale="ko", **_allowed(ALL)))
    wallet = pay(sandbox, session["id"], "redirect:kakao_pay").headers["Location"]
    requests.post(sandbox.url + wallet, data={"outcome": "approve"}, allow_redirects=False, timeout=15)
    done = api.ok("get", f"checkout/sessions/{session['id']}")
    assert done["status"] == "complete" and done["subscription"].startswith("sub_")
    assert "invoice.paid" in receiver.types() and "checkout.session.completed" in receiver.types()
    renewal = sandbox.advance(done["subscription"], "paid")
    for invoice_id in (done["invoice"], renewal["id"]):
        paid = api.ok("get", f"invoices/{invoice_id}", {"expand[]": "payments"})
        assert paid["status"] == "paid"
        intent = api.ok("get", f"payment_intents/{paid['payments']['data'][0]['payment']['payment_intent']}")
        assert intent["payment_method_types"] == ["kakao_pay"]
        charge = api.ok("get", f"charges/{intent['latest_charge']}")
        assert charge["payment_method_details"]["type"] == "kakao_pay"
    failed = sandbox.advance(done["subscription"], "failed")
    assert api.ok("get", f"subscriptions/{done['subscription']}")["status"] == "past_due"
    sandbox.retry_invoice(failed["id"], "paid")
    assert api.ok("get", f"subscriptions/{done['subscription']}")["status"] == "active"
