"""HTML: the test checkout page a donor (or Playwright) pays on, and the dashboard. Everything echoed is escaped."""

from __future__ import annotations

import re
from html import escape
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from .money import format_amount
from .params import ApiError, email
from .texts import language
from .texts import text as _text

if TYPE_CHECKING:
    from .server import SandboxServer

HTML = "text/html; charset=utf-8"
Answer = tuple[int, bytes, str, dict[str, str]]
_STYLE = """
body{font-family:system-ui,sans-serif;max-width:48rem;margin:0 auto;padding:0 1rem 2rem;color:#1a1a1a;line-height:1.5}
.test-mode{background:#ffd84d;color:#1a1a1a;border:2px solid #6b5200;padding:.5rem 1rem;font-weight:700;margin:0 0 1rem}
.alert{border:2px solid #a40000;background:#fff0f0;padding:.5rem 1rem}
.note{border:2px solid #235a97;background:#eef5fc;padding:.5rem 1rem}
button{font:inherit;padding:.5rem 1rem;margin:.25rem 0;display:block;cursor:pointer}
button:focus,a:focus,input:focus{outline:3px solid #235a97;outline-offset:2px}
input{font:inherit;padding:.4rem}
table{border-collapse:collapse;width:100%;font-size:.9rem}th,td{border:1px solid #999;padding:.25rem;text-align:left}
td form{display:inline}td button{display:inline;padding:.1rem .4rem;margin:0}
.amount{font-size:2rem;font-weight:700;margin:.25rem 0}
"""


def page(title: str, body: str, lang: str = "en") -> bytes:
    banner = _text(lang, "banner")
    return (
        f'<!doctype html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">\n<title>{escape(title)}</title>\n'
        f"<style>{_STYLE}</style>\n</head>\n<body>\n<header>\n"
        f'<p class="test-mode" role="note">{escape(banner)}</p>\n'
        f"</header>\n<main>\n{body}\n</main>\n</body>\n</html>\n"
    ).encode()


def not_found_page() -> bytes:
    return page("Not found", "<h1>Not found</h1><p>There is no such page in the Stripe sandbox.</p>")


# The redirect-based methods: the donor approves in the wallet's (or the card company's) page and comes back.
REDIRECT_METHODS = ("kr_card", "kakao_pay", "naver_pay", "payco", "samsung_pay")


def handle(sandbox: SandboxServer, method: str, path: str, body: str) -> Answer:
    match = re.fullmatch(r"/checkout/([^/]+)(/pay|/wallet/([a-z_]+))?", path)
    session = sandbox.store.objects.get(match[1]) if match else None
    if not match or session is None or session["object"] != "checkout.session":
        return (
            404,
            page(
                "Checkout session not found",
                "<h1>Checkout session not found</h1><p>No such checkout session. The link may be wrong.</p>",
            ),
            HTML,
            {},
        )
    wallet = match[3]
    if wallet and (wallet not in REDIRECT_METHODS or wallet not in session["payment_method_types"]):
        return 404, not_found_page(), HTML, {}
    if method == "GET" and not match[2]:
        return 200, checkout_page(sandbox, session), HTML, {}
    if method == "GET" and wallet:
        return 200, wallet_page(sandbox, session, wallet), HTML, {}
    if method != "POST" or not match[2]:
        return 405, page("Method not allowed", "<h1>Method not allowed</h1>"), HTML, {"Allow": "GET"}
    form = dict(parse_qsl(body, keep_blank_values=True))
    if wallet:
        return _return_from_wallet(sandbox, session, wallet, form.get("outcome", ""))
    return _pay(sandbox, session, form.get("outcome", ""), form.get("email", "").strip())


def hosted_invoice(sandbox: SandboxServer, method: str, path: str, body: str) -> Answer:
    """``/invoice/<id>``: the hosted invoice page, where the customer confirms a payment their bank asks them to
    authenticate (3-D Secure, in test mode: one button). Confirming pays the invoice, as Stripe's retry would."""
    match = re.fullmatch(r"/invoice/([^/]+)(/pay)?", path)
    invoice = sandbox.store.objects.get(match[1]) if match else None
    if not match or invoice is None or invoice["object"] != "invoice":
        return 404, page("Invoice not found", "<h1>Invoice not found</h1><p>No such invoice.</p>"), HTML, {}
    if method == "POST" and match[2] and invoice["status"] == "open":
        sandbox.retry_invoice(invoice["id"], "paid")
        return 303, b"", "text/plain", {"Location": f"/invoice/{invoice['id']}"}
    amount = escape(format_amount(invoice["amount_due"], invoice["currency"]))
    if invoice["status"] == "open":
        body_html = (
            f"<h1>Confirm your payment of {amount}</h1><p>TEST MODE: your bank asks you to confirm this payment "
            f"(3-D Secure).</p>" + _plain_button(f"/invoice/{escape(invoice['id'])}/pay", "Confirm the payment")
        )
    else:
        body_html = f"<h1>Invoice {escape(invoice['id'])}</h1><p>TEST MODE. {amount}: {escape(invoice['status'])}.</p>"
    return 200, page("Invoice", body_html), HTML, {}


