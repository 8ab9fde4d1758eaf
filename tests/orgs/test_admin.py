from datetime import timedelta

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.utils import timezone

from orgs.models import Organization
from tests import factories

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/orgs/organization/"


def _action(superuser_client, action, orgs, **extra):
    return superuser_client.post(
        CHANGELIST, {"action": action, ACTION_CHECKBOX_NAME: [org.pk for org in orgs], **extra}, follow=True
    )


def test_non_staff_cannot_reach_the_admin(client, donor_client):
    assert client.get(CHANGELIST).status_code == 302
    assert donor_client.get(CHANGELIST).status_code == 302


def test_changelist_searches_and_filters(superuser_client):
    rescue, china = factories.cause(slug="rescue"), factories.region(slug="china")
    factories.organization(name="Route Team", causes=[rescue], regions=[china])
    factories.organization(name="Draft Org", published=False)
    factories.organization(
        name="Checked Org",
        verified_at=timezone.now() - timedelta(days=3),
        verification_basis="registry",
        verification_reference="Registry 42",
    )

    def names(query: str) -> set[str]:
        response = superuser_client.get(CHANGELIST + query)
        assert response.status_code == 200
        return {org.name for org in response.context["cl"].result_list}

    assert names("?q=route") == {"Route Team"}
    assert names("?published__exact=0") == {"Draft Org"}
    assert names("?verified=yes") == {"Checked Org"}
    assert "Checked Org" not in names("?verified=no")
    assert names(f"?causes__id__exact={rescue.pk}") == {"Route Team"}
    assert names(f"?regions__id__exact={china.pk}") == {"Route Team"}


def test_add_form_prepopulates_slug_and_has_program_inline(superuser_client):
    response = superuser_client.get(CHANGELIST + "add/")
    assert response.status_code == 200
    assert "&quot;id&quot;: &quot;#id_slug&quot;" in response.text
    assert "&quot;dependency_ids&quot;: [&quot;#id_name&quot;]" in response.text
    assert "programs-TOTAL_FORMS" in response.text


def _change_data(org, **overrides):
    data = {
        "name": org.name,
        "slug": org.slug,
        "summary": org.summary,
        "description": org.description,
        "published": "on" if org.published else "",
        "based_in": org.based_in,
        "website": org.website,
        "platform_fee_basis_points": "0",
        "programs-TOTAL_FORMS": "0",
        "programs-INITIAL_FORMS": "0",
        "programs-MIN_NUM_FORMS": "0",
        "programs-MAX_NUM_FORMS": "1000",
        "memberships-TOTAL_FORMS": "0",
        "memberships-INITIAL_FORMS": "0",
        "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000",
        "finance_years-TOTAL_FORMS": "0",
        "finance_years-INITIAL_FORMS": "0",
        "finance_years-MIN_NUM_FORMS": "0",
        "finance_years-MAX_NUM_FORMS": "1000",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value != ""}


def test_a_saved_edit_shows_on_the_public_pages_at_once(superuser_client, client):
    org = factories.organization(name="Helping Hands", summary="Old summary.")
    client.get("/")  # a first visit, so nothing is cached between the two
    response = superuser_client.post(f"{CHANGELIST}{org.pk}/change/", _change_data(org, summary="New summary."))
    assert response.status_code == 302
    assert "New summary." in client.get("/").text
    assert "New summary." in client.get(org.get_absolute_url()).text


def test_program_added_inline_shows_on_the_profile(superuser_client, client):
    org = factories.organization(name="Helping Hands")
    data = _change_data(
        org,
        **{
            "programs-TOTAL_FORMS": "1",
            "programs-0-name": "Foster care",
            "programs-0-slug": "foster-care",
            "programs-0-description": "Care for children.",
            "programs-0-active": "on",
        },
    )
    assert superuser_client.post(f"{CHANGELIST}{org.pk}/change/", data).status_code == 302
    assert "Foster care" in client.get(org.get_absolute_url()).text


