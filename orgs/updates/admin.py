"""Staff's second approval of updates: a review page with the update, its photos, what the gate finds, and the
checklist; every item must be ticked to approve. Updates are written in the portal, never here."""

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from orgs.updates import services
from orgs.updates.models import Update, UpdateStatus


class ReviewForm(forms.Form):
    checked = forms.MultipleChoiceField(
        label=_("Checklist"),
        choices=list(services.CHECKLIST.items()),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    note = forms.CharField(
        label=_("Note to the author (to return the update)"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


@admin.register(Update)
class UpdateAdmin(admin.ModelAdmin):
    list_display = ["title", "organization", "status", "submitted_at", "publish_after", "published_at", "review_link"]
    list_filter = ["status"]
    search_fields = ["title", "organization__name"]
    readonly_fields = [
        "organization",
        "program",
        "title",
        "text",
        "regions",
        "author",
        "names_no_one",
        "status",
        "delay_days",
        "submitted_at",
        "publish_after",
        "approved_at",
        "approved_by",
        "review_note",
        "published_at",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # managers write updates in the portal (reports/updates.py)

    @admin.display(description=_("review"))
    def review_link(self, obj: Update) -> str:
        if obj.status not in (UpdateStatus.SUBMITTED, UpdateStatus.APPROVED, UpdateStatus.PUBLISHED):
            return ""
        label = _("Review") if obj.status == UpdateStatus.SUBMITTED else _("Take down or return")
        return format_html('<a href="{}">{}</a>', reverse("admin:orgs_update_review", args=[obj.pk]), label)

    def get_urls(self):
        review = path(
            "<int:object_id>/review/", self.admin_site.admin_view(self.review_view), name="orgs_update_review"
        )
        return [review, *super().get_urls()]

    def review_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        update = get_object_or_404(Update.objects.select_related("organization", "program"), pk=object_id)
        if not request.user.has_perm(services.APPROVE_PERMISSION):
            raise PermissionDenied
        form = ReviewForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                if "return" in request.POST:
                    services.update_return(update=update, by=request.user, note=form.cleaned_data["note"])
                    self.message_user(request, _("The update was returned to its author."))
                else:
                    services.update_approve(update=update, by=request.user, checked=form.cleaned_data["checked"])
                    self.message_user(
                        request,
                        _("Approved. It will be published on %(date)s (publish_updates).")
                        % {"date": update.publish_after.date().isoformat()},
                    )
            except ValidationError as exc:
                form.add_error(None, exc.messages)
            else:
                return redirect("admin:orgs_update_changelist")
        findings = services.gate_findings(update.title, update.text, *(p.description for p in update.photos.all()))
        return TemplateResponse(
            request,
            "admin/orgs/update/review.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Review “%(title)s”") % {"title": update.title},
                "opts": self.model._meta,
                "update": update,
                "photos": update.photos.all(),
                "findings": findings,
                "form": form,
            },
        )
