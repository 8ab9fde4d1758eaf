"""Every setting is documented, and a bad number stops the process at start-up with a message naming it."""

import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.env import env_decimal, env_int
from tests.test_settings import PRODUCTION, _run

ROOT = Path(__file__).resolve().parent.parent


def _variables_read_by_settings() -> set[str]:
    text = (ROOT / "config" / "settings.py").read_text(encoding="utf-8")
    return set(re.findall(r"env_(?:str|bool|int|list|decimal|json_object)\(\s*\"([A-Z_]+)\"", text))


def _variables_in_readme() -> set[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    table = text[text.index("| variable | meaning | default |") :]
    table = table[: table.index("\n\n")]
    return {name for row in table.splitlines() for name in re.findall(r"`([A-Z][A-Z_]+)`", row.split("|")[1])}


def test_readme_documents_every_variable_the_settings_read():
    read = _variables_read_by_settings()
    assert len(read) > 30  # the reader found the settings
    assert read - _variables_in_readme() == set()


def test_readme_documents_no_variable_the_settings_ignore():
    assert _variables_in_readme() - _variables_read_by_settings() == set()


@pytest.mark.parametrize(
    ("value", "message"),
    [("0", "at least 1 and at most 100"), ("101", "at least 1 and at most 100"), ("ten", "must be an integer")],
)
def test_env_int_refuses_values_out_of_range(monkeypatch, value, message):
    monkeypatch.setenv("X_SIZE", value)
    with pytest.raises(ImproperlyConfigured, match=f"X_SIZE .*{message}|X_SIZE must be an integer"):
        env_int("X_SIZE", 12, minimum=1, maximum=100)


def test_env_decimal_reads_decimals_never_floats(monkeypatch):
    assert env_decimal("X_RATE", "2.9") == Decimal("2.9")
    monkeypatch.setenv("X_RATE", " 3.4 ")
    assert env_decimal("X_RATE", "2.9", minimum="0", maximum="20") == Decimal("3.4")
    for bad in ("2,9", "NaN", "Infinity", "21", "-1"):
        monkeypatch.setenv("X_RATE", bad)
        with pytest.raises(ImproperlyConfigured, match="X_RATE"):
            env_decimal("X_RATE", "2.9", minimum="0", maximum="20")


@pytest.mark.slow
@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("DIRECTORY_PAGE_SIZE", "0", "DIRECTORY_PAGE_SIZE must be at least 1 and at most 100; got '0'"),
        ("STRIPE_FEE_PERCENT", "2,9", "STRIPE_FEE_PERCENT must be a decimal number such as 2.9; got '2,9'"),
        ("PLEDGE_RATE_LIMIT", "-5", "PLEDGE_RATE_LIMIT must be at least 1; got '-5'"),
        ("TRUSTED_PROXY_HOPS", "two", "TRUSTED_PROXY_HOPS must be an integer; got 'two'"),
    ],
)
def test_a_bad_number_stops_the_process_at_start_up(tmp_path, variable, value, message):
    env = {**PRODUCTION, "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}", variable: value}
    result = _run(["manage.py", "check"], env)
    assert result.returncode != 0
    assert message in result.stderr
