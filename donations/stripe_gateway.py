"""The only module that imports `stripe`. It speaks the portal's types and errors.

Every call goes through one StripeClient with a short timeout and at most two network retries. On the donor's path
(`with deadline(...)`, see donations.views) every call, retries included, also ends by one shared deadline, so a slow
Stripe never holds a web worker's thread longer than STRIPE_DONOR_WAIT_SECONDS.
With no STRIPE_SECRET_KEY set, the client talks to the local sandbox at STRIPE_API_BASE (test mode).
Every create call carries an idempotency key that the caller derives from the portal's own ids.
"""

import contextvars
import json
import logging
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

import stripe
from django.conf import settings

logger = logging.getLogger(__name__)


class StripeUnavailable(Exception):
    """Stripe could not be reached, timed out, failed on its side, was busy with the same idempotency key (409) or
    rate limited us (429): try again later."""


class StripeRejected(Exception):
    """Stripe refused the request (4xx): retrying the same request will not help."""

    def __init__(self, message: str, code: str | None = None):
        super().__init__(message)
        self.code = code


class InvalidWebhook(Exception):
    """A webhook whose signature is missing, wrong or stale, or whose body is not an event with a usable id."""


class UnprocessableEvent(Exception):
    """A correctly signed event the portal cannot read (a NUL character, an impossible type, no data object...).

    `event` is what can be kept of it: its id, a readable type and creation time, the payload without NULs."""

    def __init__(self, reason: str, event: "Event"):
        super().__init__(reason)
        self.reason = reason
        self.event = event


@dataclass(frozen=True)
class CheckoutRequest:
    reference: str
    mode: str  # "payment" or "subscription"
    amount: int
    currency: str
    product_name: str
    customer_email: str
    success_url: str
    cancel_url: str
    idempotency_key: str
    statement_descriptor_suffix: str = ""
    destination: str = ""
    application_fee_amount: int = 0
    application_fee_percent: str = ""
    locale: str = "auto"
    # allowed_payment_method_types (a filter on the Dashboard's dynamic payment methods); () sends no list
    payment_method_types: tuple[str, ...] = ()


def _id(value: Any) -> str:
    """An expandable field: an id string, an expanded object, or nothing."""
    if isinstance(value, dict):
        return value.get("id") or ""
    return value or ""


REFUND_REQUEST_KEY = "portal_refund_request"


def _reference(data: dict[str, Any]) -> str:
    """Our pledge reference, from an object's metadata."""
    return (data.get("metadata") or {}).get("pledge") or ""


def _currency(data: dict[str, Any]) -> str:
    return (data.get("currency") or "").upper()


def _time(timestamp: int | None) -> datetime | None:
    return datetime.fromtimestamp(timestamp, tz=UTC) if timestamp else None


def _paying_intent(invoice: dict[str, Any]) -> str:
    """The payment intent among an invoice's payments (listed only when Stripe expands them)."""
    for item in (invoice.get("payments") or {}).get("data", []):
        payment = item.get("payment") or {}
        if payment.get("type") == "payment_intent":
            return _id(payment.get("payment_intent"))
    return ""


@dataclass(frozen=True)
class CheckoutSession:
    id: str
    url: str
    status: str  # open, complete, expired
    payment_status: str  # paid, unpaid, no_payment_required
    mode: str
    reference: str  # our pledge reference, from client_reference_id
    amount_total: int
    currency: str
    payment_intent_id: str
    subscription_id: str
    invoice_id: str
    customer_id: str

    @classmethod
    def from_stripe(cls, data: dict[str, Any]) -> "CheckoutSession":
        return cls(
            id=data["id"],
            url=data.get("url") or "",
            status=data.get("status") or "",
            payment_status=data.get("payment_status") or "",
            mode=data.get("mode") or "",
            reference=data.get("client_reference_id") or _reference(data),
            amount_total=int(data.get("amount_total") or 0),
            currency=_currency(data),
            payment_intent_id=_id(data.get("payment_intent")),
            subscription_id=_id(data.get("subscription")),
            invoice_id=_id(data.get("invoice")),
            customer_id=_id(data.get("customer")),
        )


