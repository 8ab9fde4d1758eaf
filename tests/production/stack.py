"""Helpers for tests of the production stack: a database of the test's own on the machine's PostgreSQL, the
production environment (DEBUG off, Redis), manage.py and gunicorn as subprocesses, and plain HTTP."""

import contextlib
import http.client
import os
import secrets
import socket
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[2]
PG = {"host": "127.0.0.1", "port": 5432, "user": "postgres"}
REDIS_URL = os.environ.get("PORTAL_TEST_REDIS_URL", "redis://127.0.0.1:6379/5")
WEBHOOK_SECRET = "whsec_production_stack_tests_only"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def closed_port() -> int:
    """A port nothing listens on (bound and released at once)."""
    return free_port()


@contextmanager
def fresh_database(stem: str, **server):
    """A database of this test's own (its name ends in the test process's id), dropped afterwards."""
    where = {**PG, **server}
    name = f"{stem}_{os.getpid()}"
    with psycopg.connect(dbname="postgres", autocommit=True, **where) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgres://{where['user']}@{where['host']}:{where['port']}/{name}"
    finally:
        try:
            with psycopg.connect(dbname="postgres", autocommit=True, **where) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        except psycopg.OperationalError:
            pass  # the server is gone (a throwaway cluster already stopped)


def production_env(database_url: str, *, redis_url: str | None = REDIS_URL, **extra: str) -> dict[str, str]:
    """The environment of a production deployment on this machine: DEBUG off, plain HTTP on 127.0.0.1."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "STRIPE_", "DATABASE_", "REDIS_"))}
    env = {
        **clean,
        "PYTHONPATH": str(ROOT),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_SESSION_COOKIE_SECURE": "0",
        "DJANGO_CSRF_COOKIE_SECURE": "0",
        "DJANGO_STATIC_MANIFEST": "0",  # no collectstatic needed
        "DJANGO_LOG_LEVEL": "WARNING",
        "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend",
        "DATABASE_URL": database_url,
        "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "STRIPE_API_BASE": f"http://127.0.0.1:{closed_port()}",
        **extra,
    }
    if redis_url:
        env["REDIS_URL"] = redis_url
    return env


def manage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(  # noqa: S603
        [sys.executable, str(ROOT / "manage.py"), *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def run_python(env: dict[str, str], code: str) -> str:
    """Run Python code with Django set up in the deployment's environment; its output."""
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", "import django\ndjango.setup()\n" + code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def wait_for_port(port: int, process: subprocess.Popen | None = None, seconds: float = 60) -> None:
    for _ in range(int(seconds * 10)):
        if process is not None and process.poll() is not None:
            raise AssertionError(f"the server exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"nothing listens on {port}")


def start_gunicorn(env: dict[str, str], port: int, *, workers: int = 1, threads: int = 4) -> subprocess.Popen:
    """gunicorn with the production configuration (config/gunicorn.py) on 127.0.0.1:port."""
    server = subprocess.Popen(  # noqa: S603
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "--config",
            str(ROOT / "config" / "gunicorn.py"),
            "config.wsgi",
        ],
        cwd=ROOT,
        env={**env, "WEB_BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": str(workers), "WEB_THREADS": str(threads)},
    )
    wait_for_port(port, server)
    return server


def stop(process: subprocess.Popen) -> int:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    return process.returncode


def get(port: int, path: str, headers: dict | None = None, timeout: float = 30) -> tuple[int, str, dict]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    connection.request("GET", path, headers=headers or {})
    response = connection.getresponse()
    return response.status, response.read().decode(), dict(response.getheaders())


def query(database_url: str, sql: str, *params) -> list[tuple]:
    with psycopg.connect(database_url.replace("postgres://", "postgresql://")) as connection:
        return connection.execute(sql, params).fetchall()


def eventually(check, seconds: float = 60, every: float = 0.2):
    """Poll `check` until it returns something true (the test's own wait; nothing is asserted on time)."""
    for _ in range(int(seconds / every)):
        value = check()
        if value:
            return value
        time.sleep(every)
    return check()


class RoundRobinProxy:
    """One address in front of several app servers: each new connection goes to the next server in turn."""

    def __init__(self, ports: list[int]):
        self.ports = ports
        self.served = dict.fromkeys(ports, 0)
        self._next = 0
        self._lock = threading.Lock()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _address = self._listener.accept()
            except OSError:
                return
            with self._lock:
                port = self.ports[self._next % len(self.ports)]
                self._next += 1
                self.served[port] += 1
            upstream = socket.create_connection(("127.0.0.1", port))
            for source, target in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(source, target), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, target: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                target.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, target):
                with contextlib.suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        self._listener.close()
