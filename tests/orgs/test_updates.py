"""Updates behind the safety gate: managers post from the portal, photos lose every bit of metadata, publication
waits the organization's delay and a staff approval with its checklist, and nothing unpublished leaks."""

import html
import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.utils import timezone
from PIL import Image

from orgs.updates.models import Update, UpdateStatus
from orgs.updates.services import CHECKLIST, update_approve, update_publish_due
from tests import factories
from tests.orgs.test_directory import PROFILE_QUERIES
from tests.photos import gps_jpeg, metadata_of


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    return settings.PRIVATE_MEDIA_ROOT


@pytest.fixture
def china(db):
    return factories.region(name="China", slug="china")


@pytest.fixture
def manager_a(org_a):
    return factories.member(organization=org_a, role="manager", username="manager-a")


@pytest.fixture
def manager_client(manager_a):
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(manager_a)
    return client


def _post(client, slug="alpha", photo=True, **fields):
    data = {
        "title": "School year finished",
        "text": "Thanks to your gifts, 12 children finished the school year.",
        "names_no_one": "on",
        **fields,
    }
    if photo:
        data.setdefault("photo_1", SimpleUploadedFile("IMG_20260102_Yanji.jpg", gps_jpeg(), "image/jpeg"))
        data.setdefault("description_1", "Books on a table")
        data.setdefault("consent_1", "no_person")
    return client.post(f"/reports/{slug}/updates/new/", data)


def _approve(update, staff):
    return update_approve(update=update, by=staff, checked=list(CHECKLIST))


def test_a_manager_posts_an_update_that_waits_for_review_and_the_delay(manager_client, org_a, china):
    response = _post(manager_client, regions=[china.pk])
    assert response.status_code == 302 and response["Location"] == "/reports/alpha/updates/"
    update = Update.objects.get()
    assert update.status == UpdateStatus.SUBMITTED and update.author.username == "manager-a"
    assert update.publish_after == update.submitted_at + timedelta(days=30)
    assert list(update.regions.all()) == [china]
    listing = manager_client.get("/reports/alpha/updates/").text
    assert "School year finished" in listing and "waiting for staff review" in listing


def test_the_photo_is_stored_without_any_metadata_resized_and_renamed(manager_client, org_a, private_media):
    original = gps_jpeg()
    assert metadata_of(original)["gps"]  # the upload carries GPS, device, XMP, ICC, a comment
    _post(manager_client, photo_1=SimpleUploadedFile("IMG_Yanji.jpg", original, "image/jpeg"))
    photo = Update.objects.get().photos.get()
    with photo.image.open("rb") as file:
        stored = file.read()
    found = metadata_of(stored)
    assert found == {"exif": {}, "gps": {}, "info": {}, "raw_markers": []}
    assert max(Image.open(io.BytesIO(stored)).size) == 1600 and (photo.width, photo.height) == (1600, 1200)
    assert "Yanji" not in photo.image.name and photo.image.name.startswith("updates/")
    assert str(private_media) in photo.image.path  # not under MEDIA_ROOT
    own = manager_client.get(f"/reports/alpha/updates/photos/{photo.pk}/")
    assert own.status_code == 200 and b"".join(own.streaming_content) == stored


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({"text": "We met at 12 Main Street today."}, "“12 Main Street” (a street address)"),
        ({"text": "사무실은 테헤란로 152에 있습니다."}, "“테헤란로 152” (a street address)"),
        ({"text": "Meet at 41.8057, 123.4315."}, "“41.8057, 123.4315” (coordinates)"),
        ({"text": "Meet at 41°48′20″N 123°25′54″E."}, "“41°48′20″N” (coordinates)"),
        ({"text": "Three families reached Yanji."}, "“Yanji” (a place that is not on the portal's region list)"),
        ({"title": "Mr. Kim is safe"}, "“Mr. Kim” (a personal name)"),
        ({"description_1": "Our office in Gangnam-gu"}, "“Gangnam-gu” (a street address)"),
    ],
)
def test_places_addresses_coordinates_and_names_are_refused_naming_what_was_found(
    manager_client, org_a, private_media, fields, named
):
    response = _post(manager_client, **fields)
    assert response.status_code == 400
    assert named in html.unescape(response.content.decode())
    assert "may name places only from the portal's region list" in html.unescape(response.content.decode())
    assert Update.objects.count() == 0 and not private_media.exists()  # nothing saved, no photo written


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"names_no_one": ""}, "This field is required."),
        ({"consent_1": ""}, "Confirm that no identifiable person is in the photo"),
        ({"description_1": ""}, "Say what the photo shows."),
        ({"photo_1": SimpleUploadedFile("x.jpg", b"not an image", "image/jpeg")}, "could not be read as a photo"),
    ],
)
def test_the_author_confirms_no_one_is_named_and_who_is_in_each_photo(manager_client, org_a, fields, message):
    response = _post(manager_client, **fields)
    assert response.status_code == 400 and message in response.content.decode()
    assert Update.objects.count() == 0


