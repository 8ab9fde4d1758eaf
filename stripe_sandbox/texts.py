"""The words of the sandbox's checkout and wallet pages, in English and Korean (the session's ``locale``)."""

from __future__ import annotations

from typing import Any

TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "banner": "TEST MODE: no real money moves. This is the local Stripe sandbox.",
        "donate": "Donate",
        "pay": "Pay",
        "every_month": "every month",
        "email": "Email",
        "card": "Card",
        "pay_4242": "Pay with test card 4242",
        "declined_card": "Use a card that is declined",
        "bank": "Bank debit",
        "bank_ok": "Pay by bank debit (settles later: succeeds)",
        "bank_fail": "Pay by bank debit (settles later: fails)",
        "korean": "Korean payment methods",
        "pay_with": "Pay with {method}",
        "complete": "This checkout session is complete.",
        "received": "Payment received.",
        "unsettled": "The bank debit has not settled yet.",
        "return": "Return to the site",
        "expired": "This checkout session has expired. Nothing was charged.",
        "cancel": "Cancel and go back",
        "choose": "Choose one of the payment buttons.",
        "bad_email": "Enter a valid email address.",
        "declined": "Your card was declined (test card 4000 0000 0000 0002). Nothing was charged. You can try again.",
        "title": "{amount}: {names} (test checkout)",
        "wallet_title": "{method} (test mode)",
        "wallet_ask": "Approve the payment of {amount} to {merchant} in {method}. You then return to the checkout.",
        "approve": "Approve in {method}",
        "leave": "Cancel and return to the checkout",
        "left": "You left {method} without approving. Nothing was charged. You can choose again.",
        "kr_card": "Korean card",
        "kakao_pay": "Kakao Pay",
        "naver_pay": "Naver Pay",
        "payco": "PAYCO",
        "samsung_pay": "Samsung Pay",
    },
    "ko": {
        "banner": "테스트 모드: 실제 돈은 오가지 않습니다. 로컬 Stripe 샌드박스입니다.",
        "donate": "기부하기",
        "pay": "결제하기",
        "every_month": "매월",
        "email": "이메일",
        "card": "카드",
        "pay_4242": "테스트 카드 4242로 결제",
        "declined_card": "거절되는 카드 사용",
        "bank": "계좌 이체",
        "bank_ok": "계좌 이체로 결제 (나중에 처리: 성공)",
        "bank_fail": "계좌 이체로 결제 (나중에 처리: 실패)",
        "korean": "국내 결제 수단",
        "pay_with": "{method}(으)로 결제",
        "complete": "이 결제 세션은 완료되었습니다.",
        "received": "결제가 완료되었습니다.",
        "unsettled": "계좌 이체가 아직 처리되지 않았습니다.",
        "return": "사이트로 돌아가기",
        "expired": "이 결제 세션은 만료되었습니다. 청구된 금액은 없습니다.",
        "cancel": "취소하고 돌아가기",
        "choose": "결제 버튼 중 하나를 선택하세요.",
        "bad_email": "올바른 이메일 주소를 입력하세요.",
        "declined": (
            "카드가 거절되었습니다 (테스트 카드 4000 0000 0000 0002). 청구된 금액은 없습니다. 다시 시도할 수 있습니다."
        ),
        "title": "{amount}: {names} (테스트 결제)",
        "wallet_title": "{method} (테스트 모드)",
        "wallet_ask": "{method}에서 {merchant}에 {amount} 결제를 승인하세요. 승인하면 결제 페이지로 돌아갑니다.",
        "approve": "{method}에서 승인",
        "leave": "취소하고 결제 페이지로 돌아가기",
        "left": "{method}에서 승인하지 않고 돌아왔습니다. 청구된 금액은 없습니다. 다시 선택할 수 있습니다.",
        "kr_card": "국내 카드",
        "kakao_pay": "카카오페이",
        "naver_pay": "네이버페이",
        "payco": "페이코",
        "samsung_pay": "삼성페이",
    },
}


def language(session: dict[str, Any]) -> str:
    """The checkout page's language: the session's ``locale`` (Korean and English; ``auto`` and the others: English)."""
    return "ko" if session.get("locale") == "ko" else "en"


def text(lang: str, key: str, **values: str) -> str:
    return TEXTS.get(lang, TEXTS["en"])[key].format(**values)
