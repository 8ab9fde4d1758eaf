"""Background work: emails to the donor, and to staff of a dispute. Enqueued after the transaction that recorded the
news commits.

Each email is sent once: the row it is about (a payment, a status change, a refund) is locked and marked sent in
the same transaction, so a repeated webhook, a retried task or a resend by mistake sends nothing more. Every email
goes to the donor only (a dispute's to staff only), in the pledge's language, and says no more than it needs to.
"""

import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django_tasks import task

from common.links import portal_url
from donations.models import (
    ActionRequired,
    Dispute,
    DonorLink,
    Payment,
    Pledge,
    PledgeStatus,
    PledgeTransition,
    Refund,
    UpdateEmail,
)

logger = logging.getLogger(__name__)
STOP_SALT = "donations.stop-monthly"
UPDATES_SALT = "donations.stop-updates"
# The status changes the donor hears about, and the email (templates/emails/<name>.txt, <name>_subject.txt) for each.
STATUS_NOTICES = {
    PledgeStatus.CANCELED: "monthly_stopped",
    PledgeStatus.PAST_DUE: "payment_failed",
    PledgeStatus.FAILED: "payment_failed",
}


def stop_token(reference: str) -> str:
    return signing.dumps({"pledge": reference}, salt=STOP_SALT)


def stop_token_reference(token: str) -> str | None:
    try:
        return signing.loads(token, salt=STOP_SALT).get("pledge")
    except (signing.BadSignature, AttributeError):
        return None


def updates_token(reference: str) -> str:
    return signing.dumps({"pledge": reference}, salt=UPDATES_SALT)


def updates_token_reference(token: str) -> str | None:
    try:
        return signing.loads(token, salt=UPDATES_SALT).get("pledge")
    except (signing.BadSignature, AttributeError):
        return None


def _stop_url(pledge: Pledge) -> str:
    return portal_url(reverse("donations:stop_monthly", kwargs={"token": stop_token(pledge.reference)}))


def _email_donor(pledge: Pledge, template: str, context: dict) -> None:
    """One email to the pledge's donor, in the pledge's language."""
    context = {"pledge": pledge, "organization": pledge.organization, **context}
    with translation.override(pledge.language or "en"):
        subject = render_to_string(f"emails/{template}_subject.txt", context).strip()
        body = render_to_string(f"emails/{template}.txt", context)
    send_mail(subject, body, None, [pledge.donor_email])


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
        _email_donor(
            pledge, "receipt", {"payment": payment, "stop_url": _stop_url(pledge) if pledge.is_monthly else ""}
        )
        Payment.objects.filter(pk=payment.pk).update(receipt_sent_at=timezone.now())
    logger.info("receipt sent for payment %s", payment.pk)
    return True


@task()
def send_status_notice(transition_id: int) -> bool:
    """Tell the donor their monthly gift stopped, or a payment failed: once per status change.

    A "past due" that is no longer true when the task runs (Stripe's retry already succeeded) is not sent."""
    with transaction.atomic():
        transition = (
            PledgeTransition.objects.select_for_update(of=("self",))
            .select_related("pledge__organization")
            .filter(pk=transition_id, notice_sent_at__isnull=True, to_status__in=STATUS_NOTICES)
            .first()
        )
        if transition is None or transition.pledge.status != transition.to_status:
            return False
        pledge = transition.pledge
        if pledge.status == PledgeStatus.PAST_DUE and pledge.actions_required.awaiting().exists():
            return False  # past due for a month awaiting the donor's confirmation: its email has the link
        context = {"stop_url": _stop_url(pledge) if pledge.status == PledgeStatus.PAST_DUE else ""}
        _email_donor(pledge, STATUS_NOTICES[transition.to_status], context)
        PledgeTransition.objects.filter(pk=transition.pk).update(notice_sent_at=timezone.now())
    logger.info("donor told of pledge %s: %s", pledge.reference, transition.to_status)
    return True


@task()
def send_refund_notice(refund_id: int) -> bool:
    """Tell the donor money was returned to them: once per refund, and only once it has succeeded."""
    with transaction.atomic():
        refund = (
            Refund.objects.select_for_update(of=("self",))
            .select_related("payment__pledge__organization")
            .filter(pk=refund_id, notice_sent_at__isnull=True, status=Refund.SUCCEEDED)
            .first()
        )
        if refund is None:
            return False
        _email_donor(refund.payment.pledge, "refund", {"refund": refund, "payment": refund.payment})
        Refund.objects.filter(pk=refund.pk).update(notice_sent_at=timezone.now())
    logger.info("donor told of refund %s", refund.pk)
    return True


@task()
def send_action_required_notice(action_id: int) -> bool:
    """Send the donor Stripe's page to confirm a month's payment their bank holds (3-D Secure): once per invoice,
    and not at all when the month was paid before the task ran."""
    with transaction.atomic():
        action = (
            ActionRequired.objects.select_for_update(of=("self",))
            .select_related("pledge__organization")
            .filter(pk=action_id, notice_sent_at__isnull=True)
            .awaiting()
            .first()
        )
        if action is None:
            return False
        _email_donor(action.pledge, "action_required", {"action": action})
        ActionRequired.objects.filter(pk=action.pk).update(notice_sent_at=timezone.now())
    logger.info("donor asked to confirm invoice %s", action.stripe_invoice_id)
    return True


