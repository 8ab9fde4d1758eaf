"""Scale-out: two app servers (gunicorn on two ports, one PostgreSQL, one Redis) behind one address, each new
connection to the other, serve one person's sign-in and one donor's gift without an error: sessions, CSRF, rate
limits and uploads are shared, nothing lives in one process."""

import re
import urllib.error
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar

import pytest

from tests.production.stack import (
    RoundRobinProxy,
    free_port,
    fresh_database,
    manage,
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
org = factories.giving_organization(name="Helping Hands Korea", slug="helping-hands-korea")
factories.member(organization=org, username="minji", password="a-long-member-password")
out = io.BytesIO()
Image.new("RGB", (300, 120), (18, 53, 91)).save(out, format="PNG")
services.organization_logo_set(organization=org, upload=SimpleUploadedFile("logo.png", out.getvalue()))
print(org.logo.url)
"""


class Browser:
    """One person's browser: one cookie jar, every request through the proxy, redirects not followed."""

    def __init__(self, base: str):
        self.base = base
        self.answers: list[int] = []

        class Stay(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args, **kwargs):
                return None

        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()), Stay)

    def open(self, path: str, data: dict | None = None) -> tuple[int, str, str]:
        url = path if path.startswith("http") else self.base + path
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            with self.opener.open(urllib.request.Request(url, data=body), timeout=30) as response:  # noqa: S310
                answer = response.status, response.headers.get("Location", ""), response.read().decode(errors="replace")
        except urllib.error.HTTPError as error:
            answer = error.code, error.headers.get("Location", ""), error.read().decode(errors="replace")
        if url.startswith(self.base):
            self.answers.append(answer[0])
        return answer


def _token(page: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)


def _hidden(page: str) -> dict[str, str]:
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page))


@pytest.mark.slow  # two gunicorns in subprocesses
def test_two_app_servers_behind_one_address_serve_one_user_without_errors(tmp_path):
    from stripe_sandbox import SandboxServer

    sandbox = SandboxServer(host="127.0.0.1", port=0, webhook_url=None).start()
    servers = []
    try:
        with fresh_database("wt_prod_scale") as database_url:
            env = production_env(database_url, STRIPE_API_BASE=sandbox.url, DJANGO_MEDIA_ROOT=str(tmp_path))
            manage(env, "migrate", "--noinput", "-v0")
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
    form = {"username": "minji", "password": "a-long-member-password", "csrfmiddlewaretoken": _token(page)}
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
    status, checkout, _page = browser.open("/donations/give/helping-hands-korea/", {**_hidden(review), "confirm": "1"})
    assert status == 303 and checkout.startswith(sandbox.url), _page
    status, thanks, _page = browser.open(checkout + "/pay", {"outcome": "success"})  # at "Stripe"
    assert status == 303
    status, _location, page = browser.open(thanks)  # the return page, on either server, knows this browser's gift
    assert status == 200 and "$25.00" in page