@dataclass(frozen=True)
class Invoice:
    """One invoice of a monthly gift."""

    id: str
    status: str  # draft, open, paid, uncollectible, void
    subscription_id: str
    reference: str  # our pledge reference, from the subscription's metadata
    customer_id: str
    payment_intent_id: str  # "" when the invoice does not say (ask invoice_payment_intent)
    amount_paid: int
    currency: str
    paid_at: datetime | None
    amount_due: int = 0
    hosted_invoice_url: str = ""  # Stripe's page where the donor pays it (or confirms a payment their bank holds)

    @classmethod
    def from_stripe(cls, data: dict[str, Any]) -> "Invoice":
        """From the current API shape (parent.subscription_details, payments) and the older one."""
        details = (data.get("parent") or {}).get("subscription_details") or {}
        return cls(
            id=data["id"],
            status=data.get("status") or "",
            subscription_id=_id(details.get("subscription")) or _id(data.get("subscription")),
            reference=_reference(details),
            customer_id=_id(data.get("customer")),
            payment_intent_id=_paying_intent(data) or _id(data.get("payment_intent")),
            amount_paid=int(data.get("amount_paid") or 0),
            currency=_currency(data),
            paid_at=_time((data.get("status_transitions") or {}).get("paid_at")),
            amount_due=int(data.get("amount_due") or 0),
            hosted_invoice_url=str(data.get("hosted_invoice_url") or ""),
        )


@dataclass(frozen=True)
class Charge:
    id: str
    payment_intent_id: str
    customer_id: str
    reference: str  # our pledge reference, when the charge's metadata carries it
    amount: int
    currency: str
    created: datetime | None

    @classmethod
    def from_stripe(cls, data: dict[str, Any]) -> "Charge":
        return cls(
            id=data["id"],
            payment_intent_id=_id(data.get("payment_intent")),
            customer_id=_id(data.get("customer")),
            reference=_reference(data),
            amount=int(data.get("amount") or 0),
            currency=_currency(data),
            created=_time(data.get("created")),
        )


@dataclass(frozen=True)
class Refund:
    id: str
    payment_intent_id: str
    amount: int
    currency: str
    status: str  # pending, requires_action, succeeded, failed, canceled; "" when Stripe did not say
    created: datetime | None
    request_key: str = ""  # the portal's refund request (staff's confirmation page), from the metadata
    transfer_reversal_id: str = ""  # a destination charge's refund that took the money back from the organization

    @classmethod
    def from_stripe(cls, data: dict[str, Any]) -> "Refund":
        return cls(
            id=data["id"],
            payment_intent_id=_id(data.get("payment_intent")),
            amount=int(data.get("amount") or 0),
            currency=_currency(data),
            status=data.get("status") or "",
            created=_time(data.get("created")),
            request_key=(data.get("metadata") or {}).get(REFUND_REQUEST_KEY) or "",
            transfer_reversal_id=_id(data.get("transfer_reversal")),
        )


def _funds_moved(transactions: list[dict[str, Any]] | None, *, withdrawn: bool) -> datetime | None:
    """When a dispute's money left (a negative balance transaction) or came back (a positive one), from its
    balance transactions: the first of each, or None."""
    times = [
        int(txn.get("created") or 0)
        for txn in transactions or []
        if isinstance(txn, dict) and (int(txn.get("amount") or 0) < 0) == withdrawn and txn.get("amount")
    ]
    return _time(min(times)) if times else None


@dataclass(frozen=True)
class Dispute:
    """A cardholder's dispute of a charge (an inquiry, or a chargeback that takes the money back)."""

    id: str
    charge_id: str
    payment_intent_id: str  # "" when Stripe did not say (an older charge without a payment intent)
    amount: int
    currency: str
    # warning_needs_response, warning_under_review, warning_closed, needs_response, under_review, won, lost,
    # prevented
    status: str
    reason: str  # bank_cannot_process, credit_not_processed, duplicate, fraudulent, general, ...
    evidence_due_by: datetime | None
    created: datetime | None
    funds_withdrawn_at: datetime | None = None  # from its balance transactions, whatever order the events came in
    funds_reinstated_at: datetime | None = None

    @classmethod
    def from_stripe(cls, data: dict[str, Any]) -> "Dispute":
        transactions = data.get("balance_transactions")
        return cls(
            id=data["id"],
            charge_id=_id(data.get("charge")),
            payment_intent_id=_id(data.get("payment_intent")),
            amount=int(data.get("amount") or 0),
            currency=_currency(data),
            status=str(data.get("status") or ""),
            reason=str(data.get("reason") or ""),
            evidence_due_by=_time((data.get("evidence_details") or {}).get("due_by")),
            created=_time(data.get("created")),
            funds_withdrawn_at=_funds_moved(transactions, withdrawn=True),
            funds_reinstated_at=_funds_moved(transactions, withdrawn=False),
        )


