"""The staff back office for money. Everything is read-only; state changes only through actions that call services."""

import json
import uuid

from auditlog.mixins import AuditlogHistoryAdminMixin
from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import ValidationError
from django.db.models import Case, F, IntegerField, Model, Q, QuerySet, Value, When
from django.http import HttpRequest, StreamingHttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, pgettext_lazy

from common.csv import csv_lines
from common.money import AmountError, format_money, input_value, parse_amount
from common.second_factor import second_factor_verified
from donations import stripe_gateway as gateway
from donations.models import (
    ActionRequired,
    Dispute,
    Payment,
    PaymentQuerySet,
    Pledge,
    PledgeQuerySet,
    PledgeTransition,
    Refund,
    StripeEvent,
)
from donations.services.erasure import pledge_set_legal_hold
from donations.services.pledges import pledge_clear_mismatch, pledge_stop_monthly
from donations.services.refunds import payment_refundable, refund_issue
from donations.tasks import send_receipt


def _page_fields(model: type[Model], shown: dict[str, str]) -> list[str]:
    """A record page's fields in the model's order; those named in `shown` through a display method instead
    (money as amounts, not minor units; Stripe ids as links)."""
    return [shown.get(field.name, field.name) for field in model._meta.fields]


def _admin_link(obj: Model, text: str) -> str:
    meta = obj._meta
    return format_html(
        '<a href="{}">{}</a>', reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk]), text
    )


def _event_log_link(stripe_id: str | None) -> str | None:
    """A Stripe id with no page of its own here (session, subscription, customer, payment intent) links to the
    Stripe events that name it. Only to the portal's own pages, never to Stripe's dashboard: the sandbox's ids
    exist nowhere else, and staff can copy the id into the dashboard of the right mode themselves."""
    if not stripe_id:
        return None  # the admin's "-"
    url = reverse("admin:donations_stripeevent_changelist") + "?" + urlencode({"q": stripe_id})
    return format_html('<a href="{}" title="{}">{}</a>', url, _("Stripe events that name this id"), stripe_id)


def _refund_links(refunds: QuerySet) -> str | None:
    rows = [(_admin_link(r, r.stripe_refund_id), format_money(r.amount, r.currency), r.status) for r in refunds]
    if not rows:
        return None  # the admin's "-"
    return format_html("<ul>{}</ul>", format_html_join("", "<li>{}: {} ({})</li>", rows))


def _dispute_links(disputes: QuerySet) -> str | None:
    rows = [(_admin_link(d, d.stripe_dispute_id), d.display_amount, d.get_status_display()) for d in disputes]
    if not rows:
        return None  # the admin's "-"
    return format_html("<ul>{}</ul>", format_html_join("", "<li>{}: {} ({})</li>", rows))


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


class ActionRequiredInline(ReadOnlyInline):
    """Months the donor's bank asked the donor to confirm (3-D Secure), and when the donor was sent the link."""

    model = ActionRequired
    fields = ["created_at", "stripe_invoice_id", "amount_display", "notice_sent_at"]
    readonly_fields = fields

    @admin.display(description=_("amount"))
    def amount_display(self, obj: ActionRequired) -> str:
        return obj.amount_display


class PaymentInline(ReadOnlyInline):
    model = Payment
    fields = ["paid_at", "amount_display", "payment_link", "receipt_sent_at"]
    readonly_fields = fields

    @admin.display(description=_("amount"))
    def amount_display(self, obj: Payment) -> str:
        return obj.display_amount

    @admin.display(description=_("stripe id"))
    def payment_link(self, obj: Payment) -> str:
        return _admin_link(obj, obj.stripe_id)


