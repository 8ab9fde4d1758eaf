"""Shared fixtures: the personas and the two organizations they belong to. See tests/factories.py for the objects.

Personas (each ``<persona>`` is a user; ``<persona>_client`` is a test client signed in as that user):

- ``client``: anonymous, signed in as nobody
- ``donor``: an account with no membership and no staff rights
- ``member_a`` / ``member_b``: a member of organization A (``org_a``) / of organization B (``org_b``)
- ``staff_without_permissions``: ``is_staff`` and nothing else (reaches the admin's door, may do nothing)
- ``superuser``: staff with every permission
- ``unverified_superuser_client``: the superuser signed in with the password only, without the second factor

Staff personas' clients are signed in with their second factor (a TOTP device, django-otp), as the admin needs;
``factories.sign_in(client, user, verified=True)`` does the same for accounts a test makes.

``org_a`` ("Alpha Aid", /alpha/) and ``org_b`` ("Beta Care", /beta/) both take gifts; tests prove that a member of
one never sees the other's data.
"""

import logging
import re

import pytest
from django.test import Client

from tests import factories


def _signed_in(user, *, verified: bool = False) -> Client:
    return factories.sign_in(Client(HTTP_HOST="127.0.0.1"), user, verified=verified)


@pytest.fixture
def client() -> Client:
    """Anonymous: nobody is signed in."""
    return Client(HTTP_HOST="127.0.0.1")


@pytest.fixture
def org_a(db):
    return factories.giving_organization(name="Alpha Aid", slug="alpha")


@pytest.fixture
def org_b(db):
    return factories.giving_organization(name="Beta Care", slug="beta")


@pytest.fixture
def donor(db):
    return factories.user(username="donor", email="donor@example.org")


@pytest.fixture
def donor_client(donor) -> Client:
    return _signed_in(donor)


@pytest.fixture
def member_a(org_a):
    return factories.member(organization=org_a, username="member-a")


@pytest.fixture
def member_a_client(member_a) -> Client:
    return _signed_in(member_a)


@pytest.fixture
def member_b(org_b):
    return factories.member(organization=org_b, username="member-b")


@pytest.fixture
def member_b_client(member_b) -> Client:
    return _signed_in(member_b)


@pytest.fixture
def staff_without_permissions(db):
    return factories.user(username="staff-without-permissions", is_staff=True)


@pytest.fixture
def staff_without_permissions_client(staff_without_permissions) -> Client:
    return _signed_in(staff_without_permissions, verified=True)


@pytest.fixture
def superuser(db):
    return factories.staff(username="superuser")


@pytest.fixture
def superuser_client(superuser) -> Client:
    return _signed_in(superuser, verified=True)


@pytest.fixture
def unverified_superuser_client(superuser) -> Client:
    """Signed in with the right password but not the second factor (e.g. through the members' sign-in page)."""
    return _signed_in(superuser)


def pytest_report_header(config) -> str:
    from django.db import connection

    return f"database: {connection.vendor} ({connection.settings_dict['NAME']})"


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate-limit counters and other cached values never leak from one test into the next."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Tests make many accounts; a slow hash (right in production) only slows them down."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# -- no donor email or name in the logs, anywhere in the suite -----------------------------------------------------
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# The test donors' names (tests/donations/conftest.give_data, tests/factories.pledge and the browser journeys).
TEST_DONOR_NAMES = ("Dana Donor", "Erin Example", "Kim Donor")


class LogScanner(logging.Handler):
    """Collects every log record at INFO or above that names an email address or a test donor: the portal never
    logs a donor's email or name (an email in a log outlives every erasure)."""

    def __init__(self) -> None:
        super().__init__(level=logging.INFO)
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
        self.found: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = self.format(record)
        except Exception:  # noqa: BLE001 - a record that cannot be formatted is checked as its raw parts
            text = f"{record.name} {record.msg} {record.args}"
        if _EMAIL.search(text) or any(name in text for name in TEST_DONOR_NAMES):
            self.found.append(text[:500])


_scanner = LogScanner()
_SCANNED_LOGGERS = ("", "django")  # the root, and Django's own logger (it does not propagate to the root)


@pytest.fixture(scope="session", autouse=True)
def _log_scanner_installed():
    """Installed once Django has configured logging (dictConfig replaces the root's handlers)."""
    for name in _SCANNED_LOGGERS:
        logging.getLogger(name).addHandler(_scanner)
    yield _scanner
    for name in _SCANNED_LOGGERS:
        logging.getLogger(name).removeHandler(_scanner)


@pytest.fixture(autouse=True)
def _no_donor_data_logged(_log_scanner_installed):
    """Every test of the whole suite fails if anything it made the portal (or the sandbox) log names an email
    address or a test donor."""
    start = len(_scanner.found)
    yield
    found = _scanner.found[start:]
    if found:
        pytest.fail("donor data in the logs:\n" + "\n".join(found), pytrace=False)


@pytest.fixture
def log_scanner() -> LogScanner:
    return _scanner


def pytest_sessionfinish(session, exitstatus):
    """Records that named an email outside any test (session fixtures, threads that outlived their test)."""
    if _scanner.found and exitstatus == 0:
        print("\ndonor data in the logs:\n" + "\n".join(_scanner.found))
        session.exitstatus = 1


@pytest.fixture(autouse=True, scope="session")
def _live_server_one_request_at_a_time():
    """See tests/live.py: with SQLite in memory the live server handles one request at a time."""
    from django.db import connections
    from django.test.testcases import LiveServerThread

    from tests.live import OneRequestAtATime

    if connections["default"].vendor != "sqlite":  # PostgreSQL: each thread has its own connection
        yield
        return
    original = LiveServerThread.server_class
    LiveServerThread.server_class = OneRequestAtATime
    yield
    LiveServerThread.server_class = original