@dataclass(frozen=True)
class Subscription:
    id: str
    status: str  # incomplete, incomplete_expired, trialing, active, past_due, canceled, unpaid, paused
    reference: str  # our pledge reference, from the subscription's metadata
    cancel_at_period_end: bool = False
    cancel_at: datetime | None = None
    collection_paused: bool = False  # pause_collection set: invoices are not collected, the status stays active
    resumes_at: datetime | None = None  # when a paused collection resumes by itself
    amount: int = 0  # the first item's price: what each month charges
    currency: str = ""
    default_payment_method: str = ""
    latest_invoice_id: str = ""  # the last invoice it made ("" when none)

    @classmethod
    def from_stripe(cls, data: dict[str, Any]) -> "Subscription":
        items = (data.get("items") or {}).get("data") or [{}]
        price = items[0].get("price") or {}
        return cls(
            id=data.get("id") or "",
            status=data.get("status") or "",
            reference=_reference(data),
            cancel_at_period_end=bool(data.get("cancel_at_period_end")),
            cancel_at=_time(data.get("cancel_at")),
            collection_paused=bool(data.get("pause_collection")),
            resumes_at=_time((data.get("pause_collection") or {}).get("resumes_at")),
            amount=int(price.get("unit_amount") or 0) * int(items[0].get("quantity") or 1),
            currency=_currency(data),
            default_payment_method=_id(data.get("default_payment_method")),
            latest_invoice_id=_id(data.get("latest_invoice")),
        )


def _payment_error(error: dict[str, Any] | None) -> str:
    """Why a payment failed, for staff: Stripe's decline code (or error code) and message."""
    if not error:
        return ""
    code = error.get("decline_code") or error.get("code") or error.get("type") or ""
    message = error.get("message") or ""
    return f"{code}: {message}" if code and message else code or message


@dataclass(frozen=True)
class PaymentIntent:
    id: str
    reference: str  # our pledge reference, from the payment intent's metadata
    customer_id: str = ""  # a subscription's renewal names its customer (its metadata does not name the pledge)
    destination: str = ""  # a destination charge: the connected account (acct_...) its money was transferred to
    application_fee_amount: int = 0  # the platform's fee on a destination charge, in minor units
    status: str = ""
    failure: str = ""  # last_payment_error's decline code and message, "" when none

    @classmethod
    def from_stripe(cls, data: dict[str, Any]) -> "PaymentIntent":
        return cls(
            id=data["id"],
            reference=_reference(data),
            customer_id=_id(data.get("customer")),
            destination=_id((data.get("transfer_data") or {}).get("destination")),
            application_fee_amount=int(data.get("application_fee_amount") or 0),
            status=data.get("status") or "",
            failure=_payment_error(data.get("last_payment_error")),
        )


@dataclass(frozen=True)
class Event:
    """A Stripe event. Its object stays as Stripe sent it: the handler for its type reads it as one of the
    types above (`Invoice.from_stripe(event.object)`); the whole payload is kept for staff to read."""

    id: str
    type: str
    created: datetime
    object: dict[str, Any]
    payload: dict[str, Any]

    @classmethod
    def from_stripe(cls, data: dict[str, Any]) -> "Event":
        return cls(
            id=data["id"],
            type=data["type"],
            created=datetime.fromtimestamp(int(data.get("created") or 0), tz=UTC),
            object=data["data"]["object"],
            payload=data,
        )


# When the current request must be done with Stripe (time.monotonic()); None: only each try's timeout applies.
_deadline: contextvars.ContextVar[float | None] = contextvars.ContextVar("stripe_deadline", default=None)


@contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Every Stripe call inside ends within `seconds` from now, retries and their back-off included (the one that
    is cut short raises StripeUnavailable). Nested deadlines keep the earlier one."""
    end = time.monotonic() + seconds
    outer = _deadline.get()
    token = _deadline.set(end if outer is None else min(outer, end))
    try:
        yield
    finally:
        _deadline.reset(token)


def _remaining() -> float | None:
    end = _deadline.get()
    return None if end is None else end - time.monotonic()


class _BoundedRequestsClient(stripe.RequestsClient):
    """The SDK's requests client whose tries never outlast the current deadline: each try's timeout is cut to the
    time left, and no retry starts (nor sleeps its back-off) past it. The deadline is per thread (a context
    variable), so one client serves every thread of a gthread worker."""

    def __init__(self, timeout: float):
        super().__init__(timeout=timeout)
        self._configured_timeout = timeout

    @property
    def _timeout(self) -> float:
        left = _remaining()
        return self._configured_timeout if left is None else max(0.05, min(self._configured_timeout, left))

    @_timeout.setter
    def _timeout(self, value: float) -> None:
        self._configured_timeout = value

    def request(self, method, url, headers, post_data=None):
        left = _remaining()
        if left is not None and left <= 0:
            raise stripe.APIConnectionError("Stripe did not answer within the deadline.", should_retry=False)
        return super().request(method, url, headers, post_data)

    def _should_retry(self, response, api_connection_error, num_retries, max_network_retries):
        left = _remaining()
        if left is not None and left <= self._sleep_time_seconds(num_retries + 1):
            return False  # no time for the back-off and another try
        return super()._should_retry(response, api_connection_error, num_retries, max_network_retries)

    def _sleep_time_seconds(self, num_retries: int) -> float:
        seconds = super()._sleep_time_seconds(num_retries)
        left = _remaining()
        return seconds if left is None else max(0.0, min(seconds, left))


@lru_cache(maxsize=1)
def _client_for(api_key: str, api_base: str, timeout: int, retries: int) -> stripe.StripeClient:
    return stripe.StripeClient(
        api_key,
        base_addresses={"api": api_base} if api_base else None,
        max_network_retries=retries,
        http_client=_BoundedRequestsClient(timeout=timeout),
    )


def client() -> stripe.StripeClient:
    return _client_for(
        settings.STRIPE_API_KEY,
        settings.STRIPE_API_BASE,
        settings.STRIPE_TIMEOUT_SECONDS,
        settings.STRIPE_MAX_NETWORK_RETRIES,
    )


def _call(description: str, function, *args, **kwargs) -> dict[str, Any]:
    """Run one SDK call and translate its errors into the portal's."""
    try:
        # Plain JSON types only (the SDK turns *_decimal fields into Decimal): safe to store and compare.
        return json.loads(json.dumps(function(*args, **kwargs).to_dict(), default=str))
    except (stripe.APIConnectionError, stripe.RateLimitError) as exc:
        logger.warning("stripe %s: unreachable (%s)", description, type(exc).__name__)  # no message: it may hold data
        raise StripeUnavailable(str(exc.user_message or exc)) from exc
    except stripe.StripeError as exc:
        status = exc.http_status or 0
        logger.warning("stripe %s: %s %s", description, status, getattr(exc, "code", None))
        # 409: the first request with this idempotency key is still in flight (the SDK retried it already); 429:
        # rate limited. Both are "try again", never a refusal.
        if status >= 500 or status in (0, 409, 429):
            raise StripeUnavailable(str(exc.user_message or exc)) from exc
        raise StripeRejected(str(exc.user_message or exc), getattr(exc, "code", None)) from exc