def _plain_button(action: str, label: str) -> str:
    return f'<form method="post" action="{action}"><button type="submit">{escape(label)}</button></form>'


def _pay(sandbox: SandboxServer, session: dict[str, Any], outcome: str, email_address: str) -> Answer:
    """A button of the checkout page: a card's or a bank debit's outcome, or ``redirect:<method>`` (a Korean method:
    off to its own page)."""
    lang = language(session)
    offered = session["payment_method_types"]
    outcomes = ["success", "decline"] if "card" in offered else []
    if session["mode"] == "payment" and (
        session["payment_method_configuration_details"] or "us_bank_account" in offered
    ):
        outcomes += ["delayed_success", "delayed_failure"]
    method = outcome.removeprefix("redirect:") if outcome.startswith("redirect:") else ""
    redirect = method in REDIRECT_METHODS and method in offered
    if outcome not in outcomes and not redirect:
        return 400, checkout_page(sandbox, session, error=_text(lang, "choose")), HTML, {}
    if session["status"] != "open":
        return 409, checkout_page(sandbox, session), HTML, {}
    if not session["customer_email"] and not session["customer"]:
        try:
            email(email_address, "email")
        except ApiError:
            return 400, checkout_page(sandbox, session, error=_text(lang, "bad_email")), HTML, {}
    if redirect:  # off to the wallet's page; the payment happens when the donor comes back having approved it
        with sandbox.store.lock:
            sandbox.store.private[session["id"]]["wallet_email"] = email_address or None
        return 303, b"", "text/plain", {"Location": f"/checkout/{session['id']}/wallet/{method}"}
    try:
        paid = sandbox.pay(session["id"], outcome, email_address or None)
    except ApiError:  # paid meanwhile, from another tab
        return 409, checkout_page(sandbox, session), HTML, {}
    if not paid:
        return 200, checkout_page(sandbox, session, error=_text(lang, "declined")), HTML, {}
    target = session["success_url"].replace("{CHECKOUT_SESSION_ID}", session["id"])
    return 303, b"", "text/plain", {"Location": target}


def wallet_page(sandbox: SandboxServer, session: dict[str, Any], method: str) -> bytes:
    """The wallet's own page (Kakao Pay, Naver Pay, ...), in test mode: approve the payment, or go back."""
    lang = language(session)
    with sandbox.store.lock:
        amount, names = describe(session, sandbox.store.private[session["id"]]["line_items"], lang)
    name = _text(lang, method)
    action = escape(f"/checkout/{session['id']}/wallet/{method}")
    parts = [f"<h1>{escape(_text(lang, 'wallet_title', method=name))}</h1>"]
    parts.append(f'<p class="amount">{escape(amount)}</p>')
    parts.append(f"<p>{escape(_text(lang, 'wallet_ask', amount=amount, merchant=names, method=name))}</p>")
    if session["status"] == "open":
        approve = escape(_text(lang, "approve", method=name))
        parts.append(
            f'<form method="post" action="{action}">'
            f'<button type="submit" name="outcome" value="approve">{approve}</button>'
            f'<button type="submit" name="outcome" value="cancel">{escape(_text(lang, "leave"))}</button></form>'
        )
    return page(_text(lang, "wallet_title", method=name), "\n".join(parts), lang)


