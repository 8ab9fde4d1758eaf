"""People's side of the portal: who belongs to which organization (and so may read its reports)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from orgs.models import Organization


class Membership(models.Model):
    """A user who belongs to an organization and may read its pledge reports. Set by staff.

    Every member reads the organization's reports. A "manager" may also post the organization's updates (text and
    photos, behind the safety gate: reports/updates.py); reports/ checks the role by its value, "manager", as it
    may not import this module. (The old "manager" and "viewer" roles, which promised nothing different, were
    merged in migration 0003; the manager role came back with the power it grants.)
    """

    class Role(models.TextChoices):
        MEMBER = "member", _("member")
        MANAGER = "manager", _("manager (also posts updates)")

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
