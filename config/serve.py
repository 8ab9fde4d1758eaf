"""The production stack on one machine (`make serve`): the web server, the task worker and the scheduler.

    python -m config.serve            # after migrate and collectstatic; PostgreSQL and Redis from the environment

A small supervisor, so that one command (and one systemd unit or container) runs everything: it starts the three
processes below, prefixes nothing (their logs go to this terminal as they are), restarts one that exits on its own
(after a pause that grows to a minute while it keeps failing), and on SIGTERM or Ctrl-C stops them all gracefully.
"""

import logging
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent

# name: the command. The web server's size (workers, threads, address) is in config/gunicorn.py.
PROCESSES: dict[str, list[str]] = {
    "web": [str(BIN / "gunicorn"), "--config", str(ROOT / "config" / "gunicorn.py"), "config.wsgi"],
    "worker": [sys.executable, str(ROOT / "manage.py"), "db_worker", "--queue-name", "*", "--no-reload"],
    "scheduler": [sys.executable, "-m", "config.schedule"],
}
STOP_SECONDS = 30  # how long a process has to finish after SIGTERM before it is killed
STEADY_SECONDS = 60  # a process that ran this long before exiting is restarted at once

logger = logging.getLogger("config.serve")


@dataclass
class Child:
    name: str
    command: list[str]
    process: subprocess.Popen | None = None
    started: float = 0.0
    pause: float = 0.0
    restart_at: float = field(default=0.0)

    def start(self) -> None:
        self.process = subprocess.Popen(self.command, cwd=ROOT)  # noqa: S603 - our own commands
        self.started = time.monotonic()
        logger.info("serve: %s started (pid %s)", self.name, self.process.pid)

    def exited(self) -> bool:
        """True once, when the process has ended on its own; schedules its restart."""
        if self.process is None or self.process.poll() is None:
            return False
        ran = time.monotonic() - self.started
        self.pause = 0.0 if ran >= STEADY_SECONDS else min(60.0, max(1.0, self.pause * 2))
        logger.warning(
            "serve: %s exited (code %s) after %.0f s; restarting in %.0f s",
            self.name,
            self.process.returncode,
            ran,
            self.pause,
        )
        self.process = None
        self.restart_at = time.monotonic() + self.pause
        return True


class _Stop(Exception):
    pass


def _stop(signum, frame):
    raise _Stop


def _shutdown(children: list[Child]) -> None:
    running = [child for child in children if child.process is not None and child.process.poll() is None]
    for child in running:
        child.process.terminate()
    deadline = time.monotonic() + STOP_SECONDS
    for child in running:
        try:
            child.process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            logger.warning("serve: %s did not stop in %s s; killed", child.name, STOP_SECONDS)
            child.process.kill()
            child.process.wait()
    logger.info("serve: stopped")


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    signal.signal(signal.SIGTERM, _stop)
    children = [Child(name, command) for name, command in PROCESSES.items()]
    try:
        for child in children:
            child.start()
        while True:
            time.sleep(0.5)
            for child in children:
                if child.process is None and time.monotonic() >= child.restart_at:
                    child.start()
                else:
                    child.exited()
    except (_Stop, KeyboardInterrupt):
        pass
    finally:
        _shutdown(children)


if __name__ == "__main__":
    main()
