from io import StringIO

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import CommandError, call_command

pytestmark = pytest.mark.django_db


def test_first_run_creates_a_staff_account_with_a_random_password(settings):
    settings.DEBUG = True
    out = StringIO()
    call_command("ensure_dev_admin", stdout=out)
    password = out.getvalue().split("password: ")[1].split()[0]
    assert len(password) >= 12
    user = authenticate(username="admin", password=password)
    assert user is not None and user.is_staff

    again = StringIO()
    call_command("ensure_dev_admin", stdout=again)
    assert "password:" not in again.getvalue()
    assert authenticate(username="admin", password=password) is not None

    call_command("ensure_dev_admin", reset=True, stdout=StringIO())
    assert authenticate(username="admin", password=password) is None
    assert get_user_model().objects.filter(username="admin").count() == 1


def test_dev_admin_refuses_in_production(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("ensure_dev_admin", stdout=StringIO())
