"""`make serve`'s stack (python -m config.serve): gunicorn serves, the scheduler runs reconcile_stripe, the task
worker sends the receipt it leads to, and SIGTERM stops everything."""

import signal
import subprocess
import sys
from pathlib import Path

import pytest

from config import schedule
from tests.production.stack import (
    ROOT,
    eventually,
    free_port,
    fresh_database,
    get,
    production_env,
    query,
    run_python,
    wait_for_port,
)

STALE_PLEDGE = """
from datetime import timedelta
from django.utils import timezone
from donations.models import Pledge
from donations.services.pledges import pledge_checkout
from tests import factories
from orgs.models import Organization
pledge = factories.pledge(organization=Organization.objects.get(slug="helping-hands-korea"))
pledge_checkout(pledge=pledge, base_url="http://127.0.0.1/")
Pledge.objects.filter(pk=pledge.pk).update(created_at=timezone.now() - timedelta(hours=2))
pledge.refresh_from_db()
print(pledge.stripe_checkout_session_id)
"""


def test_the_schedule_runs_every_job_at_start_then_once_per_period():
    job = schedule.Job("nightly", ("retention",), every=schedule.DAY, offset=3 * schedule.HOUR)
    start = 1_700_000_000.0  # 2023-11-14 22:13 UTC
    assert schedule.due([job], {}, start) == [job]  # at start: catch up
    last = {job.name: schedule.slot(job, start)}
    assert schedule.due([job], last, start + 4 * schedule.HOUR) == []  # 02:13: not yet
    assert schedule.due([job], last, start + 5 * schedule.HOUR) == [job]  # 03:13: past 03:00 UTC


def test_reconcile_stripe_is_in_the_schedule():
    assert ("reconcile_stripe",) in [job.command for job in schedule.SCHEDULE]


@pytest.mark.slow  # the whole stack in subprocesses
def test_serve_runs_the_web_server_the_task_worker_and_the_scheduler(tmp_path, migrated):
    from stripe_sandbox import SandboxServer

    sandbox = SandboxServer(host="127.0.0.1", port=0, webhook_url=None).start()
    port = free_port()
    log_path = tmp_path / "serve.log"
    try:
        with fresh_database("wt_prod_serve", template=migrated) as database_url:
            env = production_env(database_url, STRIPE_API_BASE=sandbox.url, PORT=str(port), HOST="127.0.0.1")
            env.update(WEB_CONCURRENCY="1", WEB_THREADS="2")
            session_id = run_python(env, STALE_PLEDGE).strip()
            assert sandbox.pay(session_id)  # paid at Stripe; the webhook never came
            with log_path.open("w") as log:
                serve = subprocess.Popen(  # noqa: S603
                    [sys.executable, "-m", "config.serve"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
                )
            try:
                _check_stack(serve, port, database_url, log_path)
            finally:
                serve.send_signal(signal.SIGTERM)
                code = serve.wait(timeout=60)
            text = log_path.read_text()
            assert code == 0 and "serve: stopped" in text, text
    finally:
        sandbox.stop()


def _check_stack(serve: subprocess.Popen, port: int, database_url: str, log_path: Path) -> None:
    wait_for_port(port, serve)
    assert get(port, "/healthz")[0] == 200
    status, page, _headers = get(port, "/")
    assert status == 200 and "Helping Hands Korea" in page
    # The scheduler ran reconcile_stripe at start: the pledge Stripe says is paid is paid...
    paid = eventually(lambda: query(database_url, "SELECT status FROM donations_pledge") == [("paid",)])
    assert paid, log_path.read_text()
    # ...and the task worker sent its receipt and recorded it.
    receipt = "SELECT receipt_sent_at IS NOT NULL FROM donations_payment"
    assert eventually(lambda: query(database_url, receipt) == [(True,)]), log_path.read_text()
    assert eventually(lambda: "schedule: reconcile_stripe finished (exit 0)" in log_path.read_text())
    log = log_path.read_text()
    assert "Your receipt" in log  # the console email backend, in the worker's output
    assert all(f"serve: {name} started" in log for name in ("web", "worker", "scheduler"))
    assert "exited" not in log
