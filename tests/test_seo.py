import pytest

from tests import factories

pytestmark = pytest.mark.django_db


def test_profile_has_a_descriptive_title_description_and_open_graph(client):
    org = factories.organization(
        name="Crossing Borders", slug="crossing-borders", summary="Care for refugees in China."
    )
    page = client.get(org.get_absolute_url()).text
    assert "<title>Crossing Borders: helping North Korean refugees" in page
    assert '<meta name="description" content="Care for refugees in China.">' in page
    assert '<meta property="og:title" content="Crossing Borders">' in page
    assert '<meta property="og:description" content="Care for refugees in China.">' in page
    assert 'property="og:url" content="http://127.0.0.1/organizations/crossing-borders/"' in page


def test_sitemap_lists_public_pages_only(client):
    shown = factories.organization(slug="shown")
    factories.organization(slug="draft", published=False)
    xml = client.get("/sitemap.xml").text
    assert "/organizations/shown/" in xml and "/organizations/draft/" not in xml
    assert "<loc>http://127.0.0.1/</loc>" in xml and "/situation/" in xml
    assert "/reports/" not in xml and "/admin/" not in xml and shown.slug in xml


def test_robots_keeps_reports_admin_and_giving_out_of_indexes(client):
    response = client.get("/robots.txt")
    assert response["Content-Type"].startswith("text/plain")
    for path in ("/admin/", "/reports/", "/donations/", "/accounts/"):
        assert f"Disallow: {path}" in response.text
    assert "Sitemap: http://127.0.0.1/sitemap.xml" in response.text


def test_sitemap_lists_active_programs_of_published_organizations(client):
    shown = factories.organization(slug="shown")
    factories.program(organization=shown, slug="care")
    factories.program(organization=shown, slug="closed", active=False)
    factories.program(organization=factories.organization(slug="draft", published=False), slug="hidden")
    xml = client.get("/sitemap.xml").text
    assert "/organizations/shown/programs/care/" in xml
    assert "/programs/closed/" not in xml and "/programs/hidden/" not in xml
