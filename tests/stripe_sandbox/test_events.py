"""GET /v1/events: newest first, Stripe's cursor pagination, filters; each event is a full Stripe event."""

from __future__ import annotations

from .conftest import Api, pay, payment_params


def make_events(api: Api, sandbox, payments: int) -> list[str]:
    for _ in range(payments):
        session = api.ok("post", "checkout/sessions", payment_params())
        pay(sandbox, session["id"])
    return [e["id"] for e in reversed(sandbox.events())]  # newest first


def test_events_are_listed_newest_first_with_pagination(api: Api, sandbox) -> None:
    ids = make_events(api, sandbox, 4)  # 12 events
    first = api.ok("get", "events")
    assert first["object"] == "list" and first["url"] == "/v1/events"
    assert [e["id"] for e in first["data"]] == ids[:10] and first["has_more"] is True
    second = api.ok("get", "events", {"limit": "5", "starting_after": ids[9]})
    assert [e["id"] for e in second["data"]] == ids[10:] and second["has_more"] is False
    before = api.ok("get", "events", {"limit": "3", "ending_before": ids[5]})
    assert [e["id"] for e in before["data"]] == ids[2:5] and before["has_more"] is True
    assert api.get("events", {"limit": "101"}).status_code == 400


def test_events_filter_by_type_types_and_created(api: Api, sandbox) -> None:
    make_events(api, sandbox, 2)
    assert len(api.ok("get", "events", {"type": "charge.succeeded"})["data"]) == 2
    assert len(api.ok("get", "events", {"type": "checkout.session.*"})["data"]) == 2
    both = api.ok("get", "events", {"types[0]": "charge.succeeded", "types[1]": "payment_intent.succeeded"})
    assert {e["type"] for e in both["data"]} == {"charge.succeeded", "payment_intent.succeeded"}
    created = sandbox.events()[0]["created"]
    assert len(api.ok("get", "events", {"created[gte]": str(created)})["data"]) == 6
    assert api.ok("get", "events", {"created[gt]": str(created + 3600)})["data"] == []


def test_event_shape_request_and_api_version(api: Api, sandbox) -> None:
    headers = {"Stripe-Version": "2025-03-31.basil"}
    session = api.post("checkout/sessions", payment_params(), key="create-1", headers=headers).json()
    expired = api.post(f"checkout/sessions/{session['id']}/expire", key="expire-1", headers=headers)
    event = api.ok("get", "events")["data"][0]
    assert event["id"].startswith("evt_") and event["object"] == "event" and event["livemode"] is False
    assert event["type"] == "checkout.session.expired" and event["api_version"] == "2025-03-31.basil"
    assert event["request"] == {"id": expired.headers["Request-Id"], "idempotency_key": "expire-1"}
    assert event["data"]["object"]["id"] == session["id"] and event["pending_webhooks"] == 0
    assert api.ok("get", f"events/{event['id']}") == event
    other = api.ok("post", "checkout/sessions", payment_params())
    pay(sandbox, other["id"])
    assert {e["api_version"] for e in sandbox.events()[1:]} == {"2026-10-28.endive"}


def test_event_data_is_a_snapshot(api: Api, sandbox) -> None:
    make_events(api, sandbox, 1)
    charge_event = sandbox.events(type="charge.succeeded")[0]
    sandbox.dashboard_refund(charge_event["data"]["object"]["id"])
    assert api.ok("get", f"events/{charge_event['id']}")["data"]["object"]["amount_refunded"] == 0
