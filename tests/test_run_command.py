"""`make run` on an empty database: it sets up, loads the directory, creates a staff account and serves."""

import http.cookiejar
import json
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import tomllib
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from html import unescape
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.slow  # runs `make run` in a subprocess


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (a local server)
        return response.status, response.read().decode()


def _wait_until_up(url: str, process: subprocess.Popen, seconds: int = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"make run exited with {process.returncode}")
        try:
            if _get(url)[0] == 200:
                return
        except OSError:
            time.sleep(0.5)
    raise AssertionError(f"{url} did not answer within {seconds}s")


@dataclass
class RunningPortal:
    url: str
    sandbox_url: str
    database: Path
    log: Path


@pytest.fixture(scope="module")
def running_portal(tmp_path_factory):
    """`make run` itself, on an empty SQLite file, with its sandbox on a free port."""
    tmp_path = tmp_path_factory.mktemp("make-run")
    port, sandbox_port = _free_port(), _free_port()
    in_venv = (Path(sys.prefix) / "pyvenv.cfg").exists()  # reuse the running virtualenv, as make test does
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "REDIS_URL", "STRIPE_"))}
    env.update(
        {
            "DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.sqlite3'}",
            "DJANGO_STATIC_ROOT": str(tmp_path / "static"),
            "DIRECTORY_PAGE_SIZE": "100",
            "STRIPE_API_BASE": f"http://127.0.0.1:{sandbox_port}",
        }
    )
    args = ["make", "--no-print-directory", "run", f"PORT={port}"] + ([f"VENV={sys.prefix}"] if in_venv else [])
    log = tmp_path / "make-run.log"
    with open(log, "w") as output:
        process = subprocess.Popen(
            args, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            _wait_until_up(f"http://127.0.0.1:{port}/healthz", process)
            yield RunningPortal(
                f"http://127.0.0.1:{port}", f"http://127.0.0.1:{sandbox_port}", tmp_path / "fresh.sqlite3", log
            )
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)


def test_make_run_serves_every_seed_organization(running_portal):
    status, page = _get(running_portal.url + "/")
    css_status, css = _get(running_portal.url + "/static/vendor/bootstrap/bootstrap.min.css")
    sandbox_status, sandbox_page = _get(running_portal.sandbox_url + "/_sandbox/")
    _, profile = _get(running_portal.url + "/organizations/helping-hands-korea/")
    data = tomllib.loads((ROOT / "orgs" / "data" / "directory.toml").read_text(encoding="utf-8"))
    assert status == 200
    missing = [org["name"] for org in data["organizations"] if org["name"] not in unescape(page)]
    assert not missing, missing
    assert css_status == 200 and "Bootstrap" in css[:200]
    assert sandbox_status == 200 and "no real money moves" in sandbox_page.lower()
    assert 'action="/donations/give/helping-hands-korea/#give"' in profile
    assert "Test mode: no real money moves." in profile
    port = running_portal.url.rsplit(":", 1)[1]
    assert f"Staff sign-in: http://127.0.0.1:{port}/admin/  user: admin  password: " in running_portal.log.read_text()


