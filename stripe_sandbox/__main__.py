"""``python -m stripe_sandbox``: serve the local Stripe sandbox until killed."""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
import threading

from .server import DEFAULT_WEBHOOK_SECRET, SandboxServer
from .webhooks import MAX_DELAY, MODES


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m stripe_sandbox", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=12111)
    parser.add_argument("--webhook-url", default=None, help="where to POST signed events (none: record only)")
    parser.add_argument(
        "--webhook-secret",
        default=os.environ.get("STRIPE_WEBHOOK_SECRET") or DEFAULT_WEBHOOK_SECRET,
        help="signing secret (default: $STRIPE_WEBHOOK_SECRET, else a fixed development value)",
    )
    parser.add_argument(
        "--settle-delay", type=float, default=None, help="seconds before bank debits settle by themselves"
    )
    parser.add_argument(
        "--account",
        action="append",
        default=[],
        metavar="ACCT_ID",
        help="a connected account (acct_...) destination charges may go to; repeat for more",
    )
    parser.add_argument(
        "--delivery",
        choices=MODES,
        default="async",
        help="async (default, as Stripe): webhooks after the API's answer, after random delays, in any order; "
        "sync: in order, before the answer",
    )
    parser.add_argument(
        "--max-delay", type=float, default=MAX_DELAY, help="seconds: the longest random wait before an async webhook"
    )
    parser.add_argument("--verbose", action="store_true", help="log every request")
    args = parser.parse_args(argv)
    server = SandboxServer(
        args.host,
        args.port,
        args.webhook_url,
        args.webhook_secret,
        quiet=not args.verbose,
        delivery=args.delivery,
        max_delay=args.max_delay,
    )
    server.settle_delay = args.settle_delay
    for account_id in args.account:
        server.register_account(account_id)
    server.start()
    print(f"Stripe sandbox listening on {server.url} (test mode: no real money moves)", flush=True)
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    with contextlib.suppress(KeyboardInterrupt):
        stopped.wait()
    server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
