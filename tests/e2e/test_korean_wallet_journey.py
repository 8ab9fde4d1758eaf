"""A Korean donor on a 375 px phone gives ₩30,000 a month with Kakao Pay on the sandbox and gets a Korean receipt."""

import re

import pytest
from django.core import mail
from django.utils import translation
from playwright.sync_api import Page, expect

from donations.models import Payment, Pledge, PledgeStatus
from tests.e2e.browsing import _OVERFLOW_JS, PHONE, SCREENSHOTS, label, wait_for, webhooks_delivered
from tests.e2e.test_accessibility import assert_accessible

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
JOURNEY = "give-kakao-pay-korean"


def phone_snap(page: Page, name: str) -> None:
    """A screenshot at the phone's width (375 px); the page must not scroll sideways."""
    folder = SCREENSHOTS / JOURNEY
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=folder / f"{name}-375.png", full_page=True)
    layout = page.evaluate(_OVERFLOW_JS)
    assert layout["scrollWidth"] <= layout["innerWidth"], f"{page.url} scrolls sideways at 375 px: {layout['wide']}"


def test_a_korean_donor_gives_30000_won_monthly_with_kakao_pay_on_a_phone(browser, portal):
    with translation.override("ko"):
        t = {
            key: translation.gettext(key)
            for key in ("monthly", "Your name", "Your email", "Review your gift", "Continue to secure payment")
        }
        t["Thank you"] = translation.gettext("Thank you")
    context = browser.new_context(viewport=PHONE, base_url=portal.url, locale="ko-KR", is_mobile=True)
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        page.goto("/organizations/crossing-borders/")
        expect(page.locator("html")).to_have_attribute("lang", "ko")
        form = page.locator("form[action^='/donations/give/']")
        expect(form.get_by_role("radio", name="₩30,000", exact=True)).to_be_checked()  # a Korean visitor starts in won
        form.get_by_role("radio", name=t["monthly"], exact=True).check()
        form.get_by_role("radio", name="₩30,000", exact=True).check()
        form.get_by_label(label(t["Your name"])).fill("박서연")
        form.get_by_label(label(t["Your email"])).fill("seoyeon@example.org")
        phone_snap(page, "give-form")
        page.get_by_role("button", name=t["Review your gift"]).click()
        expect(page.locator("#review-total")).to_have_text("₩30,000")
        expect(page.locator("#review-methods")).to_have_text("카드, 국내 카드, 카카오페이, 네이버페이")
        phone_snap(page, "review")

        page.get_by_role("button", name=t["Continue to secure payment"]).click()
        expect(page).to_have_url(re.compile("^" + re.escape(portal.sandbox.url) + "/checkout/cs_"))
        expect(page.locator("html")).to_have_attribute("lang", "ko")  # the session's locale: the donor's language
        expect(page.get_by_role("note")).to_contain_text("테스트 모드")
        expect(page.locator(".amount")).to_have_text("매월 ₩30,000")
        expect(page.get_by_role("button", name="카카오페이(으)로 결제")).to_be_visible()
        expect(page.get_by_role("button", name="네이버페이(으)로 결제")).to_be_visible()
        expect(page.get_by_role("button", name="국내 카드(으)로 결제")).to_be_visible()
        expect(page.get_by_role("button", name="페이코(으)로 결제")).to_have_count(0)  # not for monthly gifts
        expect(page.get_by_role("button", name="삼성페이(으)로 결제")).to_have_count(0)
        phone_snap(page, "checkout")
        assert_accessible(page)

        page.get_by_role("button", name="카카오페이(으)로 결제").click()
        expect(page).to_have_url(re.compile(r"/checkout/cs_[^/]+/wallet/kakao_pay$"))
        expect(page.get_by_role("heading", level=1)).to_have_text("카카오페이 (테스트 모드)")
        phone_snap(page, "kakao-pay")
        assert_accessible(page)
        page.get_by_role("button", name="카카오페이에서 승인").click()

        expect(page).to_have_url(re.compile(r"/donations/thanks/\?session_id=cs_"))
        expect(page.get_by_role("heading", level=1)).to_have_text(t["Thank you"])
        expect(page.locator("main")).to_contain_text("₩30,000")
        webhooks_delivered(portal.sandbox.url)
        phone_snap(page, "thanks")
    finally:
        context.close()

    pledge = Pledge.objects.get(donor_email="seoyeon@example.org")
    assert (pledge.language, pledge.currency, pledge.amount, pledge.status) == ("ko", "KRW", 30000, PledgeStatus.ACTIVE)
    payment = Payment.objects.get(pledge=pledge)
    intent = portal.sandbox.store.get("payment_intent", payment.stripe_payment_intent_id)
    assert intent["payment_method_types"] == ["kakao_pay"]
    receipt = wait_for(lambda: [m for m in mail.outbox if m.to == ["seoyeon@example.org"]] or None, "the receipt")[0]
    assert receipt.subject.startswith("영수증") and "₩30,000" in receipt.subject
    assert "감사합니다" in receipt.body and "매월 정기 후원" in receipt.body and "Thank you" not in receipt.body
