from django.contrib.admin.apps import AdminConfig


class PortalAdminConfig(AdminConfig):
    """Django's admin, served by the portal's admin site: staff need their second factor (accounts.admin_site)."""

    default_site = "accounts.admin_site.PortalAdminSite"
