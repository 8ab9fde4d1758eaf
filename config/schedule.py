"""The scheduler: periodic management commands, each in a process of its own (`python -m config.schedule`).

The table below is the whole schedule: add a row to add a job. A job runs when the scheduler starts (catching up on
what was missed while it was down) and then at every multiple of `every` seconds after `offset` (UTC), so
`every=DAY, offset=3 * HOUR` means daily at 03:00 UTC. Jobs run one after another; a failing job is logged and runs
again at its next time. Run one scheduler per deployment (`make serve` starts it beside gunicorn and the task
worker): two would run every job twice (the commands are safe to repeat, but need not be).
"""

import argparse
import logging
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MINUTE, HOUR, DAY = 60, 3600, 86400

logger = logging.getLogger("config.schedule")


@dataclass(frozen=True)
class Job:
    name: str
    command: tuple[str, ...]  # manage.py arguments
    every: int  # seconds
    offset: int = 0  # seconds after each multiple of `every` (UTC)
    timeout: int = HOUR  # a run still going after this is stopped


SCHEDULE: list[Job] = [
    # Catches up on webhooks Stripe could not deliver, and on pledges left pending (README: reconcile_stripe).
    Job("reconcile_stripe", ("reconcile_stripe",), every=15 * MINUTE),
    # Publishes organizations' updates whose delay has passed and that staff approved; emails them to donors who
    # asked (README: Updates and the safety gate).
    Job("publish_updates", ("publish_updates",), every=HOUR, offset=5 * MINUTE),
    # The retention rule: erases donors' identities past DONOR_DATA_RETENTION_DAYS (README: the donor's page and
    # retention), daily at 03:00 UTC.
    Job("erase_donor_data", ("erase_donor_data",), every=DAY, offset=3 * HOUR),
    # Checks the reports' running totals equal the raw rows (logged as an error if not; README: How reports stay fast).
    Job("check_rollups", ("rebuild_rollups", "--check"), every=DAY, offset=4 * HOUR),
]


def slot(job: Job, now: float) -> int:
    """The number of the period `now` falls in: the job is due whenever it changes."""
    return int((now - job.offset) // job.every)


def due(jobs: list[Job], last: dict[str, int], now: float) -> list[Job]:
    """The jobs whose period changed since they last ran (every job, the first time)."""
    return [job for job in jobs if last.get(job.name) != slot(job, now)]


def run(job: Job) -> int:
    """Run one job to its end (or its timeout); its exit status (-1: stopped at its timeout)."""
    logger.info("schedule: %s started", job.name)
    started = time.monotonic()
    try:
        status = subprocess.run(  # noqa: S603 - our own manage.py with a fixed argument list
            [sys.executable, str(ROOT / "manage.py"), *job.command], cwd=ROOT, timeout=job.timeout, check=False
        ).returncode
    except subprocess.TimeoutExpired:
        status = -1
    level = logging.INFO if status == 0 else logging.ERROR
    logger.log(level, "schedule: %s finished (exit %s) in %.1f s", job.name, status, time.monotonic() - started)
    return status


class _Stop(Exception):
    pass


def _stop(signum, frame):
    raise _Stop


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Run the portal's periodic jobs (config/schedule.py's table).")
    parser.add_argument("--once", action="store_true", help="run every job once now, then exit")
    parser.add_argument("--list", action="store_true", help="print the schedule and exit")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s", force=True)
    if args.list:
        for job in SCHEDULE:
            print(f"{job.name}: manage.py {' '.join(job.command)} every {job.every} s (offset {job.offset} s)")
        return
    if args.once:
        sys.exit(max((run(job) != 0 for job in SCHEDULE), default=0))
    signal.signal(signal.SIGTERM, _stop)
    last: dict[str, int] = {}
    try:
        while True:
            now = time.time()
            for job in due(SCHEDULE, last, now):
                last[job.name] = slot(job, now)
                run(job)
            time.sleep(1)
    except (_Stop, KeyboardInterrupt):
        logger.info("schedule: stopped")


if __name__ == "__main__":
    main()
