"""A staff member uploads a logo: too big is refused in words; a good one shows on the card and the profile."""

import pytest
from PIL import Image, ImageDraw
from playwright.sync_api import expect

from accounts.second_factor import second_factor_code
from tests import factories
from tests.e2e.browsing import admin_sign_in, snap

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _logo(path, size: int) -> str:
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse((0, 0, size - 1, size - 1), fill=(18, 53, 91, 255))
    a, b, c = size // 4, size // 2, 3 * size // 4
    draw.polygon([(a, b), (b, a), (c, b), (b, c)], fill=(245, 183, 0, 255))
    image.save(path)
    return str(path)


def _loaded(page, selector: str) -> dict:
    """The image's own width and the width it is shown at, once it has loaded."""
    image = page.locator(selector)
    image.evaluate("img => img.decode()")
    return image.evaluate("img => ({natural: img.naturalWidth, shown: img.width})")


def test_staff_uploads_a_logo_and_the_directory_shows_it(new_page, portal, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.ROOT_URLCONF = "tests.e2e.media_urls"
    journey = "organization-logo"
    authenticator = factories.otp_device(factories.staff(username="staffer"))
    staff = new_page()
    admin_sign_in(staff, "staffer", second_factor_code(authenticator))

    staff.goto("/admin/orgs/organization/")
    staff.get_by_role("link", name="Helping Hands Korea", exact=True).click()
    staff.locator("#id_logo").set_input_files(_logo(tmp_path / "huge.png", 6000))
    staff.locator("input[name='_continue']").click()
    expect(staff.locator(".errorlist")).to_contain_text(
        "This logo is 6000 × 6000 pixels; a logo may be at most 5000 pixels wide and high."
    )
    snap(staff, journey, "admin-logo-refused")

    staff.locator("#id_logo").set_input_files(_logo(tmp_path / "logo.png", 1200))
    staff.locator("input[name='_continue']").click()
    expect(staff.locator(".messagelist")).to_contain_text("was changed successfully")

    public = new_page()
    public.goto("/")
    card = public.locator("article.org-card", has_text="Helping Hands Korea")
    expect(card.locator("img.org-card-logo")).to_have_attribute("alt", "")
    expect(card.locator("img.org-card-logo")).to_have_attribute("width", "96")
    assert _loaded(card, "img.org-card-logo") == {"natural": 96, "shown": 48}
    expect(public.locator("img.org-card-logo")).to_have_count(1)
    snap(public, journey, "directory-with-logo")

    card.get_by_role("link", name="Helping Hands Korea").click()
    expect(public.get_by_role("heading", level=1)).to_have_text("Helping Hands Korea")
    assert _loaded(public, "img.org-logo") == {"natural": 160, "shown": 80}
    snap(public, journey, "profile-with-logo")