def _return_from_wallet(sandbox: SandboxServer, session: dict[str, Any], method: str, outcome: str) -> Answer:
    """The donor comes back from the wallet: approved, the session completes now (Stripe's events for the method);
    abandoned, the checkout page again, nothing charged."""
    lang = language(session)
    if outcome not in ("approve", "cancel"):
        return 400, wallet_page(sandbox, session, method), HTML, {}
    if outcome == "cancel":
        error = _text(lang, "left", method=_text(lang, method))
        return 200, checkout_page(sandbox, session, error=error), HTML, {}
    with sandbox.store.lock:
        typed = sandbox.store.private[session["id"]].get("wallet_email")
    try:
        sandbox.pay(session["id"], "success", typed, method=method)
    except ApiError:  # paid meanwhile, from another tab, or expired
        return 409, checkout_page(sandbox, session), HTML, {}
    target = session["success_url"].replace("{CHECKOUT_SESSION_ID}", session["id"])
    return 303, b"", "text/plain", {"Location": target}


def describe(session: dict[str, Any], line_items: list[dict[str, Any]], lang: str = "en") -> tuple[str, str]:
    """(the amount as a person reads it, e.g. "₩50,000 every month"; the product names)."""
    amount = format_amount(session["amount_total"], session["currency"])
    recurring = line_items[0]["price"]["recurring"] if line_items else None
    if recurring:
        count, interval = recurring["interval_count"], recurring["interval"]
        if lang == "ko" and count == 1 and interval == "month":
            amount = f"{_text(lang, 'every_month')} {amount}"
        else:
            amount += f" every {interval}" if count == 1 else f" every {count} {interval}s"
    names = ", ".join(f"{i['description']}" + (f" × {i['quantity']}" if i["quantity"] > 1 else "") for i in line_items)
    return amount, names


def checkout_page(sandbox: SandboxServer, session: dict[str, Any], error: str | None = None) -> bytes:
    lang = language(session)
    with sandbox.store.lock:
        line_items = sandbox.store.private[session["id"]]["line_items"]
        customer = sandbox.store.objects.get(session["customer"] or "")
        amount, names = describe(session, line_items, lang)
        known_email = (session.get("customer_details") or {}).get("email") or session["customer_email"]
        known_email = known_email or (customer or {}).get("email")
    heading = _text(lang, "donate" if session["submit_type"] == "donate" else "pay")
    parts = [f"<h1>{escape(heading)}: {escape(names)}</h1>"]
    parts.append(f'<p class="amount">{escape(amount)}</p>')
    if known_email:
        parts.append(f"<p>{escape(_text(lang, 'email'))}: <strong>{escape(known_email)}</strong></p>")
    if error:
        parts.append(f'<div class="alert" role="alert"><p>{escape(error)}</p></div>')
    if session["status"] == "open":
        parts.append(_pay_form(session, need_email=not known_email, lang=lang))
    elif session["status"] == "complete":
        done = _text(lang, "received" if session["payment_status"] == "paid" else "unsettled")
        back = session["success_url"].replace("{CHECKOUT_SESSION_ID}", session["id"])
        parts.append(f'<div class="note" role="status"><p>{escape(_text(lang, "complete"))} {escape(done)}</p></div>')
        parts.append(f'<p><a href="{escape(back)}">{escape(_text(lang, "return"))}</a></p>')
    else:
        parts.append(f'<div class="note" role="status"><p>{escape(_text(lang, "expired"))}</p></div>')
    if session["status"] != "complete" and session["cancel_url"]:
        parts.append(f'<p><a href="{escape(session["cancel_url"])}">{escape(_text(lang, "cancel"))}</a></p>')
    return page(_text(lang, "title", amount=amount, names=names), "\n".join(parts), lang)


def _pay_form(session: dict[str, Any], need_email: bool, lang: str = "en") -> str:
    """A button for each payment method the session offers (its ``payment_method_types``): the card's test outcomes,
    a bank debit that settles later (dynamic payment methods or ``us_bank_account``, payment mode), and each Korean
    method (which goes to its own page to be approved)."""
    offered = session["payment_method_types"]
    action = escape(f"/checkout/{session['id']}/pay")
    html = [f'<form method="post" action="{action}">']
    if need_email:
        html.append(
            f'<p><label for="email">{escape(_text(lang, "email"))}</label><br>'
            '<input id="email" name="email" type="email" autocomplete="email" required></p>'
        )
    if "card" in offered:
        html.append(
            f'<h2>{escape(_text(lang, "card"))}</h2><button type="submit" name="outcome" value="success">'
            f"{escape(_text(lang, 'pay_4242'))}</button>"
        )
        html.append(
            f'<button type="submit" name="outcome" value="decline">{escape(_text(lang, "declined_card"))}</button>'
        )
    if session["mode"] == "payment" and (
        session["payment_method_configuration_details"] or "us_bank_account" in offered
    ):
        html.append(
            f'<h2>{escape(_text(lang, "bank"))}</h2><button type="submit" name="outcome" value="delayed_success">'
            f"{escape(_text(lang, 'bank_ok'))}</button>"
        )
        html.append(
            f'<button type="submit" name="outcome" value="delayed_failure">{escape(_text(lang, "bank_fail"))}</button>'
        )
    korean = [m for m in REDIRECT_METHODS if m in offered]
    if korean:
        html.append(f"<h2>{escape(_text(lang, 'korean'))}</h2>")
        for method in korean:
            label = _text(lang, "pay_with", method=_text(lang, method))
            html.append(f'<button type="submit" name="outcome" value="redirect:{method}">{escape(label)}</button>')
    html.append("</form>")
    return "\n".join(html)


