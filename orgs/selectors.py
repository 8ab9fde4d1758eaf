"""Reads for the public directory. Each makes a fixed number of queries, whatever the directory's size."""

from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404

from orgs.models import Cause, Figure, Organization, Program, Region


@dataclass(frozen=True)
class DirectoryFilters:
    query: str = ""
    cause: Cause | None = None
    region: Region | None = None


def _visible(*, include_unpublished: bool) -> QuerySet[Organization]:
    organizations = Organization.objects.all()
    return organizations if include_unpublished else organizations.published()


def organization_list(*, filters: DirectoryFilters, include_unpublished: bool = False) -> QuerySet[Organization]:
    """Organizations matching a search over names, summaries and programs, a cause and a region."""
    organizations = _visible(include_unpublished=include_unpublished)
    if filters.query:
        matching_program = Program.objects.filter(organization=OuterRef("pk"), active=True).filter(
            Q(name__icontains=filters.query) | Q(description__icontains=filters.query)
        )
        organizations = organizations.filter(
            Q(name__icontains=filters.query) | Q(summary__icontains=filters.query) | Exists(matching_program)
        )
    if filters.cause:
        organizations = organizations.filter(
            Q(causes=filters.cause) | Exists(Program.objects.filter(organization=OuterRef("pk"), cause=filters.cause))
        )
    if filters.region:
        organizations = organizations.filter(
            Q(regions=filters.region)
            | Exists(Program.objects.filter(organization=OuterRef("pk"), region=filters.region))
        )
    return (
        organizations.distinct()
        .order_by("name")
        .prefetch_related(
            "causes", "regions", Prefetch("programs", queryset=Program.objects.filter(active=True).order_by("name"))
        )
    )


def organization_page(*, filters: DirectoryFilters, page_number: str | int | None, per_page: int) -> Page:
    """One page of the directory; a page number past the end gives the last page."""
    return Paginator(organization_list(filters=filters), per_page).get_page(page_number)


def organization_detail(*, slug: str, include_unpublished: bool = False) -> Organization:
    """One organization with everything its profile shows; 404 when unknown or not visible."""
    organizations = _visible(include_unpublished=include_unpublished).prefetch_related(
        "causes",
        "regions",
        "sources",
        Prefetch(
            "programs",
            queryset=Program.objects.filter(active=True).select_related("cause", "region").order_by("name"),
        ),
    )
    return get_object_or_404(organizations.select_related("verified_by"), slug=slug)


def filter_choices() -> tuple[QuerySet[Cause], QuerySet[Region]]:
    return Cause.objects.all(), Region.objects.all()


def figure_list() -> list[Figure]:
    return list(Figure.objects.select_related("source").order_by("position", "key"))
