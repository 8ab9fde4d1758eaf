import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.second_factor import enrolment_instructions, second_factor_code, second_factor_enrol


class Command(BaseCommand):
    help = (
        "Development only: create a staff account 'admin' with a random password and an authenticator-app second "
        "factor on first run and print how to sign in. Does nothing when a superuser exists, unless --reset is "
        "given; --code prints the code the admin's sign-in asks for now."
    )

    def add_arguments(self, parser):
        parser.add_argument("--reset", action="store_true", help="Give the 'admin' account a new random password.")
        parser.add_argument("--code", action="store_true", help="Print the admin account's current sign-in code.")
        parser.add_argument("--url", default="http://127.0.0.1:8000/admin/", help="Where the admin is served.")

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("ensure_dev_admin only runs with DJANGO_DEBUG on; use createsuperuser in production.")
        users = get_user_model().objects
        if options["code"]:
            return self._print_code(users.filter(username="admin").first())
        if users.filter(is_superuser=True).exists() and not options["reset"]:
            self.stdout.write(
                "A staff account exists. Forgot the password? Run: make admin-password (or manage.py "
                "ensure_dev_admin --reset). The code for the admin's sign-in: make admin-code."
            )
            self._enrol_if_missing(users.filter(username="admin", is_staff=True).first())
            return
        password = secrets.token_urlsafe(12)
        user, _ = users.get_or_create(username="admin", defaults={"email": "admin@localhost"})
        user.is_staff = user.is_superuser = True
        user.set_password(password)
        user.save()
        self.stdout.write(
            self.style.SUCCESS(
                f"Staff sign-in: {options['url']}  user: admin  password: {password}\n"
                "(printed once, on this terminal only; make admin-password gives a new one)"
            )
        )
        self._enrol_if_missing(user)

    def _enrol_if_missing(self, user) -> None:
        """The admin asks for a code from an authenticator app: enrol the development account once and say how."""
        if user is None or TOTPDevice.objects.filter(user=user, confirmed=True).exists():
            return
        device = second_factor_enrol(user=user, name="development")
        self.stdout.write(enrolment_instructions(device))
        self.stdout.write(
            self.style.SUCCESS(
                "No authenticator app at hand? `make admin-code` prints the code to type (development only)."
            )
        )

    def _print_code(self, user) -> None:
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first() if user else None
        if device is None:
            raise CommandError("The 'admin' account has no second factor yet: run make run (or ensure_dev_admin).")
        self.stdout.write(f"Code for the admin's sign-in (valid about 30 s, once): {second_factor_code(device)}")
