"""The Give box on a directory page: the directory's templates show it without the directory knowing the form.

``{% give_box organization %}`` (``{% give_box organization program %}``: set to a program) renders the form
(a fresh one, or the bound one a donations view passes back as ``give_form`` after an error or "Change something");
``{% give_link organization %}`` the phone's shortcut.
"""

from django import template

from donations.forms import GiveForm
from orgs.models import Organization, Program

register = template.Library()


def _takes_gifts(organization: Organization) -> bool:
    return organization.accepts_gifts and organization.published


@register.inclusion_tag("donations/includes/_give_box.html", takes_context=True)
def give_box(context: template.Context, organization: Organization, program: Program | None = None) -> dict:
    """The form; on a program's page (`program`) set to that program. A link may preset it (GiveForm.prefilled)."""
    form = context.get("give_form")
    if form is None and _takes_gifts(organization):
        request = context.get("request")
        form = GiveForm.prefilled(request.GET if request else {}, organization=organization, program=program)
    return {"organization": organization, "give_form": form}


@register.inclusion_tag("donations/includes/_give_link.html")
def give_link(organization: Organization) -> dict:
    return {"organization": organization, "takes_gifts": _takes_gifts(organization)}
