"""Korean payment methods for KRW gifts, by Stripe's rules: KRW only, at least ₩100, Samsung Pay at most
₩2,000,000, monthly gifts only with Kakao Pay, Naver Pay and Korean cards."""

import pytest

from donations.models import Pledge
from donations.payment_methods import KOREAN_METHODS, checkout_payment_methods
from tests.donations.conftest import checkout_session, give, give_data

KOREAN = ["kr_card", "kakao_pay", "naver_pay", "payco", "samsung_pay"]


def test_every_korean_method_is_known():
    assert sorted(KOREAN_METHODS) == sorted(KOREAN)


@pytest.mark.parametrize("method", KOREAN)
def test_korean_methods_take_krw_only(method):
    assert method in checkout_payment_methods(currency="KRW", amount=30000, monthly=False)
    assert method in checkout_payment_methods(currency="krw", amount=30000, monthly=False)
    for currency in ("USD", "EUR", "JPY"):
        assert checkout_payment_methods(currency=currency, amount=30000, monthly=False) == ()  # dynamic


@pytest.mark.parametrize("method", KOREAN)
def test_korean_methods_need_at_least_100_won(method):
    assert method in checkout_payment_methods(currency="KRW", amount=100, monthly=False)
    assert method not in checkout_payment_methods(currency="KRW", amount=99, monthly=False)
    assert checkout_payment_methods(currency="KRW", amount=99, monthly=False) == ("card",)


@pytest.mark.parametrize(
    ("method", "maximum"),
    [("samsung_pay", 2_000_000), ("kr_card", None), ("kakao_pay", None), ("naver_pay", None), ("payco", None)],
)
def test_only_samsung_pay_stops_at_two_million_won(method, maximum):
    assert method in checkout_payment_methods(currency="KRW", amount=2_000_000, monthly=False)
    over = checkout_payment_methods(currency="KRW", amount=2_000_001, monthly=False)
    assert (method in over) is (maximum is None)


@pytest.mark.parametrize(
    ("method", "monthly_allowed"),
    [("kr_card", True), ("kakao_pay", True), ("naver_pay", True), ("payco", False), ("samsung_pay", False)],
)
def test_monthly_gifts_only_with_kakao_pay_naver_pay_and_korean_cards(method, monthly_allowed):
    assert (method in checkout_payment_methods(currency="KRW", amount=30000, monthly=True)) is monthly_allowed
    assert method in checkout_payment_methods(currency="KRW", amount=30000, monthly=False)


def test_cards_stay_first_for_every_krw_gift():
    assert checkout_payment_methods(currency="KRW", amount=30000, monthly=True) == (
        "card",
        "kr_card",
        "kakao_pay",
        "naver_pay",
    )


@pytest.mark.django_db
def test_a_monthly_krw_gift_asks_checkout_for_the_allowed_korean_methods(client, stripe_sandbox, giving_org):
    client.cookies["django_language"] = "ko"
    give(client, giving_org, currency="KRW", frequency="monthly", amount_choice="30000")
    session = checkout_session(stripe_sandbox, Pledge.objects.get())
    assert session["payment_method_types"] == ["card", "kr_card", "kakao_pay", "naver_pay"]
    assert session["payment_method_configuration_details"] is None  # an explicit list, not the dashboard's
    assert session["locale"] == "ko"  # the donor's language


@pytest.mark.django_db
def test_a_large_one_off_krw_gift_leaves_samsung_pay_out(client, stripe_sandbox, giving_org):
    give(client, giving_org, currency="KRW", amount_choice="other", other_amount="2500000")
    session = checkout_session(stripe_sandbox, Pledge.objects.get())
    assert session["payment_method_types"] == ["card", "kr_card", "kakao_pay", "naver_pay", "payco"]
    assert session["locale"] == "en"


@pytest.mark.django_db
def test_a_usd_gift_keeps_dynamic_payment_methods(client, stripe_sandbox, giving_org):
    give(client, giving_org)
    session = checkout_session(stripe_sandbox, Pledge.objects.get())
    assert session["payment_method_types"] == ["card"]
    assert session["payment_method_configuration_details"]["id"].startswith("pmc_")


def test_the_method_names_are_the_pinned_sdks():
    """The names sent as allowed_payment_method_types are the pinned API version's (the SDK's Literal)."""
    from stripe.params.checkout._session_create_params import SessionCreateParams

    from tests.stripe_sandbox.test_checkout_params import _literal

    sdk_names = _literal(SessionCreateParams.__annotations__["allowed_payment_method_types"])
    assert {"card", *KOREAN} <= sdk_names and "kakao_pay" in sdk_names


@pytest.mark.django_db
def test_the_review_page_names_the_ways_to_pay_a_krw_gift_in_korean(client, giving_org):
    client.cookies["django_language"] = "ko"
    data = give_data(currency="KRW", frequency="monthly", amount_choice="30000")
    del data["confirm"]
    page = client.post(f"/donations/give/{giving_org.slug}/", data).text
    assert '<dd class="col-sm-8" id="review-methods">카드, 국내 카드, 카카오페이, 네이버페이</dd>' in page
    once = client.post(f"/donations/give/{giving_org.slug}/", {**data, "frequency": "once"}).text
    assert "카드, 국내 카드, 카카오페이, 네이버페이, 페이코, 삼성페이</dd>" in once
    usd = client.post(f"/donations/give/{giving_org.slug}/", {**data, "currency": "USD", "amount_choice": "2500"}).text
    assert 'id="review-methods"' not in usd  # dynamic: Stripe's page shows what the Dashboard enables
