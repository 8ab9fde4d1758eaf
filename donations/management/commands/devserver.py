import os
from urllib.parse import urlsplit

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError


def local_origin(addrport: str) -> str:
    """Where this server is reached on this machine: runserver's "host:port", "port" or "[::1]:port"."""
    host, _separator, port = addrport.rpartition(":")
    if host in ("", "0.0.0.0", "[::]", "0"):  # noqa: S104 - only naming the address runserver listens on
        host = "127.0.0.1"
    return f"http://{host}:{port}"


class Command(BaseCommand):
    help = (
        "Development: serve the portal, and with no STRIPE_SECRET_KEY also the local Stripe sandbox at "
        "STRIPE_API_BASE, which sends its signed webhooks to this portal. Test mode: no real money moves."
    )

    def add_arguments(self, parser):
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("devserver is for development (DJANGO_DEBUG on); use gunicorn in production.")
        addrport = options["addrport"]
        origin = local_origin(addrport)
        if not os.environ.get("PORTAL_BASE_URL"):  # links in emails point at this server, whatever its port
            settings.PORTAL_BASE_URL = origin
        sandbox = None
        if settings.STRIPE_SANDBOX:
            from stripe_sandbox import SandboxServer

            base = urlsplit(settings.STRIPE_API_BASE)
            sandbox = SandboxServer(
                host=base.hostname or "127.0.0.1",
                port=base.port or 12111,
                webhook_url=f"{origin}/donations/stripe/webhook/",
                webhook_secret=settings.STRIPE_WEBHOOK_SECRET,
            )
            sandbox.start()
            from orgs.models import Organization

            for account in Organization.objects.exclude(stripe_account_id="").values_list(
                "stripe_account_id", flat=True
            ):
                sandbox.register_account(account)  # the organizations' connected accounts exist in this "Stripe"
            self.stdout.write(
                f"Stripe sandbox (test mode, no real money moves): {sandbox.url}/_sandbox/  "
                f"(its checkout pages and dashboard)"
            )
        try:
            call_command("runserver", addrport, use_reloader=False)
        finally:
            if sandbox is not None:
                sandbox.stop()