def test_only_managers_of_the_organization_post(client, org_a, org_b, member_a_client, manager_a):
    factories.member(organization=org_b, role="manager", username="manager-b")
    assert member_a_client.get("/reports/alpha/updates/new/").status_code == 404  # a member reads reports only
    assert _post(member_a_client, photo=False).status_code == 404
    assert client.get("/reports/alpha/updates/new/").status_code == 302  # to sign in
    from django.test import Client

    other = Client(HTTP_HOST="127.0.0.1")
    other.force_login(factories.user(username="x"))
    assert other.get("/reports/alpha/updates/").status_code == 404
    assert Update.objects.count() == 0


def test_a_program_of_another_organization_is_refused(manager_client, org_a, org_b):
    foreign = factories.program(organization=org_b)
    assert _post(manager_client, photo=False, program=foreign.pk).status_code == 400
    own = factories.program(organization=org_a)
    assert _post(manager_client, photo=False, program=own.pk).status_code == 302
    assert Update.objects.get().program == own


def test_the_organization_chooses_its_delay_and_a_longer_one_holds_back_pending_updates(manager_client, org_a):
    _post(manager_client, photo=False)
    first = Update.objects.get()
    assert manager_client.post("/reports/alpha/updates/", {"days": "3"}).status_code == 200  # under 7: refused
    assert manager_client.post("/reports/alpha/updates/", {"days": "60"}).status_code == 302
    first.refresh_from_db()
    assert first.publish_after == first.submitted_at + timedelta(days=60)
    _post(manager_client, photo=False, title="Second")
    second = Update.objects.get(title="Second")
    assert second.delay_days == 60 and second.publish_after == second.submitted_at + timedelta(days=60)


def _submitted(org, **fields):
    now = timezone.now()
    fields.setdefault("title", "Winter coats")
    fields.setdefault("status", UpdateStatus.SUBMITTED)
    return Update.objects.create(
        organization=org,
        text="Coats for 40 children.",
        submitted_at=now,
        publish_after=now + timedelta(days=30),
        names_no_one=True,
        **fields,
    )


def test_staff_approve_in_the_admin_only_with_every_checklist_item_ticked(superuser_client, superuser, org_a):
    update = _submitted(org_a)
    page = superuser_client.get(f"/admin/orgs/update/{update.pk}/review/")
    assert page.status_code == 200
    for item in CHECKLIST.values():
        assert str(item) in html.unescape(page.text)
    partial = superuser_client.post(f"/admin/orgs/update/{update.pk}/review/", {"checked": list(CHECKLIST)[:-1]})
    assert "Tick every item of the checklist" in partial.text
    update.refresh_from_db()
    assert update.status == UpdateStatus.SUBMITTED and update.approved_at is None
    done = superuser_client.post(
        f"/admin/orgs/update/{update.pk}/review/", {"checked": list(CHECKLIST), "approve": "1"}
    )
    assert done.status_code == 302
    update.refresh_from_db()
    assert update.status == UpdateStatus.APPROVED and update.approved_by == superuser and update.approved_at


def test_an_unpublished_photo_is_shown_to_reviewers_only(
    client, superuser_client, staff_without_permissions_client, org_a, manager_client
):
    _post(manager_client)
    photo = Update.objects.get().photos.get()
    assert superuser_client.get(f"/updates/photos/{photo.pk}/").status_code == 200
    assert superuser_client.get(f"/updates/photos/{photo.pk}/")["Cache-Control"] == "private, no-store"
    assert staff_without_permissions_client.get(f"/updates/photos/{photo.pk}/").status_code == 404
    assert client.get(f"/updates/photos/{photo.pk}/").status_code == 404


def test_staff_without_the_permission_cannot_approve(
    staff_without_permissions_client, staff_without_permissions, org_a
):
    update = _submitted(org_a)
    assert staff_without_permissions_client.get(f"/admin/orgs/update/{update.pk}/review/").status_code in (302, 403)
    with pytest.raises(Exception, match="Only portal staff"):
        _approve(update, staff_without_permissions)


def test_staff_return_an_update_with_a_note(superuser_client, org_a):
    update = _submitted(org_a)
    superuser_client.post(f"/admin/orgs/update/{update.pk}/review/", {"note": "Remove the town.", "return": "1"})
    update.refresh_from_db()
    assert update.status == UpdateStatus.RETURNED and update.review_note == "Remove the town."


def test_publication_waits_for_both_the_delay_and_the_approval(org_a, superuser):
    approved = _submitted(org_a, title="Approved")
    _approve(approved, superuser)
    unapproved = _submitted(org_a, title="Not approved")
    assert update_publish_due() == []  # the delay has not passed
    later = timezone.now() + timedelta(days=31)
    assert update_publish_due(now=later) == [approved.pk]
    approved.refresh_from_db()
    unapproved.refresh_from_db()
    assert approved.status == UpdateStatus.PUBLISHED and approved.published_at == later
    assert unapproved.status == UpdateStatus.SUBMITTED
    assert update_publish_due(now=later) == []  # once


