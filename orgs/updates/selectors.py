"""Reads of updates: what the public sees (published only) and what an organization's members see."""

from django.db.models import Prefetch, QuerySet

from orgs.models import Organization, Program
from orgs.updates.models import Update, UpdatePhoto


def update_list_published(*, organization: Organization, program: Program | None = None, limit: int = 10) -> list:
    """The organization's (or program's) published updates, newest first, with their photos and regions.

    The one read behind every public surface: nothing unapproved or not yet due leaves it."""
    updates = Update.objects.published().filter(organization=organization)
    if program is not None:
        updates = updates.filter(program=program)
    return list(
        updates.select_related("program")
        .prefetch_related("regions", Prefetch("photos", queryset=UpdatePhoto.objects.order_by("position", "pk")))
        .order_by("-published_at", "-pk")[:limit]
    )


def update_list_for_organization(*, organization: Organization) -> QuerySet[Update]:
    """Every update of the organization, for its members' page (status, dates), newest first."""
    return (
        Update.objects.filter(organization=organization)
        .select_related("program")
        .prefetch_related("photos")
        .order_by("-created_at", "-pk")
    )
