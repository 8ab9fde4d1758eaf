import pytest

from common.money import AmountError, format_money, parse_amount, processing_fee


@pytest.mark.parametrize(
    ("text", "code", "minor"),
    [
        ("25", "USD", 2500),
        ("25.50", "USD", 2550),
        ("50,000", "KRW", 50000),
        ("₩50,000", "KRW", 50000),
        ("5000", "JPY", 5000),
    ],
)
def test_amounts_become_minor_units(text, code, minor):
    assert parse_amount(text, code) == minor


@pytest.mark.parametrize(
    ("text", "code", "message"),
    [
        ("500.5", "KRW", "no smaller unit"),
        ("10.001", "USD", "at most 2 digits"),
        ("abc", "USD", "as a number"),
        ("", "USD", "as a number"),
        ("-5", "USD", "greater than zero"),
        ("nan", "EUR", "as a number"),
        ("25,50", "EUR", "Use a point"),
        ("1,5", "USD", "Use a point"),
        ("1e9999999", "USD", "as a number"),
        ("12,34,567", "USD", "as a number"),
        ("0.49", "USD", "smallest gift"),
        ("1000", "KRW", "smallest gift"),
        ("10000000000", "USD", "largest gift"),
        ("1e400", "USD", "as a number"),
        ("99999999999", "USD", "largest gift"),
        ("25", "XXX", "do not take gifts"),
    ],
)
def test_bad_amounts_say_why(text, code, message):
    with pytest.raises(AmountError, match=message):
        parse_amount(text, code)


def test_money_is_shown_the_local_way():
    assert format_money(50000, "KRW") == "₩50,000"
    assert format_money(2500, "USD") == "US$25.00"
    assert format_money(123456, "EUR") == "€1,234.56"


def test_processing_fee_lets_the_organization_receive_the_whole_gift(settings):
    settings.STRIPE_FEE_PERCENT = "2.9"
    fee = processing_fee(2500, "USD")
    total = 2500 + fee
    assert total - (total * 29 // 1000) - 30 >= 2500  # after 2.9% + 30c, the gift is whole
    assert fee == 106
    assert processing_fee(50000, "KRW") == 1494  # zero-decimal: whole won