class _Browser:
    """Just enough of a browser: cookies, forms' hidden fields, no automatic redirects."""

    def __init__(self):
        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args, **kwargs):
                return None

        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), NoRedirect
        )

    def request(self, url: str, data: dict | None = None) -> tuple[int, str, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            with self.opener.open(urllib.request.Request(url, data=body), timeout=20) as response:
                return response.status, response.headers.get("Location", ""), response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.headers.get("Location", ""), error.read().decode()

    def give(self, portal: str, slug: str, query: str, **fields) -> str:
        status, _, page = self.request(f"{portal}/organizations/{slug}/{query}")
        assert status == 200
        hidden = dict(re.findall(r'name="(currency)" value="([^"]+)"', page))
        status, _, review = self.request(f"{portal}/donations/give/{slug}/", {**hidden, **fields})  # the review
        assert status == 200, status
        confirmed = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', review))
        status, location, _ = self.request(f"{portal}/donations/give/{slug}/", {**confirmed, "confirm": "1"})
        assert status == 303, status
        return location


def _webhooks_delivered(donor: _Browser, sandbox: str) -> dict:
    """Wait until the sandbox has sent every webhook (asynchronous, as Stripe); its state then."""
    deadline = time.monotonic() + 30
    while (state := json.loads(donor.request(sandbox + "/_sandbox/state")[2]))["webhooks"]["queued"]:
        assert time.monotonic() < deadline, "the sandbox's webhooks were not delivered"
        time.sleep(0.05)
    return state


def test_a_donor_gives_on_a_fresh_run_and_everything_is_recorded(running_portal):
    portal, sandbox = running_portal.url, running_portal.sandbox_url
    donor = _Browser()
    _, _, profile = donor.request(f"{portal}/organizations/helping-hands-korea/")
    program = re.search(r'<option value="(\d+)">Food, medicine and clothing</option>', profile).group(1)
    gift = {"donor_name": "Dana Donor", "donor_email": "dana@example.org", "website": ""}
    monthly = donor.give(
        portal,
        "helping-hands-korea",
        "?currency=KRW",
        frequency="monthly",
        amount_choice="50000",
        program=program,
        **gift,
    )
    once = donor.give(portal, "liberty-in-north-korea", "?currency=USD", frequency="once", amount_choice="2500", **gift)
    for checkout in (monthly, once):
        assert checkout.startswith(sandbox + "/checkout/cs_test_")
        status, thanks, _ = donor.request(checkout + "/pay", {"outcome": "success"})
        assert status == 303
        assert "is received" in donor.request(thanks)[2]

    state = _webhooks_delivered(donor, sandbox)
    subscription = next(e["object_id"] for e in state["events"] if e["type"] == "customer.subscription.created")
    charge = next(e["object_id"] for e in state["events"] if e["type"] == "charge.succeeded")
    assert donor.request(f"{sandbox}/_sandbox/subscriptions/{subscription}/advance", {})[0] == 200
    assert donor.request(f"{sandbox}/_sandbox/charges/{charge}/refund", {})[0] == 200
    assert {e["delivery"] for e in _webhooks_delivered(donor, sandbox)["events"]} == {"delivered"}

    with sqlite3.connect(running_portal.database) as db:
        pledges = dict(db.execute("SELECT currency, status FROM donations_pledge").fetchall())
        payments = dict(
            db.execute(
                "SELECT p.currency, COUNT(*) FROM donations_payment y JOIN donations_pledge p ON p.id = y.pledge_id "
                "GROUP BY p.currency"
            ).fetchall()
        )
        refunds = db.execute("SELECT amount, currency FROM donations_refund").fetchall()
        shared = db.execute("SELECT share_identity FROM donations_pledge").fetchall()
    assert pledges == {"KRW": "active", "USD": "refunded"}
    assert payments == {"KRW": 2, "USD": 1}
    assert refunds == [(2500, "USD")]
    assert shared == [(0,), (0,)]
    log = running_portal.log.read_text()
    assert log.count("To: dana@example.org") == 4  # three receipts and the refund's email, on the console
    assert log.count("Subject: Refund: US$25.00") == 1
    # The portal runs on a free port, not 8000: the receipts' stop links point at it (PORTAL_BASE_URL is unset).
    assert f"{running_portal.url}/donations/monthly/stop/" in log and "127.0.0.1:8000" not in log


def test_the_printed_enrolment_signs_the_developer_in_to_the_admin(running_portal):
    """`make run` prints the admin's password and its authenticator enrolment: with them a developer gets in."""
    from base64 import b32decode

    from django_otp.oath import totp

    log = running_portal.log.read_text()
    password = log.split("password: ")[1].split()[0]
    key = log.split("setup key: ")[1].split()[0]
    assert "otpauth://totp/" in log and "make admin-code" in log
    code = f"{totp(b32decode(key)):06d}"
    staff = _Browser()
    _, _, page = staff.request(f"{running_portal.url}/admin/login/?next=/admin/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    form = {"csrfmiddlewaretoken": token, "username": "admin", "password": password, "next": "/admin/"}
    status, location, _ = staff.request(f"{running_portal.url}/admin/login/?next=/admin/", {**form, "otp_token": code})
    assert (status, location) == (302, "/admin/")
    assert staff.request(f"{running_portal.url}/admin/")[0] == 200
