"""System checks of the donations app's own settings (`manage.py check --deploy`)."""

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, register

from common.test_mode import SANDBOX_WEBHOOK_SECRET

WEBHOOK_CHECK_ID = "donations.E001"


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