def test_the_database_refuses_a_published_update_without_approval(org_a):
    update = _submitted(org_a)
    with pytest.raises(IntegrityError), transaction.atomic():
        Update.objects.filter(pk=update.pk).update(status=UpdateStatus.PUBLISHED, published_at=timezone.now())


def _published(org, staff, **fields):
    update = _submitted(org, **fields)
    _approve(update, staff)
    Update.objects.filter(pk=update.pk).update(publish_after=timezone.now() - timedelta(seconds=1))
    call_command("publish_updates", stdout=io.StringIO())
    update.refresh_from_db()
    assert update.status == UpdateStatus.PUBLISHED
    return update


def test_the_profile_shows_published_updates_only(client, org_a, superuser):
    _published(org_a, superuser, title="Published one")
    _submitted(org_a, title="Waiting for review")
    _approve(_submitted(org_a, title="Approved, not due"), superuser)
    _submitted(org_a, title="Returned one", status=UpdateStatus.RETURNED)
    page = client.get("/organizations/alpha/").text
    assert "Published one" in page and page.count("Coats for 40 children.") == 1
    for hidden in ("Waiting for review", "Approved, not due", "Returned one"):
        assert hidden not in page


def test_a_program_page_shows_its_own_published_updates_only(client, org_a, superuser):
    program = factories.program(organization=org_a, name="Winter shelter", slug="winter-shelter")
    _published(org_a, superuser, title="About the shelter", program=program)
    _published(org_a, superuser, title="About the whole organization")
    _approve(_submitted(org_a, title="Shelter news not due", program=program), superuser)
    page = client.get("/organizations/alpha/programs/winter-shelter/").content.decode()
    assert "About the shelter" in page
    assert "About the whole organization" not in page and "Shelter news not due" not in page


def test_no_surface_leaks_an_unpublished_update(client, org_a, superuser, private_media, manager_client):
    _post(manager_client, title="Secret title", text="Secret text of the update.")
    update = Update.objects.get()
    _approve(update, superuser)  # approved, but its delay has not passed
    photo = update.photos.get()
    for url in ("/", "/organizations/alpha/", "/situation/", "/sitemap.xml", "/?q=Secret", "/robots.txt"):
        response = client.get(url)
        body = response.content.decode()
        assert "Secret title" not in body and "Secret text" not in body, url
    assert client.get("/?q=Secret+text").context["page"].paginator.count == 0  # search does not find it
    assert client.get(f"/updates/photos/{photo.pk}/").status_code == 404  # nor its photo
    assert client.get(f"/reports/alpha/updates/photos/{photo.pk}/").status_code == 302  # members only
    assert not (private_media.parent / "media").exists()


def test_publishing_by_time_bumps_the_page_cache(client, org_a, superuser):
    update = _submitted(org_a, title="Due by time")
    _approve(update, superuser)
    assert "Due by time" not in client.get("/organizations/alpha/").text  # now cached for anonymous visitors
    assert client.get("/organizations/alpha/").has_header("Content-Type")
    Update.objects.filter(pk=update.pk).update(publish_after=timezone.now() - timedelta(seconds=1))  # no signal
    assert "Due by time" not in client.get("/organizations/alpha/").text  # still the cached page: not yet published
    call_command("publish_updates", stdout=io.StringIO())
    assert "Due by time" in client.get("/organizations/alpha/").text


def test_a_published_photo_is_public_and_the_update_shows_it(client, org_a, superuser, manager_client):
    _post(manager_client)
    update = Update.objects.get()
    _approve(update, superuser)
    Update.objects.filter(pk=update.pk).update(publish_after=timezone.now() - timedelta(seconds=1))
    call_command("publish_updates", stdout=io.StringIO())
    photo = update.photos.get()
    page = client.get("/organizations/alpha/").text
    assert f'src="/updates/photos/{photo.pk}/"' in page and 'alt="Books on a table"' in page
    response = client.get(f"/updates/photos/{photo.pk}/")
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"


def test_the_profile_reads_updates_in_a_constant_number_of_queries(client, org_a, superuser, django_assert_num_queries):
    for n in range(4):
        _published(org_a, superuser, title=f"Update {n}")
    with django_assert_num_queries(PROFILE_QUERIES + 2):  # the profile's, and the updates' regions and photos
        assert client.get("/organizations/alpha/").status_code == 200


def test_staff_take_a_published_update_down_at_once(client, superuser_client, org_a, superuser):
    update = _published(org_a, superuser, title="To take down")
    assert "To take down" in client.get("/organizations/alpha/").text  # cached for anonymous visitors
    review = superuser_client.get(f"/admin/orgs/update/{update.pk}/review/")
    assert 'name="approve"' not in review.text and 'name="return"' in review.text
    superuser_client.post(f"/admin/orgs/update/{update.pk}/review/", {"note": "A face is visible.", "return": "1"})
    update.refresh_from_db()
    assert (update.status, update.published_at) == (UpdateStatus.RETURNED, None)
    assert "To take down" not in client.get("/organizations/alpha/").text
