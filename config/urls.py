from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from accounts.forms import ThrottledAdminAuthenticationForm
from config import views
from orgs.sitemaps import SITEMAPS

admin.site.login_form = ThrottledAdminAuthenticationForm
admin.site.site_header = _("Refugee Aid Portal: staff")
admin.site.site_title = _("Refugee Aid Portal")

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("robots.txt", views.robots_txt, name="robots_txt"),
    path("sitemap.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("donations/", include("donations.urls")),
    path("reports/", include("reports.urls")),
    path("accounts/", include("accounts.urls")),
    path("", include("orgs.urls")),
]
if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