def checkout_session_create(request: CheckoutRequest) -> CheckoutSession:
    """Create a Checkout Session: mode payment (submit_type donate) or subscription (monthly price_data)."""
    metadata = {"pledge": request.reference}
    price_data: dict[str, Any] = {
        "currency": request.currency.lower(),
        "unit_amount": request.amount,
        "product_data": {"name": request.product_name},
    }
    params: dict[str, Any] = {
        "mode": request.mode,
        "client_reference_id": request.reference,
        "metadata": metadata,
        "customer_email": request.customer_email,
        "success_url": request.success_url,
        "cancel_url": request.cancel_url,
        "locale": request.locale,
        "line_items": [{"price_data": price_data, "quantity": 1}],
    }
    if request.payment_method_types:
        params["allowed_payment_method_types"] = list(request.payment_method_types)
    if request.mode == "payment":
        params["submit_type"] = "donate"
        intent: dict[str, Any] = {"metadata": metadata}
        if request.statement_descriptor_suffix:
            intent["statement_descriptor_suffix"] = request.statement_descriptor_suffix
        if request.destination:
            intent["transfer_data"] = {"destination": request.destination}
            if request.application_fee_amount:
                intent["application_fee_amount"] = request.application_fee_amount
        params["payment_intent_data"] = intent
    else:
        price_data["recurring"] = {"interval": "month"}
        subscription: dict[str, Any] = {"metadata": metadata}
        if request.destination:
            subscription["transfer_data"] = {"destination": request.destination}
            if request.application_fee_percent:
                subscription["application_fee_percent"] = request.application_fee_percent
        params["subscription_data"] = subscription
    data = _call(
        "checkout.sessions.create",
        client().v1.checkout.sessions.create,
        params=params,
        options={"idempotency_key": request.idempotency_key},
    )
    return CheckoutSession.from_stripe(data)


def checkout_session_retrieve(session_id: str) -> CheckoutSession:
    return CheckoutSession.from_stripe(
        _call("checkout.sessions.retrieve", client().v1.checkout.sessions.retrieve, session_id)
    )


def checkout_session_expire(session_id: str, *, idempotency_key: str) -> CheckoutSession:
    data = _call(
        "checkout.sessions.expire",
        client().v1.checkout.sessions.expire,
        session_id,
        options={"idempotency_key": idempotency_key},
    )
    return CheckoutSession.from_stripe(data)


def subscription_cancel(subscription_id: str, *, idempotency_key: str) -> Subscription:
    data = _call(
        "subscriptions.cancel",
        client().v1.subscriptions.cancel,
        subscription_id,
        options={"idempotency_key": idempotency_key},
    )
    return Subscription.from_stripe(data)


def subscription_retrieve(subscription_id: str) -> Subscription:
    return Subscription.from_stripe(
        _call("subscriptions.retrieve", client().v1.subscriptions.retrieve, subscription_id)
    )


def subscription_change_amount(
    subscription_id: str, *, amount: int, currency: str, idempotency_key: str
) -> Subscription:
    """A monthly gift's new amount, from the next invoice on: the item gets a new price of the same product, and
    nothing is prorated (the month already paid stays as it was)."""
    current = _call("subscriptions.retrieve", client().v1.subscriptions.retrieve, subscription_id)
    item = current["items"]["data"][0]
    price = item["price"]
    params = {
        "items": [
            {
                "id": item["id"],
                "price_data": {
                    "currency": currency.lower(),
                    "product": _id(price.get("product")),
                    "unit_amount": amount,
                    "recurring": {"interval": (price.get("recurring") or {}).get("interval") or "month"},
                },
                "quantity": 1,
            }
        ],
        "proration_behavior": "none",
    }
    data = _call(
        "subscriptions.update",
        client().v1.subscriptions.update,
        subscription_id,
        params=params,
        options={"idempotency_key": idempotency_key},
    )
    return Subscription.from_stripe(data)


def subscription_pause(subscription_id: str, *, resumes_at: datetime, idempotency_key: str) -> Subscription:
    """Collect nothing until `resumes_at`: the months in between are not charged (their invoices are voided)."""
    params = {"pause_collection": {"behavior": "void", "resumes_at": int(resumes_at.timestamp())}}
    data = _call(
        "subscriptions.update",
        client().v1.subscriptions.update,
        subscription_id,
        params=params,
        options={"idempotency_key": idempotency_key},
    )
    return Subscription.from_stripe(data)


def subscription_resume(subscription_id: str, *, idempotency_key: str) -> Subscription:
    """Collect again from the next invoice (an empty pause_collection unsets it)."""
    data = _call(
        "subscriptions.update",
        client().v1.subscriptions.update,
        subscription_id,
        params={"pause_collection": ""},
        options={"idempotency_key": idempotency_key},
    )
    return Subscription.from_stripe(data)


