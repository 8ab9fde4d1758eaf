"""Members in the back office: the organization page gains its members and an "Invite a member" page.

The directory's admin knows nothing of people; this module extends it (accounts depends on orgs, never the
other way round) by registering a subclass of the directory's OrganizationAdmin.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.admin import TOTPDeviceAdmin
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import services
from accounts.models import Membership
from orgs.admin import OrganizationAdmin
from orgs.models import Organization


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ["user"]
    fields = ["user", "role", "created_at"]
    readonly_fields = ["created_at"]
    verbose_name_plural = _("members (they read this organization's pledge reports)")


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("Email"), max_length=254)


class OrganizationWithMembersAdmin(OrganizationAdmin):
    inlines = [*OrganizationAdmin.inlines, MembershipInline]
    change_form_template = "admin/accounts/organization_change_form.html"

    def get_urls(self):
        invite = path(
            "<int:object_id>/invite/", self.admin_site.admin_view(self.invite_view), name="orgs_organization_invite"
        )
        return [invite, *super().get_urls()]

    def invite_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        organization = get_object_or_404(Organization, pk=object_id)
        if not self.has_change_permission(request, organization):
            raise PermissionDenied
        form = InviteForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                invitation = services.member_invite(
                    organization=organization,
                    email=form.cleaned_data["email"],
                )
            except ValidationError as exc:
                form.add_error("email", exc.messages)
            else:
                self._report_invitation(request, invitation)
                return redirect("admin:orgs_organization_change", organization.pk)
        return TemplateResponse(
            request,
            "admin/accounts/invite.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Invite a member of %(name)s") % {"name": organization.name},
                "opts": self.model._meta,
                "organization": organization,
                "form": form,
            },
        )

    def _report_invitation(self, request: HttpRequest, invitation: services.Invitation) -> None:
        data = {"email": invitation.membership.user.email, "organization": invitation.membership.organization}
        if not invitation.created:
            # Re-inviting changes nothing about the membership; it only sends a fresh link. Say so.
            self.message_user(
                request,
                _("%(email)s was already a member of %(organization)s; their membership is unchanged.") % data,
                messages.INFO,
            )
        if invitation.sent and invitation.created:
            self.message_user(request, _("%(email)s is a member now and has an email to set a password.") % data)
            return
        if invitation.sent:
            self.message_user(request, _("A new link to set a password was emailed to %(email)s.") % data)
            return
        self.message_user(
            request,
            _(
                "%(email)s is a member now, but the email could not be sent: they can ask for one on the "
                "sign-in page ('Forgotten your password, or invited?')."
            )
            % data,
            messages.WARNING,
        )


class EnrolTOTPDeviceAdmin(TOTPDeviceAdmin):
    """Superusers enrol a colleague's authenticator app here (README: staff sign-in): adding a device shows its QR
    code and address at once, for the colleague to scan."""

    def response_add(self, request: HttpRequest, obj: TOTPDevice, post_url_continue=None) -> HttpResponse:
        return redirect("admin:otp_totp_totpdevice_config", pk=obj.pk)


admin.site.unregister(TOTPDevice)
admin.site.register(TOTPDevice, EnrolTOTPDeviceAdmin)
admin.site.unregister(Organization)
admin.site.register(Organization, OrganizationWithMembersAdmin)
