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

        self._connect_page_cache()

    def _connect_page_cache(self) -> None:
        """A program's public page shows the portal's own progress toward its goals: a payment, refund or dispute
        written makes the cached public pages stale (common.pagecache), as orgs' writes do. For the cache only."""
        from django.db.models.signals import post_delete, post_save

        from common.pagecache import public_pages_changed

        for name in ("Payment", "Refund", "Dispute"):
            model = self.get_model(name)
            post_save.connect(public_pages_changed, sender=model, dispatch_uid=f"pagecache-save-{name}")
            post_delete.connect(public_pages_changed, sender=model, dispatch_uid=f"pagecache-del-{name}")
