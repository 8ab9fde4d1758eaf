"""Load benchmark: the production server under 16 concurrent clients, each page beside a bare Django view.

    .venv/bin/python bench/load.py                 # full size: 16 clients, 12 s per page
    .venv/bin/python bench/load.py --smoke         # tiny size, for make test: checks it still runs

It starts the production stack itself: gunicorn with the production configuration (config/gunicorn.py: gthread
workers; `config.wsgi` through bench/load_settings.py, which only adds a bare view at /_bare/), DEBUG off, PostgreSQL
(DATABASE_URL, default database portal_load, created afresh each run), Redis (REDIS_URL, default db 14) and the local
Stripe sandbox; migrates and loads the seed directory, then prints requests/s and p50/p99 for: the bare view, the
directory (plain, searched, filtered, page 2), a profile, the situation page, the give form's review POST (wrk), and
webhook intake (signed events posted by Python threads; events/s and p50/p99). Then the fault mode: Stripe slowed to
30 s while some donors give (each told to try again after STRIPE_DONOR_WAIT_SECONDS, the pledge kept), the
directory measured again meanwhile.
Nothing is asserted on time: the figures are printed. Needs `wrk` (Debian package; .ci/system-deps installs it).
"""

import argparse
import hashlib
import hmac
import http.client
import json
import os
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent
WEBHOOK_SECRET = "whsec_load_benchmark_only"  # noqa: S105 - the benchmark's own server, never a real one
STRIPE_SLOW_SECONDS = 30  # the fault mode: how late the sandbox answers every API request


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _ensure_database(url: str) -> None:
    import dj_database_url
    import psycopg

    config = dj_database_url.parse(url)
    if "postgresql" not in config["ENGINE"]:
        sys.exit("The load benchmark runs on PostgreSQL: set DATABASE_URL=postgres://...")
    admin = psycopg.connect(
        host=config["HOST"], port=config["PORT"] or 5432, user=config["USER"], dbname="postgres", autocommit=True
    )
    # A fresh database every run: it holds only the seed directory, and one left by another checkout of the code
    # (other migrations) must never be reused. Only a database of the benchmark's own is ever dropped.
    if not config["NAME"].startswith("portal_load"):
        sys.exit(f"The load benchmark drops and recreates its database; name it portal_load... (got {config['NAME']})")
    admin.execute(f'DROP DATABASE IF EXISTS "{config["NAME"]}" WITH (FORCE)')
    admin.execute(f'CREATE DATABASE "{config["NAME"]}"')
    admin.close()


def _environment(database_url: str, redis_url: str, static_root: str, stripe_url: str) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "STRIPE_"))}
    return {
        **clean,
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(BENCH)]),  # the portal first: bench/reports.py is no app
        "DJANGO_SETTINGS_MODULE": "load_settings",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_SESSION_COOKIE_SECURE": "0",
        "DJANGO_CSRF_COOKIE_SECURE": "0",
        "DJANGO_STATIC_ROOT": static_root,
        "DJANGO_LOG_LEVEL": "WARNING",
        "DATABASE_URL": database_url,
        "DATABASE_CONN_MAX_AGE": "60",
        "REDIS_URL": redis_url,
        "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "STRIPE_API_BASE": stripe_url,  # the sandbox: only the fault mode's donors call it
        "PLEDGE_RATE_LIMIT": "1000000",
        "PLEDGE_RATE_LIMIT_PER_ADDRESS": "1000000",
        "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    }


def _prepare(env: dict[str, str]) -> None:
    manage = [sys.executable, str(ROOT / "manage.py")]
    for command in (["migrate", "--noinput", "-v0"], ["load_directory"], ["collectstatic", "--noinput", "-v0"]):
        subprocess.run([*manage, *command], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)  # noqa: S603


def _start_gunicorn(env: dict[str, str], port: int, workers: int, threads: int) -> subprocess.Popen:
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    size = {"WEB_BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": str(workers), "WEB_THREADS": str(threads)}
    server = subprocess.Popen(  # noqa: S603
        [gunicorn, "--config", str(ROOT / "config" / "gunicorn.py"), "config.wsgi", "--log-level", "warning"],
        cwd=ROOT,
        env={**env, **size},
    )
    for _ in range(100):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return server
        except OSError:
            time.sleep(0.1)
    server.kill()
    sys.exit("gunicorn did not start")


def _get(port: int, path: str, headers: dict | None = None) -> tuple[int, str, dict]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", path, headers=headers or {})
    response = connection.getresponse()
    return response.status, response.read().decode(), dict(response.getheaders())


