"""The staff back office for the directory. State changes go through orgs.services."""

from datetime import timedelta

from auditlog.mixins import AuditlogHistoryAdminMixin
from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, pgettext_lazy

from orgs import services
from orgs.models import (
    Cause,
    Figure,
    FinanceYear,
    Organization,
    Outcome,
    Program,
    ProgramGoal,
    Region,
    Source,
    UnitCost,
)

URL_FIELDS = {models.URLField: {"assume_scheme": "https"}}


class VerifiedFilter(admin.SimpleListFilter):
    title = _("verification")
    parameter_name = "verified"

    def lookups(self, request, model_admin):
        return [("yes", _("Verified (current)")), ("no", _("Not verified or expired"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.verified()
        if self.value() == "no":
            return queryset.unverified()
        return queryset


class FinanceYearInline(admin.TabularInline):
    model = FinanceYear
    extra = 0
    fields = ["year", "currency", "income", "programme_share", "source"]


class ProgramInline(admin.StackedInline):
    model = Program
    extra = 0
    fields = [("name", "slug"), ("name_ko",), "description", "description_ko", ("cause", "region"), "active"]
    prepopulated_fields = {"slug": ["name"]}


def _day(moment) -> str:
    return date_format(timezone.localtime(moment), "DATE_FORMAT")


def verification_summary(organization: Organization) -> str:
    """What staff read about an organization's verification: who checked what, when, and until when it shows."""
    if not organization.verified_at:
        return str(_("Not verified."))
    facts = {
        "verified": _day(organization.verified_at),
        "by": organization.verified_by or _("a former staff member"),
        "basis": organization.get_verification_basis_display(),
        "reference": organization.verification_reference,
        "expires": _day(organization.verification_expires_at),
    }
    if organization.is_verified:
        return _("Verified on %(verified)s by %(by)s against %(basis)s: %(reference)s. Expires on %(expires)s.") % facts
    return (
        _(
            "Expired on %(expires)s (verified on %(verified)s by %(by)s against %(basis)s: %(reference)s). "
            "Donors see that the verification lapsed."
        )
        % facts
    )


class VerifyForm(forms.Form):
    basis = forms.ChoiceField(label=_("Verified against"), choices=Organization.VerificationBasis.choices)
    role = forms.TypedChoiceField(
        label=_("Your role"),
        choices=Organization.VerifierRole.choices,
        required=False,
        empty_value=Organization.VerifierRole.STAFF,
        initial=Organization.VerifierRole.STAFF,
        help_text=_("Donors see this role, never your name."),
    )
    reference = forms.CharField(
        label=pgettext_lazy("what a verification was checked against", "Reference"),
        max_length=300,
        help_text=_("The registry and entry number, or the document's title and date, that you checked."),
    )


class OrganizationAdminForm(forms.ModelForm):
    """Stores a logo's resized, metadata-free versions (orgs.services), never the uploaded file itself."""

    def clean_logo(self):
        logo = self.cleaned_data.get("logo")
        self.logo_versions = services.logo_versions(upload=logo) if isinstance(logo, UploadedFile) else None
        return self.instance.logo  # the new versions (or none, when cleared) are put in place by save()

    def save(self, commit: bool = True):
        if "logo" in self.changed_data and "logo" not in self.errors:
            services.organization_logo_replace(organization=self.instance, versions=self.logo_versions)
        return super().save(commit)


@admin.register(Organization)
class OrganizationAdmin(AuditlogHistoryAdminMixin, admin.ModelAdmin):
    form = OrganizationAdminForm
    list_display = ["name", "published", "verified_badge", "verified_at", "updated_at"]
    formfield_overrides = URL_FIELDS
    list_filter = ["published", VerifiedFilter, "accepts_gifts", "causes", "regions"]
    search_fields = ["name", "slug", "summary", "aliases", "programs__name"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["regions", "causes", "sources"]
    readonly_fields = [
        "verification_status",
        "verified_at",
        "verified_by",
        "verification_basis",
        "verification_reference",
        "verifier_role",
        "verification_expires_at",
        "created_at",
        "updated_at",
    ]
    fieldsets = [
        (None, {"fields": ["name", "slug", "summary", "description", "published"]}),
        (
            _("Korean version (optional; the English shows where empty)"),
            {"fields": ["name_ko", "summary_ko", "description_ko", "charitable_status_ko", "city_ko", "leadership_ko"]},
        ),
        (_("Where and what"), {"fields": ["based_in", "regions", "causes", "website", "logo"]}),
        (_("Sources"), {"fields": ["sources"]}),
        (
            _("Trust evidence (optional; shown only where known)"),
            {
                "fields": [
                    "aliases",
                    "legal_name",
                    ("registration_country", "registration_number"),
                    "registry_url",
                    ("charitable_status", "charitable_status_country"),
                    "founded_year",
                    "city",
                    "leadership",
                    ("evidence_source", "evidence_year"),
                ]
            },
        ),
        (
            _("Giving"),
            {
                "fields": [
                    "accepts_gifts",
                    "gift_currencies",
                    "gift_presets",
                    "statement_descriptor",
                    "stripe_account_id",
                    "platform_fee_basis_points",
                ]
            },
        ),
        (
            _("Verification"),
            {
                "fields": [
                    "verification_status",
                    "verified_at",
                    "verified_by",
                    "verification_basis",
                    "verification_reference",
                    "verifier_role",
                    "verification_expires_at",
                ]
            },
        ),
        (_("Record"), {"fields": ["created_at", "updated_at"]}),
    ]
    inlines = [ProgramInline, FinanceYearInline]

    actions = ["publish", "unpublish", "mark_verified"]
    list_select_related = ["verified_by"]

    @admin.display(boolean=True, description=_("verified"))
    def verified_badge(self, obj: Organization) -> bool:
        return obj.is_verified

    @admin.display(description=_("verification expires"))
    def verification_expires_at(self, obj: Organization):
        return obj.verification_expires_at

    @admin.display(description=_("status"))
    def verification_status(self, obj: Organization) -> str:
        if obj.pk is None:
            return _("Save the organization first; then verify it.")
        verify = reverse("admin:orgs_organization_verify", args=[obj.pk])
        label = _("Verify again") if obj.verified_at else _("Verify")
        return format_html('{} <a class="button" href="{}">{}</a>', verification_summary(obj), verify, label)

    def get_urls(self):
        verify = path(
            "<int:object_id>/verify/", self.admin_site.admin_view(self.verify_view), name="orgs_organization_verify"
        )
        return [verify, *super().get_urls()]

    def verify_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        """One organization's "Verify" page: what is on record now, what to record, and until when it will show."""
        organization = get_object_or_404(Organization, pk=object_id)
        if not self.has_change_permission(request, organization):
            raise PermissionDenied
        form = VerifyForm(request.POST or None, initial={"basis": organization.verification_basis})
        if request.method == "POST" and form.is_valid():
            try:
                services.organization_verify(
                    organizations=Organization.objects.filter(pk=organization.pk), by=request.user, **form.cleaned_data
                )
            except ValidationError as exc:
                form.add_error(None, exc.messages)
            else:
                organization.refresh_from_db()
                self.message_user(request, verification_summary(organization))
                return redirect("admin:orgs_organization_change", organization.pk)
        return TemplateResponse(
            request,
            "admin/orgs/organization/verify_one.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Verify %(name)s") % {"name": organization.name},
                "opts": self.model._meta,
                "organization": organization,
                "current": verification_summary(organization),
                "valid_days": settings.VERIFICATION_VALID_DAYS,
                "expires": _day(timezone.now() + timedelta(days=settings.VERIFICATION_VALID_DAYS)),
                "form": form,
            },
        )

    @admin.action(description=_("Publish the selected organizations"))
    def publish(self, request: HttpRequest, queryset: QuerySet) -> None:
        changed = services.organization_set_published(organizations=queryset, published=True)
        self.message_user(
            request, ngettext("%d organization published.", "%d organizations published.", changed) % changed
        )

    @admin.action(description=_("Unpublish the selected organizations"))
    def unpublish(self, request: HttpRequest, queryset: QuerySet) -> None:
        changed = services.organization_set_published(organizations=queryset, published=False)
        self.message_user(
            request, ngettext("%d organization unpublished.", "%d organizations unpublished.", changed) % changed
        )

    @admin.action(description=_("Mark the selected organizations verified"))
    def mark_verified(self, request: HttpRequest, queryset: QuerySet):
        form = VerifyForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            try:
                changed = services.organization_verify(
                    organizations=queryset,
                    by=request.user,
                    basis=form.cleaned_data["basis"],
                    reference=form.cleaned_data["reference"],
                    role=form.cleaned_data["role"],
                )
            except ValidationError as exc:
                self.message_user(request, "; ".join(exc.messages), level=messages.ERROR)
                return None
            self.message_user(
                request, ngettext("%d organization verified.", "%d organizations verified.", changed) % changed
            )
            return None
        return TemplateResponse(
            request,
            "admin/orgs/organization/verify.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Mark organizations verified"),
                "opts": self.model._meta,
                "form": form,
                "organizations": queryset,
                "selected": request.POST.getlist(ACTION_CHECKBOX_NAME),
                "select_across": request.POST.get("select_across", "0"),
                "action_checkbox_name": ACTION_CHECKBOX_NAME,
            },
        )


class TaxonomyAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "position"]
    list_editable = ["position"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


admin.site.register(Cause, TaxonomyAdmin)
admin.site.register(Region, TaxonomyAdmin)


class ProgramGoalInline(admin.TabularInline):
    model = ProgramGoal
    extra = 0


@admin.register(Program)
class ProgramAdmin(admin.ModelAdmin):
    """Programs with their funding goals (one per currency)."""

    list_display = ["name", "organization", "cause", "region", "active"]
    list_filter = ["active", "cause", "region"]
    search_fields = ["name", "organization__name"]
    list_select_related = ["organization", "cause", "region"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [ProgramGoalInline]


@admin.register(UnitCost)
class UnitCostAdmin(admin.ModelAdmin):
    """What an amount does, in the organization's words: shown on the give form only once staff approve it."""

    list_display = ["__str__", "organization", "program", "stated_on", "source", "approved_at"]
    list_filter = [("approved_at", admin.EmptyFieldListFilter), "currency"]
    list_select_related = ["organization", "program", "source"]
    search_fields = ["statement", "organization__name"]
    readonly_fields = ["approved_at", "approved_by"]
    actions = ["approve", "withdraw"]
    # What staff approve: an edit to any of these needs a new approval before the statement shows again.
    APPROVED_CONTENT = {"organization", "program", "currency", "amount", "statement", "statement_ko", "source"}

    def save_model(self, request: HttpRequest, obj: UnitCost, form, change: bool) -> None:
        if change and self.APPROVED_CONTENT & set(form.changed_data):
            obj.approved_at = obj.approved_by = None
        super().save_model(request, obj, form, change)

    @admin.action(description=_("Approve the selected statements"))
    def approve(self, request: HttpRequest, queryset: QuerySet) -> None:
        changed = services.unit_cost_approve(unit_costs=queryset, by=request.user)
        self.message_user(request, ngettext("%d statement approved.", "%d statements approved.", changed) % changed)

    @admin.action(description=_("Withdraw approval of the selected statements"))
    def withdraw(self, request: HttpRequest, queryset: QuerySet) -> None:
        changed = services.unit_cost_withdraw(unit_costs=queryset)
        self.message_user(request, ngettext("%d statement withdrawn.", "%d statements withdrawn.", changed) % changed)


@admin.register(Outcome)
class OutcomeAdmin(admin.ModelAdmin):
    """Yearly totals organizations report: public, rounded, from the date staff set."""

    list_display = ["label", "organization", "year", "count", "publish_on"]
    list_filter = ["year"]
    list_select_related = ["organization"]
    search_fields = ["label", "organization__name"]


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    list_display = ["title", "author", "publisher", "date_text", "own_statement"]
    formfield_overrides = URL_FIELDS
    search_fields = ["title", "author", "publisher"]


@admin.register(Figure)
class FigureAdmin(admin.ModelAdmin):
    list_display = ["label", "value", "year", "topic", "source"]
    list_filter = ["topic", "series"]
    search_fields = ["label", "value", "quote"]
    list_select_related = ["source"]


from orgs.updates import admin as update_admin  # noqa: E402, F401  (registers the review of updates)
