from django import forms
from django.utils.translation import gettext_lazy as _

from orgs.models import Cause, Region
from orgs.selectors import DirectoryFilters

QUERY_MAX_LENGTH = 100


def _term_field(model, label, empty_label, invalid) -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        label=label,
        queryset=model.objects.all(),
        to_field_name="slug",
        required=False,
        empty_label=empty_label,
        error_messages={"invalid_choice": invalid},
    )


class DirectoryFilterForm(forms.Form):
    """The directory's search and filters, read from the query string. Invalid parts are reported and ignored."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=QUERY_MAX_LENGTH,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Name, acronym, program, cause or place")}),
        error_messages={"max_length": _("Search for at most %(limit_value)d characters; this search was ignored.")},
    )
    cause = _term_field(Cause, _("Cause"), _("All causes"), _("There is no such cause; showing all causes."))
    region = _term_field(Region, _("Region"), _("All regions"), _("There is no such region; showing all regions."))
    gifts = forms.BooleanField(label=_("Only organizations that take gifts here"), required=False)
    sort = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[("", _("Best match, or name")), ("name", _("Name")), ("updated", _("Recently updated"))],
        error_messages={"invalid_choice": _("There is no such order; sorting by name.")},
    )

    def filters(self) -> DirectoryFilters:
        """The valid part of the submitted filters (call after is_valid())."""
        data = self.cleaned_data
        return DirectoryFilters(
            query=data.get("q") or "",
            cause=data.get("cause"),
            region=data.get("region"),
            takes_gifts=bool(data.get("gifts")),
            sort=data.get("sort") or "",
        )

    def problems(self) -> list[str]:
        return [str(message) for messages in self.errors.values() for message in messages]
