"""The manager's update form: text, regions from the portal's list, up to three photos, each with its consent.

Each text field is checked by the safety gate (orgs.updates.gate) here, so the refusal shows beside the field that
says too much; the service checks everything again before saving.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from orgs.models import Organization, Region
from orgs.updates import gate
from orgs.updates.models import MAX_DELAY_DAYS, MIN_DELAY_DAYS, UpdatePhoto
from orgs.updates.services import MAX_PHOTOS, PhotoUpload, gate_findings

PHOTO_SLOTS = range(1, MAX_PHOTOS + 1)


class UpdateForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    text = forms.CharField(
        label=_("Update"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_(
            "What the gifts did. Name no one, and no place below country level: no town, street, address, "
            "coordinates or map link. Choose the countries below."
        ),
    )
    program = forms.ModelChoiceField(
        label=_("Program"), queryset=None, required=False, empty_label=_("The whole organization")
    )
    regions = forms.ModelMultipleChoiceField(
        label=_("Where (countries and regions from the portal's list)"),
        queryset=Region.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    names_no_one = forms.BooleanField(
        label=_("This update names no one and says nothing from which a person could be recognised."),
    )

    def __init__(self, *args, organization: Organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.organization = organization
        self.fields["program"].queryset = organization.programs.filter(active=True)
        for n in PHOTO_SLOTS:
            self.fields[f"photo_{n}"] = forms.FileField(
                label=_("File"),
                required=False,
                widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/gif,image/webp"}),
                help_text=_(
                    "JPEG, PNG, GIF or WebP, at most 10 MB. Stored resized, with all its metadata (place, camera, "
                    "time) removed."
                ),
            )
            self.fields[f"description_{n}"] = forms.CharField(
                label=_("What photo %(n)d shows (for people who cannot see it)") % {"n": n},
                max_length=300,
                required=False,
            )
            self.fields[f"consent_{n}"] = forms.ChoiceField(
                label=_("People in photo %(n)d") % {"n": n},
                choices=UpdatePhoto.Consent.choices,
                required=False,
                widget=forms.RadioSelect,
            )

    def photo_slots(self):
        return [(self[f"photo_{n}"], self[f"description_{n}"], self[f"consent_{n}"]) for n in PHOTO_SLOTS]

    def _gate(self, name: str) -> str:
        value = self.cleaned_data.get(name, "")
        findings = gate_findings(value)
        if findings:
            raise forms.ValidationError(gate.refusal(findings))
        return value

    def clean_title(self) -> str:
        return self._gate("title")

    def clean_text(self) -> str:
        return self._gate("text")

    def clean(self):
        data = super().clean()
        for n in PHOTO_SLOTS:
            if not data.get(f"photo_{n}"):
                continue
            description = (data.get(f"description_{n}") or "").strip()
            if not description:
                self.add_error(f"description_{n}", _("Say what the photo shows."))
            else:
                findings = gate_findings(description)
                if findings:
                    self.add_error(f"description_{n}", gate.refusal(findings))
            if not data.get(f"consent_{n}"):
                self.add_error(
                    f"consent_{n}",
                    _("Confirm that no identifiable person is in the photo, or that each gave informed consent."),
                )
        return data

    def photos(self) -> list[PhotoUpload]:
        data = self.cleaned_data
        return [
            PhotoUpload(
                file=data[f"photo_{n}"],
                size=data[f"photo_{n}"].size,
                description=data[f"description_{n}"],
                consent=data[f"consent_{n}"],
            )
            for n in PHOTO_SLOTS
            if data.get(f"photo_{n}")
        ]


class DelayForm(forms.Form):
    days = forms.IntegerField(
        label=_("Days before an update is published"),
        min_value=MIN_DELAY_DAYS,
        max_value=MAX_DELAY_DAYS,
        help_text=_(
            "Counted from when it is sent for review. A longer delay also holds back updates not yet published."
        ),
    )
