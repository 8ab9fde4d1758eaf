"""Shared fixtures: personas and helpers. See tests/factories.py for the objects."""

import pytest
from django.test import Client

from tests import factories


@pytest.fixture
def client() -> Client:
    return Client(HTTP_HOST="127.0.0.1")


@pytest.fixture
def staff_user(db):
    return factories.staff(username="staff")


@pytest.fixture
def staff_client(staff_user) -> Client:
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(staff_user)
    return client


@pytest.fixture
def donor(db):
    return factories.user(username="donor", email="donor@example.org")


@pytest.fixture
def donor_client(donor) -> Client:
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(donor)
    return client


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
