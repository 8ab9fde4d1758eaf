"""Checkout Sessions: creation (validated like Stripe), payment from the test page, settling, expiry."""

from __future__ import annotations

import copy
from typing import Any

from . import billing, connect, objects
from .money import MAXIMUM_AMOUNT, MINIMUM_CHARGE, SUPPORTED, format_amount
from .params import (
    EXPAND,
    ApiError,
    boolean,
    decimal,
    email,
    enum,
    hash_of,
    id_prefixed,
    integer,
    invalid,
    list_of,
    metadata,
    refuse_unmodelled,
    string,
    url,
    validate,
)
from .state import Ctx, Store, fixture, new_id, now

LOCALES = """auto bg cs da de el en en-GB es es-419 et fi fil fr fr-CA hr hu id it ja ko lt lv ms mt nb nl pl pt
pt-BR ro ru sk sl sv th tr vi zh zh-HK zh-TW""".split()  # noqa: SIM905
METHOD_TYPES = """card us_bank_account sepa_debit bacs_debit acss_debit au_becs_debit link kakao_pay kr_card
naver_pay payco samsung_pay""".split()  # noqa: SIM905
# The pinned API version's ``ui_mode`` values (the SDK's Literal); the sandbox serves the hosted page only.
UI_MODES = ("elements", "embedded_page", "form", "hosted_page")
HOSTED = "hosted_page"
# What the pinned API version accepts on ``POST /v1/checkout/sessions`` that the sandbox does not model: refused with
# a clear message, never as an unknown parameter (tests/stripe_sandbox/test_checkout_params.py keeps this list, and
# SESSION_CREATE, in step with the SDK's SessionCreateParams).
UNMODELLED = """adaptive_pricing after_expiration automatic_tax branding_settings consent_collection currency
custom_fields custom_text customer_account customer_creation customer_update discounts integration_identifier
invoice_creation managed_payments name_collection optional_items origin_context payment_method_collection
payment_method_data payment_method_options permissions phone_number_collection redirect_on_completion return_url
saved_payment_method_options setup_intent_data shipping_address_collection shipping_options
tax_id_collection""".split()  # noqa: SIM905
_FORBIDDEN = set("<>\\'\"*")
# Stripe's Korean payment methods (redirect-based: the donor approves in the wallet or the card company's page and
# comes back): KRW only, at least ₩100, Samsung Pay at most ₩2,000,000, subscriptions only with these three.
KOREAN = ("kr_card", "kakao_pay", "naver_pay", "payco", "samsung_pay")
KOREAN_MINIMUM = 100
KOREAN_MAXIMUM = {"samsung_pay": 2_000_000}
KOREAN_RECURRING = ("kr_card", "kakao_pay", "naver_pay")


def eligible(method: str, *, currency: str, amount: int, mode: str) -> bool:
    """Whether Checkout can offer ``method`` for this session (only the Korean methods' rules are modelled)."""
    if method not in KOREAN:
        return True
    return (
        currency == "krw"
        and KOREAN_MINIMUM <= amount <= KOREAN_MAXIMUM.get(method, MAXIMUM_AMOUNT)
        and (mode == "payment" or method in KOREAN_RECURRING)
    )


def _currency(value: Any, path: str) -> str:
    code = string(3)(value, path).lower()
    if code not in SUPPORTED:
        raise invalid(f"Invalid currency: {code}. Stripe currently supports these currencies: ...", param=path)
    return code


def _descriptor(max_length: int, minimum: int) -> Any:
    def check(value: Any, path: str) -> str:
        value = string(5000)(value, path)
        if not minimum <= len(value) <= max_length or _FORBIDDEN & set(value) or not any(c.isalpha() for c in value):
            raise invalid(
                f"The statement descriptor must be between {minimum} and {max_length} characters, contain at least "
                "one letter, and not contain any of these special characters: < > \\ ' \" *",
                param=path,
            )
        return value

    return check


