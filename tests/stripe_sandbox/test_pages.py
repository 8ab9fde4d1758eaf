"""The test checkout page and the dashboard: plain, accessible, escaped, clearly test mode."""

from __future__ import annotations

import requests

from .conftest import Api, pay, payment_params, subscription_params


def get(url: str) -> requests.Response:
    return requests.get(url, timeout=5)


def test_checkout_page_shows_test_mode_amount_and_buttons(api: Api) -> None:
    session = api.ok("post", "checkout/sessions", payment_params())
    page = get(session["url"])
    assert page.status_code == 200 and page.headers["Content-Type"] == "text/html; charset=utf-8"
    html = page.text
    assert '<html lang="en">' in html and "TEST MODE: no real money moves" in html
    assert "$25.00" in html and "Gift to Rescue Org" in html and "donor@example.org" in html
    for label in (
        "Pay with test card 4242",
        "Use a card that is declined",
        "Pay by bank debit (settles later: succeeds)",
        "Pay by bank debit (settles later: fails)",
    ):
        assert label in html
    assert 'href="https://portal.example/give/"' in html and "Cancel and go back" in html


def test_zero_decimal_currency_and_monthly_wording(api: Api) -> None:
    session = api.ok("post", "checkout/sessions", subscription_params())
    html = get(session["url"]).text
    assert "₩50,000 every month" in html and "₩500.00" not in html
    assert "bank debit" not in html  # bank debits only in payment mode here


def test_echoed_text_is_escaped(api: Api) -> None:
    name = "<script>alert('x')</script>"
    session = api.ok(
        "post", "checkout/sessions", payment_params(**{"line_items[0][price_data][product_data][name]": name})
    )
    html = get(session["url"]).text
    assert "<script>" not in html and "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html
    assert "&lt;script&gt;" in get(f"{api.base}/_sandbox/").text


def test_email_is_asked_when_unknown(api: Api, sandbox) -> None:
    params = payment_params()
    del params["customer_email"]
    session = api.ok("post", "checkout/sessions", params)
    assert '<label for="email">Email</label>' in get(session["url"]).text
    bad = pay(sandbox, session["id"], email="nope")
    assert bad.status_code == 400 and 'role="alert"' in bad.text
    assert pay(sandbox, session["id"], email="typed@example.org").status_code == 303
    assert api.ok("get", f"checkout/sessions/{session['id']}")["customer_details"]["email"] == "typed@example.org"


def test_complete_and_unknown_sessions(api: Api, sandbox) -> None:
    session = api.ok("post", "checkout/sessions", payment_params())
    pay(sandbox, session["id"])
    html = get(session["url"]).text
    assert "complete" in html and "Pay with test card" not in html
    assert pay(sandbox, session["id"]).status_code == 409
    missing = get(f"{sandbox.url}/checkout/cs_test_missing")
    assert missing.status_code == 404 and "TEST MODE" in missing.text


def test_dashboard_lists_objects_and_its_buttons_come_back(api: Api, sandbox) -> None:
    session = api.ok("post", "checkout/sessions", subscription_params())
    pay(sandbox, session["id"])
    sub_id = api.ok("get", f"checkout/sessions/{session['id']}")["subscription"]
    html = get(f"{sandbox.url}/_sandbox/").text
    assert "TEST MODE" in html and sub_id in html and "Advance a month (paid)" in html and "invoice.paid" in html
    back = requests.post(
        f"{sandbox.url}/_sandbox/subscriptions/{sub_id}/advance",
        {"outcome": "paid", "return_to": "dashboard"},
        allow_redirects=False,
        timeout=5,
    )
    assert back.status_code == 303 and back.headers["Location"] == "/_sandbox/"
    assert len(sandbox.events(type="invoice.paid")) == 2


def test_amounts_are_formatted_in_the_currencys_own_unit() -> None:
    from stripe_sandbox.money import format_amount

    assert format_amount(50000, "krw") == "₩50,000"
    assert format_amount(2500, "usd") == "$25.00"
    assert format_amount(1000, "JPY") == "¥1,000"
    assert format_amount(123456, "vnd") == "123,456 VND"
    assert format_amount(1500, "bhd") == "1.500 BHD"
