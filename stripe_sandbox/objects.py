"""Stripe objects, each a deep copy of Stripe's example (``fixtures.json``) with the fields the sandbox sets.

The examples carry placeholder values (``obj_123``, huge random amounts, a legacy ``source``); every field a
real object of that kind would not have is reset to what Stripe sends for it (mostly ``null``).
"""

from __future__ import annotations

import copy
import secrets
from typing import Any

from .money import format_amount
from .state import fixture, new_id, now


def list_object(data: list[dict[str, Any]], url: str, has_more: bool = False) -> dict[str, Any]:
    shape = fixture("list")
    shape.update(data=data, has_more=has_more, url=url)
    return shape


def _null(obj: dict[str, Any], *keys: str) -> None:
    for key in keys:
        obj[key] = None


def checkout_session(
    *, mode: str, amount: int, currency: str, expires_at: int, created: int, params: dict[str, Any]
) -> dict[str, Any]:
    obj = fixture("checkout.session")
    _null(obj, "after_expiration", "consent", "consent_collection", "customer", "customer_details", "invoice")
    _null(obj, "payment_intent", "saved_payment_method_options")
    _null(obj, "shipping_address_collection", "shipping_cost", "collected_information", "permissions")
    _null(obj, "wallet_options", "currency_conversion", "managed_payments", "subscription")
    payment = mode == "payment"
    obj["custom_text"] = dict.fromkeys(obj["custom_text"])
    obj["automatic_tax"] = {"enabled": False, "liability": None, "status": None, "provider": None}
    if payment:
        obj["invoice_creation"]["enabled"] = False
        obj["invoice_creation"]["invoice_data"].update(issuer=None)
    else:
        obj["invoice_creation"] = None
    obj.update(
        id=new_id("cs_test_"),
        created=created,
        expires_at=expires_at,
        livemode=False,
        mode=mode,
        amount_subtotal=amount,
        amount_total=amount,
        currency=currency,
        cancel_url=params.get("cancel_url"),
        success_url=params.get("success_url"),
        client_reference_id=params.get("client_reference_id"),
        customer_email=params.get("customer_email"),
        customer_creation="if_required" if payment else None,
        billing_address_collection=params.get("billing_address_collection"),
        locale=params.get("locale"),
        metadata=params.get("metadata", {}),
        submit_type=params.get("submit_type"),
        payment_method_collection=None if payment else "always",
        payment_method_types=_method_types(params),
        payment_method_configuration_details=_configuration(params),
        status="open",
        payment_status="unpaid",
        total_details={"amount_discount": 0, "amount_shipping": 0, "amount_tax": 0},
        ui_mode="hosted_page",
        adaptive_pricing={"enabled": False},
        discounts=[],
        wallet_options=None,
    )
    return obj


DYNAMIC_CONFIGURATION = "pmc_SandboxDefaultConfiguration"  # the account's default payment method configuration


def _method_types(params: dict[str, Any]) -> list[str]:
    """An explicit list as given; else the dynamic payment methods of the account's configuration, which in the
    sandbox is the card (wallets such as Apple Pay and Google Pay are shown as part of it)."""
    if "allowed_payment_method_types" in params:
        return list(params["allowed_payment_method_types"])
    return [t for t in ["card"] if t not in params.get("excluded_payment_method_types", [])] or ["card"]


def _configuration(params: dict[str, Any]) -> dict[str, Any] | None:
    """Dynamic payment methods come from a payment method configuration (the account's default unless named)."""
    if "allowed_payment_method_types" in params:
        return None
    return {"id": params.get("payment_method_configuration", DYNAMIC_CONFIGURATION), "parent": None}


def product(name: str, description: str | None, created: int) -> dict[str, Any]:
    obj = fixture("product")
    _null(obj, "default_price", "package_dimensions", "shippable", "statement_descriptor", "tax_code", "url")
    obj.update(id=new_id("prod_", 14), created=created, updated=created, name=name, description=description)
    obj.update(type="service", images=[], marketing_features=[], metadata={}, livemode=False)
    return obj


