"""Money: an integer amount in the currency's minor unit plus an ISO 4217 code. Never floats.

The per-currency rules live here: which currencies the portal takes, which have no minor unit
(Stripe's zero-decimal currencies), the smallest and largest gift, the suggested amounts, and
the processing-fee estimate a donor may choose to add.
"""

import re
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal, DecimalException, InvalidOperation

from django.conf import settings
from django.utils.translation import gettext as _


@dataclass(frozen=True)
class Currency:
    code: str
    symbol: str
    exponent: int  # digits after the decimal point; 0 for zero-decimal currencies
    minimum: int  # in minor units; at least Stripe's minimum charge
    maximum: int
    suggested: tuple[int, ...]  # in minor units
    fee_fixed: int  # the fixed part of the processing-fee estimate, in minor units

    @property
    def factor(self) -> int:
        return 10**self.exponent


CURRENCIES: dict[str, Currency] = {
    c.code: c
    for c in (
        Currency("USD", "US$", 2, 500, 1_000_000, (2500, 5000, 10000, 25000), 30),
        Currency("KRW", "₩", 0, 5_000, 10_000_000, (10000, 30000, 50000, 100000), 0),
        Currency("EUR", "€", 2, 500, 1_000_000, (2000, 5000, 10000, 25000), 25),
        Currency("GBP", "£", 2, 500, 1_000_000, (2000, 5000, 10000, 25000), 20),
        Currency("JPY", "¥", 0, 500, 1_000_000, (3000, 5000, 10000, 30000), 0),
        Currency("CAD", "CA$", 2, 500, 1_000_000, (2500, 5000, 10000, 25000), 30),
        Currency("AUD", "A$", 2, 500, 1_000_000, (2500, 5000, 10000, 25000), 30),
    )
}
DEFAULT_CURRENCY = "USD"
# The currency a visitor starts in when their language has one of its own (anyone can switch).
LANGUAGE_CURRENCIES = {"ko": "KRW"}
CURRENCY_CHOICES = [(code, code) for code in CURRENCIES]


# Digits, optionally grouped by commas in threes, optionally a point and decimals: "50000", "50,000", "25.50".
_NUMBER = re.compile(r"(\d{1,3}(,\d{3})+|\d{1,12})(\.\d{1,6})?")


class AmountError(ValueError):
    """A donor-facing reason why an amount cannot be taken."""


def currency(code: str) -> Currency:
    try:
        return CURRENCIES[code.upper()]
    except KeyError as exc:
        raise AmountError(_("We do not take gifts in %(code)s.") % {"code": code}) from exc


def parse_amount(text: str, code: str, *, limits: bool = True) -> int:
    """A donor's amount in major units ("25", "25.50", "50,000") to minor units, within the currency's rules."""
    cur = currency(code)
    cleaned = (text or "").strip().replace(" ", "").lstrip(cur.symbol).lstrip("$₩€£¥")
    if cleaned.startswith("-"):
        raise AmountError(_("Enter an amount greater than zero."))
    if not _NUMBER.fullmatch(cleaned):
        if re.fullmatch(r"\d+,\d{1,2}", cleaned):
            raise AmountError(_("Use a point for decimals, for example %(example)s.") % {"example": "25.50"})
        raise AmountError(_("Enter the amount as a number, for example %(example)s.") % {"example": "25"})
    try:
        value = Decimal(cleaned.replace(",", ""))
        minor = value * cur.factor
    except (InvalidOperation, DecimalException) as exc:
        raise AmountError(_("Enter the amount as a number, for example %(example)s.") % {"example": "25"}) from exc
    if value <= 0:
        raise AmountError(_("Enter an amount greater than zero."))
    if minor != minor.to_integral_value():
        if cur.exponent == 0:
            raise AmountError(_("%(code)s has no smaller unit: enter a whole number.") % {"code": cur.code})
        raise AmountError(_("Enter at most %(n)d digits after the decimal point.") % {"n": cur.exponent})
    return check_limits(int(minor), cur.code) if limits else int(minor)


def check_limits(amount: int, code: str) -> int:
    cur = currency(code)
    if amount < cur.minimum:
        raise AmountError(_("The smallest gift is %(min)s.") % {"min": format_money(cur.minimum, code)})
    if amount > cur.maximum:
        raise AmountError(_("The largest gift online is %(max)s.") % {"max": format_money(cur.maximum, code)})
    return amount


def processing_fee(amount: int, code: str) -> int:
    """What to add so that, after the estimated processing fee, the organization receives `amount`.

    total = ceil((amount + fixed) / (1 - rate)); the fee is total - amount. Estimated from
    STRIPE_FEE_PERCENT (a Decimal, e.g. 2.9, read at start-up) and the currency's fixed part.
    """
    cur = currency(code)
    rate = Decimal(settings.STRIPE_FEE_PERCENT) / 100
    total = ((Decimal(amount) + cur.fee_fixed) / (1 - rate)).to_integral_value(rounding=ROUND_CEILING)
    return int(total) - amount


def to_major(amount: int, code: str) -> Decimal:
    cur = currency(code)
    return (Decimal(amount) / cur.factor).quantize(Decimal(1).scaleb(-cur.exponent))


def format_money(amount: int, code: str) -> str:
    """₩50,000; US$25.00: symbol, grouped digits, the currency's decimals."""
    cur = currency(code)
    return f"{cur.symbol}{to_major(amount, code):,.{cur.exponent}f}"


def input_value(amount: int, code: str) -> str:
    """An amount in major units as a donor would type it back into the form."""
    return str(to_major(amount, code))


def language_currency(language: str | None) -> str | None:
    """The currency of a visitor's language ("ko" and "ko-kr": KRW), or None when it has none of its own."""
    return LANGUAGE_CURRENCIES.get((language or "").split("-")[0].lower())


PRESETS_MIN, PRESETS_MAX = 2, 6
_PRESET_LINE = re.compile(r"^\s*([A-Za-z]{3})\s*:?\s*(.*)$")


def parse_presets(text: str) -> dict[str, tuple[int, ...]]:
    """Suggested amounts per currency as staff write them, one line per currency: the code, then 2 to 6 amounts in
    major units separated by spaces ("KRW 10,000 30,000 50,000 100,000"; "USD: 25 50 100 250"). Returns them in
    minor units, ascending; raises AmountError saying what is wrong."""
    presets: dict[str, tuple[int, ...]] = {}
    for line in (text or "").splitlines():
        if not line.strip():
            continue
        found = _PRESET_LINE.match(line)
        if not found:
            raise AmountError(_("Start each line with a currency code, for example: KRW 10000 30000 50000 100000."))
        code, amounts = found[1].upper(), found[2].replace("/", " ").replace(";", " ").split()
        cur = currency(code)
        if code in presets:
            raise AmountError(_("%(code)s is given twice: one line per currency.") % {"code": code})
        how_many = _("Give %(min)d to %(max)d different amounts for %(code)s.")
        if not PRESETS_MIN <= len(amounts) <= PRESETS_MAX:
            raise AmountError(how_many % {"min": PRESETS_MIN, "max": PRESETS_MAX, "code": code})
        try:
            minor = sorted({parse_amount(amount, cur.code) for amount in amounts})
        except AmountError as exc:
            raise AmountError(f"{cur.code}: {exc}") from exc
        if len(minor) != len(amounts):  # "10000" and "10,000" are one amount
            raise AmountError(how_many % {"min": PRESETS_MIN, "max": PRESETS_MAX, "code": code})
        presets[cur.code] = tuple(minor)
    return presets
