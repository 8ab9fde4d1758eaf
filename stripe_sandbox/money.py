"""Currencies as Stripe knows them: which it accepts, which have no minor unit, the smallest charge, display."""

from __future__ import annotations

SUPPORTED = frozenset(
    """usd aed afn all amd ang aoa ars aud awg azn bam bbd bdt bgn bhd bif bmd bnd bob brl bsd bwp byn bzd cad cdf
    chf clp cny cop crc cve czk djf dkk dop dzd egp etb eur fjd fkp gbp gel gip gmd gnf gtq gyd hkd hnl htg huf idr
    ils inr isk jmd jod jpy kes kgs khr kmf krw kwd kyd kzt lak lbp lkr lrd lsl mad mdl mga mkd mmk mnt mop mur mvr
    mwk mxn myr mzn nad ngn nio nok npr nzd omr pab pen pgk php pkr pln pyg qar ron rsd rub rwf sar sbd scr sek sgd
    shp sle sos srd std szl thb tjs top try ttd twd tzs uah ugx uyu uzs vnd vuv wst xaf xcd xof xpf yer zar
    zmw""".split()  # noqa: SIM905 - a word list reads better
)
# Stripe's zero-decimal currencies: the amount is in the major unit (50000 KRW is ₩50,000).
ZERO_DECIMAL = frozenset("bif clp djf gnf jpy kmf krw mga pyg rwf ugx vnd vuv xaf xof xpf".split())  # noqa: SIM905
# Three-decimal currencies: Stripe counts thousandths.
THREE_DECIMAL = frozenset("bhd jod kwd omr tnd".split())  # noqa: SIM905
# Stripe's minimum charge amounts (minor units) for the currencies it lists; others must simply be positive.
MINIMUM_CHARGE = {
    "usd": 50,
    "aed": 200,
    "aud": 50,
    "bgn": 100,
    "brl": 50,
    "cad": 50,
    "chf": 50,
    "czk": 1500,
    "dkk": 250,
    "eur": 50,
    "gbp": 30,
    "hkd": 400,
    "huf": 17500,
    "inr": 50,
    "jpy": 50,
    "mxn": 1000,
    "myr": 200,
    "nok": 300,
    "nzd": 50,
    "pln": 200,
    "ron": 200,
    "sek": 300,
    "sgd": 50,
    "thb": 1000,
}
MAXIMUM_AMOUNT = 99_999_999
SYMBOLS = {"usd": "$", "eur": "€", "gbp": "£", "krw": "₩", "jpy": "¥", "cny": "CN¥", "cad": "CA$", "aud": "A$"}


def exponent(currency: str) -> int:
    currency = currency.lower()
    return 0 if currency in ZERO_DECIMAL else 3 if currency in THREE_DECIMAL else 2


def format_amount(amount: int, currency: str) -> str:
    """``format_amount(50000, "krw") == "₩50,000"``, ``format_amount(2500, "usd") == "$25.00"``."""
    places = exponent(currency)
    sign = "-" if amount < 0 else ""
    major, minor = divmod(abs(amount), 10**places)
    number = f"{major:,}" + (f".{minor:0{places}d}" if places else "")
    symbol = SYMBOLS.get(currency.lower())
    return f"{sign}{symbol}{number}" if symbol else f"{sign}{number} {currency.upper()}"