def test_invalid_edit_shows_clear_errors_and_changes_nothing(superuser_client):
    other = factories.organization(name="Other", slug="other")
    org = factories.organization(name="Mine", slug="mine")
    response = superuser_client.post(
        f"{CHANGELIST}{org.pk}/change/",
        _change_data(org, name="", slug=other.slug, website="not a url", stripe_account_id="bank-123"),
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "name" in errors and "slug" in errors and "website" in errors
    assert "stripe_account_id" in errors  # a platform fee needs a connected account, and the id must look right
    assert "Organization with this Slug already exists." in response.text
    org.refresh_from_db()
    assert (org.name, org.slug) == ("Mine", "mine")


def test_publish_and_unpublish_actions(superuser_client, client):
    shown = factories.organization(name="Shown Org")
    hidden = factories.organization(name="Hidden Org", published=False)
    response = _action(superuser_client, "unpublish", [shown])
    assert "1 organization unpublished." in response.text
    response = _action(superuser_client, "publish", [hidden])
    assert "1 organization published." in response.text
    page = client.get("/").text
    assert "Hidden Org" in page and "Shown Org" not in page
    assert client.get(shown.get_absolute_url()).status_code == 404


def test_mark_verified_asks_what_was_checked_and_records_who_and_when(superuser_client, superuser, client):
    org = factories.organization(name="Checked Org")
    confirm = _action(superuser_client, "mark_verified", [org])
    assert "Verified against" in confirm.text
    assert Organization.objects.get(pk=org.pk).verified_at is None

    missing = _action(superuser_client, "mark_verified", [org], apply="1", basis="registry", reference="  ")
    assert "This field is required." in missing.text
    assert Organization.objects.get(pk=org.pk).verified_at is None

    before = timezone.now()
    done = _action(superuser_client, "mark_verified", [org], apply="1", basis="registry", reference="Registry no. 7")
    assert "1 organization verified." in done.text
    org.refresh_from_db()
    assert org.verified_by == superuser
    assert org.verified_at >= before
    assert (org.verification_basis, org.verification_reference) == ("registry", "Registry no. 7")
    assert org.verification_expires_at == org.verified_at + timedelta(days=365)
    assert "Verified" in client.get(org.get_absolute_url()).text


def test_the_organization_page_verifies_it_and_shows_what_was_checked_and_until_when(
    superuser_client, superuser, staff_without_permissions_client, client
):
    from django.utils.formats import date_format

    org = factories.organization(name="Checked Org")
    change = superuser_client.get(f"{CHANGELIST}{org.pk}/change/").text
    verify_url = f"{CHANGELIST}{org.pk}/verify/"
    assert verify_url in change and "Not verified." in change
    assert staff_without_permissions_client.get(verify_url).status_code == 403

    page = superuser_client.get(verify_url)
    expires = date_format(timezone.localtime(timezone.now() + timedelta(days=365)), "DATE_FORMAT")
    assert page.status_code == 200 and "Not verified." in page.text
    assert f"will show for 365 days, until {expires}" in page.text
    missing = superuser_client.post(verify_url, {"basis": "document", "reference": " "})
    assert missing.status_code == 200 and Organization.objects.get(pk=org.pk).verified_at is None

    done = superuser_client.post(verify_url, {"basis": "document", "reference": "Annual report 2025"}, follow=True)
    assert done.redirect_chain[-1][0] == f"{CHANGELIST}{org.pk}/change/"
    org.refresh_from_db()
    assert (org.verified_by, org.verification_basis, org.verification_reference) == (
        superuser,
        "document",
        "Annual report 2025",
    )
    today = date_format(timezone.localtime(org.verified_at), "DATE_FORMAT")
    summary = (
        f"Verified on {today} by {superuser.username} against a document: Annual report 2025. Expires on {expires}."
    )
    assert [str(message) for message in done.context["messages"]] == [summary]
    assert summary in done.text and "Verify again" in done.text
    assert "Verified" in client.get(org.get_absolute_url()).text

    Organization.objects.filter(pk=org.pk).update(verified_at=timezone.now() - timedelta(days=400))
    assert "Expired on" in superuser_client.get(f"{CHANGELIST}{org.pk}/change/").text
