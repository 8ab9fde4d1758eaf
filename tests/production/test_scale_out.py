"""Scale-out: two app servers (gunicorn on two ports, one PostgreSQL, one Redis) behind one address, each new
connection to the other, serve one person's sign-in and one donor's gift without an error: sessions, CSRF, rate
limits and uploads are shared, nothing lives in one process."""

import pytest

from tests.production.stack import (
    Browser,
    RoundRobinProxy,
    csrf_token,
    free_port,
    fresh_database,
    hidden_inputs,
    production_env,
    run_python,
    start_gunicorn,
    stop,
)

SETUP = """
import io
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from orgs import services
from tests import factories
from orgs.models import Organization
org = Organization.objects.get(slug="helping-hands-korea")
factories.member(organization=org, username="minji", password="a-long-member-password")
out = io.BytesIO()
Image.new("RGB", (300, 120), (18, 53, 91)).save(out, format="PNG")
services.organization_logo_set(organization=org, upload=SimpleUploadedFile("logo.png", out.getvalue()))
print(org.logo.url)
"""


@pytest.mark.slow  # two gunicorns in subprocesses
def test_two_app_servers_behind_one_address_serve_one_user_without_errors(tmp_path, migrated):
    from stripe_sandbox import SandboxServer

    sandbox = SandboxServer(host="127.0.0.1", port=0, webhook_url=None).start()
    servers = []
    try:
        with fresh_database("wt_prod_scale", template=migrated) as database_url:
            env = production_env(database_url, STRIPE_API_BASE=sandbox.url, DJANGO_MEDIA_ROOT=str(tmp_path))
            logo_url = run_python(env, SETUP).strip()
            ports = [free_port(), free_port()]
            servers = [start_gunicorn(env, port, workers=1, threads=2) for port in ports]
            proxy = RoundRobinProxy(ports)
            try:
                browser = Browser(f"http://127.0.0.1:{proxy.port}")
                _sign_in_and_read_the_report(browser)
                _give(browser, sandbox)
                for _ in range(2):  # the logo, from each server: one storage
                    status, _location, _body = browser.open(logo_url)
                    assert status == 200
            finally:
                proxy.close()
            assert all(count >= 4 for count in proxy.served.values()), proxy.served  # both servers took turns
            assert all(status < 500 for status in browser.answers), browser.answers
    finally:
        for server in servers:
            stop(server)
        sandbox.stop()


def _sign_in_and_read_the_report(browser: Browser) -> None:
    status, _location, page = browser.open("/accounts/login/")
    assert status == 200
    form = {"username": "minji", "password": "a-long-member-password", "csrfmiddlewaretoken": csrf_token(page)}
    status, location, _page = browser.open("/accounts/login/", form)  # the other server checks the token
    assert status == 302, _page
    status, _location, page = browser.open("/reports/helping-hands-korea/")  # and the next one, the session
    assert status == 200 and "Helping Hands Korea" in page
    status, _location, page = browser.open("/reports/helping-hands-korea/")
    assert status == 200


def _give(browser: Browser, sandbox) -> None:
    gift = {
        "currency": "USD",
        "frequency": "once",
        "amount_choice": "2500",
        "other_amount": "",
        "donor_name": "Dana Donor",
        "donor_email": "dana@example.org",
    }
    status, _location, review = browser.open("/donations/give/helping-hands-korea/", gift)
    assert status == 200 and "Continue to secure payment" in review
    status, checkout, _page = browser.open(
        "/donations/give/helping-hands-korea/", {**hidden_inputs(review), "confirm": "1"}
    )
    assert status == 303 and checkout.startswith(sandbox.url), _page
    status, thanks, _page = browser.open(checkout + "/pay", {"outcome": "success"})  # at "Stripe"
    assert status == 303
    status, _location, page = browser.open(thanks)  # the return page, on either server, knows this browser's gift
    assert status == 200 and "$25.00" in page