def price(product_id: str, currency: str, unit_amount: int, recurring: dict | None, created: int) -> dict[str, Any]:
    obj = fixture("price")
    obj.update(id=new_id("price_"), created=created, product=product_id, currency=currency, livemode=False)
    obj.update(active=False, custom_unit_amount=None, transform_quantity=None, metadata={}, lookup_key=None)
    obj.update(unit_amount=unit_amount, unit_amount_decimal=str(unit_amount), type="one_time", recurring=None)
    if recurring:
        obj["type"] = "recurring"
        obj["recurring"] = {
            "interval": recurring["interval"],
            "interval_count": recurring.get("interval_count", 1),
            "meter": None,
            "usage_type": "licensed",
            "trial_period_days": None,
        }
    return obj


def line_item(price_obj: dict[str, Any], name: str, quantity: int) -> dict[str, Any]:
    """A Checkout Session line item (Stripe's ``item`` object)."""
    obj = fixture("item")
    total = price_obj["unit_amount"] * quantity
    obj.update(id=new_id("li_"), price=price_obj, quantity=quantity, description=name, currency=price_obj["currency"])
    obj.update(amount_discount=0, amount_tax=0, amount_subtotal=total, amount_total=total, adjustable_quantity=None)
    return obj


def payment_intent(*, amount: int, currency: str, status: str, details: dict[str, Any]) -> dict[str, Any]:
    """``details``: metadata, description, customer, statement_descriptor(_suffix), transfer_data, ... (may be {})."""
    obj = fixture("payment_intent")
    pi_id = new_id("pi_")
    _null(obj, "canceled_at", "last_payment_error", "next_action", "payment_method_configuration_details")
    _null(obj, "processing", "shipping", "automatic_payment_methods", "customer_account", "managed_payments")
    destination = (details.get("transfer_data") or {}).get("destination")
    obj.update(
        id=pi_id,
        created=now(),
        livemode=False,
        amount=amount,
        currency=currency,
        status=status,
        amount_received=amount if status == "succeeded" else 0,
        client_secret=f"{pi_id}_secret_{secrets.token_urlsafe(18)}",
        payment_method=new_id("pm_") if status in ("succeeded", "processing") else None,
        payment_method_types=details.get("payment_method_types", ["card"]),
        metadata=dict(details.get("metadata", {})),
        description=details.get("description"),
        customer=details.get("customer"),
        receipt_email=details.get("receipt_email"),
        statement_descriptor=details.get("statement_descriptor"),
        statement_descriptor_suffix=details.get("statement_descriptor_suffix"),
        application_fee_amount=details.get("application_fee_amount"),
        on_behalf_of=details.get("on_behalf_of"),
        transfer_group=details.get("transfer_group"),
        transfer_data={"destination": destination} if destination else None,
    )
    return obj


_BANK_DETAILS = {
    "type": "us_bank_account",
    "us_bank_account": {
        "account_holder_type": "individual",
        "account_type": "checking",
        "bank_name": "STRIPE TEST BANK",
        "fingerprint": "SandboxBank0001",
        "last4": "6789",
        "routing_number": "110000000",
    },
}


# What a Korean payment method's charge says of it (the SDK's ``Charge.PaymentMethodDetails.<Method>``); the ids are
# the local processor's, made up here.
KOREAN_CARD_BRAND = "shinhan"


def _method_details(method: str, amount: int) -> dict[str, Any] | None:
    """A charge's ``payment_method_details`` for a method other than the fixture's card, or None for the card."""
    if method == "us_bank_account":
        return copy.deepcopy(_BANK_DETAILS)
    if method == "card":
        return None
    details: dict[str, Any] = {"buyer_id": f"sandbox_{secrets.token_hex(6)}", "transaction_id": secrets.token_hex(10)}
    if method == "kr_card":
        details.update(brand=KOREAN_CARD_BRAND, last4="0000")
    return {"type": method, method: details}