# wrk's --latency output: "50.000%  1.23ms" (with -U) or "50%  1.23ms"; requests/s: "Requests/sec:  1234.56".
_PERCENTILE = re.compile(r"^\s*(50|99)(?:\.0+)?%\s+([\d.]+)(us|ms|s)\s*$", re.MULTILINE)
_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _wrk(url: str, *, clients: int, seconds: float, script: str | None = None) -> dict[str, float]:
    command = ["wrk", "-t", "2", "-c", str(clients), "-d", f"{seconds}s", "--latency", url]
    if script:
        command[1:1] = ["-s", script]
    output = subprocess.run(command, capture_output=True, text=True, check=True, timeout=seconds + 60).stdout  # noqa: S603
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    latencies = {f"p{p}": float(value) * _UNITS[unit] for p, value, unit in _PERCENTILE.findall(output)}
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    return {"rps": rate, **latencies, "errors": float(errors.group(1)) if errors else 0.0}


def _review_script(port: int, directory: Path) -> str:
    """A wrk script posting the give form's review step: it writes nothing and needs no CSRF token."""
    body = urlencode(
        {
            "currency": "USD",
            "frequency": "once",
            "amount_choice": "5000",
            "other_amount": "",
            "donor_name": "Load Test",
            "donor_email": "load@example.org",
        }
    )
    script = directory / "review.lua"
    script.write_text(
        'wrk.method = "POST"\n'
        f"wrk.body = {json.dumps(body)}\n"
        'wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"\n',
        encoding="utf-8",
    )
    return str(script)


def _signed(payload: bytes) -> str:
    timestamp = str(int(time.time()))
    signature = hmac.new(WEBHOOK_SECRET.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={signature}"


def _event(number: int) -> bytes:
    """A well-formed event for a Checkout Session that is not the portal's: recorded once, then ignored."""
    session = {"id": f"cs_test_load_{number}", "object": "checkout.session", "status": "complete", "metadata": {}}
    event = {
        "id": f"evt_load_{number}_{secrets.token_hex(4)}",
        "object": "event",
        "type": "checkout.session.completed",
        "created": int(time.time()),
        "livemode": False,
        "data": {"object": session},
    }
    return json.dumps(event).encode()


def _webhook_intake(port: int, *, senders: int, events: int) -> dict[str, float]:
    bodies = [_event(n) for n in range(events)]
    latencies: list[float] = []
    statuses: list[int] = []
    lock = threading.Lock()

    def send(share: list[bytes]) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        for body in share:
            started = time.perf_counter()
            connection.request(
                "POST",
                "/donations/stripe/webhook/",
                body=body,
                headers={"Content-Type": "application/json", "Stripe-Signature": _signed(body)},
            )
            response = connection.getresponse()
            response.read()
            with lock:
                latencies.append((time.perf_counter() - started) * 1000)
                statuses.append(response.status)

    threads = [threading.Thread(target=send, args=(bodies[n::senders],)) for n in range(senders)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "rps": len(latencies) / elapsed,
        "p50": statistics.median(latencies),
        "p99": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))],
        "errors": float(sum(status != 200 for status in statuses)),
    }


