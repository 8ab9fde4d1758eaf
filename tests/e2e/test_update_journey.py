"""A manager posts an update behind the safety gate; staff approve it; after the delay, donors who asked get it."""

import io
import re
from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from orgs.models import Organization
from orgs.updates.models import Update, UpdateStatus
from tests import factories
from tests.e2e.browsing import fill_give_form, label, pay, review, sign_in, snap, to_checkout
from tests.e2e.test_accessibility import assert_accessible
from tests.photos import gps_jpeg, metadata_of

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
JOURNEY = "updates"


def _give(page, sandbox_url: str, *, name: str, email: str, updates: bool) -> None:
    page.goto("/organizations/crossing-borders/")
    fill_give_form(page, amount="US$25.00", name=name, email=email)
    box = page.get_by_label(re.compile(r"^\s*Email me Crossing Borders's updates"))
    expect(box).not_to_be_checked()  # private by default
    box.set_checked(updates)
    review(page)
    to_checkout(page, sandbox_url)
    pay(page)


def _photo(page) -> None:
    page.locator("#id_photo_1").set_input_files(
        files=[{"name": "IMG_20260102_border.jpg", "mimeType": "image/jpeg", "buffer": gps_jpeg()}]
    )


def test_an_update_passes_the_gate_waits_for_staff_and_the_delay_then_reaches_opted_in_donors(
    new_page, portal, settings, tmp_path
):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    _give(new_page(), portal.sandbox.url, name="Una Updates", email="una@example.org", updates=True)
    _give(new_page(), portal.sandbox.url, name="Quinn Quiet", email="quinn@example.org", updates=False)
    mail.outbox.clear()  # the receipts
    crossing_borders = Organization.objects.get(slug="crossing-borders")
    factories.member(organization=crossing_borders, role="manager", username="cb-manager")

    manager = new_page()
    sign_in(manager, "cb-manager")
    manager.goto("/reports/")
    manager.get_by_role("link", name="Updates of Crossing Borders").click()
    expect(manager.get_by_role("heading", level=1)).to_have_text("Updates of Crossing Borders")
    manager.get_by_role("link", name="Write an update").click()
    manager.get_by_label(label("Title")).fill("A new shelter")
    manager.get_by_label(label("Update")).fill("Our new shelter at 12 Main Street opened for 8 families.")
    manager.get_by_label("China", exact=True).check()
    _photo(manager)
    manager.get_by_label(label("What photo 1 shows (for people who cannot see it)")).fill("Beds in a bright room")
    manager.locator("fieldset", has_text="Photo 1").get_by_label("No identifiable person is in this photo").check()
    manager.get_by_label(re.compile(r"^\s*This update names no one")).check()
    assert_accessible(manager)
    snap(manager, JOURNEY, "update-form")
    manager.get_by_role("button", name="Send for review").click()

    expect(manager.locator("main")).to_contain_text("“12 Main Street” (a street address)")
    assert Update.objects.count() == 0
    assert_accessible(manager)
    snap(manager, JOURNEY, "update-refused")

    manager.get_by_label(label("Update")).fill("Our new shelter opened for 8 families.")
    _photo(manager)  # a browser never keeps a chosen file across a page load
    manager.get_by_role("button", name="Send for review").click()
    expect(manager.locator("main")).to_contain_text("Your update was sent for review.")
    expect(manager.locator("tbody tr", has_text="A new shelter")).to_contain_text("waiting for staff review")
    assert_accessible(manager)
    snap(manager, JOURNEY, "updates-list")

    update = Update.objects.get()
    with update.photos.get().image.open("rb") as file:
        assert metadata_of(file.read()) == {"exif": {}, "gps": {}, "info": {}, "raw_markers": []}
    assert update.publish_after == update.submitted_at + timedelta(days=30)

    factories.staff(username="staffer")
    staff = new_page()
    staff.goto("/admin/")
    staff.get_by_label(label("Username")).fill("staffer")
    staff.get_by_label(label("Password")).fill("a-long-test-password")
    staff.get_by_role("button", name="Log in").click()
    staff.goto("/admin/orgs/update/")
    staff.get_by_role("link", name="Review", exact=True).click()
    expect(staff.locator("#content")).to_contain_text("Checklist: tick each item you checked")
    expect(staff.locator("img[alt='Beds in a bright room']")).to_be_visible()
    snap(staff, JOURNEY, "admin-review")
    staff.get_by_role("button", name="Approve").click()
    expect(staff.locator("#content")).to_contain_text("Tick every item of the checklist to approve this update.")
    for box in staff.locator("input[name='checked']").all():
        box.check()
    staff.get_by_role("button", name="Approve").click()
    expect(staff.locator(".messagelist")).to_contain_text("Approved.")
    update.refresh_from_db()
    assert update.status == UpdateStatus.APPROVED

    public = new_page()
    call_command("publish_updates", stdout=io.StringIO())  # approved, but the delay has not passed
    public.goto("/organizations/crossing-borders/")
    expect(public.locator("main")).not_to_contain_text("A new shelter")
    assert mail.outbox == []

    Update.objects.filter(pk=update.pk).update(publish_after=timezone.now() - timedelta(seconds=1))  # 30 days on
    call_command("publish_updates", stdout=io.StringIO())
    call_command("publish_updates", stdout=io.StringIO())  # run again: nothing more
    (email,) = mail.outbox
    assert email.to == ["una@example.org"] and "Our new shelter opened for 8 families." in email.body

    public.goto("/organizations/crossing-borders/")
    updates = public.locator("section.updates")
    expect(updates).to_contain_text("A new shelter")
    expect(updates.locator("img[alt='Beds in a bright room']")).to_be_visible()
    updates.scroll_into_view_if_needed()
    assert_accessible(public)
    snap(public, JOURNEY, "profile-with-update")

    stop = re.search(r"/donations/updates/stop/\S+/", email.body).group(0)
    donor = new_page()
    donor.goto(stop)
    assert_accessible(donor)
    snap(donor, JOURNEY, "stop-updates")
    donor.get_by_role("button", name="Stop these updates").click()
    expect(donor.locator("main")).to_contain_text("You will receive no more updates from Crossing Borders.")
    assert_accessible(donor)
