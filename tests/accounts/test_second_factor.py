"""Staff's second factor (django-otp, TOTP): the admin's sign-in asks for the authenticator's code; the admin, money
actions, exports and staff's reading of every report need a session verified with it."""

from html import escape
from io import StringIO

import pytest
from django.contrib.auth.models import Permission
from django.core.management import CommandError, call_command
from django.test import Client, RequestFactory
from django_otp.plugins.otp_totp.models import TOTPDevice, default_key

from accounts.second_factor import second_factor_code
from donations.admin import PaymentAdmin, PledgeAdmin
from donations.models import Payment, Pledge
from tests import factories

pytestmark = pytest.mark.django_db

ADMIN_PAGES = ["/admin/", "/admin/orgs/organization/", "/admin/donations/pledge/", "/admin/donations/payment/"]


def _sign_in(client: Client, user, code: str, password: str = factories.PASSWORD):
    data = {"username": user.username, "password": password, "otp_token": code, "next": "/admin/"}
    return client.post("/admin/login/?next=/admin/", data)


def test_staff_signed_in_without_the_second_factor_cannot_reach_the_admin(unverified_superuser_client):
    for url in ADMIN_PAGES:
        response = unverified_superuser_client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/admin/login/"), url
    page = unverified_superuser_client.get("/admin/login/").text
    assert "the staff pages also need the code from your authenticator app" in page


def test_password_and_the_authenticators_code_open_the_admin(superuser):
    device = factories.otp_device(superuser)
    client = Client(HTTP_HOST="127.0.0.1")
    page = client.get("/admin/login/").text
    assert 'name="otp_token"' in page and "Code from your authenticator app" in page
    response = _sign_in(client, superuser, second_factor_code(device))
    assert response.status_code == 302 and response["Location"] == "/admin/"
    for url in ADMIN_PAGES:
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("code", ["", "000000", "12345"])
def test_a_wrong_or_missing_code_is_refused(superuser, code):
    device = factories.otp_device(superuser)
    code = code if code != "000000" or second_factor_code(device) != "000000" else "111111"
    client = Client(HTTP_HOST="127.0.0.1")
    response = _sign_in(client, superuser, code)
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert factories.PASSWORD not in response.text  # the page does not echo the right password back
    assert client.get("/admin/").status_code == 302


def test_staff_without_a_device_cannot_sign_in_to_the_admin(superuser):
    response = _sign_in(Client(HTTP_HOST="127.0.0.1"), superuser, "123456")
    assert response.status_code == 200 and response.context["form"].non_field_errors()


def test_wrong_codes_count_like_wrong_passwords_for_the_account(superuser, settings):
    settings.LOGIN_RATE_LIMIT = 2
    device = factories.otp_device(superuser)
    wrong = "111111" if second_factor_code(device) != "111111" else "222222"
    for _ in range(2):
        _sign_in(Client(HTTP_HOST="127.0.0.1", REMOTE_ADDR="198.51.100.7"), superuser, wrong)
    elsewhere = _sign_in(Client(HTTP_HOST="127.0.0.1", REMOTE_ADDR="203.0.113.8"), superuser, "333333")
    assert "Too many sign-in attempts" in elsewhere.text


def _admin_request(user, *, verified: bool):
    request = RequestFactory().get("/admin/donations/payment/")
    user.is_verified = lambda: verified  # what django-otp's middleware says about the session
    request.user = user
    return request


def test_money_actions_and_exports_need_the_second_factor_even_past_the_admin_site(superuser):
    """The actions check the session themselves: were the admin site's own check bypassed, they would not show."""
    from django.contrib import admin

    pledges, payments = PledgeAdmin(Pledge, admin.site), PaymentAdmin(Payment, admin.site)
    unverified = _admin_request(superuser, verified=False)
    assert not {"stop_monthly", "export_csv"} & set(pledges.get_actions(unverified))
    assert not {"refund", "resend_receipt", "export_csv"} & set(payments.get_actions(unverified))
    verified = _admin_request(superuser, verified=True)
    assert {"stop_monthly", "export_csv"} <= set(pledges.get_actions(verified))
    assert {"refund", "resend_receipt", "export_csv"} <= set(payments.get_actions(verified))


