from django.conf import settings
from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt
from django.views.i18n import set_language

from config import views
from donations import views as donation_views
from orgs.sitemaps import SITEMAPS

# admin.site is accounts.admin_site.PortalAdminSite (config.apps.PortalAdminConfig): password and second factor.
admin.site.site_header = _("Refugee Aid Portal: staff")
admin.site.site_title = _("Refugee Aid Portal")

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("robots.txt", views.robots_txt, name="robots_txt"),
    path("sitemap.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap"),
    path("admin/", admin.site.urls),
    # Choosing the display language changes nothing but a cookie, so it needs no CSRF token: the language switch
    # in every page's header then carries none, and public pages stay the same for every visitor (page cache).
    path("i18n/setlang/", csrf_exempt(set_language), name="set_language"),
    path("donations/", include("donations.urls")),
    path("reports/", include("reports.urls")),
    path("accounts/", include("accounts.urls")),
    # A program's page shows the portal's own gifts toward its goals, so donations serves it (see its view).
    path(
        "organizations/<slug:slug>/programs/<slug:program_slug>/",
        donation_views.program,
        name="program",
    ),
    path("", include("orgs.urls")),
]
if not settings.MEDIA_URL.startswith(("http://", "https://", "//")):
    # Uploads stored on this machine, in development and production alike (config.views.media).
    urlpatterns.insert(0, path(f"{settings.MEDIA_URL.strip('/')}/<path:path>", views.media, name="media"))
