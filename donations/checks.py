"""System checks of the donations app's own settings (`manage.py check --deploy`)."""

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register

from common.test_mode import SANDBOX_WEBHOOK_SECRET

WEBHOOK_CHECK_ID = "donations.E001"
SHARED_CACHE_CHECK_ID = "donations.W001"


@register(Tags.security, deploy=True)
def check_webhook_secret(app_configs=None, **kwargs) -> list[CheckMessage]:
    """A deployment verifies Stripe's webhooks with its own secret, never the public development one."""
    secret = getattr(settings, "STRIPE_WEBHOOK_SECRET", "")
    if secret and secret != SANDBOX_WEBHOOK_SECRET:
        return []
    return [
        Error(
            "STRIPE_WEBHOOK_SECRET is the public development secret (or empty): anyone can sign webhook events "
            "the portal would accept as paid.",
            hint="Set STRIPE_WEBHOOK_SECRET to the signing secret of the endpoint in the Stripe dashboard (whsec_...).",
            id=WEBHOOK_CHECK_ID,
        )
    ]


@register(Tags.security, Tags.caches, deploy=True)
def check_shared_cache(app_configs=None, **kwargs) -> list[CheckMessage]:
    """The pledge limiter's counters must be shared by every process and server: without REDIS_URL each process
    counts on its own (the limits multiply by the number of processes, and restart from zero with each)."""
    if getattr(settings, "REDIS_URL", "") or settings.DEBUG:
        return []
    return [
        Warning(
            "REDIS_URL is not set: the rate limits on pledges, sign-in and password resets, and the page cache, "
            "live in each process's memory, so every gunicorn worker and server counts apart.",
            hint="Set REDIS_URL to a Redis every app server shares, e.g. redis://127.0.0.1:6379/0.",
            id=SHARED_CACHE_CHECK_ID,
        )
    ]
