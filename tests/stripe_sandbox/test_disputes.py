"""Disputes in the sandbox: opened (inquiry or chargeback) from the control API or the dashboard, won and lost, with
Stripe's events in Stripe's order and the balance effects (the amount and the dispute fee withdrawn, given back
when won)."""

from __future__ import annotations

import requests

from tests.stripe_sandbox.conftest import Api, pay, payment_params


def _paid_charge(api: Api, sandbox, **extra: str) -> dict:
    session = api.ok("post", "checkout/sessions", payment_params(**extra))
    pay(sandbox, session["id"])
    pi = api.ok("get", f"checkout/sessions/{session['id']}", {"expand[]": "payment_intent.latest_charge"})
    return pi["payment_intent"]["latest_charge"]


def _control(sandbox, path: str, **data: str) -> requests.Response:
    return requests.post(f"{sandbox.url}/_sandbox/{path}", data=data, timeout=10)


def _dispute_events(sandbox, receiver) -> list[tuple[str, str]]:
    sandbox.wait_for_deliveries()  # whether the sandbox delivers at once or in the background
    return [(e["type"], e["data"]["object"]["status"]) for e in receiver.events() if ".dispute." in e["type"]]


def test_chargeback_won_sends_stripes_events_in_order_and_gives_the_money_back(api: Api, sandbox, receiver) -> None:
    charge = _paid_charge(api, sandbox)
    opened = _control(sandbox, f"charges/{charge['id']}/dispute", kind="chargeback", reason="fraudulent")
    assert opened.status_code == 200, opened.text
    dispute = opened.json()
    assert (dispute["status"], dispute["reason"], dispute["amount"]) == ("needs_response", "fraudulent", 2500)
    assert dispute["payment_intent"] == charge["payment_intent"] and dispute["charge"] == charge["id"]
    assert dispute["evidence_details"]["due_by"] > dispute["created"]
    withdrawn = dispute["balance_transactions"][0]
    assert (withdrawn["amount"], withdrawn["fee"], withdrawn["net"]) == (-2500, 1500, -4000)
    assert withdrawn["reporting_category"] == "dispute" and withdrawn["source"] == dispute["id"]
    assert _control(sandbox, f"disputes/{dispute['id']}/close", outcome="won").status_code == 200
    assert _dispute_events(sandbox, receiver) == [
        ("charge.dispute.created", "needs_response"),
        ("charge.dispute.funds_withdrawn", "needs_response"),
        ("charge.dispute.updated", "under_review"),
        ("charge.dispute.closed", "won"),
        ("charge.dispute.funds_reinstated", "won"),
    ]
    final = api.ok("get", f"disputes/{dispute['id']}")
    assert sum(txn["net"] for txn in final["balance_transactions"]) == 0  # the amount and the fee came back
    assert api.ok("get", f"charges/{charge['id']}")["disputed"] is True
    assert [d["id"] for d in api.ok("get", "disputes", {"charge": charge["id"]})["data"]] == [dispute["id"]]


def test_chargeback_lost_keeps_the_money_and_the_fee_withdrawn(api: Api, sandbox, receiver) -> None:
    charge = _paid_charge(api, sandbox)
    dispute = sandbox.open_dispute(charge["id"], "chargeback", "product_not_received")
    sandbox.close_dispute(dispute["id"], "lost")
    assert _dispute_events(sandbox, receiver) == [
        ("charge.dispute.created", "needs_response"),
        ("charge.dispute.funds_withdrawn", "needs_response"),
        ("charge.dispute.closed", "lost"),
    ]
    final = api.ok("get", f"disputes/{dispute['id']}")
    assert [txn["net"] for txn in final["balance_transactions"]] == [-4000]


def test_inquiry_moves_no_money_unless_it_escalates(api: Api, sandbox, receiver) -> None:
    closed = sandbox.open_dispute(_paid_charge(api, sandbox)["id"], "inquiry", "general")
    assert closed["payment_method_details"]["card"]["case_type"] == "inquiry"
    sandbox.close_dispute(closed["id"], "won")
    assert _dispute_events(sandbox, receiver) == [
        ("charge.dispute.created", "warning_needs_response"),
        ("charge.dispute.closed", "warning_closed"),
    ]
    assert api.ok("get", f"disputes/{closed['id']}")["balance_transactions"] == []
    receiver.clear()
    escalated = sandbox.open_dispute(_paid_charge(api, sandbox)["id"], "inquiry", "duplicate")
    sandbox.close_dispute(escalated["id"], "lost")
    assert _dispute_events(sandbox, receiver) == [
        ("charge.dispute.created", "warning_needs_response"),
        ("charge.dispute.updated", "needs_response"),
        ("charge.dispute.funds_withdrawn", "needs_response"),
        ("charge.dispute.closed", "lost"),
    ]


def test_bad_dispute_requests_are_refused(api: Api, sandbox) -> None:
    charge = _paid_charge(api, sandbox)
    assert _control(sandbox, f"charges/{charge['id']}/dispute", kind="chargeback", reason="bored").status_code == 400
    assert _control(sandbox, f"charges/{charge['id']}/dispute", amount="99999").status_code == 400
    assert _control(sandbox, "charges/ch_nobody/dispute").status_code == 404
    dispute = _control(sandbox, f"charges/{charge['id']}/dispute").json()
    assert _control(sandbox, f"charges/{charge['id']}/dispute").status_code == 400  # one dispute per charge
    assert _control(sandbox, f"disputes/{dispute['id']}/close").status_code == 400  # won or lost must be said
    assert _control(sandbox, f"disputes/{dispute['id']}/close", outcome="lost").status_code == 200
    assert _control(sandbox, f"disputes/{dispute['id']}/close", outcome="won").status_code == 400  # closed is final


def test_dashboard_opens_and_decides_disputes(api: Api, sandbox) -> None:
    charge = _paid_charge(api, sandbox)
    page = requests.get(f"{sandbox.url}/_sandbox/", timeout=10).text
    assert f"/_sandbox/charges/{charge['id']}/dispute" in page and "Dispute: chargeback" in page
    form = {"return_to": "dashboard", "kind": "inquiry", "reason": "general"}
    opened = requests.post(
        f"{sandbox.url}/_sandbox/charges/{charge['id']}/dispute", data=form, allow_redirects=False, timeout=10
    )
    assert opened.status_code == 303
    dispute = sandbox.store.all("dispute")[0]
    page = requests.get(f"{sandbox.url}/_sandbox/", timeout=10).text
    assert f'id="{dispute["id"]}"' in page and "Escalate to a chargeback" in page and "Bank decides: lost" in page
