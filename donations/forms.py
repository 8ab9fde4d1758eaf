"""The Give form: amounts in the currency's rules, private by default, with a honeypot for simple bots."""

import re
from dataclasses import dataclass

from crispy_forms.helper import FormHelper
from django import forms
from django.utils.html import escape
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from common.money import (
    DEFAULT_CURRENCY,
    AmountError,
    check_limits,
    currency,
    format_money,
    input_value,
    language_currency,
    parse_amount,
    processing_fee,
)
from donations.models import Frequency, Pledge
from donations.services.pledges import GiftDetails
from orgs.models import Organization, Program, UnitCost

OTHER = "other"
SUBMISSION_KEY = re.compile(r"^[0-9a-f]{32}$")
# The fields the donor fills in, kept as typed when the form changes currency.
TYPED = ("frequency", "program", "donor_name", "donor_email", "dedication")


@dataclass(frozen=True)
class SummaryError:
    """One line of the error summary at the top of the form: a link to the field (anchor) and its message."""

    anchor: str
    label: str
    message: str


def gift_currency(organization: Organization, requested: str | None) -> str:
    """The currency the form is in: the one asked for if the organization takes it; else the currency of the
    page's language (a Korean page starts in KRW), else the portal's default, else the organization's first.

    Only the language decides the blank form's currency, never anything about the visitor: public pages are cached
    per language (common.pagecache)."""
    codes = organization.currencies
    for wanted in ((requested or "").upper(), language_currency(get_language()), DEFAULT_CURRENCY):
        if wanted in codes:
            return wanted
    return codes[0]


