"""Content-Security-Policy on every page: only what the portal serves, no inline script or style, and the
confirmation form may end at Stripe Checkout (the sandbox's origin in test mode, checkout.stripe.com live).
The browser journeys run under the same header and fail on any violation Chromium reports (tests/e2e/conftest.py)."""

import re

import pytest

pytestmark = pytest.mark.django_db


def _policy(response) -> dict[str, list[str]]:
    header = response.headers["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split("; ")}


@pytest.mark.parametrize("path", ["/", "/situation/", "/accounts/login/", "/admin/login/"])
def test_every_page_has_a_strict_policy(client, path):
    policy = _policy(client.get(path))
    for directive in ("default-src", "script-src", "style-src"):
        assert policy[directive] == ["'self'"], directive
    assert policy["frame-ancestors"] == ["'none'"] and policy["object-src"] == ["'none'"]
    assert not any("unsafe" in source for sources in policy.values() for source in sources)


def test_the_admin_is_under_the_policy_too(superuser_client):
    assert _policy(superuser_client.get("/admin/"))["script-src"] == ["'self'"]


def test_form_action_allows_the_sandbox_checkout_read_at_request_time(client, settings):
    settings.STRIPE_SANDBOX = True
    settings.STRIPE_API_BASE = "http://127.0.0.1:43210"
    assert _policy(client.get("/"))["form-action"] == ["'self'", "http://127.0.0.1:43210"]


def test_form_action_allows_stripe_checkout_with_a_live_key(client, settings):
    settings.STRIPE_SANDBOX = False
    settings.STRIPE_API_BASE = ""
    assert _policy(client.get("/"))["form-action"] == [
        "'self'",
        "https://checkout.stripe.com",
        "https://billing.stripe.com",
    ]


@pytest.mark.django_db
def test_admin_pages_with_python_made_markup_carry_no_inline_style(superuser_client, client):
    """The Stripe event's payload and the audit trail are drawn in Python or by a library: no style="" or <style>,
    which the policy would block (its styles are in static/css/admin.css)."""
    from donations.models import StripeEvent
    from tests.donations.webhook_helpers import event, post_event
    from tests.factories import organization

    post_event(client, event("customer.created", {"id": "cus_csp", "object": "customer"}, event_id="evt_csp"))
    record = StripeEvent.objects.get()
    org = organization()
    for url in (f"/admin/donations/stripeevent/{record.pk}/change/", f"/admin/orgs/organization/{org.pk}/auditlog/"):
        page = superuser_client.get(url)
        assert page.status_code == 200, url
        assert not re.search(r"<style[\s>]|\sstyle\s*=", page.text, re.IGNORECASE), url
        assert "css/admin.css" in page.text, url
