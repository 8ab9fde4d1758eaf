"""Sign-in and password-reset forms for organization members and staff."""

from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from common import ratelimit
from common.links import portal_site


class MemberPasswordResetForm(PasswordResetForm):
    """Django's reset form, which also reaches invited members who have not set a password yet.

    Django skips accounts without a usable password; an invited member has none until they choose one, so an
    expired invitation could never be renewed from the sign-in page. Only members of an organization qualify.
    """

    def save(self, **kwargs):
        """The link points at PORTAL_BASE_URL (common.links), not at the host the request came through."""
        scheme, domain = portal_site()
        return super().save(**{**kwargs, "domain_override": domain, "use_https": scheme == "https"})

    def get_users(self, email):
        users = get_user_model()._default_manager.filter(email__iexact=email, is_active=True)
        return (user for user in users if user.has_usable_password() or user.memberships.exists())


class ThrottledSignIn:
    """Slows password guessing: LOGIN_RATE_LIMIT tries per window per address and per account name."""

    def clean(self):
        address = self.request.META.get("REMOTE_ADDR", "") if self.request else ""
        name = (self.data.get("username") or "").strip().lower()
        limit = settings.LOGIN_RATE_LIMIT
        if not (ratelimit.hit("login-ip", address, limit=limit) and ratelimit.hit("login-user", name, limit=limit)):
            raise ValidationError(_("Too many sign-in attempts. Please wait a while and try again."), code="throttled")
        return super().clean()


class ThrottledAuthenticationForm(ThrottledSignIn, AuthenticationForm):
    pass


class ThrottledAdminAuthenticationForm(ThrottledSignIn, AdminAuthenticationForm):
    pass
