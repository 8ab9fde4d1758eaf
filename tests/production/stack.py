"""Helpers for tests of the production stack: a database of the test's own on the machine's PostgreSQL, the
production environment (DEBUG off, Redis), manage.py and gunicorn as subprocesses, and plain HTTP."""

import contextlib
import http.client
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from contextlib import contextmanager
from http.cookiejar import CookieJar
from pathlib import Path

import psycopg
import redis

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
def fresh_database(stem: str, *, template: str = "", **server):
    """A database of this test's own (its name ends in the test process's id), dropped afterwards; a copy of
    `template` (a migrated database, see conftest.migrated) when given."""
    where = {**PG, **server}
    name = f"{stem}_{os.getpid()}"
    with psycopg.connect(dbname="postgres", autocommit=True, **where) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
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
        if redis_url == REDIS_URL:  # the tests' own Redis database: no page cached by another test's database
            redis.Redis.from_url(redis_url).flushdb()
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


class ThrowawayPostgres:
    """A PostgreSQL cluster of the test's own, from the installed server binaries, in a temporary directory on a
    free port (as the `postgres` user when the test runs as root: initdb refuses root). Never the machine's own."""

    def __init__(self):
        binaries = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
        if not binaries:
            raise AssertionError("no PostgreSQL server binaries under /usr/lib/postgresql/*/bin")
        self.bin = binaries[-1].parent
        self.root = Path(tempfile.mkdtemp(prefix="portal-throwaway-pg-"))
        self.as_owner = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.as_owner:
            shutil.chown(self.root, "postgres")
        self.data = self.root / "data"
        self.port = free_port()

    def _run(self, *args: str) -> None:
        result = subprocess.run([*self.as_owner, *args], capture_output=True, text=True, timeout=120)  # noqa: S603
        assert result.returncode == 0, result.stdout + result.stderr

    def _ctl(self, action: str, *extra: str) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.root / "log"), "-o", options, "-w",
                  action, *extra)  # fmt: skip

    def start(self) -> "ThrowawayPostgres":
        self._run(str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8")
        self._ctl("start")
        return self

    def restart(self) -> None:
        self._ctl("restart", "-m", "fast")

    def stop(self) -> None:
        with contextlib.suppress(AssertionError):
            self._ctl("stop", "-m", "immediate")
        shutil.rmtree(self.root, ignore_errors=True)


class Browser:
    """One person's browser: one cookie jar, every request through the proxy, redirects not followed."""

    def __init__(self, base: str):
        self.base = base
        self.answers: list[int] = []

        class Stay(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args, **kwargs):
                return None

        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()), Stay)

    def open(self, path: str, data: dict | None = None) -> tuple[int, str, str]:
        url = path if path.startswith("http") else self.base + path
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            with self.opener.open(urllib.request.Request(url, data=body), timeout=30) as response:  # noqa: S310
                answer = response.status, response.headers.get("Location", ""), response.read().decode(errors="replace")
        except urllib.error.HTTPError as error:
            answer = error.code, error.headers.get("Location", ""), error.read().decode(errors="replace")
        if url.startswith(self.base):
            self.answers.append(answer[0])
        return answer


def csrf_token(page: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)


def hidden_inputs(page: str) -> dict[str, str]:
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page))


GIFT = {
    "currency": "USD",
    "frequency": "once",
    "amount_choice": "2500",
    "other_amount": "",
    "donor_name": "Dana Donor",
    "donor_email": "dana@example.org",
}


def give(browser: "Browser", slug: str, **overrides: str) -> tuple[int, str, str]:
    """The Give form as a donor sends it: the review step (no token), then the confirmation with the review page's
    CSRF token and the gift's own key."""
    status, _location, review = browser.open(f"/donations/give/{slug}/", {**GIFT, **overrides})
    if status != 200:
        return status, "", review
    return browser.open(f"/donations/give/{slug}/", {**hidden_inputs(review), "confirm": "1"})


def copy_database(source_url: str, target_url: str) -> None:
    """Copy a database (schema and rows) to another server with pg_dump and psql: faster than migrating again."""
    dump = subprocess.run(  # noqa: S603
        ["pg_dump", "--no-owner", "--no-privileges", "-d", source_url.replace("postgres://", "postgresql://")],
        capture_output=True,
        check=True,
        timeout=120,
    ).stdout
    result = subprocess.run(  # noqa: S603
        ["psql", "-q", "-v", "ON_ERROR_STOP=1", "-d", target_url.replace("postgres://", "postgresql://")],
        input=dump,
        capture_output=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr.decode()