_ACCOUNT = id_prefixed("acct_")
PRODUCT_DATA = hash_of(
    {"name": string(5000), "description": string(40000), "metadata": metadata, "images": list_of(url, 8)},
    required=("name",),
)
RECURRING = hash_of(
    {"interval": enum("day", "week", "month", "year"), "interval_count": integer(1, 365)}, ("interval",)
)
PRICE_DATA = hash_of(
    {
        "currency": _currency,
        "unit_amount": integer(0),
        "product": id_prefixed("prod_"),
        "product_data": PRODUCT_DATA,
        "recurring": RECURRING,
        "tax_behavior": enum("exclusive", "inclusive", "unspecified"),
    },
    required=("currency",),
)
LINE_ITEM = hash_of({"price": id_prefixed("price_"), "price_data": PRICE_DATA, "quantity": integer(1, 999_999)})
PAYMENT_INTENT_DATA = hash_of(
    {
        "description": string(1000),
        "statement_descriptor": _descriptor(22, 5),
        "statement_descriptor_suffix": _descriptor(22, 1),
        "metadata": metadata,
        "transfer_data": hash_of({"destination": _ACCOUNT, "amount": integer(1)}, required=("destination",)),
        "application_fee_amount": integer(0),
        "on_behalf_of": _ACCOUNT,
        "receipt_email": email,
        "transfer_group": string(5000),
    }
)
SUBSCRIPTION_DATA = hash_of(
    {
        "description": string(500),
        "metadata": metadata,
        "transfer_data": hash_of({"destination": _ACCOUNT, "amount_percent": decimal(0, 100)}, ("destination",)),
        "application_fee_percent": decimal(0, 100),
        "on_behalf_of": _ACCOUNT,
    }
)
SESSION_CREATE = {
    "mode": enum("payment", "subscription"),
    "line_items": list_of(LINE_ITEM, 100),
    "success_url": url,
    "cancel_url": url,
    "client_reference_id": string(200),
    "customer_email": email,
    "customer": id_prefixed("cus_"),
    "metadata": metadata,
    "submit_type": enum("auto", "book", "donate", "pay", "subscribe"),
    "payment_intent_data": PAYMENT_INTENT_DATA,
    "subscription_data": SUBSCRIPTION_DATA,
    "expires_at": integer(0),
    "locale": enum(*LOCALES),
    "allowed_payment_method_types": list_of(enum(*METHOD_TYPES), 30),
    "excluded_payment_method_types": list_of(enum(*METHOD_TYPES), 30),
    "payment_method_configuration": id_prefixed("pmc_"),
    "ui_mode": enum(*UI_MODES),
    "wallet_options": hash_of({"link": hash_of({"display": enum("auto", "never")})}),
    "billing_address_collection": enum("auto", "required"),
    "allow_promotion_codes": boolean,
    "expand": EXPAND,
}


def create_session(store: Store, ctx: Ctx, raw: dict[str, Any], *, base_url: str, connected: bool = False) -> dict:
    """``POST /v1/checkout/sessions``: an open session, with its prices and products; no event (Stripe sends none)."""
    refuse_unmodelled(raw, UNMODELLED)
    p = validate(raw, SESSION_CREATE, required=("mode", "success_url"))
    p.pop("allow_promotion_codes", None)
    if p.get("ui_mode", HOSTED) != HOSTED:
        raise invalid(
            f"ui_mode `{p['ui_mode']}` is valid for Stripe but the local sandbox serves only the hosted page "
            f"(`{HOSTED}`).",
            "ui_mode",
        )
    if "allowed_payment_method_types" in p and (
        "excluded_payment_method_types" in p or "payment_method_configuration" in p
    ):
        raise invalid(
            "You may only specify one of these parameters: allowed_payment_method_types, "
            "excluded_payment_method_types, payment_method_configuration.",
            "allowed_payment_method_types",
        )
    mode = p["mode"]
    if "line_items" not in p:
        raise invalid(
            f"Missing required param: line_items. It is required in `{mode}` mode.", "line_items", "parameter_missing"
        )
    _check_mode(p, mode, connected)
    _check_accounts(store, p)
    created = now()
    made: list[dict[str, Any]] = []  # inline products and prices, stored once everything is valid
    items = [_line_item(store, it, f"line_items[{i}]", mode, made) for i, it in enumerate(p["line_items"])]
    currency = _check_items(items, mode)
    amount = sum(item["amount_total"] for item in items)
    _check_amount(p, amount, currency)
    if "customer" in p:
        store.get("customer", p["customer"], param="customer")
    expires_at = p.get("expires_at", created + 86400)
    if expires_at > created + 86400:
        raise invalid(
            "The `expires_at` timestamp must be less than 24 hours from Checkout Session creation.", "expires_at"
        )
    if expires_at < created + 1800:
        raise invalid(
            "The `expires_at` timestamp must be at least 30 minutes from Checkout Session creation.", "expires_at"
        )
    session = objects.checkout_session(
        mode=mode, amount=amount, currency=currency, expires_at=expires_at, created=created, params=p
    )
    session["payment_method_types"] = _offered(session["payment_method_types"], currency, amount, mode)
    for obj in made:
        store.add(obj)
    session["customer"] = p.get("customer")
    session["url"] = f"{base_url}/checkout/{session['id']}"
    private = {"line_items": items, "pi_data": p.get("payment_intent_data", {}), "api_version": ctx.api_version}
    private["sub_data"] = p.get("subscription_data", {})
    return store.add(session, **private)


