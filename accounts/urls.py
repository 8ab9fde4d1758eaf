"""Sign-in, password change and reset for organization members (Django's views, throttled forms)."""

from django.contrib.auth.views import LoginView
from django.urls import include, path

from accounts.forms import ThrottledAuthenticationForm
from accounts.views import ThrottledPasswordResetView

urlpatterns = [
    path("login/", LoginView.as_view(authentication_form=ThrottledAuthenticationForm), name="login"),
    path("password_reset/", ThrottledPasswordResetView.as_view(), name="password_reset"),
    path("", include("django.contrib.auth.urls")),
]
