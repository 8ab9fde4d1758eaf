"""Faults of the production stack (gunicorn, DEBUG off, PostgreSQL, Redis), each against real servers:
PostgreSQL restarted under load, Redis down, Stripe slow or down."""

import re
import threading
import time

import pytest

from tests.production.stack import (
    Browser,
    ThrowawayPostgres,
    closed_port,
    copy_database,
    eventually,
    free_port,
    fresh_database,
    get,
    give,
    production_env,
    query,
    start_gunicorn,
    stop,
)

pytestmark = pytest.mark.slow  # servers in subprocesses

SLUG = "helping-hands-korea"


@pytest.fixture
def sandbox():
    from stripe_sandbox import SandboxServer

    server = SandboxServer(host="127.0.0.1", port=0, webhook_url=None).start()
    yield server
    server.set_fault("none")
    server.stop()


class Donors:
    """Threads giving, each gift with its own email, until stopped; every answer kept with when it was asked."""

    def __init__(self, port: int, threads: int = 3):
        self.port = port
        self.answers: list[tuple[float, int, str]] = []  # (asked at, status, Location)
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._threads = [threading.Thread(target=self._give, args=(n,), daemon=True) for n in range(threads)]

    def _give(self, number: int) -> None:
        browser = Browser(f"http://127.0.0.1:{self.port}")
        count = 0
        while not self._stop.is_set():
            count += 1
            asked = time.monotonic()
            try:
                status, location, _page = give(browser, SLUG, donor_email=f"donor{number}-{count}@example.org")
            except OSError:
                status, location = 0, ""  # the connection itself failed
            with self._lock:
                self.answers.append((asked, status, location))

    def start(self) -> "Donors":
        for thread in self._threads:
            thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=60)

    def asked_after(self, moment: float) -> list[tuple[int, str]]:
        with self._lock:
            return [(status, location) for asked, status, location in self.answers if asked > moment]


def test_postgresql_restarted_under_load_recovers_without_an_app_restart_and_loses_no_pledge(sandbox, migrated):
    cluster = ThrowawayPostgres().start()
    server = None
    try:
        with fresh_database("wt_prod_restart", port=cluster.port) as database_url:
            env = production_env(
                database_url,
                STRIPE_API_BASE=sandbox.url,
                DATABASE_CONN_MAX_AGE="600",  # persistent connections, which the restart breaks
                PLEDGE_RATE_LIMIT_PER_ADDRESS="1000000",
            )
            copy_database(f"postgres://postgres@127.0.0.1:5432/{migrated}", database_url)
            port = free_port()
            server = start_gunicorn(env, port, workers=1, threads=4)
            donors = Donors(port).start()
            try:
                assert eventually(lambda: len(donors.asked_after(0)) >= 10)
                cluster.restart()  # under load: every thread's connection is cut
                back = time.monotonic()
                assert eventually(lambda: len(donors.asked_after(back)) >= 15)
            finally:
                donors.stop()
            assert server.poll() is None  # the same app server, never restarted
            after = donors.asked_after(back)
            assert [status for status, _location in after] == [303] * len(after)  # every gift after the restart
            _no_pledge_lost(database_url, sandbox, donors)
    finally:
        if server is not None:
            stop(server)
        cluster.stop()


def _no_pledge_lost(database_url: str, sandbox, donors: Donors) -> None:
    pledges = dict(query(database_url, "SELECT stripe_checkout_session_id, reference FROM donations_pledge"))
    sessions = {session["id"]: session["client_reference_id"] for session in sandbox.store.all("checkout.session")}
    # Every Checkout Session a donor could pay at belongs to a pledge the portal kept...
    assert all(pledges.get(session_id) == reference for session_id, reference in sessions.items())
    # ...and every donor sent to Checkout was sent to one of them.
    sent = [re.search(r"cs_\w+", location).group(0) for _asked, status, location in donors.answers if status == 303]
    assert sent and set(sent) <= set(sessions)


def test_redis_down_pages_serve_and_pledges_are_refused(sandbox, migrated):
    with fresh_database("wt_prod_redis_down", template=migrated) as database_url:
        env = production_env(
            database_url, redis_url=f"redis://127.0.0.1:{closed_port()}/0", STRIPE_API_BASE=sandbox.url
        )
        port = free_port()
        server = start_gunicorn(env, port, workers=1, threads=2)
        try:
            for path in ("/", f"/organizations/{SLUG}/", "/situation/", "/healthz"):
                status, page, _headers = get(port, path)
                assert status == 200, (path, page[:500])
            status, _location, page = give(Browser(f"http://127.0.0.1:{port}"), SLUG)
            assert status == 503 and "Giving is paused for a moment" in page  # fail closed: no brake, no pledge
            assert query(database_url, "SELECT count(*) FROM donations_pledge") == [(0,)]
            assert sandbox.api_requests == []
        finally:
            stop(server)


def test_stripe_slow_or_down_keeps_the_pledge_tells_the_donor_and_the_directory_serves(sandbox, migrated):
    with fresh_database("wt_prod_stripe_slow", template=migrated) as database_url:
        env = production_env(database_url, STRIPE_API_BASE=sandbox.url, STRIPE_DONOR_WAIT_SECONDS="5")
        port = free_port()
        server = start_gunicorn(env, port, workers=1, threads=4)  # one process: only its threads serve
        try:
            assert get(port, "/")[0] == 200  # the worker has loaded the portal (its first request is the slowest)
            sandbox.set_fault("slow", count=100, delay=30)
            answer: list = []
            donor = threading.Thread(target=lambda: answer.append(give(Browser(f"http://127.0.0.1:{port}"), SLUG)))
            donor.start()
            assert eventually(lambda: sandbox.api_requests)  # the donor's request now waits on Stripe
            assert get(port, "/")[0] == 200
            assert donor.is_alive()  # the directory answered while the donor's request was still waiting
            donor.join(timeout=60)
            status, _location, page = answer[0]
            assert status == 503 and "did not answer in time" in page and "Try again" in page
            assert sandbox.api_requests == ["POST /v1/checkout/sessions"]  # one try, cut at the deadline

            sandbox.set_fault("error", count=100)  # Stripe down
            status, _location, page = give(Browser(f"http://127.0.0.1:{port}"), SLUG, donor_email="kim@example.org")
            assert status == 503 and "Try again" in page
            kept = query(database_url, "SELECT status, stripe_checkout_session_id FROM donations_pledge")
            assert kept == [("pending", None), ("pending", None)]  # both gifts saved, to try again
        finally:
            stop(server)
