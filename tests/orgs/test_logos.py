"""Logos: an upload is bounded in bytes and pixels, stored only as resized versions without metadata, and shown on
the directory's cards and the profile with their size (no layout shift)."""

import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from orgs import services
from orgs.models import Organization
from tests import factories
from tests.orgs.test_admin import CHANGELIST, _change_data
from tests.orgs.test_directory import DIRECTORY_QUERIES
from tests.test_migrations import _latest, _migrate

pytestmark = pytest.mark.django_db

GPS_IFD = 0x8825
EXIF_MAKE, EXIF_DATETIME = 0x010F, 0x0132


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def png(width: int, height: int, color=(18, 53, 91, 255)) -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGBA", (width, height), color).save(out, format="PNG")
    return SimpleUploadedFile("logo.png", out.getvalue(), content_type="image/png")


def jpeg_with_gps(width: int = 1200, height: int = 900) -> SimpleUploadedFile:
    exif = Image.Exif()
    exif[EXIF_MAKE] = "PhoneMaker"
    exif[EXIF_DATETIME] = "2026:03:01 09:30:00"
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (37.0, 33.0, 58.0), 3: "E", 4: (126.0, 58.0, 41.0)})
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 40, 40)).save(out, format="JPEG", exif=exif, comment=b"shot at home")
    data = out.getvalue()
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(GPS_IFD)  # the upload really carries a position
    return SimpleUploadedFile("IMG_0001.jpg", data, content_type="image/jpeg")


def upload(superuser_client, org, file):
    return superuser_client.post(f"{CHANGELIST}{org.pk}/change/", _change_data(org, logo=file))


def stored_files(media_root: Path) -> list[Path]:
    return sorted(path for path in media_root.rglob("*") if path.is_file())


def test_a_6000_pixel_logo_is_refused_with_a_clear_message(superuser_client, media_root):
    org = factories.organization(name="Big Logo Org")
    response = upload(superuser_client, org, png(6000, 6000))
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["logo"] == [
        "This logo is 6000 × 6000 pixels; a logo may be at most 5000 pixels wide and high. "
        "Resize it and upload it again."
    ]
    org.refresh_from_db()
    assert not org.logo and not org.logo_card
    assert stored_files(media_root) == []


def test_the_admin_says_the_limits_before_upload():
    help_text = str(Organization._meta.get_field("logo").help_text)
    assert f"at most {services.LOGO_MAX_BYTES // (1024 * 1024)} MB and {services.LOGO_MAX_SIDE} pixels" in help_text


def test_a_logo_over_the_byte_limit_is_refused(superuser_client, media_root, monkeypatch):
    monkeypatch.setattr(services, "LOGO_MAX_BYTES", 1024 * 1024)
    org = factories.organization(name="Heavy Logo Org")
    heavy = SimpleUploadedFile("logo.png", png(200, 200).read() + b"\0" * (1024 * 1024 + 1))
    response = upload(superuser_client, org, heavy)
    assert response.status_code == 200
    assert "a logo may be at most 1 MB" in response.context["adminform"].form.errors["logo"][0]
    assert stored_files(media_root) == []


def test_a_jpeg_with_gps_is_stored_without_any_metadata(superuser_client, media_root, client):
    org = factories.organization(name="Photo Logo Org", slug="photo-logo")
    assert upload(superuser_client, org, jpeg_with_gps()).status_code == 302
    org.refresh_from_db()
    files = stored_files(media_root)
    assert [path.relative_to(media_root).as_posix() for path in files] == [
        "logos/cards/photo-logo.jpg",
        "logos/photo-logo.jpg",
    ]  # only the two versions, named after the organization: the upload (and its name) is not kept
    for path in files:
        data = path.read_bytes()
        image = Image.open(path)
        assert not image.getexif() and "exif" not in image.info and "comment" not in image.info
        assert b"Exif" not in data and b"PhoneMaker" not in data and b"shot at home" not in data
    served = client.get(org.get_absolute_url()).text
    assert f'src="/media/logos/photo-logo.jpg" alt="" width="{org.logo_width}"' in served


