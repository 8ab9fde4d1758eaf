"""`make run` on an empty database: it sets up, loads the directory, creates a staff account and serves."""

import os
import signal
import socket
import subprocess
import sys
import time
import tomllib
import urllib.request
from html import unescape
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


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


def test_make_run_serves_every_seed_organization(tmp_path):
    port, sandbox_port = _free_port(), _free_port()
    in_venv = (Path(sys.prefix) / "pyvenv.cfg").exists()  # reuse the running virtualenv, as make test does
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "REDIS_URL"))}
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
            status, page = _get(f"http://127.0.0.1:{port}/")
            css_status, css = _get(f"http://127.0.0.1:{port}/static/vendor/bootstrap/bootstrap.min.css")
            sandbox_status, sandbox_page = _get(f"http://127.0.0.1:{sandbox_port}/_sandbox/")
            _, profile = _get(f"http://127.0.0.1:{port}/organizations/helping-hands-korea/")
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)
    data = tomllib.loads((ROOT / "orgs" / "data" / "directory.toml").read_text(encoding="utf-8"))
    assert status == 200
    missing = [org["name"] for org in data["organizations"] if org["name"] not in unescape(page)]
    assert not missing, missing
    assert css_status == 200 and "Bootstrap" in css[:200]
    assert sandbox_status == 200 and "no real money moves" in sandbox_page.lower()
    assert 'action="/donations/give/helping-hands-korea/"' in profile
    assert "Test mode: no real money moves." in profile
    printed = log.read_text()
    assert f"Staff sign-in: http://127.0.0.1:{port}/admin/  user: admin  password: " in printed
