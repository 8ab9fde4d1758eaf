"""A local Stripe for development and tests: a real HTTP server the stripe SDK talks to as to api.stripe.com.

Test mode only: no real money moves. It keeps Stripe objects in memory (shaped from Stripe's own examples in
``fixtures.json``), serves a test checkout page, and sends signed webhooks. See ``SandboxServer``.
"""

from .server import DEFAULT_WEBHOOK_SECRET, SandboxServer
from .webhooks import sign

__all__ = ["DEFAULT_WEBHOOK_SECRET", "SandboxServer", "sign"]
