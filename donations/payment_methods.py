"""Which payment methods a gift's Checkout Session offers: Stripe's rules for the Korean methods.

The portal uses dynamic payment methods (those enabled in the Dashboard) for every currency but KRW. For a KRW gift
it sends an explicit `allowed_payment_method_types`, a filter on what the Dashboard enables, computed here from
Stripe's rules for each Korean method (KRW only, at least ₩100, Samsung Pay at most ₩2,000,000, monthly gifts only
with Kakao Pay, Naver Pay and Korean cards), so that Checkout never offers a method that would refuse the gift.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class MethodRule:
    currency: str
    minimum: int  # in the currency's minor unit (KRW has none: won)
    maximum: int | None
    recurring: bool  # can pay a monthly gift (a subscription)

    def allows(self, *, currency: str, amount: int, monthly: bool) -> bool:
        return (
            currency.upper() == self.currency
            and amount >= self.minimum
            and (self.maximum is None or amount <= self.maximum)
            and (self.recurring or not monthly)
        )


KOREAN_METHODS: dict[str, MethodRule] = {
    "kr_card": MethodRule("KRW", 100, None, recurring=True),
    "kakao_pay": MethodRule("KRW", 100, None, recurring=True),
    "naver_pay": MethodRule("KRW", 100, None, recurring=True),
    "payco": MethodRule("KRW", 100, None, recurring=False),
    "samsung_pay": MethodRule("KRW", 100, 2_000_000, recurring=False),
}


def checkout_payment_methods(*, currency: str, amount: int, monthly: bool) -> tuple[str, ...]:
    """The `allowed_payment_method_types` for a gift, or () for dynamic payment methods (no list sent).

    A KRW gift: cards (with the wallets Checkout shows with them) and each Korean method whose rules allow it."""
    if currency.upper() != "KRW":
        return ()
    korean = (m for m, rule in KOREAN_METHODS.items() if rule.allows(currency=currency, amount=amount, monthly=monthly))
    return ("card", *korean)


# What the review page calls each method (the card includes the wallets Checkout shows with it).
LABELS = {
    "card": _("Card"),
    "kr_card": _("Korean card"),
    "kakao_pay": _("Kakao Pay"),
    "naver_pay": _("Naver Pay"),
    "payco": _("PAYCO"),
    "samsung_pay": _("Samsung Pay"),
}


def payment_method_labels(*, currency: str, amount: int, monthly: bool) -> list[str]:
    """The ways to pay a gift, as the donor reads them before going to Checkout; [] when Checkout decides (dynamic)."""
    return [str(LABELS[m]) for m in checkout_payment_methods(currency=currency, amount=amount, monthly=monthly)]
