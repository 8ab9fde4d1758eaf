"""The staff back office's door: a password and a code from the staff member's authenticator app (django-otp, TOTP).

django-otp's OTPAdminSite lets in only sessions verified by one of the user's confirmed devices; everyone else is
shown the sign-in page, which asks for the code. The sign-in keeps the portal's throttling (accounts.forms).
"""

from django_otp.admin import OTPAdminSite

from accounts.forms import ThrottledOTPAdminAuthenticationForm


class PortalAdminSite(OTPAdminSite):
    login_form = ThrottledOTPAdminAuthenticationForm
    login_template = "admin/otp_login.html"

    def __init__(self, name: str = "admin") -> None:
        super().__init__(name)  # OTPAdminSite's own default name would move every admin URL to "otpadmin:"
