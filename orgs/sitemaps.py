from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from orgs.models import Organization


class StaticSitemap(Sitemap):
    changefreq = "weekly"

    def items(self) -> list[str]:
        return ["orgs:directory", "orgs:situation"]

    def location(self, item: str) -> str:
        return reverse(item)


class OrganizationSitemap(Sitemap):
    changefreq = "weekly"

    def items(self):
        return Organization.objects.published().order_by("name")

    def lastmod(self, obj: Organization):
        return obj.updated_at


SITEMAPS = {"pages": StaticSitemap, "organizations": OrganizationSitemap}
