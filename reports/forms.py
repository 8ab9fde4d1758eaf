"""The filters an organization member sets on a report: period, program, currency, once or monthly."""

from datetime import date, timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from common.money import CURRENCY_CHOICES
from donations.models import Frequency
from orgs.models import Organization, Program
from reports import selectors


class ReportFilterForm(forms.Form):
    start = forms.DateField(
        label=pgettext_lazy("start of the report period", "From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    end = forms.DateField(
        label=pgettext_lazy("end of the report period", "To"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    program = forms.ModelChoiceField(
        label=gettext_lazy("Program"), queryset=Program.objects.none(), required=False, empty_label=gettext_lazy("All")
    )
    currency = forms.ChoiceField(
        label=gettext_lazy("Currency"), choices=[("", gettext_lazy("All"))] + CURRENCY_CHOICES, required=False
    )
    frequency = forms.ChoiceField(
        label=gettext_lazy("Once or monthly"), choices=[("", gettext_lazy("All"))] + Frequency.choices, required=False
    )

    def __init__(self, *args, organization: Organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["program"].queryset = organization.programs.all()
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-select" if isinstance(field.widget, forms.Select) else "form-control"

    EARLIEST = date(2000, 1, 1)

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        latest = timezone.localdate() + timedelta(days=366)
        for value in (start, end):
            if value and not (self.EARLIEST <= value <= latest):
                raise forms.ValidationError(
                    _("Choose dates between %(first)s and %(last)s.") % {"first": self.EARLIEST, "last": latest}
                )
        if start and end and start > end:
            raise forms.ValidationError(_("The start date must be before the end date."))
        return data

    def filters(self) -> selectors.ReportFilters:
        default = selectors.ReportFilters.default()
        if not self.is_valid():
            return default
        data = self.cleaned_data
        return selectors.ReportFilters(
            start=data.get("start") or default.start,
            end=data.get("end") or default.end,
            program=data.get("program"),
            currency=data.get("currency") or "",
            frequency=data.get("frequency") or "",
        )