def _offered(methods: list[str], currency: str, amount: int, mode: str) -> list[str]:
    """``allowed_payment_method_types`` filters what is eligible: a method that cannot take this payment is left
    out; when none is left, Stripe refuses the session."""
    offered = [m for m in methods if eligible(m, currency=currency, amount=amount, mode=mode)]
    if not offered:
        raise invalid(
            "None of the payment method types in `allowed_payment_method_types` can be used with this Checkout "
            f"Session ({mode} mode, {format_amount(amount, currency)} {currency}).",
            "allowed_payment_method_types",
        )
    return offered


def _check_mode(p: dict[str, Any], mode: str, connected: bool) -> None:
    other = {"payment": "subscription_data", "subscription": "payment_intent_data"}[mode]
    if other in p:
        raise invalid(f"You can not pass `{other}` in `{mode}` mode.", other)
    if mode == "subscription" and "submit_type" in p:
        raise invalid("`submit_type` can only be used in `payment` mode.", "submit_type")
    if "customer" in p and "customer_email" in p:
        raise invalid("You may only specify one of these parameters: customer, customer_email.", "customer_email")
    data = p.get("payment_intent_data", {})
    if "statement_descriptor" in data and "card" in p.get("allowed_payment_method_types", ["card"]):
        raise invalid(
            "The `payment_intent_data[statement_descriptor]` parameter is not supported for the `card` payment method "
            "type. Use `payment_intent_data[statement_descriptor_suffix]` instead.",
            "payment_intent_data[statement_descriptor]",
        )
    sub = p.get("subscription_data", {})
    destination = connected or "transfer_data" in data or "on_behalf_of" in data
    if "application_fee_amount" in data and not destination:
        raise invalid(
            "Can only apply an application_fee_amount when the PaymentIntent is attempting a direct payment (using an "
            "OAuth key or Stripe-Account header) or destination payment (using `transfer_data[destination]`).",
            "payment_intent_data[application_fee_amount]",
        )
    if "application_fee_percent" in sub and not (connected or "transfer_data" in sub or "on_behalf_of" in sub):
        raise invalid(
            "Can only apply an application_fee_percent when the request is made on behalf of another account (using "
            "an OAuth key, the Stripe-Account header, or `transfer_data[destination]`).",
            "subscription_data[application_fee_percent]",
        )


def _check_accounts(store: Store, p: dict[str, Any]) -> None:
    """Every connected account named must exist (Stripe answers 400 ``resource_missing`` otherwise)."""
    for data_key in ("payment_intent_data", "subscription_data"):
        data = p.get(data_key, {})
        if "transfer_data" in data:
            where = f"{data_key}[transfer_data][destination]"
            connect.check_account(store, data["transfer_data"]["destination"], where)
        if "on_behalf_of" in data:
            connect.check_account(store, data["on_behalf_of"], f"{data_key}[on_behalf_of]")


def _line_item(store: Store, item: dict[str, Any], path: str, mode: str, made: list[dict]) -> dict[str, Any]:
    if ("price" in item) == ("price_data" in item):
        raise invalid(
            f"You must specify either `price` or `price_data` in {path}.", f"{path}[price]", "parameter_missing"
        )
    if "quantity" not in item:
        raise invalid(f"Missing required param: {path}[quantity].", f"{path}[quantity]", "parameter_missing")
    if "price" in item:
        price = store.get("price", item["price"], param=f"{path}[price]")
        name = store.objects[price["product"]]["name"]
    else:
        data, where = item["price_data"], f"{path}[price_data]"
        if ("product" in data) == ("product_data" in data):
            raise invalid(
                "You must specify either `product` or `product_data` when creating a price.", f"{where}[product]"
            )
        if "unit_amount" not in data:
            raise invalid(
                f"Missing required param: {where}[unit_amount].", f"{where}[unit_amount]", "parameter_missing"
            )
        if "product" in data:
            product = store.get("product", data["product"], param=f"{where}[product]")
        else:
            product_data = data["product_data"]
            product = objects.product(product_data["name"], product_data.get("description"), now())
            product["metadata"] = product_data.get("metadata", {})
            made.append(product)
        price = objects.price(product["id"], data["currency"], data["unit_amount"], data.get("recurring"), now())
        made.append(price)
        name = product["name"]
    if mode == "payment" and price["recurring"]:
        raise invalid(
            "You specified `payment` mode but passed a recurring price. Either switch to `subscription` mode or use "
            "only one-time prices.",
            f"{path}[price_data][recurring]",
        )
    return objects.line_item(price, name, item["quantity"])


