"""The embedded default (SQLite) under concurrent writes: transactions queue, none fails, none is lost.

Six threads each run 25 read-then-write transactions on one row of a real database file, as a webhook and the
donor's return page do together. Deferred transactions fail here with "database is locked" when two try to
upgrade their read locks at once (and lose the update); IMMEDIATE transactions with a busy timeout queue.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

RACE = """
import threading, time
import django
django.setup()
from django.core.management import call_command
from django.db import OperationalError, connections, transaction
from orgs.models import Organization

call_command("migrate", verbosity=0)
org = Organization.objects.create(name="Race", slug="race", summary="0")
errors = []

def work():
    for _ in range(25):
        try:
            with transaction.atomic():
                current = Organization.objects.get(pk=org.pk)
                time.sleep(0.002)
                Organization.objects.filter(pk=org.pk).update(summary=str(int(current.summary) + 1))
        except OperationalError as exc:
            errors.append(str(exc))
    connections.close_all()

threads = [threading.Thread(target=work) for _ in range(6)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print(len(errors), Organization.objects.get(pk=org.pk).summary)
"""


@pytest.mark.slow
def test_concurrent_write_transactions_on_sqlite_neither_fail_nor_lose_updates(tmp_path):
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "REDIS_URL"))}
    env = {
        **clean,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_DEBUG": "1",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'race.sqlite3'}",
        "PYTHONPATH": str(ROOT),
    }
    result = subprocess.run(
        [sys.executable, "-c", RACE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    errors, total = result.stdout.split()
    assert (int(errors), int(total)) == (0, 150)
