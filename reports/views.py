"""Pledge reports for organization members (and staff): pages and a streamed CSV export."""

from datetime import date, timedelta

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from common.charts import bar_chart
from common.money import currency
from orgs.models import Organization
from reports import disputes, selectors
from reports.forms import ReportFilterForm
from reports.updates import managed_organizations

no_store = cache_control(no_store=True, private=True)


def _member_organization(request: HttpRequest, slug: str) -> Organization:
    """The organization if this user may read its reports; otherwise a 404 that does not say it exists.

    Views calling this are behind login_required: a signed-out member's bookmark leads to sign-in and back."""
    organization = selectors.member_organizations(request.user).filter(slug=slug).first()
    if organization is None:
        raise Http404(_("No such report."))
    return organization


@require_GET
@login_required
@no_store
def report_index(request: HttpRequest) -> HttpResponse:
    organizations = selectors.member_organizations(request.user).order_by("name")
    managed = managed_organizations(request.user).order_by("name")
    return render(request, "reports/index.html", {"organizations": organizations, "managed": managed})


def _month_span(first: date, last: date) -> list[date]:
    months, month = [], first.replace(day=1)
    while month <= last:
        months.append(month)
        month = (month + timedelta(days=32)).replace(day=1)
    return months


def _charts(months: list[selectors.MonthRow]) -> list[dict]:
    """One chart per currency; months without gifts between the first and the last show as zero, not as gaps."""
    charts = []
    for code in sorted({row.currency for row in months}):
        found = {row.month: row for row in months if row.currency == code}
        rows = [
            found.get(month) or selectors.MonthRow(month=month, currency=code, received=0, gifts=0)
            for month in _month_span(min(found), max(found))
        ]
        factor = currency(code).factor
        points = [(row.month.strftime("%Y-%m"), row.received // factor) for row in rows]
        charts.append({"currency": code, "chart": bar_chart(points), "rows": rows, "id": f"chart-{code.lower()}"})
    return charts


@require_GET
@login_required
@no_store
def report_organization(request: HttpRequest, slug: str) -> HttpResponse:
    organization = _member_organization(request, slug)
    form = ReportFilterForm(request.GET or None, organization=organization)
    filters = form.filters()
    unassigned = _("Where most needed")
    months = selectors.report_by_month(organization, filters)
    context = {
        "organization": organization,
        "form": form,
        "filters": filters,
        "totals": disputes.with_disputes(
            selectors.report_totals(organization, filters), disputes.dispute_totals(organization, filters)
        ),
        "charts": _charts(months),
        "programs": selectors.report_by_program(organization, filters, unassigned=unassigned),
        "not_completed": selectors.report_not_completed(organization, filters),
        "latest": selectors.report_latest_gifts(organization, filters, unassigned=unassigned),
        "query_string": request.GET.urlencode(),
    }
    return render(request, "reports/organization.html", context)


GIFT_HEADER = (
    gettext_lazy("payment id"),
    gettext_lazy("time (UTC)"),
    gettext_lazy("reference"),
    gettext_lazy("currency"),
    pgettext_lazy("CSV column: the gift without the added fee", "gift"),
    gettext_lazy("added fee"),
    pgettext_lazy("CSV column: the amount received", "received"),
    pgettext_lazy("CSV column: the amount refunded", "refunded"),
    pgettext_lazy("CSV column: received less refunded", "net"),
    gettext_lazy("frequency"),
    gettext_lazy("program"),
    gettext_lazy("dedication"),
    gettext_lazy("donor name"),
    gettext_lazy("donor email"),
    pgettext_lazy("CSV column: the payment's dispute status, as Stripe's", "dispute"),
    pgettext_lazy("CSV column: the amount disputed", "disputed"),
)


@require_GET
@login_required
@no_store
def report_csv(request: HttpRequest, slug: str) -> StreamingHttpResponse:
    organization = _member_organization(request, slug)
    form = ReportFilterForm(request.GET or None, organization=organization)
    if form.is_bound and not form.is_valid():  # never a file of other dates than the ones asked for
        problems = "; ".join(str(message) for messages in form.errors.values() for message in messages)
        return HttpResponse(problems, status=400, content_type="text/plain; charset=utf-8")
    filters = form.filters()
    labels = {"unassigned": _("Where most needed"), "anonymous": _("Anonymous")}
    body = selectors.report_gift_csv(organization, filters, header=[str(name) for name in GIFT_HEADER], **labels)
    response = StreamingHttpResponse(body, content_type="text/csv; charset=utf-8")
    filename = f"{organization.slug}-gifts-{filters.start.isoformat()}-{filters.end.isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