def _export(filename: str, header: list[str], rows) -> StreamingHttpResponse:
    response = StreamingHttpResponse(csv_lines(header, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


class StripeMismatchFilter(admin.SimpleListFilter):
    """Pledges whose Stripe news named another amount or currency: never counted as paid until staff check."""

    title = _("Stripe mismatch")
    parameter_name = "stripe_mismatch"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [("flagged", _("flagged"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        return queryset.exclude(stripe_mismatch="") if self.value() == "flagged" else queryset


class IdentityErasedFilter(admin.SimpleListFilter):
    title = _("donor identity")
    parameter_name = "identity"

    def lookups(self, request, model_admin):
        return [("erased", _("erased")), ("kept", _("kept"))]

    def queryset(self, request, queryset):
        if self.value() == "erased":
            return queryset.filter(identity_erased_at__isnull=False)
        if self.value() == "kept":
            return queryset.filter(identity_erased_at__isnull=True)
        return queryset


@admin.register(Pledge)
class PledgeAdmin(AuditlogHistoryAdminMixin, ReadOnlyAdmin):
    list_display = [
        "reference",
        "organization",
        "program",
        "amount_display",
        "currency",
        "frequency",
        "status",
        "donor_email",
        "identity_erased_at",
        "legal_hold",
        "created_at",
    ]
    list_filter = [
        "status",
        StripeMismatchFilter,
        IdentityErasedFilter,
        "legal_hold",
        "organization",
        "currency",
        "frequency",
        ("created_at", admin.DateFieldListFilter),
    ]
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
    fields = readonly_fields = [
        *_page_fields(
            Pledge,
            {
                "gift_amount": "gift_display",
                "fee_amount": "fee_display",
                "amount": "amount_display",
                "stripe_checkout_session_id": "checkout_session_link",
                "stripe_subscription_id": "subscription_link",
                "stripe_customer_id": "customer_link",
            },
        ),
        "refunds_display",
        "disputes_display",
    ]
    inlines = [TransitionInline, PaymentInline, ActionRequiredInline]
    actions = ["stop_monthly", "clear_stripe_mismatch", "set_legal_hold", "lift_legal_hold", "export_csv"]
    date_hierarchy = "created_at"

    @admin.action(
        description=_("Set a legal hold: keep the donor's identity (retention and the donor's erasure skip it)"),
        permissions=["money_action"],
    )
    def set_legal_hold(self, request: HttpRequest, queryset: PledgeQuerySet) -> None:
        changed = sum(pledge_set_legal_hold(pledge=p, hold=True, by=request.user.get_username()) for p in queryset)
        self.message_user(request, ngettext("%d pledge held.", "%d pledges held.", changed) % changed)

    @admin.action(description=_("Lift the legal hold"), permissions=["money_action"])
    def lift_legal_hold(self, request: HttpRequest, queryset: PledgeQuerySet) -> None:
        changed = sum(pledge_set_legal_hold(pledge=p, hold=False, by=request.user.get_username()) for p in queryset)
        self.message_user(request, ngettext("%d hold lifted.", "%d holds lifted.", changed) % changed)

    @admin.display(description=_("charged"), ordering="amount")
    def amount_display(self, obj: Pledge) -> str:
        return obj.display_amount

    @admin.display(description=_("gift"))
    def gift_display(self, obj: Pledge) -> str:
        return obj.display_gift

    @admin.display(description=_("added processing fee"))
    def fee_display(self, obj: Pledge) -> str:
        return obj.display_fee

    @admin.display(description=_("stripe checkout session id"))
    def checkout_session_link(self, obj: Pledge) -> str:
        return _event_log_link(obj.stripe_checkout_session_id)

    @admin.display(description=_("stripe subscription id"))
    def subscription_link(self, obj: Pledge) -> str:
        return _event_log_link(obj.stripe_subscription_id)

    @admin.display(description=_("stripe customer id"))
    def customer_link(self, obj: Pledge) -> str:
        return _event_log_link(obj.stripe_customer_id)

    @admin.display(description=_("refunds"))
    def refunds_display(self, obj: Pledge) -> str:
        return _refund_links(Refund.objects.filter(payment__pledge=obj).order_by("refunded_at"))

    @admin.display(description=_("disputes"))
    def disputes_display(self, obj: Pledge) -> str:
        return _dispute_links(Dispute.objects.filter(payment__pledge=obj).order_by("opened_at"))

    def has_money_action_permission(self, request: HttpRequest) -> bool:
        """Acting on money (refunds, stopping gifts, resending receipts) needs the change permission, not just view,
        and a session signed in with the second factor."""
        return request.user.has_perm("donations.change_pledge") and second_factor_verified(request.user)

    def has_money_export_permission(self, request: HttpRequest) -> bool:
        """Exports carry donors' names and emails: a session signed in with the second factor."""
        return self.has_view_permission(request) and second_factor_verified(request.user)

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

    @admin.action(
        description=_("Clear the Stripe mismatch flag (after checking the pledge in Stripe)"),
        permissions=["money_action"],
    )
    def clear_stripe_mismatch(self, request: HttpRequest, queryset: QuerySet) -> None:
        """The flag goes; the pledge's history keeps who cleared it, when, and what it said."""
        cleared = sum(
            pledge_clear_mismatch(pledge=pledge, cleared_by=request.user.get_username())
            for pledge in queryset.exclude(stripe_mismatch="")
        )
        self.message_user(
            request,
            ngettext("%d Stripe mismatch flag cleared.", "%d Stripe mismatch flags cleared.", cleared) % cleared,
        )

    @admin.action(description=_("Export the selected pledges as CSV"), permissions=["money_export"])
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


def _dispute_dashboard_link(obj: Dispute) -> str:
    url = gateway.dashboard_url(f"disputes/{obj.stripe_dispute_id}")
    return format_html('<a href="{}" target="_blank" rel="noopener">{}</a>', url, _("Open in Stripe"))


class DisputeInline(ReadOnlyInline):
    """A payment's disputes, with their deadline and a way to the dispute's page and to Stripe's."""

    model = Dispute
    fields = ["dispute_link", "amount_display", "status", "reason", "evidence_due_by", "opened_at", "closed_at"]
    readonly_fields = fields

    @admin.display(description=_("stripe dispute id"))
    def dispute_link(self, obj: Dispute) -> str:
        return _admin_link(obj, obj.stripe_dispute_id)

    @admin.display(description=_("amount"))
    def amount_display(self, obj: Dispute) -> str:
        return obj.display_amount


class DisputeOpenFilter(admin.SimpleListFilter):
    title = _("open or closed")
    parameter_name = "open"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [("yes", _("open")), ("no", _("closed"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == "yes":
            return queryset.open()
        if self.value() == "no":
            return queryset.filter(status__in=Dispute.CLOSED)
        return queryset


@admin.register(Dispute)
class DisputeAdmin(ReadOnlyAdmin):
    """Disputes, open ones first, the nearest evidence deadline at the top. Staff answer them in Stripe's
    dashboard (linked); the portal keeps Stripe's facts, which no one edits here."""

    list_display = [
        "stripe_dispute_id",
        "organization",
        "amount_display",
        "status",
        "reason",
        "evidence_due_by",
        "is_open",
        "opened_at",
        "pledge_link",
        "dashboard_link",
    ]
    list_filter = [
        DisputeOpenFilter,
        "status",
        ("organization", admin.RelatedOnlyFieldListFilter),
        "currency",
        ("opened_at", admin.DateFieldListFilter),
    ]
    search_fields = [
        "stripe_dispute_id",
        "stripe_charge_id",
        "payment__stripe_payment_intent_id",
        "payment__pledge__reference",
    ]
    search_help_text = _("Dispute (dp_), charge (ch_) or payment intent (pi_) id, or pledge reference.")
    list_select_related = ["organization", "payment__pledge"]
    fields = readonly_fields = [
        *_page_fields(Dispute, {"amount": "amount_display", "payment": "payment_link"}),
        "pledge_link",
        "dashboard_link",
    ]

    def get_ordering(self, request: HttpRequest) -> list:
        """Open disputes first, the nearest evidence deadline at the top; then closed ones."""
        closed_last = Case(
            When(status__in=Dispute.CLOSED, then=Value(1)), default=Value(0), output_field=IntegerField()
        )
        return [closed_last.asc(), F("evidence_due_by").asc(nulls_last=True), "-opened_at"]

    @admin.display(description=_("amount"), ordering="amount")
    def amount_display(self, obj: Dispute) -> str:
        return obj.display_amount

    @admin.display(description=_("open"), boolean=True)
    def is_open(self, obj: Dispute) -> bool:
        return obj.is_open

    @admin.display(description=_("payment"))
    def payment_link(self, obj: Dispute) -> str:
        return _admin_link(obj.payment, obj.payment.stripe_id)

    @admin.display(description=_("pledge"))
    def pledge_link(self, obj: Dispute) -> str:
        return _admin_link(obj.payment.pledge, obj.payment.pledge.reference)

    @admin.display(description=_("Stripe dashboard"))
    def dashboard_link(self, obj: Dispute) -> str:
        return _dispute_dashboard_link(obj)


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
    search_help_text = _(
        "Donor email, pledge reference, payment intent (pi_), invoice (in_), refund (re_) or charge (ch_) id. "
        "Charge ids are not stored: a ch_ id is found through the Stripe events that named it (refunds, disputes); "
        "otherwise search by the payment intent (pi_) that Stripe shows on the charge."
    )
    list_select_related = ["pledge__organization", "pledge__program", "organization"]
    fields = readonly_fields = [
        *_page_fields(Payment, {"amount": "amount_display", "stripe_payment_intent_id": "payment_intent_link"}),
        "refunds_display",
    ]
    inlines = [DisputeInline]
    actions = ["refund", "resend_receipt", "export_csv"]
    date_hierarchy = "paid_at"

    def get_queryset(self, request: HttpRequest) -> PaymentQuerySet:
        return super().get_queryset(request).with_refunded()

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str):
        term = search_term.strip()
        if term.startswith("ch_") and " " not in term:
            intents = charge_payment_intents(term)
            return queryset.filter(Q(stripe_payment_intent_id__in=intents) | Q(stripe_id=term)), False
        return super().get_search_results(request, queryset, search_term)

    @admin.display(description=_("stripe payment intent id"))
    def payment_intent_link(self, obj: Payment) -> str:
        return _event_log_link(obj.stripe_payment_intent_id)

    @admin.display(description=_("refunds"))
    def refunds_display(self, obj: Payment) -> str:
        return _refund_links(obj.refunds.order_by("refunded_at"))

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
        return request.user.has_perm("donations.change_payment") and second_factor_verified(request.user)

    def has_money_export_permission(self, request: HttpRequest) -> bool:
        return self.has_view_permission(request) and second_factor_verified(request.user)

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
            except gateway.StripeUnavailable:
                self.message_user(
                    request,
                    _("Stripe is busy or did not answer. Nothing was refunded or recorded: try again in a moment."),
                    messages.WARNING,
                )
                return None
            except gateway.StripeRejected as exc:
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

    @admin.action(description=_("Export the selected payments as CSV"), permissions=["money_export"])
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
class RefundAdmin(AuditlogHistoryAdminMixin, ReadOnlyAdmin):
    list_display = [
        "stripe_refund_id",
        "organization",
        "amount_display",
        "currency",
        "source",
        "requested_by",
        "status",
        "transfer_reversed",
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
    fields = readonly_fields = [*_page_fields(Refund, {"amount": "amount_display"}), "pledge_link"]

    @admin.display(description=_("amount"), ordering="amount")
    def amount_display(self, obj: Refund) -> str:
        return format_money(obj.amount, obj.currency)

    @admin.display(description=_("transfer reversed"), boolean=True)
    def transfer_reversed(self, obj: Refund) -> bool:
        """A gift to a connected account: the refund took the money back from the organization's account."""
        return obj.transfer_reversed

    @admin.display(description=_("donor"))
    def donor(self, obj: Refund) -> str:
        return obj.payment.pledge.donor_email

    @admin.display(description=_("pledge"))
    def pledge_link(self, obj: Refund) -> str:
        return _admin_link(obj.payment.pledge, obj.payment.pledge.reference)


@admin.register(StripeEvent)
class StripeEventAdmin(ReadOnlyAdmin):
    list_display = ["event_id", "type", "created", "received_at", "outcome"]
    list_filter = ["type", ("created", admin.DateFieldListFilter)]
    # The payload's text too: a pledge reference, a payment intent (pi_), a Checkout Session (cs_), a charge (ch_)
    # finds the events that name it. A scan of the log, fine for a back office's occasional search.
    search_fields = ["event_id", "type", "outcome", "payload"]
    search_help_text = _(
        "Event id or type, or any id or reference in the payload: pledge reference, pi_, cs_, ch_, in_, sub_, re_."
    )
    readonly_fields = ["event_id", "type", "created", "received_at", "outcome", "payload_pretty"]
    exclude = ["payload"]

    class Media:
        css = {"all": ["css/admin.css"]}  # the payload's wrapping, without an inline style (CSP)

    @admin.display(description=_("payload"))
    def payload_pretty(self, obj: StripeEvent) -> str:
        return format_html('<pre class="stripe-payload">{}</pre>', json.dumps(obj.payload, indent=2, sort_keys=True))


def charge_payment_intents(charge_id: str) -> list[str]:
    """The payment intents that the Stripe events we received give for a charge (the portal does not store charge
    ids): a charge event's object is the charge; a refund's or dispute's names it in `charge`."""
    named = StripeEvent.objects.filter(
        Q(payload__data__object__id=charge_id) | Q(payload__data__object__charge=charge_id)
    )
    intents = named.values_list("payload__data__object__payment_intent", flat=True)
    return sorted({intent for intent in intents if isinstance(intent, str) and intent})