def card_update_session_create(*, customer_id: str, return_url: str, idempotency_key: str, locale: str = "auto") -> str:
    """A Stripe customer portal session that only updates the card (flow `payment_method_update`); its URL."""
    params: dict[str, Any] = {
        "customer": customer_id,
        "return_url": return_url,
        "flow_data": {
            "type": "payment_method_update",
            "after_completion": {"type": "redirect", "redirect": {"return_url": return_url}},
        },
    }
    if locale != "auto":
        params["locale"] = locale
    data = _call(
        "billing_portal.sessions.create",
        client().v1.billing_portal.sessions.create,
        params=params,
        options={"idempotency_key": idempotency_key},
    )
    return str(data.get("url") or "")


def customer_delete(customer_id: str, *, idempotency_key: str) -> bool:
    """Delete a Stripe customer (their saved cards and details at Stripe). True also when it was already gone."""
    try:
        data = _call(
            "customers.delete",
            client().v1.customers.delete,
            customer_id,
            options={"idempotency_key": idempotency_key},
        )
    except StripeRejected as exc:
        if exc.code == "resource_missing":
            return True
        raise
    return bool(data.get("deleted"))


def refund_create(
    *,
    payment_intent_id: str,
    amount: int,
    idempotency_key: str,
    reference: str,
    request_key: str = "",
    reverse_transfer: bool = False,
    refund_application_fee: bool = False,
) -> Refund:
    """Refund part of a payment. `request_key`, the portal's own refund request, rides in the metadata so that the
    webhook telling of this refund finds the row claimed for it, whichever arrives first.

    A destination charge (a gift to a connected account) is refunded with `reverse_transfer`, so that the money
    comes back from the organization's account rather than the platform's balance, and with
    `refund_application_fee` when the platform took a fee (both in proportion to the amount refunded)."""
    metadata = {"pledge": reference, **({REFUND_REQUEST_KEY: request_key} if request_key else {})}
    params: dict[str, Any] = {"payment_intent": payment_intent_id, "amount": amount, "metadata": metadata}
    if reverse_transfer:
        params["reverse_transfer"] = True
    if refund_application_fee:
        params["refund_application_fee"] = True
    data = _call(
        "refunds.create",
        client().v1.refunds.create,
        params=params,
        options={"idempotency_key": idempotency_key},
    )
    return Refund.from_stripe(data)


def dashboard_url(path: str) -> str:
    """Where staff see an object in Stripe's dashboard (`path`: "disputes/dp_..."), in the mode of the key in use;
    in the sandbox, its own dashboard (the sandbox's ids exist nowhere else)."""
    if settings.STRIPE_SANDBOX:
        return f"{settings.STRIPE_API_BASE.rstrip('/')}/_sandbox/#{path.rpartition('/')[2]}"
    mode = "" if settings.STRIPE_LIVE else "test/"
    return f"https://dashboard.stripe.com/{mode}{path}"


def _list_all(description: str, function, params: dict[str, Any]) -> list[dict[str, Any]]:
    """Every object of a list call, page after page, in Stripe's order (newest first)."""
    objects: list[dict[str, Any]] = []
    params = {**params, "limit": params.get("limit", 100)}
    while True:
        page = _call(description, function, params=params)
        objects.extend(page.get("data", []))
        if not page.get("has_more") or not page.get("data"):
            return objects
        params["starting_after"] = page["data"][-1]["id"]


def refunds_for_charge(charge_id: str) -> list[Refund]:
    """Every refund of a charge (charges no longer embed their refunds)."""
    refunds = _list_all("refunds.list", client().v1.refunds.list, {"charge": charge_id})
    return [Refund.from_stripe(refund) for refund in refunds]


def refund_retrieve(refund_id: str) -> Refund:
    """A refund as Stripe has it now (its status moves on: pending, then succeeded or failed)."""
    return Refund.from_stripe(_call("refunds.retrieve", client().v1.refunds.retrieve, refund_id))


def payment_intent_retrieve(payment_intent_id: str) -> PaymentIntent:
    return PaymentIntent.from_stripe(
        _call("payment_intents.retrieve", client().v1.payment_intents.retrieve, payment_intent_id)
    )


def invoice_retrieve(invoice_id: str) -> Invoice:
    return Invoice.from_stripe(_call("invoices.retrieve", client().v1.invoices.retrieve, invoice_id))


