import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = (
        "Development only: create a staff account 'admin' with a random password on first run and print how to "
        "sign in. Does nothing when a superuser exists, unless --reset is given."
    )

    def add_arguments(self, parser):
        parser.add_argument("--reset", action="store_true", help="Give the 'admin' account a new random password.")
        parser.add_argument("--url", default="http://127.0.0.1:8000/admin/", help="Where the admin is served.")

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("ensure_dev_admin only runs with DJANGO_DEBUG on; use createsuperuser in production.")
        users = get_user_model().objects
        if users.filter(is_superuser=True).exists() and not options["reset"]:
            self.stdout.write(
                "A staff account exists. Forgot the password? Run: make admin-password (or manage.py "
                "ensure_dev_admin --reset)."
            )
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
