"""Public pages are cached for anonymous visitors, per language, and an edit shows on the very next request."""

import re

import pytest
from django.test import Client

from orgs import services
from tests import factories

pytestmark = pytest.mark.django_db


def _visitor(**headers) -> Client:
    return Client(HTTP_HOST="127.0.0.1", **headers)


def test_a_second_anonymous_visit_runs_no_query(django_assert_num_queries):
    factories.giving_organization(name="Open Hands", slug="open-hands")
    for path in ("/", "/organizations/open-hands/", "/situation/", "/?q=open"):
        first = _visitor().get(path)
        with django_assert_num_queries(0):
            again = _visitor().get(path)
        assert again.status_code == 200 and again.content == first.content


def test_cached_pages_carry_no_csrf_token_and_set_no_cookie():
    factories.giving_organization(name="Open Hands", slug="open-hands")
    pages = [_visitor().get("/organizations/open-hands/") for _ in range(2)]
    for page in pages:
        assert "csrfmiddlewaretoken" not in page.text and not page.cookies
        assert page["Content-Security-Policy"]  # per-request headers still added on a cached page
    assert 'name="amount_choice"' in pages[1].text  # the Give box is part of the cached page


def test_languages_are_cached_apart():
    factories.organization(name="Open Hands")
    english = _visitor().get("/")
    korean = _visitor(HTTP_ACCEPT_LANGUAGE="ko").get("/")
    assert _visitor(HTTP_ACCEPT_LANGUAGE="ko").get("/").content == korean.content != english.content
    assert 'lang="ko"' in korean.text


def test_signed_in_people_and_visitors_with_a_session_are_never_served_a_cached_page(superuser_client):
    draft = factories.organization(name="Hidden Draft", slug="hidden-draft", published=False)
    assert _visitor().get(draft.get_absolute_url()).status_code == 404
    assert "not published" in superuser_client.get(draft.get_absolute_url()).text
    factories.organization(name="Open Hands")
    _visitor().get("/")
    assert "Organization sign-in" not in superuser_client.get("/").text


def _summary_on_directory() -> str:
    return re.sub(r"\s+", " ", _visitor().get("/").text)


def test_admin_edits_show_on_the_next_request(superuser):
    organization = factories.organization(name="Open Hands", slug="open-hands", summary="Shelter for families.")
    assert "Shelter for families." in _summary_on_directory()

    organization.summary = "Food and medicine."
    organization.save()
    assert "Food and medicine." in _summary_on_directory()

    just_this = type(organization).objects.filter(pk=organization.pk)
    services.organization_set_published(organizations=just_this, published=False)
    assert "Open Hands" not in _summary_on_directory()
    services.organization_set_published(organizations=just_this, published=True)
    assert "Open Hands" in _summary_on_directory()

    assert "Foster homes" not in _visitor().get("/organizations/open-hands/").text
    factories.program(organization=organization, name="Foster homes")
    assert "Foster homes" in _visitor().get("/organizations/open-hands/").text

    profile = _visitor().get("/organizations/open-hands/").text
    assert "Verified" not in profile
    services.organization_verify(
        organizations=just_this,
        by=superuser,
        basis="registry",
        reference="Registry 123",
    )
    assert "Verified" in _visitor().get("/organizations/open-hands/").text


def test_taxonomy_edits_show_on_the_next_request():
    cause = factories.cause(slug="rescue", name="Rescue")
    organization = factories.organization(name="Open Hands", causes=[cause])
    assert "Rescue" in _visitor().get("/").text
    cause.name = "Rescue on escape routes"
    cause.save()
    assert "Rescue on escape routes" in _visitor().get("/").text
    assert "Rescue on escape routes" in _visitor().get(organization.get_absolute_url()).text
    organization.causes.clear()
    assert "Rescue on escape routes" not in _visitor().get(organization.get_absolute_url()).text