def test_staff_read_every_report_and_export_only_with_the_second_factor(org_a):
    viewer = factories.user(username="pledge-viewer", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_pledge", content_type__app_label="donations"))
    unverified = factories.sign_in(Client(HTTP_HOST="127.0.0.1"), viewer)
    assert unverified.get(f"/reports/{org_a.slug}/").status_code == 404
    assert unverified.get(f"/reports/{org_a.slug}/gifts.csv").status_code == 404
    verified = factories.sign_in(Client(HTTP_HOST="127.0.0.1"), viewer, verified=True)
    assert verified.get(f"/reports/{org_a.slug}/").status_code == 200
    assert verified.get(f"/reports/{org_a.slug}/gifts.csv").status_code == 200


def test_members_read_their_report_without_a_second_factor(member_a_client, org_a):
    assert member_a_client.get(f"/reports/{org_a.slug}/gifts.csv").status_code == 200


def test_ensure_dev_admin_prints_an_enrolment_that_signs_the_developer_in(settings):
    settings.DEBUG = True
    out = StringIO()
    call_command("ensure_dev_admin", stdout=out)
    text = out.getvalue()
    password = text.split("password: ")[1].split()[0]
    assert "otpauth://totp/" in text and "make admin-code" in text
    key = text.split("setup key: ")[1].split()[0]
    device = TOTPDevice.objects.get(user__username="admin")
    assert key.replace("=", "") in device.config_url  # the printed key is the device's secret

    code_out = StringIO()
    call_command("ensure_dev_admin", code=True, stdout=code_out)
    code = code_out.getvalue().rsplit(" ", 1)[1].strip()
    client = Client(HTTP_HOST="127.0.0.1")
    response = _sign_in(client, device.user, code, password=password)
    assert response.status_code == 302 and client.get("/admin/").status_code == 200

    again = StringIO()
    call_command("ensure_dev_admin", stdout=again)
    assert "otpauth://" not in again.getvalue() and TOTPDevice.objects.count() == 1


def test_enrol_second_factor_command_gives_staff_a_device_and_refuses_others(superuser, donor):
    out = StringIO()
    call_command("enrol_second_factor", superuser.username, "--name", "phone", stdout=out)
    device = TOTPDevice.objects.get(user=superuser)
    assert device.name == "phone" and device.confirmed and device.config_url in out.getvalue()
    call_command("enrol_second_factor", superuser.username, "--replace", stdout=StringIO())
    assert TOTPDevice.objects.filter(user=superuser).count() == 1
    assert TOTPDevice.objects.get(user=superuser).pk != device.pk
    with pytest.raises(CommandError, match="not staff"):
        call_command("enrol_second_factor", donor.username, stdout=StringIO())


def test_a_superuser_enrols_a_colleague_in_the_admin_and_sees_the_qr_code(superuser_client):
    colleague = factories.user(username="colleague", is_staff=True)
    page = superuser_client.get("/admin/otp_totp/totpdevice/add/")
    assert page.status_code == 200
    key = default_key()  # the add page's own random key
    response = superuser_client.post(
        "/admin/otp_totp/totpdevice/add/",
        {
            "user": colleague.pk,
            "name": "phone",
            "confirmed": "on",
            "key": key,
            "step": 30,
            "t0": 0,
            "digits": 6,
            "tolerance": 1,
            "drift": 0,
            "throttling_failure_count": 0,
        },
    )
    device = TOTPDevice.objects.get(user=colleague)
    assert response.status_code == 302 and response["Location"] == f"/admin/otp_totp/totpdevice/{device.pk}/config/"
    config = superuser_client.get(response["Location"])  # shown at once: the colleague scans it
    assert escape(device.config_url) in config.text
    qr = superuser_client.get(f"/admin/otp_totp/totpdevice/{device.pk}/qrcode/")
    assert qr.status_code == 200 and qr["Content-Type"] == "image/svg+xml" and b"<svg" in qr.content
    client = Client(HTTP_HOST="127.0.0.1")
    assert _sign_in(client, colleague, second_factor_code(device)).status_code == 302
