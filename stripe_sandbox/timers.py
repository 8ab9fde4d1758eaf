"""What happens in the sandbox on its own, with no request: Checkout Sessions expiring at their ``expires_at``."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from . import checkout
from .state import Store

logger = logging.getLogger(__name__)
LONGEST_SLEEP = 60.0  # seconds: the timer looks again at least this often


class ExpiryTimer:
    """Sleeps until the earliest open session's ``expires_at`` on the sandbox's clock, then calls ``expire_due``
    (which expires it and sends ``checkout.session.expired``). ``wake()`` (a new session, the clock moved) makes it
    look again."""

    def __init__(self, store: Store, expire_due: Callable[[], object]) -> None:
        self.store = store
        self.expire_due = expire_due
        self._condition = threading.Condition()
        self._thread: threading.Thread | None = None
        self._stopping = False

    def start(self) -> None:
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="stripe-sandbox-expiry", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        with self._condition:
            self._stopping = True
            self._condition.notify_all()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def wake(self) -> None:
        with self._condition:
            self._condition.notify_all()

    def _run(self) -> None:
        while True:
            with self._condition:
                if self._stopping:
                    return
                with self.store.lock:
                    due = checkout.next_expiry(self.store)
                    wait = None if due is None else due - self.store.clock()
                if wait is None or wait > 0:
                    self._condition.wait(None if wait is None else min(wait, LONGEST_SLEEP))
                    continue
            try:
                self.expire_due()
            except Exception:  # never let the timer die; the next wake tries again
                logger.exception("stripe sandbox: expiring checkout sessions failed")
