from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DonationsConfig(AppConfig):
    name = "donations"
    verbose_name = _("Donations")

    def ready(self) -> None:
        from common.audit import audit_register
        from donations import checks  # noqa: F401 - registers the deploy checks
        from donations.models import Dispute, Pledge, Refund

        # A pledge's donor name, email, dedication and Stripe customer id never enter the trail (they are erased
        # from the pledge on request): only what staff act on is recorded.
        audit_register(Pledge, include_fields=["status", "stripe_mismatch"])
        audit_register(Refund)
        audit_register(Dispute)