PAGES = [
    ("bare view (HttpResponse 'ok')", "/_bare/"),
    ("directory", "/"),
    ("directory, searched", "/?q=refugee"),
    ("directory, filtered", "/?cause=refugee-care"),
    ("directory, page 2", "/?page=2"),
    ("profile", "/organizations/helping-hands-korea/"),
    ("situation", "/situation/"),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--smoke", action="store_true", help="tiny size: 2 clients, 1 s per page, 200 events")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=12)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=8, help="threads per gunicorn worker (gthread)")
    parser.add_argument("--events", type=int, default=3000, help="webhook events to post")
    parser.add_argument("--donors", type=int, default=4, help="donors giving while Stripe is slow (fault mode)")
    args = parser.parse_args()
    if args.smoke:
        args.clients, args.seconds, args.events, args.donors = 2, 1, 200, 2
    if not shutil.which("wrk"):
        sys.exit("The load benchmark needs wrk: sudo apt-get install wrk (or run .ci/system-deps)")
    database_url = os.environ.get("DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/portal_load"
    redis_url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/14"
    _ensure_database(database_url)
    port = _free_port()
    sys.path.insert(0, str(ROOT))
    from stripe_sandbox import SandboxServer  # the benchmark's own Stripe (test mode), as in development

    stripe = SandboxServer(host="127.0.0.1", port=0, webhook_url=None, webhook_secret=WEBHOOK_SECRET).start()
    with tempfile.TemporaryDirectory() as scratch:
        env = _environment(database_url, redis_url, str(Path(scratch) / "static"), stripe.url)
        if args.smoke:
            env["STRIPE_DONOR_WAIT_SECONDS"] = "2"  # the smoke run's donors need not wait the full 8 s
        _prepare(env)
        server = _start_gunicorn(env, port, args.workers, args.threads)
        try:
            rows = _measure(port, args, Path(scratch))
            fault_row, donors = _measure_with_slow_stripe(port, args, stripe)
            rows.append(fault_row)
        finally:
            server.terminate()
            server.wait(timeout=60)
            stripe.set_fault("none")
            stripe.stop()
    _print(rows, args)
    _print_donors(donors, _pledges(database_url))


def _measure(port: int, args: argparse.Namespace, scratch: Path) -> list[tuple[str, dict[str, float]]]:
    base = f"http://127.0.0.1:{port}"
    for _label, path in PAGES:  # warm up every worker's connection and templates
        status, _page, _headers = _get(port, path)
        if status != 200:
            sys.exit(f"{path} answered {status}")
    rows = [(label, _wrk(base + path, clients=args.clients, seconds=args.seconds)) for label, path in PAGES]
    review = _review_script(port, scratch)
    url = f"{base}/donations/give/helping-hands-korea/"
    rows.append(("give form, review POST", _wrk(url, clients=args.clients, seconds=args.seconds, script=review)))
    rows.append(("webhook intake (8 senders)", _webhook_intake(port, senders=8, events=args.events)))
    return rows


def _print(rows: list[tuple[str, dict[str, float]]], args: argparse.Namespace) -> None:
    bare = rows[0][1]["rps"]
    print(
        f"\n{args.clients} concurrent clients, {args.seconds:g} s per page, "
        f"gunicorn {args.workers} workers x {args.threads} threads (gthread)"
    )
    print(f"{'page':<32} {'req/s':>9} {'vs bare':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}")
    for label, figures in rows:
        print(
            f"{label:<32} {figures['rps']:>9.1f} {figures['rps'] / bare:>7.2f}x "
            f"{figures.get('p50', float('nan')):>8.1f} {figures.get('p99', float('nan')):>8.1f} "
            f"{int(figures['errors']):>7}"
        )


# The fault mode: Stripe answers every API request STRIPE_SLOW_SECONDS late while some donors confirm gifts. Each
# donor's request holds one gunicorn thread until STRIPE_DONOR_WAIT_SECONDS, then is told to try again (503), the
# pledge kept; the other threads go on serving the directory, measured meanwhile with wrk.
FAULT_ROW = "directory, Stripe slow"


def _measure_with_slow_stripe(port: int, args: argparse.Namespace, stripe) -> tuple:
    stripe.set_fault("slow", count=10**9, delay=STRIPE_SLOW_SECONDS)
    stop = threading.Event()
    answers: list[tuple[int, float]] = []
    donors = [
        threading.Thread(target=_donor, args=(port, number, stop, answers), daemon=True)
        for number in range(args.donors)
    ]
    for donor in donors:
        donor.start()
    time.sleep(0.5)  # the donors' first requests are waiting on Stripe
    figures = _wrk(f"http://127.0.0.1:{port}/", clients=args.clients, seconds=args.seconds)
    stop.set()
    for donor in donors:
        donor.join(timeout=STRIPE_SLOW_SECONDS + 30)
    stripe.set_fault("none")
    return (f"{FAULT_ROW}, {args.donors} giving", figures), answers


def _donor(port: int, number: int, stop: threading.Event, answers: list) -> None:
    """Confirm gifts one after another as a browser does (review, then the confirmation with its CSRF token)."""
    base = f"http://127.0.0.1:{port}/donations/give/helping-hands-korea/"
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()), _NoRedirect)
    count = 0
    while not stop.is_set():
        count += 1
        gift = {
            "currency": "USD",
            "frequency": "once",
            "amount_choice": "5000",
            "other_amount": "",
            "donor_name": "Load Test",
            "donor_email": f"donor{number}-{count}@example.org",
        }
        review = _post(opener, base, gift)[1]
        hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', review))
        started = time.perf_counter()
        status, _page = _post(opener, base, {**hidden, "confirm": "1"})
        answers.append((status, time.perf_counter() - started))


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _post(opener, url: str, data: dict) -> tuple[int, str]:
    try:
        with opener.open(url, data=urlencode(data).encode(), timeout=120) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def _pledges(url: str) -> int:
    import dj_database_url
    import psycopg

    config = dj_database_url.parse(url)
    where = {"host": config["HOST"], "port": config["PORT"] or 5432, "user": config["USER"], "dbname": config["NAME"]}
    with psycopg.connect(**where) as connection:
        return connection.execute("SELECT count(*) FROM donations_pledge").fetchone()[0]


def _print_donors(answers: list[tuple[int, float]], pledges: int) -> None:
    told = sum(status == 503 for status, _wait in answers)
    longest = max((wait for _status, wait in answers), default=0.0)
    print(
        f"\nStripe slow: every API request answered {STRIPE_SLOW_SECONDS} s late (the last row).\n"
        f"donors while Stripe was slow: {len(answers)} gifts confirmed, {told} told to try again, "
        f"{len(answers) - told} other answers, {pledges} pledges kept; longest wait {longest:.1f} s"
    )


if __name__ == "__main__":
    main()
