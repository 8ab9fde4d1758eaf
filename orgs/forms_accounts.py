"""Account forms for organization members."""

from django.contrib.auth import get_user_model
from django.contrib.auth.forms import PasswordResetForm


class MemberPasswordResetForm(PasswordResetForm):
    """Django's reset form, which also reaches invited members who have not set a password yet.

    Django skips accounts without a usable password; an invited member has none until they choose one, so an
    expired invitation could never be renewed from the sign-in page. Only members of an organization qualify.
    """

    def get_users(self, email):
        users = get_user_model()._default_manager.filter(email__iexact=email, is_active=True)
        return (user for user in users if user.has_usable_password() or user.memberships.exists())
