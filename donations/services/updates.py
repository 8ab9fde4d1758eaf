"""Emails of published updates to the donors who asked for them, and the donor's way out.

Who is on the list: a donor (by email) with a pledge to the organization that asked for updates and whose money
arrived (one payment at least: an address that never paid is never written to). The organization never sees the
list; the emails come from the portal.
"""

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef

from donations.models import Payment, Pledge, UpdateEmail, UpdateMailing
from orgs.updates.models import Update


def update_subscribers(*, organization_id: int) -> dict[str, Pledge]:
    """Each subscribed donor's email with their latest pledge asking for updates (its language, its link out)."""
    pledges = (
        Pledge.objects.filter(organization_id=organization_id, wants_updates=True)
        .filter(Exists(Payment.objects.filter(pledge=OuterRef("pk"))))
        .order_by("created_at", "pk")
    )
    return {pledge.donor_email.lower(): pledge for pledge in pledges}


def update_mailings_queue() -> int:
    """For every published update not mailed yet: one UpdateEmail per subscribed donor, and a task for each, sent
    after commit. Run twice at once, the second finds the mailing row taken and queues nothing; a task sends its
    email once (donations.tasks.send_update_email). Returns how many emails were queued."""
    from donations.tasks import send_update_email

    queued = 0
    mailed = UpdateMailing.objects.values("update_id")
    for update in Update.objects.published().exclude(pk__in=mailed).order_by("published_at", "pk"):
        try:
            with transaction.atomic():
                UpdateMailing.objects.create(update=update)
                emails = UpdateEmail.objects.bulk_create(
                    [
                        UpdateEmail(update=update, pledge=pledge, donor_email=email)
                        for email, pledge in update_subscribers(organization_id=update.organization_id).items()
                    ],
                    ignore_conflicts=True,
                )
                ids = list(UpdateEmail.objects.filter(update=update, sent_at__isnull=True).values_list("pk", flat=True))
                transaction.on_commit(lambda ids=ids: [send_update_email.enqueue(pk) for pk in ids])
                queued += len(emails)
        except IntegrityError:  # another run queued this update's emails a moment ago
            continue
    return queued


def updates_unsubscribe(*, pledge: Pledge) -> int:
    """The donor asks for no more updates from this organization: every pledge of theirs to it stops asking."""
    with transaction.atomic():
        return Pledge.objects.filter(
            organization_id=pledge.organization_id, donor_email__iexact=pledge.donor_email, wants_updates=True
        ).update(wants_updates=False)