def test_stored_versions_fit_the_profile_and_card_sizes(superuser_client):
    org = factories.organization(name="Wide Logo Org")
    assert upload(superuser_client, org, png(2000, 1000)).status_code == 302
    org.refresh_from_db()
    assert (org.logo_width, org.logo_height) == (320, 160)
    assert (org.logo_card_width, org.logo_card_height) == (160, 80)
    assert Image.open(org.logo.path).size == (320, 160) and Image.open(org.logo_card.path).size == (160, 80)
    assert Image.open(org.logo.path).mode == "RGBA"  # transparency kept: PNG stays PNG


def test_a_small_logo_is_not_enlarged(superuser_client):
    org = factories.organization(name="Small Logo Org")
    assert upload(superuser_client, org, png(64, 32)).status_code == 302
    org.refresh_from_db()
    assert (org.logo_width, org.logo_height, org.logo_card_width, org.logo_card_height) == (64, 32, 64, 32)


def test_a_file_that_is_not_an_image_is_refused(superuser_client, media_root):
    org = factories.organization(name="Text Logo Org")
    response = upload(superuser_client, org, SimpleUploadedFile("logo.png", b"not an image at all"))
    assert response.status_code == 200 and "logo" in response.context["adminform"].form.errors
    assert stored_files(media_root) == []


def test_clearing_the_logo_removes_both_versions(superuser_client, django_capture_on_commit_callbacks, media_root):
    org = factories.organization(name="Clear Logo Org")
    services.organization_logo_set(organization=org, upload=png(300, 300))
    assert len(stored_files(media_root)) == 2
    with django_capture_on_commit_callbacks(execute=True):
        response = superuser_client.post(f"{CHANGELIST}{org.pk}/change/", _change_data(org, **{"logo-clear": "on"}))
    assert response.status_code == 302
    org.refresh_from_db()
    assert not org.logo and not org.logo_card and org.logo_width is None
    assert stored_files(media_root) == []  # a removed logo is no longer served


def test_replacing_a_logo_deletes_the_old_versions(django_capture_on_commit_callbacks, media_root):
    org = factories.organization(name="Replaced Logo Org", slug="replaced")
    services.organization_logo_set(organization=org, upload=png(300, 300))
    first = stored_files(media_root)
    with django_capture_on_commit_callbacks(execute=True):
        services.organization_logo_set(organization=org, upload=png(200, 100))
    remaining = stored_files(media_root)
    assert len(remaining) == 2 and not set(first) & set(remaining)


def test_directory_cards_show_the_logo_with_its_size(client):
    org = factories.organization(name="Card Logo Org")
    factories.organization(name="No Logo Org")
    services.organization_logo_set(organization=org, upload=png(400, 400))
    page = client.get("/").text
    assert f'<img src="{org.logo_card.url}"\n           alt=""\n           width="96"\n           height="96"' in page
    assert page.count('class="org-card-logo"') == 1


def test_logos_cost_the_directory_no_query(client, django_assert_num_queries):
    for n in range(5):
        org = factories.organization(name=f"Logo Org {n}")
        services.organization_logo_set(organization=org, upload=png(120, 60))
    with django_assert_num_queries(DIRECTORY_QUERIES):
        page = client.get("/").text
    assert page.count('class="org-card-logo"') == 5


def test_the_organization_stays_unchanged_when_a_logo_is_refused(media_root):
    org = factories.organization(name="Service Refusal Org")
    with pytest.raises(services.ValidationError):
        services.organization_logo_set(organization=org, upload=png(5001, 10))
    assert not Organization.objects.get(pk=org.pk).logo


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_logos_uploaded_before_are_stored_again_resized_and_without_metadata(media_root):
    latest = _latest()
    try:
        old = _migrate([("orgs", "0002_membership_to_accounts")])
        original = media_root / "logos" / "IMG_0001.jpg"
        original.parent.mkdir()
        original.write_bytes(jpeg_with_gps(3000, 1500).read())
        pk = (
            old.get_model("orgs", "Organization")
            .objects.create(name="Old Logo Org", slug="old-logo", summary="S.", logo="logos/IMG_0001.jpg")
            .pk
        )
        _migrate(latest)
        org = Organization.objects.get(pk=pk)
        assert (org.logo.name, org.logo_width, org.logo_height) == ("logos/old-logo.jpg", 320, 160)
        assert (org.logo_card.name, org.logo_card_width, org.logo_card_height) == ("logos/cards/old-logo.jpg", 160, 80)
        assert not original.exists()
        assert not Image.open(org.logo.path).getexif() and not Image.open(org.logo_card.path).getexif()
    finally:
        _migrate(latest)