def charge(pi: dict[str, Any], *, email: str | None, method: str = "card") -> dict[str, Any]:
    obj = fixture("charge")
    ch_id = new_id("ch_")
    _null(obj, "review", "shipping", "source_transfer", "source", "receipt_url", "calculated_statement_descriptor")
    amount = pi["amount"]
    details = _method_details(method, amount)
    if details:
        obj["payment_method_details"] = details
    else:
        card = obj["payment_method_details"]["card"]
        _null(card, "installments", "wallet", "three_d_secure")
        card.update(
            amount_authorized=amount, overcapture={"maximum_amount_capturable": amount, "status": "unavailable"}
        )
    obj["billing_details"]["email"] = email
    obj["billing_details"]["name"] = None
    obj["outcome"].update(network_status="approved_by_network", seller_message="Payment complete.", type="authorized")
    destination = (pi.get("transfer_data") or {}).get("destination")
    obj.update(
        id=ch_id,
        created=now(),
        livemode=False,
        amount=amount,
        amount_captured=amount,
        amount_refunded=0,
        captured=True,
        currency=pi["currency"],
        customer=pi["customer"],
        description=pi["description"],
        metadata={},  # Stripe does not copy a payment intent's metadata onto its charges
        payment_intent=pi["id"],
        payment_method=pi["payment_method"],
        receipt_email=email,
        refunded=False,
        refunds=list_object([], f"/v1/charges/{ch_id}/refunds"),
        balance_transaction=new_id("txn_"),
        application_fee=None,  # set with the transfer (connect.py)
        application_fee_amount=pi["application_fee_amount"],
        on_behalf_of=pi["on_behalf_of"],
        statement_descriptor=pi["statement_descriptor"],
        statement_descriptor_suffix=pi["statement_descriptor_suffix"],
        transfer_data={"amount": None, "destination": destination} if destination else None,
        transfer_group=pi["transfer_group"],
        paid=True,
        status="succeeded",
    )
    return obj


def refund(ch: dict[str, Any], amount: int, reason: str | None, metadata: dict[str, str]) -> dict[str, Any]:
    obj = fixture("refund")
    method = ch["payment_method_details"]["type"]
    if method == "us_bank_account":
        obj["destination_details"] = {"type": "us_bank_account", "us_bank_account": {}}
    elif method != "card":  # a Korean method: the processor returns the money (no details of its own in the SDK)
        obj["destination_details"] = {"type": method}
    obj.update(id=new_id("re_"), created=now(), amount=amount, charge=ch["id"], currency=ch["currency"])
    obj.update(payment_intent=ch["payment_intent"], reason=reason, metadata=metadata, status="succeeded")
    obj.update(balance_transaction=new_id("txn_"), customer=ch["customer"], payment_method=ch["payment_method"])
    return obj


def customer(email: str | None, created: int) -> dict[str, Any]:
    obj = fixture("customer")
    _null(obj, "address", "currency", "discount", "shipping")
    obj.update(id=new_id("cus_", 14), created=created, email=email, livemode=False, metadata={})
    obj.update(invoice_prefix=secrets.token_hex(4).upper(), next_invoice_sequence=1)
    return obj


def subscription_item(sub_id: str, price_obj: dict[str, Any], quantity: int, period: tuple[int, int]) -> dict:
    obj = fixture("subscription_item")
    recurring = price_obj["recurring"]
    obj.update(id=new_id("si_", 14), created=period[0], price=price_obj, quantity=quantity, subscription=sub_id)
    obj.update(current_period_start=period[0], current_period_end=period[1], billing_thresholds=None)
    obj["plan"] = {
        "active": price_obj["active"],
        "amount": price_obj["unit_amount"],
        "amount_decimal": str(price_obj["unit_amount"]),
        "billing_scheme": "per_unit",
        "created": price_obj["created"],
        "currency": price_obj["currency"],
        "id": price_obj["id"],
        "interval": recurring["interval"],
        "interval_count": recurring["interval_count"],
        "livemode": False,
        "metadata": {},
        "meter": None,
        "nickname": None,
        "object": "plan",
        "product": price_obj["product"],
        "tiers_mode": None,
        "transform_usage": None,
        "trial_period_days": None,
        "usage_type": "licensed",
    }
    return obj


