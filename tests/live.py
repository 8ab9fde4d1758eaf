"""The live server and SQLite in memory.

With SQLite in memory, pytest-django's live server shares the test's one database connection with its request
threads. The sandbox's webhooks come asynchronously, as Stripe's, at the same time as a donor's next page or a
staff member's next action: the live server handles one request at a time (``OneRequestAtATime``), and a test that
sends a request through Django's test client while webhooks may be arriving sends it under ``one_at_a_time`` (the
same lock), so two requests never use that connection at once. Never hold it while the sandbox delivers
synchronously (``delivery="sync"``) to the live server: that delivery would wait for the lock. PostgreSQL gives each
thread its own connection, and nothing here applies there.
"""

import contextlib
import threading
from collections.abc import Iterator

from django.core.servers.basehttp import ThreadedWSGIServer
from django.db import connections

LOCK = threading.Lock()


class OneRequestAtATime(ThreadedWSGIServer):
    def set_app(self, application):
        def serial(environ, start_response):
            with LOCK:
                return list(application(environ, start_response))

        super().set_app(serial)


@contextlib.contextmanager
def one_at_a_time() -> Iterator[None]:
    """Around a test-client request (or ORM work) that may meet a webhook arriving at the live server."""
    if connections["default"].vendor != "sqlite":
        yield
        return
    with LOCK:
        yield
