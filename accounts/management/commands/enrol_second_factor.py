from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from accounts.second_factor import enrolment_instructions, second_factor_enrol


class Command(BaseCommand):
    help = (
        "Give a staff account an authenticator-app second factor (TOTP) and print its QR code, address and setup "
        "key. For the first superuser on a new server; afterwards superusers enrol colleagues in the admin "
        "(TOTP devices). The admin asks for the app's code at sign-in."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="authenticator", help="A name for the device (e.g. 'phone').")
        parser.add_argument(
            "--replace", action="store_true", help="Remove the account's other devices (a lost or new phone)."
        )

    def handle(self, *args, **options):
        user = get_user_model().objects.filter(username__iexact=options["username"]).first()
        if user is None:
            raise CommandError(f"No account named {options['username']!r}.")
        if not user.is_staff:
            raise CommandError(f"{user.get_username()} is not staff: only staff sign in to the admin.")
        device = second_factor_enrol(user=user, name=options["name"], replace=options["replace"])
        self.stdout.write(enrolment_instructions(device))
        self.stdout.write("Printed once, on this terminal only: the setup key is a secret.")