def _check_items(items: list[dict[str, Any]], mode: str) -> str:
    currencies = {item["currency"] for item in items}
    if not items:
        raise invalid("Missing required param: line_items.", "line_items", "parameter_missing")
    if len(currencies) > 1:
        raise invalid("Checkout does not support multiple currencies in line items.", "line_items")
    if mode == "subscription":
        intervals = {(i["price"]["recurring"] or {}).get("interval") for i in items}
        if None in intervals:
            raise invalid(
                "You must provide at least one recurring price in `subscription` mode when using prices.", "line_items"
            )
        if len(intervals) > 1:
            raise invalid("Checkout does not support multiple prices with different billing intervals.", "line_items")
        if len(items) > 20:
            raise invalid("A subscription can have at most 20 line items.", "line_items")
    return currencies.pop()


def _check_amount(p: dict[str, Any], amount: int, currency: str) -> None:
    minimum = MINIMUM_CHARGE.get(currency, 1)
    if amount < minimum:
        raise invalid(
            f"The Checkout Session's total amount due must add up to at least {format_amount(minimum, currency)} "
            f"{currency}",
            "line_items",
        )
    if amount > MAXIMUM_AMOUNT:
        raise invalid(
            f"Amount must be no more than {format_amount(MAXIMUM_AMOUNT, currency)}", "line_items", "amount_too_large"
        )
    fee = p.get("payment_intent_data", {}).get("application_fee_amount")
    if fee is not None and fee > amount:
        raise invalid(
            "The application fee amount cannot be greater than the amount.",
            "payment_intent_data[application_fee_amount]",
        )


def _customer_details(email_address: str | None) -> dict[str, Any]:
    details = fixture("checkout.session")["customer_details"]
    details.update(email=email_address, address=None, tax_ids=[])
    return details


def pay(store: Store, ctx: Ctx, session_id: str, outcome: str, email_address: str | None, method: str = "card") -> bool:
    """The donor pays on the test page (``method``: card, or a Korean method once the donor came back from
    approving it). False when the card is declined (nothing changes)."""
    session = store.get("checkout.session", session_id)
    private = store.private[session_id]
    if session["status"] != "open":
        raise invalid(f"This Checkout Session is {session['status']}; it can no longer be paid.", "id")
    if method not in session["payment_method_types"]:
        raise invalid(f"This Checkout Session does not offer the payment method `{method}`.", "method")
    if method != "card" and outcome != "success":
        raise invalid(
            f"A `{method}` payment is approved or abandoned in its own page; it has no `{outcome}`.", "outcome"
        )
    private["method"] = method
    if outcome == "decline":
        if session["mode"] == "payment":
            _decline(store, ctx, session, private)
        return False
    if outcome.startswith("delayed_") and session["mode"] != "payment":
        raise invalid("Bank debits settle later only in `payment` mode in this sandbox.", "outcome")
    email_address = session["customer_email"] or email_address
    if session["customer"]:
        email_address = store.objects[session["customer"]]["email"] or email_address
    session.update(status="complete", customer_details=_customer_details(email_address))
    if session["mode"] == "subscription":
        billing.start_subscription(store, ctx, session, private)
    elif outcome == "success":
        _pay_now(store, ctx, session, private)
        store.emit(ctx, "checkout.session.completed", session)
    else:
        data = {**private["pi_data"], "customer": session["customer"], "payment_method_types": ["us_bank_account"]}
        pi = store.add(
            objects.payment_intent(
                amount=session["amount_total"], currency=session["currency"], status="processing", details=data
            )
        )
        private["delayed_outcome"] = "succeed" if outcome == "delayed_success" else "fail"
        session["payment_intent"] = pi["id"]
        store.emit(ctx, "checkout.session.completed", session)
    return True


DECLINED = {
    "type": "card_error",
    "code": "card_declined",
    "decline_code": "generic_decline",
    "message": "Your card was declined.",
}