def _button(action: str, label: str, **fields: str) -> str:
    hidden = "".join(f'<input type="hidden" name="{escape(k)}" value="{escape(v)}">' for k, v in fields.items())
    return (
        f'<form method="post" action="{escape(action)}"><input type="hidden" name="return_to" value="dashboard">'
        f'{hidden}<button type="submit">{escape(label)}</button></form>'
    )


def _table(caption: str, headings: list[str], rows: list[list[str]]) -> str:
    head = "".join(f'<th scope="col">{escape(h)}</th>' for h in headings)
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    empty = "" if rows else f'<tr><td colspan="{len(headings)}">None yet.</td></tr>'
    return f"<h2>{escape(caption)}</h2><table><thead><tr>{head}</tr></thead><tbody>{body}{empty}</tbody></table>"


def dashboard(sandbox: SandboxServer) -> bytes:
    """Sessions, subscriptions, charges and events, with buttons for what Stripe would do on its own."""
    with sandbox.store.lock:
        store = sandbox.store
        sessions = [_session_row(s, store.private[s["id"]]["line_items"]) for s in store.all("checkout.session")]
        subs = [_subscription_row(s, store.objects[s["customer"]]) for s in store.all("subscription")]
        charges = [_charge_row(c) for c in store.all("charge")]
        disputes = [_dispute_row(d) for d in store.all("dispute")]
        events = [_event_row(e, store.event_status(e["id"])) for e in reversed(store.events)]
        hook = sandbox.webhooks
        settings = (
            f"<p>Webhook endpoint: <code>{escape(hook.url or 'none')}</code>; delivery "
            f"{'on' if hook.enabled else 'off'} ({escape(hook.mode)}).</p>"
        )
    settings += _button(
        "/_sandbox/webhooks",
        "Turn delivery off" if hook.enabled else "Turn delivery on",
        enabled="0" if hook.enabled else "1",
    )
    settings += _button("/_sandbox/webhooks/deliver_pending", "Deliver pending events")
    body = [
        "<h1>Stripe sandbox</h1>",
        "<p>The local stand-in for Stripe. Nothing here touches real money or real cards.</p>",
        settings,
        _table("Checkout sessions", ["Session", "Mode", "Amount (what)", "Status", "Payment", ""], sessions),
        _table("Subscriptions", ["Subscription", "Customer", "Amount", "Status", ""], subs),
        _table("Charges", ["Charge", "Amount", "Refunded", "Payment intent", ""], charges),
        _table("Disputes", ["Dispute", "Charge", "Amount", "Reason", "Status", ""], disputes),
        _table("Events (newest first)", ["Event", "Type", "Object", "Delivery", ""], events),
    ]
    return page("Stripe sandbox dashboard", "\n".join(body))


def _session_row(s: dict[str, Any], line_items: list[dict[str, Any]]) -> list[str]:
    actions = ""
    if s["status"] == "open":
        actions = f'<a href="/checkout/{escape(s["id"])}">Open checkout page</a>'
        actions += _button(f"/_sandbox/checkout/{s['id']}/expire", "Expire")
    elif s["status"] == "complete" and s["payment_status"] == "unpaid":
        actions = _button(f"/_sandbox/checkout/{s['id']}/settle", "Settle: succeeds", outcome="succeed")
        actions += _button(f"/_sandbox/checkout/{s['id']}/settle", "Settle: fails", outcome="fail")
    amount, names = describe(s, line_items)
    return [
        f"<code>{escape(s['id'][:20])}…</code>",
        escape(s["mode"]),
        escape(f"{amount} ({names})"),
        escape(s["status"]),
        escape(s["payment_status"]),
        actions,
    ]


