"""Staff's second factor: an authenticator app (TOTP, django-otp) that the admin's sign-in asks a code from.

Enrolment gives a staff member a confirmed TOTP device and shows its otpauth:// address (as a QR code in the admin,
or printed on a terminal by `manage.py enrol_second_factor`), which the authenticator app reads once.
"""

import io
from base64 import b32encode

import qrcode
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice


def second_factor_enrol(*, user: AbstractBaseUser, name: str = "authenticator", replace: bool = False) -> TOTPDevice:
    """A new confirmed TOTP device for this user (with replace: instead of their existing ones, e.g. a lost phone)."""
    with transaction.atomic():
        if replace:
            TOTPDevice.objects.filter(user=user).delete()
        return TOTPDevice.objects.create(user=user, name=name, confirmed=True)


def second_factor_key(device: TOTPDevice) -> str:
    """The device's secret as an authenticator app's "enter a setup key" asks for it (base32)."""
    return b32encode(device.bin_key).decode("ascii")


def second_factor_code(device: TOTPDevice) -> str:
    """The code the device's authenticator app shows now (development and tests: the admin's sign-in needs one)."""
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):0{device.digits}d}"


def second_factor_terminal_qr(device: TOTPDevice) -> str:
    """The otpauth:// address as a QR code drawn with text, for a terminal (a phone's camera reads it)."""
    code = qrcode.QRCode(border=2)
    code.add_data(device.config_url)
    out = io.StringIO()
    code.print_ascii(out=out, invert=True)
    return out.getvalue()


def enrolment_instructions(device: TOTPDevice) -> str:
    """What a terminal shows a staff member who is enrolled: scan the code, or type the key."""
    return (
        f"Second factor for {device.user.get_username()}: scan this with an authenticator app (any TOTP app):\n"
        f"{second_factor_terminal_qr(device)}"
        f"or add this address: {device.config_url}\n"
        f"or type this setup key: {second_factor_key(device)} (time-based, 6 digits, 30 s)\n"
    )
