"""People's side of the portal: who belongs to which organization (and so may read its reports)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from orgs.models import Organization


class Membership(models.Model):
    """A user who belongs to an organization and may read its pledge reports. Set by staff.

    There is one role, "member": reading the organization's reports is all a member can do, and the portal has
    no organization-side editing yet. The old "manager" and "viewer" roles promised a difference that did not
    exist, so they were merged (migration 0003). A new power comes with a new role and the code that grants it.
    """

    class Role(models.TextChoices):
        MEMBER = "member", _("member")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("user")
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("organization")
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.MEMBER)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        constraints = [models.UniqueConstraint(fields=["user", "organization"], name="membership_unique_user_org")]

    def __str__(self) -> str:
        return _("%(user)s (%(role)s) of %(organization)s") % {
            "user": self.user,
            "role": self.get_role_display(),
            "organization": self.organization,
        }
