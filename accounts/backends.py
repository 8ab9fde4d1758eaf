"""Authentication: account names match whatever the case."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


class CaseInsensitiveBackend(ModelBackend):
    """Account names match whatever the case: a member's is their email, which people type as they like."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username:
            match = get_user_model()._default_manager.filter(username__iexact=username.strip()).first()
            username = match.get_username() if match else username
        return super().authenticate(request, username=username, password=password, **kwargs)
