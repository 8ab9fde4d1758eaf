"""Small factories for tests: each makes a valid object with unique defaults, overridable by keyword."""

import itertools

from django.contrib.auth import get_user_model

from orgs.models import Cause, Figure, Organization, Program, Region, Source

_seq = itertools.count(1)
PASSWORD = "a-long-test-password"  # noqa: S105 - every test account's


def user(**fields):
    n = next(_seq)
    fields.setdefault("username", f"user{n}")
    fields.setdefault("email", f"user{n}@example.org")
    password = fields.pop("password", PASSWORD)
    account = get_user_model()(**fields)
    account.set_password(password)
    account.save()
    return account


def staff(**fields):
    return user(is_staff=True, is_superuser=True, **fields)


def otp_device(account):
    """The account's second factor (an authenticator app's TOTP device), made once."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return TOTPDevice.objects.filter(user=account).first() or TOTPDevice.objects.create(
        user=account, name="test", confirmed=True
    )


def sign_in(client, account, *, verified: bool = False):
    """Sign `client` in as `account`; with verified, also with the second factor, as the admin's sign-in does
    (django_otp.login keeps the device in the session)."""
    from django_otp import DEVICE_ID_SESSION_KEY

    client.force_login(account)
    if verified:
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = otp_device(account).persistent_id
        session.save()
    return client


def cause(**fields):
    n = next(_seq)
    fields.setdefault("slug", f"cause-{n}")
    fields.setdefault("name", f"Cause {n}")
    return Cause.objects.create(**fields)


def region(**fields):
    n = next(_seq)
    fields.setdefault("slug", f"region-{n}")
    fields.setdefault("name", f"Region {n}")
    return Region.objects.create(**fields)


def source(**fields):
    n = next(_seq)
    fields.setdefault("key", f"source-{n}")
    fields.setdefault("title", f"Source document {n}")
    return Source.objects.create(**fields)


def organization(*, causes=(), regions=(), sources=(), **fields):
    n = next(_seq)
    fields.setdefault("name", f"Organization {n}")
    fields.setdefault("slug", f"organization-{n}")
    fields.setdefault("summary", f"Summary of organization {n}.")
    fields.setdefault("published", True)
    org = Organization.objects.create(**fields)
    org.causes.set(causes)
    org.regions.set(regions)
    org.sources.set(sources)
    return org


def program(*, organization, **fields):
    n = next(_seq)
    fields.setdefault("name", f"Program {n}")
    fields.setdefault("slug", f"program-{n}")
    return Program.objects.create(organization=organization, **fields)


def figure(*, source, **fields):
    n = next(_seq)
    fields.setdefault("key", f"figure-{n}")
    fields.setdefault("topic", "Escapes")
    fields.setdefault("label", f"Figure {n}")
    fields.setdefault("value", str(n))
    return Figure.objects.create(source=source, **fields)


def giving_organization(**fields):
    fields.setdefault("accepts_gifts", True)
    return organization(**fields)


def pledge(*, organization, **fields):
    from donations.models import Pledge
    from donations.services.rollups import rollup_pledge

    fields.setdefault("frequency", "once")
    fields.setdefault("currency", "USD")
    fields.setdefault("gift_amount", 2500)
    fields.setdefault("fee_amount", 0)
    fields.setdefault("amount", fields["gift_amount"] + fields["fee_amount"])
    fields.setdefault("donor_name", "Dana Donor")
    fields.setdefault("donor_email", "dana@example.org")
    pledge = Pledge.objects.create(organization=organization, **fields)
    rollup_pledge(pledge=pledge, before=None, after=pledge.status)  # as donations.services.pledges does
    return pledge


def payment(*, pledge, **fields):
    from django.utils import timezone

    from donations.models import Payment
    from donations.services.rollups import rollup_payment

    n = next(_seq)
    fields.setdefault("stripe_id", f"pi_test_{n}")
    fields.setdefault(
        "stripe_payment_intent_id", fields["stripe_id"] if fields["stripe_id"].startswith("pi_") else None
    )
    fields.setdefault("amount", pledge.amount)
    fields.setdefault("currency", pledge.currency)
    fields.setdefault("paid_at", timezone.now())
    payment = Payment.objects.create(pledge=pledge, organization_id=pledge.organization_id, **fields)
    rollup_payment(payment=payment, pledge=pledge)  # as donations.services.fulfilment.payment_record does
    return payment


def refund(*, payment, **fields):
    from django.utils import timezone

    from donations.models import Refund
    from donations.services.rollups import RefundState, rollup_refund

    n = next(_seq)
    fields.setdefault("stripe_refund_id", f"re_test_{n}")
    fields.setdefault("amount", payment.amount)
    fields.setdefault("currency", payment.currency)
    fields.setdefault("refunded_at", timezone.now())
    refund = Refund.objects.create(payment=payment, organization_id=payment.organization_id, **fields)
    after = RefundState(refund.status, refund.amount, refund.currency, refund.refunded_at)
    rollup_refund(payment=payment, before=None, after=after)  # as donations.services.fulfilment.refund_record does
    return refund


def member(*, organization, role="member", **fields):
    from accounts.models import Membership

    account = user(**fields)
    Membership.objects.create(user=account, organization=organization, role=role)
    return account


def dispute(*, payment, **fields):
    from donations.models import Dispute

    n = next(_seq)
    fields.setdefault("stripe_dispute_id", f"dp_test_{n}")
    fields.setdefault("amount", payment.amount)
    fields.setdefault("currency", payment.currency)
    fields.setdefault("status", Dispute.Status.NEEDS_RESPONSE)
    return Dispute.objects.create(payment=payment, organization_id=payment.organization_id, **fields)
