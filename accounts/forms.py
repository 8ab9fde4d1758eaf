"""Sign-in and password-reset forms for organization members and staff."""

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django_otp import devices_for_user
from django_otp.admin import OTPAdminAuthenticationForm

from common import ratelimit
from common.client import client_ip
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


THROTTLED = _("Too many sign-in attempts. Please wait a while and try again.")
USUAL_ADDRESS_SECONDS = 90 * 24 * 3600  # how long an address stays "usual" for an account after a sign-in from it


class ThrottledSignIn:
    """Slows password guessing without letting a guesser lock a person out.

    Per client address (behind trusted proxies, the address the pledge limiter uses): LOGIN_RATE_LIMIT tries per
    window. Per account: after LOGIN_RATE_LIMIT wrong passwords in a window the account cools down for the rest of
    it, but only for addresses it has never signed in from: its owner, from an address they used before, still
    gets in with the right password.
    """

    counted_failures = frozenset({"invalid_login"})  # refusals that count as a wrong password for the account

    def clean(self):
        address = client_ip(self.request) if self.request else ""
        name = (self.data.get("username") or "").strip().lower()
        if not ratelimit.hit("login-ip", address, limit=settings.LOGIN_RATE_LIMIT) or _cooling_down(name, address):
            raise ValidationError(THROTTLED, code="throttled")
        try:
            data = super().clean()
        except ValidationError as error:
            if error.code in self.counted_failures:
                ratelimit.hit("login-fail", name, limit=settings.LOGIN_RATE_LIMIT)
            raise
        ratelimit.remember("login-usual", f"{name} {address}", seconds=USUAL_ADDRESS_SECONDS)
        return data


def _cooling_down(name: str, address: str) -> bool:
    too_many = ratelimit.peek("login-fail", name) >= settings.LOGIN_RATE_LIMIT
    return too_many and not ratelimit.remembered("login-usual", f"{name} {address}")


class ThrottledAuthenticationForm(ThrottledSignIn, AuthenticationForm):
    pass


class ThrottledOTPAdminAuthenticationForm(ThrottledSignIn, OTPAdminAuthenticationForm):
    """The admin's sign-in: username, password and the code from the staff member's authenticator app.

    With one device (the usual case) there is nothing to choose; someone with several picks one after the password
    was right. A wrong code counts like a wrong password for the per-account throttle (ThrottledSignIn), on top of
    django-otp's own growing delay per device, so codes cannot be guessed faster than passwords.
    """

    # A wrong code, or one tried while django-otp's own delay after a wrong code runs (that refusal has no code).
    counted_failures = frozenset({"invalid_login", "invalid_token", None})
    otp_token = forms.CharField(
        label=_("Code from your authenticator app"),
        required=False,
        max_length=16,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    def _chosen_device(self, user):
        chosen = super()._chosen_device(user)
        if chosen is None and not self.cleaned_data.get("otp_device"):
            devices = list(devices_for_user(user))
            chosen = devices[0] if len(devices) == 1 else None
        return chosen

    def _update_form(self, user) -> None:
        """django-otp's, less its echo of the password into the page after a wrong code: staff type it again."""
        self.fields["otp_device"].widget.choices = self.device_choices(user)

    @property
    def device_count(self) -> int:
        """How many devices the user who got the password right has (the page offers a choice when more than one)."""
        user = self.get_user()
        return len(list(devices_for_user(user))) if user else 0
