"""Sign-in, password change and reset for organization members (Django's views, throttled forms)."""

from django.contrib.auth.views import LoginView, PasswordResetView
from django.urls import include, path

from accounts.forms import MemberPasswordResetForm, ThrottledAuthenticationForm

urlpatterns = [
    path("login/", LoginView.as_view(authentication_form=ThrottledAuthenticationForm), name="login"),
    path("password_reset/", PasswordResetView.as_view(form_class=MemberPasswordResetForm), name="password_reset"),
    path("", include("django.contrib.auth.urls")),
]
