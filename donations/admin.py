"""The staff back office for money. Everything is read-only; state changes only through actions that call services."""

import json
import uuid

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, StreamingHttpResponse
from django.template.response import TemplateResponse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, pgettext_lazy

from common.csv import csv_lines
from common.money import AmountError, format_money, input_value, parse_amount
from donations import stripe_gateway as gateway
from donations.models import Payment, PaymentQuerySet, Pledge, PledgeQuerySet, PledgeTransition, Refund, StripeEvent
from donations.services.pledges import pledge_stop_monthly
from donations.services.refunds import payment_refundable, refund_issue
from donations.tasks import send_receipt


class ReadOnlyAdmin(admin.ModelAdmin):
    """Staff look, search and act; they never edit money, statuses or Stripe ids by hand."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class TransitionInline(ReadOnlyInline):
    model = PledgeTransition
    fields = ["created_at", "from_status", "to_status", "source", "stripe_event_id", "note"]
    readonly_fields = fields
    verbose_name_plural = _("status history")


class PaymentInline(ReadOnlyInline):
    model = Payment
    fields = ["paid_at", "amount_display", "stripe_id", "receipt_sent_at"]
    readonly_fields = fields

    @admin.display(description=_("amount"))
    def amount_display(self, obj: Payment) -> str:
        return obj.display_amount


def _export(filename: str, header: list[str], rows) -> StreamingHttpResponse:
    response = StreamingHttpResponse(csv_lines(header, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@admin.register(Pledge)
class PledgeAdmin(ReadOnlyAdmin):
    list_display = [
        "reference",
        "organization",
        "program",
        "amount_display",
        "currency",
        "frequency",
        "status",
        "donor_email",
        "created_at",
    ]
    list_filter = ["status", "organization", "currency", "frequency", ("created_at", admin.DateFieldListFilter)]
    search_fields = [
        "donor_email",
        "reference",
        "stripe_checkout_session_id",
        "stripe_subscription_id",
        "stripe_customer_id",
        "payments__stripe_id",
        "payments__stripe_payment_intent_id",
    ]
    list_select_related = ["organization", "program"]
    readonly_fields = [f.name for f in Pledge._meta.fields] + ["amount_display"]
    inlines = [TransitionInline, PaymentInline]
    actions = ["stop_monthly", "export_csv"]
    date_hierarchy = "created_at"

    @admin.display(description=_("amount"), ordering="amount")
    def amount_display(self, obj: Pledge) -> str:
        return obj.display_amount

    def has_money_action_permission(self, request: HttpRequest) -> bool:
        """Acting on money (refunds, stopping gifts, resending receipts) needs the change permission, not just view."""
        return request.user.has_perm("donations.change_pledge")

    @admin.action(
        description=_("Stop the selected monthly gifts (cancels the Stripe subscription)"), permissions=["money_action"]
    )
    def stop_monthly(self, request: HttpRequest, queryset: PledgeQuerySet) -> None:
        stopped = 0
        for pledge in queryset.running_monthly():
            try:
                pledge_stop_monthly(pledge=pledge, source=PledgeTransition.Source.STAFF)
                stopped += 1
            except (gateway.StripeUnavailable, gateway.StripeRejected) as exc:
                self.message_user(
                    request,
                    _("%(ref)s: Stripe said: %(error)s") % {"ref": pledge.reference, "error": exc},
                    messages.ERROR,
                )
        self.message_user(request, ngettext("%d monthly gift stopped.", "%d monthly gifts stopped.", stopped) % stopped)

    @admin.action(description=_("Export the selected pledges as CSV"))
    def export_csv(self, request: HttpRequest, queryset: QuerySet) -> StreamingHttpResponse:
        rows = (
            queryset.order_by("created_at")
            .values_list(
                "created_at",
                "reference",
                "organization__name",
                "program__name",
                "amount",
                "currency",
                "frequency",
                "status",
                "donor_name",
                "donor_email",
                "share_identity",
                "dedication",
            )
            .iterator(chunk_size=2000)
        )
        header = [
            _("created"),
            _("reference"),
            _("organization"),
            _("program"),
            _("amount"),
            _("currency"),
            _("frequency"),
            _("status"),
            _("donor name"),
            _("donor email"),
            _("shares identity"),
            _("dedication"),
        ]
        return _export("pledges.csv", header, ([*row[:4], input_value(row[4], row[5]), *row[5:]] for row in rows))


class RefundForm(forms.Form):
    amount = forms.CharField(label=_("Amount to refund"), max_length=20)
    reason = forms.CharField(
        label=_("Why this refund"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Kept with the refund for the staff who read it later (for example: the donor asked by email)."),
    )
    # One per confirmation page shown: sending the same page twice makes one refund.
    request_key = forms.RegexField(regex=r"^[0-9a-f]{32}$", widget=forms.HiddenInput)


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = [
        "stripe_id",
        "organization",
        "program",
        "amount_display",
        "currency",
        "frequency",
        "refunded_display",
        "donor",
        "paid_at",
    ]
    list_filter = [
        ("pledge__organization", admin.RelatedOnlyFieldListFilter),
        "currency",
        "pledge__frequency",
        ("paid_at", admin.DateFieldListFilter),
    ]
    search_fields = [
        "pledge__donor_email",
        "pledge__reference",
        "stripe_id",
        "stripe_payment_intent_id",
        "refunds__stripe_refund_id",
    ]
    list_select_related = ["pledge__organization", "pledge__program", "organization"]
    readonly_fields = [f.name for f in Payment._meta.fields]
    actions = ["refund", "resend_receipt", "export_csv"]
    date_hierarchy = "paid_at"

    def get_queryset(self, request: HttpRequest) -> PaymentQuerySet:
        return super().get_queryset(request).with_refunded()

    @admin.display(description=_("program"))
    def program(self, obj: Payment) -> str:
        return obj.pledge.program.name if obj.pledge.program else _("where most needed")

    @admin.display(description=_("once or monthly"))
    def frequency(self, obj: Payment) -> str:
        return obj.pledge.get_frequency_display()

    @admin.display(description=_("donor"))
    def donor(self, obj: Payment) -> str:
        return obj.pledge.donor_email

    @admin.display(description=_("amount"), ordering="amount")
    def amount_display(self, obj: Payment) -> str:
        return obj.display_amount

    @admin.display(description=_("refunded"))
    def refunded_display(self, obj: Payment) -> str:
        return format_money(obj.refunded_total, obj.currency) if obj.refunded_total else ""

    def has_money_action_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("donations.change_payment")

    @admin.action(description=_("Refund the selected payment (full or partial)"), permissions=["money_action"])
    def refund(self, request: HttpRequest, queryset: QuerySet):
        if queryset.count() != 1:
            self.message_user(request, _("Choose exactly one payment to refund."), messages.WARNING)
            return None
        payment = queryset.select_related("pledge__organization").get()
        remaining = payment_refundable(payment)
        form = RefundForm(
            request.POST if "apply" in request.POST else None,
            initial={"amount": input_value(remaining, payment.currency), "request_key": uuid.uuid4().hex},
        )
        if form.is_bound and form.is_valid():
            try:
                amount = parse_amount_for_refund(form.cleaned_data["amount"], payment.currency)
                refund = refund_issue(
                    payment=payment,
                    amount=amount,
                    request_key=form.cleaned_data["request_key"],
                    requested_by=request.user,
                    reason=form.cleaned_data["reason"],
                    source=PledgeTransition.Source.STAFF,
                )
            except ValidationError as exc:
                form.add_error("amount", exc.messages)
            except (gateway.StripeUnavailable, gateway.StripeRejected) as exc:
                self.message_user(
                    request,
                    _("Stripe did not refund: %(error)s. Nothing was recorded.") % {"error": exc},
                    messages.ERROR,
                )
                return None
            else:
                self.message_user(
                    request,
                    _("Refunded %(amount)s (Stripe refund %(id)s).")
                    % {"amount": format_money(refund.amount, refund.currency), "id": refund.stripe_refund_id},
                )
                return None
        return TemplateResponse(
            request,
            "admin/donations/payment/refund.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Refund a payment"),
                "opts": self.model._meta,
                "payment": payment,
                "remaining": format_money(remaining, payment.currency),
                "form": form,
                "action_checkbox_name": ACTION_CHECKBOX_NAME,
            },
        )

    @admin.action(description=_("Resend the receipt email"), permissions=["money_action"])
    def resend_receipt(self, request: HttpRequest, queryset: QuerySet) -> None:
        for payment in queryset:
            send_receipt.enqueue(payment_id=payment.pk, resend=True)
        self.message_user(
            request, ngettext("%d receipt queued.", "%d receipts queued.", queryset.count()) % queryset.count()
        )

    @admin.action(description=_("Export the selected payments as CSV"))
    def export_csv(self, request: HttpRequest, queryset: QuerySet) -> StreamingHttpResponse:
        rows = (
            queryset.order_by("paid_at")
            .values_list(
                "paid_at",
                "stripe_id",
                "organization__name",
                "pledge__program__name",
                "amount",
                "currency",
                "pledge__frequency",
                "pledge__reference",
                "pledge__donor_email",
            )
            .iterator(chunk_size=2000)
        )
        header = [
            pgettext_lazy("CSV column: when the payment was made", "paid"),
            _("stripe id"),
            _("organization"),
            _("program"),
            _("amount"),
            _("currency"),
            _("frequency"),
            _("pledge"),
            _("donor email"),
        ]
        return _export("payments.csv", header, ([*row[:4], input_value(row[4], row[5]), *row[5:]] for row in rows))


def parse_amount_for_refund(text: str, code: str) -> int:
    """A refund amount in major units; smaller than a gift's minimum is fine, so no gift limits apply here."""
    try:
        return parse_amount(text, code, limits=False)
    except AmountError as exc:
        raise ValidationError(str(exc)) from exc


