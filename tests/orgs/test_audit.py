"""The audit trail (common.audit, django-auditlog) of staff's changes to organizations, programs and members."""

import pytest
from auditlog.models import LogEntry
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME

from accounts.models import Membership
from orgs.models import Organization, Program
from tests import factories
from tests.orgs.test_admin import _change_data

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/orgs/organization/"


def _entries(obj) -> list[LogEntry]:
    return list(LogEntry.objects.get_for_object(obj).order_by("timestamp", "pk"))


def test_a_staff_edit_in_the_admin_is_recorded_with_who_and_what(superuser_client, superuser):
    org = factories.organization(name="Helping Hands", summary="Old summary.")
    data = _change_data(
        org,
        summary="New summary.",
        **{
            "programs-TOTAL_FORMS": "1",
            "programs-0-name": "Foster care",
            "programs-0-slug": "foster-care",
            "programs-0-description": "Care for children.",
            "programs-0-active": "on",
        },
    )
    assert superuser_client.post(f"{CHANGELIST}{org.pk}/change/", data).status_code == 302
    (edit,) = _entries(org)
    assert edit.actor == superuser and edit.action == LogEntry.Action.UPDATE
    assert edit.changes_dict["summary"] == ["Old summary.", "New summary."]
    (added,) = _entries(Program.objects.get(organization=org))
    assert added.actor == superuser and added.action == LogEntry.Action.CREATE


def test_publish_unpublish_and_verify_actions_are_recorded(superuser_client, superuser):
    org = factories.organization(name="Shown Org")
    post = {"action": "unpublish", ACTION_CHECKBOX_NAME: [org.pk]}
    assert "1 organization unpublished." in superuser_client.post(CHANGELIST, post, follow=True).text
    post = {"action": "mark_verified", ACTION_CHECKBOX_NAME: [org.pk], "apply": "1", "basis": "registry"}
    superuser_client.post(CHANGELIST, {**post, "reference": "Registry no. 12"}, follow=True)
    unpublished, verified = _entries(org)
    assert (unpublished.actor, unpublished.changes_dict) == (superuser, {"published": ["True", "False"]})
    assert verified.actor == superuser
    assert verified.changes_dict["verification_reference"] == ["", "Registry no. 12"]
    assert verified.changes_dict["verified_by"] == ["None", str(superuser.pk)]
    assert Organization.objects.get(pk=org.pk).verified_by == superuser


def test_inviting_a_member_is_recorded(superuser_client, superuser, org_a):
    superuser_client.post(f"{CHANGELIST}{org_a.pk}/invite/", {"email": "new@example.org"})
    (created,) = _entries(Membership.objects.get(organization=org_a))
    assert created.actor == superuser and created.action == LogEntry.Action.CREATE


def test_changes_outside_staff_requests_are_not_recorded(client):
    """The seed loader, commands and visitors write no entries: the trail is of staff's actions."""
    org = factories.organization(name="Seeded")
    org.summary = "Changed by a command."
    org.save()
    client.get(org.get_absolute_url())
    assert not LogEntry.objects.exists()


def test_each_organization_shows_its_audit_trail_in_the_admin(superuser_client):
    org = factories.organization(name="Traced Org", summary="Before.")
    superuser_client.post(f"{CHANGELIST}{org.pk}/change/", _change_data(org, summary="After."))
    change_page = superuser_client.get(f"{CHANGELIST}{org.pk}/change/").text
    assert f'href="{CHANGELIST}{org.pk}/auditlog/"' in change_page
    trail = superuser_client.get(f"{CHANGELIST}{org.pk}/auditlog/")
    assert trail.status_code == 200
    assert "superuser" in trail.text and "After." in trail.text and "<style" not in trail.text
    assert superuser_client.get("/admin/auditlog/logentry/").status_code == 200


def test_staff_without_the_second_factor_never_see_the_trail(unverified_superuser_client):
    org = factories.organization()
    assert unverified_superuser_client.get(f"{CHANGELIST}{org.pk}/auditlog/").status_code == 302


def test_causes_and_regions_staff_change_are_recorded_and_the_loaders_are_not(superuser_client, superuser):
    rescue, food = factories.cause(slug="rescue"), factories.cause(slug="food")
    org = factories.organization(name="Linked Org", causes=[rescue])  # outside a staff request: not recorded
    org.causes.add(food)
    assert not LogEntry.objects.exists()
    data = _change_data(org, causes=[food.pk])
    assert superuser_client.post(f"{CHANGELIST}{org.pk}/change/", data).status_code == 302
    (entry,) = _entries(org)
    assert entry.actor == superuser
    assert entry.changes_dict["causes"]["operation"] == "delete" and entry.changes_dict["causes"]["objects"] == [
        str(rescue)
    ]


def test_the_audit_trail_leaves_cached_public_pages_the_same_for_everyone(client):
    """Finding out whether a request is staff's must not read the session of a visitor who has none: that would
    make the page cache's responses vary on Cookie."""
    from django.test import Client

    factories.organization(name="Cached Org")
    client.get("/")
    again = Client(HTTP_HOST="127.0.0.1").get("/")
    assert "Cookie" not in again.headers.get("Vary", "")
