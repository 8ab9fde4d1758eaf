from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from orgs.models import Organization, Program


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


class ProgramSitemap(Sitemap):
    changefreq = "weekly"

    def items(self):
        programs = Program.objects.filter(active=True, organization__published=True)
        return programs.select_related("organization").order_by("organization__name", "name")

    def lastmod(self, obj: Program):
        return obj.updated_at


SITEMAPS = {"pages": StaticSitemap, "organizations": OrganizationSitemap, "programs": ProgramSitemap}
