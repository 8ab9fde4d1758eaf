"""In sandbox mode every page says no real money moves; with a live key, none does."""

import pytest

pytestmark = pytest.mark.django_db


def test_every_page_says_test_mode_in_sandbox_mode(client, giving_org, settings):
    settings.STRIPE_SANDBOX = True
    for url in ("/", giving_org.get_absolute_url(), "/situation/", "/donations/thanks/"):
        assert "Test mode: no real money moves." in client.get(url).text
    settings.STRIPE_SANDBOX, settings.STRIPE_API_KEY = False, "sk_live_x"
    assert "Test mode" not in client.get("/").text