def subscription(*, customer_id: str, currency: str, created: int, details: dict[str, Any]) -> dict[str, Any]:
    """``details``: metadata, description, transfer_data, application_fee_percent, on_behalf_of (may be {})."""
    obj = fixture("subscription")
    _null(obj, "billing_cycle_anchor_config", "cancel_at", "canceled_at", "ended_at", "latest_invoice")
    _null(obj, "next_pending_invoice_item_invoice", "pause_collection", "pending_invoice_item_interval")
    _null(obj, "pending_update", "trial_end", "trial_start", "billing_thresholds", "managed_payments")
    destination = (details.get("transfer_data") or {}).get("destination")
    obj["cancellation_details"] = {"comment": None, "feedback": None, "reason": None}
    obj["automatic_tax"] = {"enabled": False, "liability": None, "disabled_reason": None}
    obj["payment_settings"] = {
        "payment_method_options": None,
        "payment_method_types": None,
        "save_default_payment_method": "off",
    }
    obj.update(
        id=new_id("sub_"),
        created=created,
        start_date=created,
        billing_cycle_anchor=created,
        livemode=False,
        customer=customer_id,
        currency=currency,
        status="active",
        cancel_at_period_end=False,
        default_payment_method=new_id("pm_"),
        description=details.get("description"),
        metadata=dict(details.get("metadata", {})),
        application_fee_percent=details.get("application_fee_percent"),
        on_behalf_of=details.get("on_behalf_of"),
        transfer_data={"amount_percent": None, "destination": destination} if destination else None,
        billing_schedules=[],
    )
    return obj


def invoice(sub: dict, cus: dict, *, billing_reason: str, period: tuple[int, int], usage: tuple[int, int]) -> dict:
    """An open, finalized invoice: lines for ``period`` of ``sub``, usage period ``usage`` (caller pays or fails it)."""
    obj = fixture("invoice")
    inv_id = new_id("in_")
    created = now()
    _null(obj, "customer_address", "customer_shipping", "due_date", "from_invoice", "last_finalization_error")
    _null(obj, "rendering", "shipping_cost", "shipping_details", "webhooks_delivered_at", "account_name")
    obj["automatic_tax"] = {
        "enabled": False,
        "liability": None,
        "status": None,
        "disabled_reason": None,
        "provider": None,
    }
    obj["payment_settings"] = {"default_mandate": None, "payment_method_options": None, "payment_method_types": None}
    del obj["subscription"]  # in the example, gone since API version 2025-03-31: parent.subscription_details has it
    lines = [_invoice_line(inv_id, sub, item, period) for item in sub["items"]["data"]]
    total = sum(line["amount"] for line in lines)
    number = f"{cus['invoice_prefix']}-{cus['next_invoice_sequence']:04d}"
    cus["next_invoice_sequence"] += 1
    obj.update(
        id=inv_id,
        created=created,
        effective_at=created,
        livemode=False,
        currency=sub["currency"],
        customer=cus["id"],
        customer_email=cus["email"],
        customer_name=cus["name"],
        billing_reason=billing_reason,
        amount_due=total,
        amount_paid=0,
        amount_remaining=total,
        amount_overpaid=0,
        subtotal=total,
        subtotal_excluding_tax=total,
        total=total,
        total_excluding_tax=total,
        ending_balance=0,
        attempt_count=0,
        attempted=False,
        auto_advance=True,
        number=number,
        status="open",
        status_transitions={
            "finalized_at": created,
            "marked_uncollectible_at": None,
            "paid_at": None,
            "voided_at": None,
        },
        on_behalf_of=sub["on_behalf_of"],
        issuer={"type": "self"},
        period_start=usage[0],
        period_end=usage[1],
        next_payment_attempt=None,
        total_pretax_credit_amounts=[],
        total_taxes=[],
        lines=list_object(lines, f"/v1/invoices/{inv_id}/lines"),
        parent={
            "quote_details": None,
            "type": "subscription_details",
            "subscription_details": {"metadata": dict(sub["metadata"]), "subscription": sub["id"]},
        },
    )
    return obj


def _invoice_line(inv_id: str, sub: dict, item: dict, period: tuple[int, int]) -> dict[str, Any]:
    obj = fixture("line_item")
    price_obj, quantity = item["price"], item["quantity"]
    amount = price_obj["unit_amount"] * quantity
    each = format_amount(price_obj["unit_amount"], price_obj["currency"])
    obj.update(id=new_id("il_"), invoice=inv_id, amount=amount, subtotal=amount, currency=price_obj["currency"])
    obj.update(description=f"{quantity} × (at {each} / {price_obj['recurring']['interval']})", quantity=quantity)
    obj.update(metadata=dict(sub["metadata"]), period={"start": period[0], "end": period[1]}, subscription=sub["id"])
    obj.update(pretax_credit_amounts=[], taxes=[], quantity_decimal=str(quantity))
    obj["parent"] = {
        "invoice_item_details": None,
        "subscription_item_details": {
            "invoice_item": None,
            "proration": False,
            "proration_details": {"credited_items": None},
            "subscription": sub["id"],
            "subscription_item": item["id"],
        },
        "type": "subscription_item_details",
    }
    obj["pricing"] = {
        "price_details": {"price": price_obj["id"], "product": price_obj["product"]},
        "type": "price_details",
        "unit_amount_decimal": str(price_obj["unit_amount"]),
    }
    return obj