@task()
def send_donor_link(link_id: int, language: str = "") -> bool:
    """Email a sign-in link to the donor's page, when the address gave; a request for an address that did not is
    forgotten (its row deleted). The same number of queries either way."""
    from donations.services.donor_access import LINK_MAX_AGE, link_token

    with transaction.atomic():
        link = DonorLink.objects.select_for_update().filter(pk=link_id, used_at__isnull=True).first()
        if link is None:
            return False
        if not link.email:
            DonorLink.objects.filter(pk=link.pk).delete()
            return False
        DonorLink.objects.filter(pk=link.pk).update(created_at=timezone.now())  # 30 minutes from the email
    url = portal_url(reverse("donations:mine_open", kwargs={"token": link_token(link)}))
    context = {"url": url, "minutes": LINK_MAX_AGE // 60}
    with translation.override(language or "en"):
        subject = render_to_string("emails/donor_link_subject.txt", context).strip()
        body = render_to_string("emails/donor_link.txt", context)
    send_mail(subject, body, None, [link.email])
    logger.info("donor sign-in link %s sent", link.pk)
    return True


# What the donor changed on their page, and the email (templates/emails/donor_change.txt) that confirms it.
DONOR_CHANGES = ("amount", "paused", "resumed", "card", "share_on", "share_off")


@task()
def send_donor_change(pledge_id: int, change: str) -> bool:
    """Confirm to the donor a change they made on their page (amount, pause, resume, card, name shown or not)."""
    pledge = Pledge.objects.select_related("organization").filter(pk=pledge_id).first()
    if pledge is None or change not in DONOR_CHANGES or pledge.identity_erased:
        return False
    _email_donor(pledge, "donor_change", {"change": change})
    logger.info("donor told of a change to pledge %s: %s", pledge.reference, change)
    return True


# Staff who hear of a new dispute: active staff accounts allowed to view disputes (superusers included).
DISPUTE_PERMISSION = "donations.view_dispute"


def dispute_recipients() -> list[str]:
    """The addresses of active staff allowed to view disputes, in a stable order."""
    staff = get_user_model().objects.with_perm(DISPUTE_PERMISSION, is_active=True, include_superusers=True)
    return sorted({email for email in staff.filter(is_staff=True).values_list("email", flat=True) if email})


@task()
def send_dispute_notice(dispute_id: int) -> bool:
    """Tell staff a cardholder disputed a payment: once per dispute (staff_notified_at guards), whatever repeats.

    The email names the organization, the amount, the reason and the evidence deadline, and links to the dispute
    in the admin; never the donor (staff find the donor in the admin if they need to)."""
    with transaction.atomic():
        dispute = (
            Dispute.objects.select_for_update(of=("self",))
            .select_related("organization", "payment__pledge")
            .filter(pk=dispute_id, staff_notified_at__isnull=True)
            .first()
        )
        if dispute is None:
            return False
        recipients = dispute_recipients()
        if recipients:
            context = {
                "dispute": dispute,
                "pledge": dispute.payment.pledge,
                "admin_url": portal_url(reverse("admin:donations_dispute_change", args=[dispute.pk])),
            }
            with translation.override(settings.LANGUAGE_CODE):
                subject = render_to_string("emails/dispute_opened_subject.txt", context).strip()
                body = render_to_string("emails/dispute_opened.txt", context)
            send_mail(subject, body, None, recipients)
        Dispute.objects.filter(pk=dispute.pk).update(staff_notified_at=timezone.now())
    logger.info("staff told of dispute %s (%d recipients)", dispute.stripe_dispute_id, len(recipients))
    return True


@task()
def send_update_email(update_email_id: int) -> bool:
    """Email one published update to one donor who asked for it: once (sent_at guards), plain text (nothing to
    track a reader), with the link to stop updates; nothing if the donor stopped them since it was queued."""
    with transaction.atomic():
        row = (
            UpdateEmail.objects.select_for_update(of=("self",))
            .select_related("pledge__organization", "update")
            .filter(pk=update_email_id, sent_at__isnull=True)
            .first()
        )
        if row is None:
            return False
        pledge = row.pledge
        still_asking = Pledge.objects.filter(
            organization_id=pledge.organization_id, donor_email__iexact=row.donor_email, wants_updates=True
        ).exists()
        if not still_asking:
            return False
        stop_url = portal_url(reverse("donations:stop_updates", kwargs={"token": updates_token(pledge.reference)}))
        profile_url = portal_url(pledge.organization.get_absolute_url())
        context = {"update": row.update, "stop_url": stop_url, "profile_url": profile_url}
        with translation.override(pledge.language or "en"):
            context["organization"] = pledge.organization
            subject = render_to_string("emails/update_subject.txt", context).strip()
            body = render_to_string("emails/update.txt", context)
        send_mail(subject, body, None, [row.donor_email])
        UpdateEmail.objects.filter(pk=row.pk).update(sent_at=timezone.now())
    logger.info("update %s emailed (%s)", row.update_id, row.pk)
    return True
