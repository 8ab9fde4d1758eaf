"""Benchmarks do not rot: make test runs the webhook storm (bench/storm.py) at a small size: it still plays every kind
of story, posts the events, and ends with the exact end state it checks itself (a difference exits non-zero)."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _database_name() -> str:
    """A database of the storm's own for this run (dropped afterwards), named after the suite's if it has one."""
    import dj_database_url

    url = os.environ.get("DATABASE_URL", "")
    base = dj_database_url.parse(url)["NAME"] if url.startswith("postgres") else "portal"
    return f"{base}_storm_smoke_{os.getpid()}"


@pytest.mark.slow
def test_webhook_storm_runs_small_and_ends_exact():
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))}
    database = _database_name()
    env["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{database}"
    try:
        result = subprocess.run(
            [sys.executable, "bench/storm.py", "--smoke"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
    finally:
        _drop(database)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "end state exact: nothing dropped, nothing doubled" in result.stdout
    played = re.search(r"stories played: (.+)", result.stdout).group(1)
    kinds = ("single gift", "refunded gift", "failing refund", "dunning", "dispute won", "dispute lost", "inquiry")
    assert all(f"{kind} " in played for kind in kinds), played
    storm = re.search(r"storm: ([\d.]+) events/s .* p50 ([\d.]+) ms, p99 ([\d.]+) ms, (\d+) retried", result.stdout)
    assert storm and float(storm.group(1)) > 0 and float(storm.group(3)) >= float(storm.group(2)), result.stdout
    sent = re.search(r"webhook storm: ([\d,]+) events \(([\d,]+) duplicates\)", result.stdout)
    assert sent.group(1) == "300" and int(sent.group(2)) > 0
    for event_type in (
        "invoice.paid",
        "charge.refunded",
        "refund.updated",
        "invoice.payment_failed",
        "charge.dispute.created",
        "charge.dispute.closed",
        "charge.dispute.funds_withdrawn",
        "charge.dispute.funds_reinstated",
    ):
        assert event_type in result.stdout


def _drop(database: str) -> None:
    import psycopg

    with psycopg.connect(host="127.0.0.1", user="postgres", dbname="postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