def _subscription_row(sub: dict[str, Any], customer: dict[str, Any]) -> list[str]:
    item = sub["items"]["data"][0]
    amount = format_amount(item["price"]["unit_amount"] * item["quantity"], sub["currency"])
    actions = ""
    if sub["status"] != "canceled":
        actions = _button(f"/_sandbox/subscriptions/{sub['id']}/advance", "Advance a month (paid)", outcome="paid")
        actions += _button(f"/_sandbox/subscriptions/{sub['id']}/advance", "Advance a month (fails)", outcome="failed")
        actions += _button(
            f"/_sandbox/subscriptions/{sub['id']}/advance",
            "Advance a month (needs 3-D Secure)",
            outcome="requires_action",
        )
        actions += _subscription_status_buttons(sub)
        actions += _button(f"/_sandbox/subscriptions/{sub['id']}/cancel", "Cancel")
    return [
        f"<code>{escape(sub['id'])}</code>",
        escape(customer["email"] or ""),
        escape(f"{amount} every {item['price']['recurring']['interval']}"),
        escape(sub["status"]),
        actions,
    ]


def _subscription_status_buttons(sub: dict[str, Any]) -> str:
    """Dunning by hand: retry the failed invoice, or the statuses Stripe moves a subscription to on its own."""
    update = f"/_sandbox/subscriptions/{sub['id']}/update"
    actions = ""
    if sub["status"] in ("past_due", "unpaid") and sub["latest_invoice"]:
        retry = f"/_sandbox/invoices/{sub['latest_invoice']}/retry"
        actions += _button(retry, "Retry the invoice (paid)", outcome="paid")
        actions += _button(retry, "Retry the invoice (fails)", outcome="failed")
    for status in ("active", "unpaid", "paused"):
        if sub["status"] != status:
            actions += _button(update, f"Make it {status}", status=status)
    ending = "0" if sub["cancel_at_period_end"] else "1"
    label = "Renew as usual" if sub["cancel_at_period_end"] else "End with the period"
    return actions + _button(update, label, cancel_at_period_end=ending)


def _charge_row(ch: dict[str, Any]) -> list[str]:
    refund = _button(f"/_sandbox/charges/{ch['id']}/refund", "Refund the rest") if not ch["refunded"] else ""
    if not ch.get("disputed") and not ch["refunded"]:
        dispute = f"/_sandbox/charges/{ch['id']}/dispute"
        refund += _button(dispute, "Dispute: chargeback (fraudulent)", kind="chargeback", reason="fraudulent")
        refund += _button(dispute, "Dispute: inquiry (general)", kind="inquiry", reason="general")
    return [
        f"<code>{escape(ch['id'])}</code>",
        escape(format_amount(ch["amount"], ch["currency"])),
        escape(format_amount(ch["amount_refunded"], ch["currency"])),
        f"<code>{escape(ch['payment_intent'] or '')}</code>",
        refund,
    ]


def _dispute_row(dp: dict[str, Any]) -> list[str]:
    """A dispute, its id as the row's anchor (the portal's admin links here), with what the bank or the merchant
    may do next."""
    base = f"/_sandbox/disputes/{dp['id']}"
    actions = ""
    if dp["status"] not in ("won", "lost", "warning_closed"):
        if dp["status"] in ("needs_response", "warning_needs_response"):
            actions += _button(f"{base}/evidence", "Submit evidence")
        if dp["status"].startswith("warning_"):
            actions += _button(f"{base}/escalate", "Escalate to a chargeback")
        actions += _button(f"{base}/close", "Bank decides: won", outcome="won")
        actions += _button(f"{base}/close", "Bank decides: lost", outcome="lost")
    return [
        f'<code id="{escape(dp["id"])}">{escape(dp["id"])}</code>',
        f"<code>{escape(dp['charge'])}</code>",
        escape(format_amount(dp["amount"], dp["currency"])),
        escape(dp["reason"]),
        escape(dp["status"]),
        actions,
    ]


def _event_row(event: dict[str, Any], status: str) -> list[str]:
    deliver = _button(
        f"/_sandbox/events/{event['id']}/deliver", "Deliver again" if status == "delivered" else "Deliver"
    )
    return [
        f"<code>{escape(event['id'])}</code>",
        escape(event["type"]),
        f"<code>{escape(str(event['data']['object'].get('id')))}</code>",
        escape(status),
        deliver,
    ]
