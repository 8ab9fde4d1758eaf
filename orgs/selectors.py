"""Reads for the public directory. Each makes a fixed number of queries, whatever the directory's size."""

from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet, Value
from django.db.models.functions import Coalesce, Collate, Lower, NullIf
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import get_language

from orgs import search
from orgs.models import Cause, Figure, FinanceYear, Organization, Outcome, Program, Region, UnitCost

SORTS = ("relevance", "name", "updated")


@dataclass(frozen=True)
class DirectoryFilters:
    query: str = ""
    cause: Cause | None = None
    region: Region | None = None
    takes_gifts: bool = False
    sort: str = ""  # one of SORTS; empty: by relevance when searching, else by name

    @property
    def ordering(self) -> str:
        if self.sort in SORTS and not (self.sort == "relevance" and not self.query):
            return self.sort
        return "relevance" if self.query else "name"


def korean_order() -> bool:
    return (get_language() or "").startswith("ko")


def name_order() -> list:
    """Organizations by name in the page's language. In Korean: by Korean name, the English name where there is
    none, lower-cased, in code point order, which for modern Hangul syllables is Korean dictionary order (가 < 나 <
    크 < 하), Latin letters before Hangul. The database sorts (so pages stay pages): PostgreSQL with the "C"
    collation, whatever the database's own; SQLite's default (BINARY) is code point order already."""
    if not korean_order():
        return ["name"]
    key = Lower(Coalesce(NullIf(F("name_ko"), Value("")), F("name")))
    if connection.vendor == "postgresql":
        key = Collate(key, "C")
    return [key.asc(), "name"]


def local_name_key(organization: Organization) -> str:
    """name_order's key for organizations already read (the same order, sorted in Python)."""
    if not korean_order():
        return organization.name
    return (organization.name_ko or organization.name).lower()


def _visible(*, include_unpublished: bool) -> QuerySet[Organization]:
    organizations = Organization.objects.all()
    return organizations if include_unpublished else organizations.published()


def organization_list(*, filters: DirectoryFilters, include_unpublished: bool = False) -> QuerySet[Organization]:
    """Organizations matching a search (orgs.search: every word, ranked), a cause, a region and "takes gifts"."""
    organizations = _visible(include_unpublished=include_unpublished)
    if filters.query:
        organizations = search.search(organizations, filters.query)
    if filters.takes_gifts:
        organizations = organizations.filter(accepts_gifts=True, published=True)
    if filters.cause:
        organizations = organizations.filter(
            Q(causes=filters.cause) | Exists(Program.objects.filter(organization=OuterRef("pk"), cause=filters.cause))
        )
    if filters.region:
        organizations = organizations.filter(
            Q(regions=filters.region)
            | Exists(Program.objects.filter(organization=OuterRef("pk"), region=filters.region))
        )
    by_name = name_order()
    order = {"relevance": ["-relevance", *by_name], "name": by_name, "updated": ["-updated_at", *by_name]}
    return (
        organizations.distinct()
        .order_by(*order[filters.ordering])
        .prefetch_related(
            "causes", "regions", Prefetch("programs", queryset=Program.objects.filter(active=True).order_by("name"))
        )
    )


def organization_page(*, filters: DirectoryFilters, page_number: str | int | None, per_page: int) -> Page:
    """One page of the directory; a page number past the end gives the last page."""
    return Paginator(organization_list(filters=filters), per_page).get_page(page_number)


def _profile_prefetches() -> list:
    return [
        "causes",
        "regions",
        "sources",
        Prefetch(
            "programs",
            queryset=Program.objects.filter(active=True).select_related("cause", "region").order_by("name"),
        ),
        Prefetch("finance_years", queryset=FinanceYear.objects.select_related("source").order_by("-year")),
        Prefetch(
            "unit_costs",
            queryset=UnitCost.objects.approved().select_related("source", "program"),
            to_attr="approved_unit_costs",
        ),
        Prefetch(
            "outcomes",
            queryset=Outcome.objects.published().select_related("source", "program"),
            to_attr="published_outcomes",
        ),
    ]


def organization_detail(*, slug: str, include_unpublished: bool = False) -> Organization:
    """One organization with everything its profile shows; 404 when unknown or not visible."""
    organizations = _visible(include_unpublished=include_unpublished).prefetch_related(*_profile_prefetches())
    return get_object_or_404(organizations.select_related("verified_by", "evidence_source"), slug=slug)


def program_detail(*, slug: str, program_slug: str, include_unpublished: bool = False) -> Program:
    """One active program of a visible organization, with its organization's profile data; 404 otherwise."""
    organization = organization_detail(slug=slug, include_unpublished=include_unpublished)
    for program in organization.programs.all():
        if program.slug == program_slug:
            program.organization = organization  # the prefetched one: no second query for its data
            return program
    raise Http404("no such program")


def organizations_on_causes(*, causes: list[Cause], exclude: Organization | None = None, limit: int = 6) -> list:
    """Published organizations working on any of these causes (directly or through a program): those that take
    gifts here first, then by name."""
    matching_program = Program.objects.filter(organization=OuterRef("pk"), active=True, cause__in=causes)
    organizations = Organization.objects.published().filter(Q(causes__in=causes) | Exists(matching_program))
    if exclude is not None:
        organizations = organizations.exclude(pk=exclude.pk)
    return list(organizations.distinct().order_by("-accepts_gifts", *name_order())[:limit])


def filter_choices() -> tuple[QuerySet[Cause], QuerySet[Region]]:
    return Cause.objects.all(), Region.objects.all()


def figure_list() -> list[Figure]:
    """Every figure with its source and causes; the causes' organizations come along (published ones only)."""
    working = Organization.objects.published().order_by("name")
    return list(
        Figure.objects.select_related("source")
        .prefetch_related(Prefetch("causes__organizations", queryset=working))
        .order_by("position", "key")
    )


@dataclass(frozen=True)
class FigureSeries:
    """Figures that count the same thing in different years: one line of the chart."""

    key: str
    label: str
    figures: list[Figure]


def figure_series(figures: list[Figure]) -> list[FigureSeries]:
    """The charted series, each by year; figures without a series, a year or a number are not charted."""
    grouped: dict[str, list[Figure]] = {}
    for figure in figures:
        if figure.series and figure.year and figure.number is not None:
            grouped.setdefault(figure.series, []).append(figure)
    return [
        FigureSeries(key=key, label=items[0].label, figures=sorted(items, key=lambda f: f.year))
        for key, items in grouped.items()
    ]


def topic_organizations(figures: list[Figure]) -> list[Organization]:
    """The published organizations working on the causes that answer these figures (from figure_list's
    prefetch: no query), by name. An organization counts when the cause is one of its own causes."""
    found: dict[int, Organization] = {}
    for figure in figures:
        for cause in figure.causes.all():
            for organization in cause.organizations.all():
                found.setdefault(organization.pk, organization)
    return sorted(found.values(), key=local_name_key)