@admin.register(Refund)
class RefundAdmin(ReadOnlyAdmin):
    list_display = [
        "stripe_refund_id",
        "organization",
        "amount_display",
        "currency",
        "source",
        "requested_by",
        "status",
        "donor",
        "created_at",
    ]
    list_filter = [
        "source",
        ("organization", admin.RelatedOnlyFieldListFilter),
        "currency",
        ("created_at", admin.DateFieldListFilter),
    ]
    search_fields = [
        "stripe_refund_id",
        "payment__stripe_id",
        "payment__pledge__reference",
        "payment__pledge__donor_email",
    ]
    list_select_related = ["organization", "payment__pledge", "requested_by"]
    readonly_fields = [f.name for f in Refund._meta.fields]

    @admin.display(description=_("amount"), ordering="amount")
    def amount_display(self, obj: Refund) -> str:
        return format_money(obj.amount, obj.currency)

    @admin.display(description=_("donor"))
    def donor(self, obj: Refund) -> str:
        return obj.payment.pledge.donor_email


@admin.register(StripeEvent)
class StripeEventAdmin(ReadOnlyAdmin):
    list_display = ["event_id", "type", "created", "received_at", "outcome"]
    list_filter = ["type", ("created", admin.DateFieldListFilter)]
    search_fields = ["event_id", "type", "outcome"]
    readonly_fields = ["event_id", "type", "created", "received_at", "outcome", "payload_pretty"]
    exclude = ["payload"]

    @admin.display(description=_("payload"))
    def payload_pretty(self, obj: StripeEvent) -> str:
        return format_html(
            "<pre style='white-space: pre-wrap'>{}</pre>", json.dumps(obj.payload, indent=2, sort_keys=True)
        )
