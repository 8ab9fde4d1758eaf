"""Password reset, throttled: per client address (a clear "try later") and per email (silently: no more emails)."""

from django.conf import settings
from django.contrib.auth.views import PasswordResetView
from django.http import HttpResponse, HttpResponseRedirect
from django.utils.translation import gettext_lazy as _

from accounts.forms import MemberPasswordResetForm
from common import ratelimit
from common.client import client_ip


class ThrottledPasswordResetView(PasswordResetView):
    form_class = MemberPasswordResetForm

    def form_valid(self, form) -> HttpResponse:
        limit = settings.PASSWORD_RESET_RATE_LIMIT
        if not ratelimit.hit("reset-ip", client_ip(self.request), limit=limit):
            form.add_error(None, _("Too many password reset requests. Please wait a while and try again."))
            response = self.form_invalid(form)
            response.status_code = 429
            response["Retry-After"] = str(ratelimit.retry_after())
            return response
        if not ratelimit.hit("reset-email", form.cleaned_data["email"], limit=limit):
            # The same answer as a sent email, so the page says nothing about the address; nothing is sent.
            return HttpResponseRedirect(self.get_success_url())
        return super().form_valid(form)