def _decline(store: Store, ctx: Ctx, session: dict[str, Any], private: dict[str, Any]) -> None:
    """A declined card: the session's payment intent (made on the first attempt) fails; the session stays open."""
    pi = store.objects.get(session["payment_intent"] or "")
    if pi is None:
        data = {**private["pi_data"], "customer": session["customer"]}
        pi = store.add(
            objects.payment_intent(
                amount=session["amount_total"],
                currency=session["currency"],
                status="requires_payment_method",
                details=data,
            )
        )
        session["payment_intent"] = pi["id"]
    pi.update(status="requires_payment_method", last_payment_error=dict(DECLINED))
    store.emit(ctx, "payment_intent.payment_failed", pi)


def _pay_now(store: Store, ctx: Ctx, session: dict[str, Any], private: dict[str, Any]) -> None:
    method = private.get("method", "card")
    data = {**private["pi_data"], "customer": session["customer"], "payment_method_types": [method]}
    pi = store.objects.get(session["payment_intent"] or "")  # a card declined before: the same payment intent
    if pi is None:
        pi = store.add(
            objects.payment_intent(
                amount=session["amount_total"], currency=session["currency"], status="succeeded", details=data
            )
        )
    else:
        pi.update(status="succeeded", amount_received=pi["amount"], last_payment_error=None)
        pi.update(payment_method=pi["payment_method"] or new_id("pm_"), payment_method_types=[method])
    ch = store.add(objects.charge(pi, email=session["customer_details"]["email"], method=method))
    pi["latest_charge"] = ch["id"]
    transfers = connect.pay_out(store, pi, ch)
    session.update(payment_status="paid", payment_intent=pi["id"])
    store.emit(ctx, "payment_intent.succeeded", pi)
    store.emit(ctx, "charge.succeeded", ch)
    for event_type, obj in transfers:
        store.emit(ctx, event_type, obj)


def settle(store: Store, ctx: Ctx, session_id: str, outcome: str) -> dict[str, Any]:
    """A delayed (bank debit) payment settles: ``succeed`` or ``fail``."""
    session = store.get("checkout.session", session_id)
    pi = store.objects.get(session["payment_intent"] or "")
    if outcome not in ("succeed", "fail"):
        raise invalid("Invalid outcome: must be one of succeed, fail", "outcome")
    if session["payment_status"] != "unpaid" or not pi or pi["status"] != "processing":
        raise invalid(f"Checkout Session {session_id} has no payment waiting to settle.", "id")
    if outcome == "fail":
        pi.update(status="requires_payment_method", payment_method=None, amount_received=0)
        pi["last_payment_error"] = {
            "type": "invalid_request_error",
            "code": "payment_method_provider_decline",
            "message": "The bank declined the debit (test mode).",
        }
        store.emit(ctx, "payment_intent.payment_failed", pi)
        store.emit(ctx, "checkout.session.async_payment_failed", session)
        return session
    pi.update(status="succeeded", amount_received=pi["amount"])
    ch = store.add(objects.charge(pi, email=session["customer_details"]["email"], method="us_bank_account"))
    pi["latest_charge"] = ch["id"]
    transfers = connect.pay_out(store, pi, ch)
    session["payment_status"] = "paid"
    store.emit(ctx, "payment_intent.succeeded", pi)
    store.emit(ctx, "charge.succeeded", ch)
    for event_type, obj in transfers:
        store.emit(ctx, event_type, obj)
    store.emit(ctx, "checkout.session.async_payment_succeeded", session)
    return session


def expire(store: Store, ctx: Ctx, session_id: str) -> dict[str, Any]:
    session = store.get("checkout.session", session_id)
    if session["status"] != "open":
        raise ApiError(
            f"Only Checkout Sessions with a status of `open` can be expired. This Checkout Session has a status of "
            f"`{session['status']}`.",
            param="session",
        )
    session["status"] = "expired"
    store.emit(ctx, "checkout.session.expired", session)
    return session


def sweep(store: Store, ctx: Ctx) -> list[str]:
    """Expire open sessions whose ``expires_at`` has passed on the sandbox's clock; their ids. The server's expiry
    timer calls it when the earliest one is due, as Stripe does on its own clock, whether or not a request comes."""
    moment = store.clock()
    due = [s["id"] for s in store.all("checkout.session") if s["status"] == "open" and s["expires_at"] <= moment]
    for session_id in due:
        expire(store, ctx, session_id)
    return due


def next_expiry(store: Store) -> float | None:
    """When the earliest open session expires (a Unix time), or None."""
    return min((s["expires_at"] for s in store.all("checkout.session") if s["status"] == "open"), default=None)


def line_items(store: Store, session_id: str) -> dict[str, Any]:
    store.get("checkout.session", session_id)
    data = copy.deepcopy(store.private[session_id]["line_items"])
    return objects.list_object(data, f"/v1/checkout/sessions/{session_id}/line_items")
