"""The public directory: thin views over orgs.selectors."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from common import charts
from common.pagecache import public_page
from orgs import selectors
from orgs.forms import DirectoryFilterForm
from orgs.updates.selectors import update_list_published


@public_page
def directory(request: HttpRequest) -> HttpResponse:
    form = DirectoryFilterForm(request.GET or None)
    valid = form.is_valid() if form.is_bound else True
    filters = form.filters() if form.is_bound else selectors.DirectoryFilters()
    page = selectors.organization_page(
        filters=filters, page_number=request.GET.get("page"), per_page=settings.DIRECTORY_PAGE_SIZE
    )
    query_string = request.GET.copy()
    query_string.pop("page", None)
    return render(
        request,
        "orgs/directory.html",
        {
            "form": form,
            "filters": filters,
            "problems": [] if valid else form.problems(),
            "page": page,
            "page_range": page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1),
            "organizations": page.object_list,
            "query_string": query_string.urlencode(),
            "filtered": bool(filters.query or filters.cause or filters.region or filters.takes_gifts),
        },
    )


@public_page
def profile(request: HttpRequest, slug: str) -> HttpResponse:
    organization = selectors.organization_detail(slug=slug, include_unpublished=request.user.is_staff)
    updates = update_list_published(organization=organization)
    return render(request, "orgs/profile.html", {"organization": organization, "updates": updates})


@public_page
def situation(request: HttpRequest) -> HttpResponse:
    figures = selectors.figure_list()
    series = selectors.figure_series(figures)
    topics: dict[str, list] = {}
    for figure in figures:
        topics.setdefault(figure.topic, []).append(figure)
    return render(
        request,
        "orgs/situation.html",
        {
            "topics": [(topic, items, selectors.topic_organizations(items)) for topic, items in topics.items()],
            "chart": charts.line_chart([(s.label, [(f.year, f.number) for f in s.figures]) for s in series]),
            "series": series,
        },
    )
