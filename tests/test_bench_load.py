"""Benchmarks do not rot: make test runs the load benchmark at a small size and checks its figures are there."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ROWS = [
    "bare view (HttpResponse 'ok')",
    "directory",
    "directory, searched",
    "directory, filtered",
    "directory, page 2",
    "profile",
    "situation",
    "give form, review POST",
    "webhook intake (8 senders)",
    "directory, Stripe slow, 2 giving",
]
DONORS = re.compile(
    r"donors while Stripe was slow: (\d+) gifts confirmed, (\d+) told to try again, (\d+) other answers, "
    r"(\d+) pledges kept"
)


@pytest.mark.slow
def test_load_benchmark_runs_and_prints_every_figure():
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "REDIS_URL"))}
    database = f"portal_load_smoke_{os.getpid()}"  # its own, so runs side by side never share one
    env["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{database}"
    try:
        result = _run(env)
    finally:
        _drop(database)
    _check(result)


def _run(env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "bench/load.py", "--smoke"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def _drop(database: str) -> None:
    import psycopg

    with psycopg.connect(host="127.0.0.1", user="postgres", dbname="postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def _check(result: subprocess.CompletedProcess) -> None:
    assert result.returncode == 0, result.stdout + result.stderr
    figures = {}
    for line in result.stdout.splitlines():
        match = re.match(r"^(.+?)\s+([\d.]+)\s+([\d.]+)x\s+([\d.]+)\s+([\d.]+)\s+(\d+)$", line)
        if match:
            figures[match.group(1)] = [float(value) for value in match.groups()[1:]]
    assert list(figures) == ROWS, result.stdout
    for label, (rps, _ratio, p50, p99, errors) in figures.items():
        assert rps > 0 and p50 > 0 and p99 >= p50, (label, figures[label])
        assert errors == 0, f"{label}: {int(errors)} requests failed"
    assert figures[ROWS[0]][1] == 1.0
    confirmed, told, other, kept = (int(n) for n in DONORS.search(result.stdout).groups())
    assert confirmed >= 2 and told == confirmed and other == 0 and kept == confirmed, result.stdout
