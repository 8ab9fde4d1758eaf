"""The portal's icon: every page links it, and /favicon.ico (asked for by browsers and crawlers) is there."""

import io
from pathlib import Path

from django.contrib.staticfiles import finders
from PIL import Image


def test_every_page_links_the_icon(client, db):
    page = client.get("/").text
    assert '<link rel="icon" href="/favicon.ico" sizes="48x48">' in page
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in page
    svg = finders.find("favicon.svg")
    assert svg and Path(svg).read_text(encoding="utf-8").startswith('<svg xmlns="http://www.w3.org/2000/svg"')


def test_favicon_ico_answers_at_the_root(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/x-icon"
    icon = Image.open(io.BytesIO(b"".join(response.streaming_content)))
    assert icon.format == "ICO" and {(16, 16), (32, 32), (48, 48)} <= icon.info["sizes"]
