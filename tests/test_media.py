"""Uploads (logos) are served through Django's storage API with caching headers, in production as in development
(whitenoise serves only static files); only images, nothing outside the storage. S3 is a setting."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.http import http_date
from PIL import Image

from orgs import services
from tests import factories
from tests.test_settings import PRODUCTION, _setting

pytestmark = pytest.mark.django_db


@pytest.fixture
def logo_org(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    out = io.BytesIO()
    Image.new("RGB", (300, 120), (18, 53, 91)).save(out, format="PNG")
    org = factories.organization(name="Logo Org", slug="logo-org")
    services.organization_logo_set(organization=org, upload=SimpleUploadedFile("logo.png", out.getvalue()))
    return org


def test_a_stored_logo_is_served_with_caching_headers(client, logo_org):
    response = client.get(logo_org.logo.url)
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    with logo_org.logo.open("rb") as stored:
        assert b"".join(response.streaming_content) == stored.read()
    assert response["Cache-Control"] == "public, max-age=3600" and response["Last-Modified"]
    assert client.get(logo_org.logo_card.url).status_code == 200


def test_a_browser_that_has_the_logo_gets_304(client, logo_org):
    modified = logo_org.logo.storage.get_modified_time(logo_org.logo.name)
    response = client.get(logo_org.logo.url, HTTP_IF_MODIFIED_SINCE=http_date(modified.timestamp()))
    assert response.status_code == 304


@pytest.mark.parametrize(
    "path", ["missing.png", "../settings.py", "logos/../../etc/passwd", "notes.txt", "logos/x.svg", "page.html"]
)
def test_nothing_else_is_served(client, logo_org, settings, path):
    (settings.MEDIA_ROOT / "notes.txt").write_text("not an image")
    (settings.MEDIA_ROOT / "page.html").write_text("<script>alert(1)</script>")
    assert client.get(f"/media/{path}").status_code == 404


@pytest.mark.slow  # a fresh interpreter
def test_s3_compatible_storage_is_a_setting():
    env = {
        **PRODUCTION,
        "DJANGO_MEDIA_STORAGE": "storages.backends.s3.S3Storage",
        "DJANGO_MEDIA_STORAGE_OPTIONS": '{"bucket_name": "portal-media", "endpoint_url": "https://s3.example.org"}',
    }
    assert _setting("settings.STORAGES['default']", env) == (
        "{'BACKEND': 'storages.backends.s3.S3Storage', "
        "'OPTIONS': {'bucket_name': 'portal-media', 'endpoint_url': 'https://s3.example.org'}}"
    )


def test_storage_options_must_be_a_json_object(monkeypatch):
    from django.core.exceptions import ImproperlyConfigured

    from config.env import env_json_object

    assert env_json_object("X_OPTIONS") == {}
    monkeypatch.setenv("X_OPTIONS", '{"bucket_name": "b"}')
    assert env_json_object("X_OPTIONS") == {"bucket_name": "b"}
    for bad in ("{bucket_name: b}", '["b"]'):
        monkeypatch.setenv("X_OPTIONS", bad)
        with pytest.raises(ImproperlyConfigured, match="X_OPTIONS must be a JSON object"):
            env_json_object("X_OPTIONS")
