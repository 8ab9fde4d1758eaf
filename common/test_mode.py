"""Test mode's webhook signing secret, shared by the portal's settings and the local Stripe sandbox.

Public by design: it signs only the sandbox's events, and a live Stripe key refuses to start without a real
STRIPE_WEBHOOK_SECRET. One literal here, so the two ends can never drift apart.
"""

SANDBOX_WEBHOOK_SECRET = "whsec_sandbox_development_only_not_secret"  # noqa: S105 - public by design