def payment_intent_invoice(payment_intent_id: str) -> Invoice | None:
    """The invoice a payment intent paid (a subscription's renewal: the invoice names the pledge), or None."""
    payment = {"type": "payment_intent", "payment_intent": payment_intent_id}
    page = _call("invoice_payments.list", client().v1.invoice_payments.list, params={"payment": payment, "limit": 1})
    invoice_id = _id(page["data"][0].get("invoice")) if page.get("data") else ""
    return invoice_retrieve(invoice_id) if invoice_id else None


def invoice_payment_intent(invoice_id: str) -> str:
    """The payment intent that paid an invoice (Stripe lists an invoice's payments only when expanded)."""
    invoice = _call("invoices.retrieve", client().v1.invoices.retrieve, invoice_id, params={"expand": ["payments"]})
    return _paying_intent(invoice)


def events_list(*, created_gte: int, page_size: int = 100) -> Iterator[Event]:
    """Every event created at or after `created_gte` (unix time), oldest first."""
    params = {"created": {"gte": created_gte}, "limit": page_size}
    events = _list_all("events.list", client().v1.events.list, params)
    return (Event.from_stripe(event) for event in reversed(events))


def webhook_event(payload: bytes, signature_header: str | None) -> Event:
    """Verify a webhook's signature on the raw body and return the event."""
    if not signature_header:
        raise InvalidWebhook("missing Stripe-Signature header")
    try:
        stripe.WebhookSignature.verify_header(
            payload.decode("utf-8"),
            signature_header,
            settings.STRIPE_WEBHOOK_SECRET,
            tolerance=settings.STRIPE_WEBHOOK_TOLERANCE_SECONDS,
        )
        event = json.loads(payload)
    except (stripe.SignatureVerificationError, UnicodeDecodeError, ValueError) as exc:
        raise InvalidWebhook(str(exc)) from exc
    if not isinstance(event, dict) or event.get("object") != "event":
        raise InvalidWebhook("the body is not a Stripe event")
    if not isinstance(event.get("id"), str) or not _EVENT_ID.fullmatch(event["id"]):
        raise InvalidWebhook("the event has no usable id")
    problem = _event_problem(event)
    if problem:
        raise UnprocessableEvent(problem, _kept(event))
    return Event.from_stripe(event)


_EVENT_ID = re.compile(r"[A-Za-z0-9_-]{1,255}")
_EVENT_TYPE = re.compile(r"[a-z0-9_]+(\.[a-z0-9_]+)+")
EVENT_TYPE_MAX_LENGTH = 100


def _event_problem(event: dict[str, Any]) -> str:
    """Why a signed event cannot be read, or "" when it can."""
    if _has_nul(event):
        return "a NUL character"
    kind = event.get("type")
    if not isinstance(kind, str) or len(kind) > EVENT_TYPE_MAX_LENGTH or not _EVENT_TYPE.fullmatch(kind):
        return "no usable type"
    if not _timestamp(event.get("created")):
        return "no creation time"
    if not isinstance(event.get("data"), dict) or not isinstance(event["data"].get("object"), dict):
        return "no data object"
    return ""


def _timestamp(value: Any) -> bool:
    return type(value) is int and 0 <= value < 253402300800  # before the year 10000


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(item) for item in value)
    return False


def _scrubbed(value: Any) -> Any:
    """The value with every NUL replaced (PostgreSQL's jsonb and text refuse NUL)."""
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd")
    if isinstance(value, dict):
        return {_scrubbed(k): _scrubbed(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrubbed(item) for item in value]
    return value


def _kept(event: dict[str, Any]) -> Event:
    """What the portal keeps of an event it cannot read: enough to record it once and show it to staff."""
    payload = _scrubbed(event)
    created = payload.get("created")
    data = payload.get("data")
    return Event(
        id=event["id"],
        type=str(payload.get("type"))[:EVENT_TYPE_MAX_LENGTH],
        created=datetime.fromtimestamp(created, tz=UTC) if _timestamp(created) else datetime.now(tz=UTC),
        object=data["object"] if isinstance(data, dict) and isinstance(data.get("object"), dict) else {},
        payload=payload,
    )