def invoice_payment(inv: dict[str, Any], pi_id: str, paid: bool) -> dict[str, Any]:
    obj = fixture("invoice_payment")
    created = now()
    obj.update(id=new_id("inpay_"), created=created, livemode=False, invoice=inv["id"], currency=inv["currency"])
    obj.update(amount_requested=inv["amount_due"], amount_paid=inv["amount_due"] if paid else None)
    obj.update(payment={"type": "payment_intent", "payment_intent": pi_id}, status="paid" if paid else "open")
    obj["status_transitions"] = {"canceled_at": None, "paid_at": created if paid else None}
    return obj


# -- Connect: connected accounts, a destination charge's transfer and application fee, and their reversals --------
def account(account_id: str, created: int, *, email: str | None = None, country: str = "US") -> dict[str, Any]:
    """A connected account that can take destination charges (charges and payouts enabled, nothing due)."""
    obj = fixture("account")
    obj.update(id=account_id, created=created, email=email, country=country, metadata={}, type="express")
    obj.update(charges_enabled=True, payouts_enabled=True, details_submitted=True, controller={"type": "application"})
    obj["default_currency"] = "usd" if country == "US" else obj["default_currency"]
    obj["external_accounts"]["url"] = f"/v1/accounts/{account_id}/external_accounts"
    for requirements in (obj["requirements"], obj["future_requirements"]):
        requirements.update(currently_due=[], eventually_due=[], past_due=[], disabled_reason=None)
    return obj


def transfer(ch: dict[str, Any], destination: str, amount: int) -> dict[str, Any]:
    """The transfer of a destination charge to its connected account."""
    obj = fixture("transfer")
    tr_id = new_id("tr_")
    obj.update(id=tr_id, created=now(), amount=amount, amount_reversed=0, currency=ch["currency"], reversed=False)
    obj.update(destination=destination, destination_payment=new_id("py_"), balance_transaction=new_id("txn_"))
    obj.update(source_transaction=ch["id"], transfer_group=ch["transfer_group"], metadata={}, description=None)
    obj["source_type"] = "bank_account" if ch["payment_method_details"]["type"] == "us_bank_account" else "card"
    obj["reversals"] = list_object([], f"/v1/transfers/{tr_id}/reversals")
    return obj


def transfer_reversal(tr: dict[str, Any], amount: int, refund_id: str) -> dict[str, Any]:
    obj = fixture("transfer_reversal")
    obj.update(id=new_id("trr_"), created=now(), amount=amount, currency=tr["currency"], transfer=tr["id"])
    obj.update(balance_transaction=new_id("txn_"), source_refund=refund_id, metadata={})
    obj["destination_payment_refund"] = new_id("pyr_")
    return obj


def application_fee(ch: dict[str, Any], account_id: str, amount: int) -> dict[str, Any]:
    """The platform's fee on a destination charge, collected from the connected account."""
    obj = fixture("application_fee")
    fee_id = new_id("fee_")
    obj.update(id=fee_id, created=now(), amount=amount, amount_refunded=0, currency=ch["currency"], refunded=False)
    obj.update(account=account_id, charge=ch["id"], fee_source={"charge": ch["id"], "type": "charge"})
    obj.update(livemode=False, balance_transaction=new_id("txn_"), originating_transaction=None)
    obj["application"] = "ca_" + "RefugeeAidPortalSandbox00"
    obj["refunds"] = list_object([], f"/v1/application_fees/{fee_id}/refunds")
    return obj


def fee_refund(fee: dict[str, Any], amount: int) -> dict[str, Any]:
    obj = fixture("fee_refund")
    obj.update(id=new_id("fr_"), created=now(), amount=amount, currency=fee["currency"], fee=fee["id"])
    obj.update(balance_transaction=new_id("txn_"), metadata={})
    return obj
