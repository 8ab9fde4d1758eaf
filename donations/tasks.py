"""Background work: receipts. Enqueued after the transaction that recorded the payment commits."""

import logging

from django.core import signing
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django_tasks import task

from common.links import portal_url
from donations.models import Payment

logger = logging.getLogger(__name__)
STOP_SALT = "donations.stop-monthly"


def stop_token(reference: str) -> str:
    return signing.dumps({"pledge": reference}, salt=STOP_SALT)


def stop_token_reference(token: str) -> str | None:
    try:
        return signing.loads(token, salt=STOP_SALT).get("pledge")
    except (signing.BadSignature, AttributeError):
        return None


@task()
def send_receipt(payment_id: int, resend: bool = False) -> bool:
    """Email the donor a receipt for one payment, once (receipt_sent_at guards), or again when staff resend it."""
    with transaction.atomic():
        payment = (
            Payment.objects.select_for_update(of=("self",))
            .select_related("pledge__organization", "pledge__program")
            .filter(pk=payment_id)
            .filter(**({} if resend else {"receipt_sent_at__isnull": True}))
            .first()
        )
        if payment is None:
            return False
        pledge = payment.pledge
        context = {
            "payment": payment,
            "pledge": pledge,
            "organization": pledge.organization,
            "stop_url": portal_url(reverse("donations:stop_monthly", kwargs={"token": stop_token(pledge.reference)}))
            if pledge.is_monthly
            else "",
        }
        with translation.override(pledge.language or "en"):
            subject = render_to_string("emails/receipt_subject.txt", context).strip()
            body = render_to_string("emails/receipt.txt", context)
        send_mail(subject, body, None, [pledge.donor_email])
        Payment.objects.filter(pk=payment.pk).update(receipt_sent_at=timezone.now())
    logger.info("receipt sent for payment %s", payment.pk)
    return True