class GiveForm(forms.Form):
    currency = forms.CharField(widget=forms.HiddenInput)
    submission_key = forms.RegexField(
        regex=SUBMISSION_KEY,
        widget=forms.HiddenInput,
        error_messages={"invalid": _("This form has expired. Please check your details and submit it again.")},
    )
    frequency = forms.ChoiceField(
        label=_("How often"), choices=Frequency.choices, initial=Frequency.ONCE, widget=forms.RadioSelect
    )
    amount_choice = forms.ChoiceField(label=_("Amount"), widget=forms.RadioSelect)
    other_amount = forms.CharField(
        label=_("Other amount"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    program = forms.ChoiceField(label=_("Use my gift for"), required=False)
    cover_fee = forms.BooleanField(label=_("Add the processing fee"), required=False)
    donor_name = forms.CharField(
        label=_("Your name"), max_length=200, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    donor_email = forms.EmailField(
        label=_("Your email"),
        max_length=254,
        help_text=_("For your receipt. We never share it unless you tick the box below."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    share_identity = forms.BooleanField(required=False)
    wants_updates = forms.BooleanField(required=False)
    dedication = forms.CharField(
        label=_("Dedication (optional)"),
        required=False,
        max_length=200,
        help_text=_(
            "For example: in honour of my grandmother. The organization sees it with your gift; Stripe never does."
        ),
    )
    # A honeypot: hidden from people, filled in by simple bots.
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def __init__(self, *args, organization: Organization, currency_code: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.unit_costs: list[UnitCost] = []
        self.organization = organization
        self.currency_code = gift_currency(organization, self.data.get("currency") if self.is_bound else currency_code)
        cur = currency(self.currency_code)
        self.fields["currency"].initial = self.currency_code
        # No key on the blank form: it sits on a public page cached for every visitor. The review step gives each
        # gift its own key (donations.views.give), which the confirmation carries.
        self.presets = organization.presets(cur.code)  # staff's for this organization, else the portal's
        self.fields["amount_choice"].choices = [
            (str(amount), format_money(amount, cur.code)) for amount in self.presets
        ] + [(OTHER, _("Other amount"))]
        self.fields["amount_choice"].initial = str(self.presets[1])
        self._add_unit_costs(cur.code, self.presets)
        self.fields["program"].choices = [("", _("Where most needed"))] + [
            (str(program.pk), program.local_name) for program in organization.programs.all() if program.active
        ]
        self.fields["share_identity"].label = _("Share my name and email with %(org)s") % {
            "org": organization.local_name
        }
        self.fields["share_identity"].help_text = _(
            "Unticked, %(org)s sees your gift as “Anonymous”, with no name or email."
        ) % {"org": escape(organization.local_name)}  # help text is rendered unescaped by crispy
        self.fields["wants_updates"].label = _("Email me %(org)s's updates") % {"org": organization.local_name}
        self.fields["wants_updates"].help_text = _(
            "Published updates only, sent by the portal: %(org)s never learns who you are. Each email has a link "
            "to stop them."
        ) % {"org": escape(organization.local_name)}
        self.fields["cover_fee"].help_text = _(
            "So that %(org)s receives your whole gift. You will see the exact amount before you pay. "
            "The portal takes no tip."
        ) % {"org": escape(organization.local_name)}
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.notice = ""  # a word above the form that is not an error (after switching currency)

    def _add_unit_costs(self, code: str, suggested: tuple[int, ...]) -> None:
        """Put each approved statement of what an amount does (the organization's own words) beside the suggested
        amount nearest to it; `unit_costs` lists them for the attribution under the amounts."""
        statements = getattr(self.organization, "approved_unit_costs", None)
        if statements is None:
            statements = (
                UnitCost.objects.approved().filter(organization=self.organization).select_related("source", "program")
            )
        statements = sorted((s for s in statements if s.currency == code), key=lambda s: s.amount)
        beside: dict[int, list[UnitCost]] = {}
        for statement in statements:
            nearest = min(suggested, key=lambda amount: (abs(amount - statement.amount), amount))
            beside.setdefault(nearest, []).append(statement)
        if not beside:
            return
        self.unit_costs = statements
        choices = []
        for value, label in self.fields["amount_choice"].choices:
            said = beside.get(int(value)) if value != OTHER else None
            if said:
                words = "; ".join(f"{s.display_amount}: “{s.local_statement}”" for s in said)
                label = _("%(amount)s (%(org)s says: %(words)s)") % {
                    "amount": label,
                    "org": self.organization.local_name,
                    "words": words,
                }
            choices.append((value, label))
        self.fields["amount_choice"].choices = choices

    @classmethod
    def prefilled(cls, query, *, organization: Organization, program: Program | None = None) -> "GiveForm":
        """The blank form, set from a link (the thank-you page's "make it monthly", a program's page): frequency,
        amount, currency and program where they are valid; anything else is ignored."""
        form = cls(organization=organization, currency_code=query.get("currency"))
        initial: dict[str, str] = {}
        if query.get("frequency") in Frequency.values:
            initial["frequency"] = query["frequency"]
        try:
            amount = parse_amount(query.get("amount", ""), form.currency_code)
        except AmountError:
            amount = None
        if amount is not None:
            suggested = amount in form.presets
            initial["amount_choice"] = str(amount) if suggested else OTHER
            initial["other_amount"] = "" if suggested else input_value(amount, form.currency_code)
        wanted = str(program.pk) if program else query.get("program", "")
        if any(value == wanted for value, _label in form.fields["program"].choices if value):
            initial["program"] = wanted
        form.initial.update(initial)
        return form

    def clean_currency(self) -> str:
        code = self.cleaned_data["currency"].upper()
        if code not in self.organization.currencies:
            raise forms.ValidationError(
                _("%(org)s does not take gifts in this currency.") % {"org": self.organization.name}
            )
        return code

    def clean_program(self):
        value = self.cleaned_data.get("program")
        if not value:
            return None
        program = next((p for p in self.organization.programs.all() if str(p.pk) == value and p.active), None)
        if program is None:
            raise forms.ValidationError(_("Choose one of this organization's programs."))
        return program

    def clean_website(self) -> str:
        if self.cleaned_data.get("website"):
            raise forms.ValidationError(_("This form could not be accepted."))
        return ""

    def clean(self):
        data = super().clean()
        code = data.get("currency") or self.currency_code
        choice = data.get("amount_choice")
        typed = (data.get("other_amount") or "").strip()
        if choice and choice != OTHER and typed:  # a preset and a typed amount: ask, never guess
            self.add_error("other_amount", self._which_amount(choice, code))
            return data
        try:
            if choice == OTHER:
                if not data.get("other_amount"):
                    raise AmountError(_("Enter the amount you want to give."))
                data["gift_amount"] = parse_amount(data["other_amount"], code)
            elif choice:
                data["gift_amount"] = check_limits(int(choice), code)
        except AmountError as exc:
            self.add_error("other_amount" if choice == OTHER else "amount_choice", str(exc))
        except ValueError:
            self.add_error("amount_choice", _("Choose an amount."))
        return data

    def _which_amount(self, choice: str, code: str) -> str:
        preset = format_money(int(choice), code) if choice.isdigit() else choice
        return _(
            "You chose %(amount)s and also typed an amount under “Other amount”. Choose “Other amount” to give "
            "the amount you typed, or clear it to give %(amount)s."
        ) % {"amount": preset}

    @property
    def error_summary(self) -> list[SummaryError]:
        """The errors of the visible fields, in the form's order, each linking to its field."""
        lines = []
        for field in self:
            if field.name == "website" or not field.errors:
                continue
            radios = isinstance(field.field.widget, forms.RadioSelect)
            anchor = f"{field.auto_id}_0" if radios else field.auto_id
            lines += [SummaryError(anchor=anchor, label=str(field.label), message=error) for error in field.errors]
        return lines

    @property
    def fee(self) -> int:
        data = self.cleaned_data
        return processing_fee(data["gift_amount"], data["currency"]) if data.get("cover_fee") else 0

    def gift(self, *, language: str = "") -> GiftDetails:
        data = self.cleaned_data
        return GiftDetails(
            organization=self.organization,
            program=data["program"],
            frequency=data["frequency"],
            currency=data["currency"],
            gift_amount=data["gift_amount"],
            cover_fee=bool(data.get("cover_fee")),
            donor_name=data["donor_name"].strip(),
            donor_email=data["donor_email"].strip().lower(),  # one donor, however they capitalise it
            share_identity=bool(data.get("share_identity")),
            dedication=data.get("dedication", "").strip(),
            submission_key=data["submission_key"],
            language=language,
            wants_updates=bool(data.get("wants_updates")),
        )

    @classmethod
    def switched(cls, data, *, organization: Organization, currency_code: str | None) -> "GiveForm":
        """The form in another currency with what the donor typed; nothing is checked yet, so no error shows.

        Suggested amounts differ per currency, so a chosen one goes back to the new currency's default; a typed
        amount is kept as typed. Amounts are never converted: the notice asks the donor to check theirs.
        """
        code = gift_currency(organization, currency_code)
        typed = (data.get("other_amount") or "").strip()[:20]
        initial = {name: data.get(name, "") for name in TYPED}
        initial.update(
            currency=code,
            share_identity=bool(data.get("share_identity")),
            wants_updates=bool(data.get("wants_updates")),
            cover_fee=bool(data.get("cover_fee")),
            amount_choice=OTHER if typed else str(organization.presets(code)[1]),
            other_amount=typed,
        )
        if SUBMISSION_KEY.match(data.get("submission_key", "")):
            initial["submission_key"] = data["submission_key"]
        form = cls(initial=initial, organization=organization, currency_code=code)
        form.notice = _("Amounts are not converted between currencies: check your amount in %(code)s.") % {"code": code}
        return form

    @classmethod
    def initial_from(cls, pledge: Pledge) -> dict:
        """The form filled in again from a pledge (after a cancelled or failed Checkout)."""
        suggested = pledge.gift_amount in pledge.organization.presets(pledge.currency)
        return {
            "currency": pledge.currency,
            "frequency": pledge.frequency,
            "amount_choice": str(pledge.gift_amount) if suggested else OTHER,
            "other_amount": "" if suggested else input_value(pledge.gift_amount, pledge.currency),
            "program": str(pledge.program_id or ""),
            "cover_fee": pledge.fee_amount > 0,
            "donor_name": pledge.donor_name,
            "donor_email": pledge.donor_email,
            "share_identity": pledge.share_identity,
            "wants_updates": pledge.wants_updates,
            "dedication": pledge.dedication,
        }


class DonorEmailForm(forms.Form):
    """The donor's page: the email gifts were made with, to send a sign-in link to."""

    email = forms.EmailField(
        label=_("Your email"),
        max_length=254,
        help_text=_("The address you gave with. If it gave, we email it a link to your gifts."),
    )
