"""Content-Security-Policy: the portal's pages load only what the portal serves; no inline script or style.

django-csp writes the header from settings.CONTENT_SECURITY_POLICY. One thing depends on the request's time, not
the settings' load: where Stripe Checkout lives. A donor's confirmation form ends in a redirect to Checkout, and
browsers hold that redirect to the page's form-action, so the Checkout origin joins it (the local sandbox's in
test mode, checkout.stripe.com with a live key); the donor's card update ends in one to Stripe's customer portal
(billing.stripe.com, or the same sandbox).
"""

from urllib.parse import urlsplit

from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings
from django.http import HttpRequest, HttpResponseBase

STRIPE_CHECKOUT_ORIGIN = "https://checkout.stripe.com"
# The donor's "Update my card" ends in a redirect to Stripe's customer portal (the sandbox in test mode).
STRIPE_PORTAL_ORIGIN = "https://billing.stripe.com"


def checkout_origin() -> str:
    if settings.STRIPE_SANDBOX and settings.STRIPE_API_BASE:
        parts = urlsplit(settings.STRIPE_API_BASE)
        return f"{parts.scheme}://{parts.netloc}"
    return STRIPE_CHECKOUT_ORIGIN


class PortalCSPMiddleware(CSPMiddleware):
    def get_policy_parts(
        self, request: HttpRequest, response: HttpResponseBase, report_only: bool = False
    ) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        if not report_only:
            origins = [checkout_origin()]
            if origins[0] == STRIPE_CHECKOUT_ORIGIN:
                origins.append(STRIPE_PORTAL_ORIGIN)
            parts.update = {**(parts.update or {}), "form-action": origins}
        return parts
