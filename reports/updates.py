"""The organization's managers post updates here (not in the admin): the list with each update's state, the
form behind the safety gate, the organization's delay, and the photos of their own updates."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET, require_http_methods

from orgs.models import Organization
from orgs.updates import selectors as update_selectors
from orgs.updates import services as update_services
from orgs.updates.models import UpdatePhoto
from reports.update_forms import DelayForm, UpdateForm

no_store = cache_control(no_store=True, private=True)
# accounts.models.Membership.Role.MANAGER: reports may not import accounts, so the role is named by its value.
MANAGER_ROLE = "manager"


def managed_organizations(user):
    """The organizations whose updates this user may post: those where the user is a manager."""
    if not user.is_authenticated:
        return Organization.objects.none()
    return Organization.objects.filter(memberships__user=user, memberships__role=MANAGER_ROLE)


def _managed(request: HttpRequest, slug: str) -> Organization:
    organization = managed_organizations(request.user).filter(slug=slug).first()
    if organization is None:
        raise Http404(_("No such page."))
    return organization


@require_http_methods(["GET", "POST"])
@login_required
@no_store
def update_list(request: HttpRequest, slug: str) -> HttpResponse:
    organization = _managed(request, slug)
    form = DelayForm(request.POST or None, initial={"days": organization.update_delay_days})
    if request.method == "POST" and form.is_valid():
        try:
            update_services.organization_set_update_delay(organization=organization, days=form.cleaned_data["days"])
        except ValidationError as exc:
            form.add_error("days", exc.messages)
        else:
            messages.success(request, _("The delay is now %(days)d days.") % {"days": form.cleaned_data["days"]})
            return redirect("reports:updates", organization.slug)
    updates = update_selectors.update_list_for_organization(organization=organization)
    return render(request, "reports/updates.html", {"organization": organization, "updates": updates, "form": form})


@require_http_methods(["GET", "POST"])
@login_required
@no_store
def update_new(request: HttpRequest, slug: str) -> HttpResponse:
    organization = _managed(request, slug)
    form = UpdateForm(request.POST or None, request.FILES or None, organization=organization)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            update = update_services.update_submit(
                organization=organization,
                author=request.user,
                title=data["title"],
                text=data["text"],
                program=data["program"],
                regions=data["regions"],
                names_no_one=data["names_no_one"],
                photos=form.photos(),
            )
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            messages.success(
                request,
                _("Your update was sent for review. It will not be published before %(date)s.")
                % {"date": update.publish_after.date().isoformat()},
            )
            return redirect("reports:updates", organization.slug)
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "reports/update_form.html", {"organization": organization, "form": form}, status=status)


@require_GET
@login_required
@no_store
def update_photo(request: HttpRequest, slug: str, pk: int) -> FileResponse:
    """A photo of one of the organization's updates, for its managers (published or not)."""
    organization = _managed(request, slug)
    photo = get_object_or_404(UpdatePhoto, pk=pk, update__organization=organization)
    content_type = "image/jpeg" if photo.image.name.endswith(".jpg") else "image/png"
    return FileResponse(photo.image.open("rb"), content_type=content_type)
