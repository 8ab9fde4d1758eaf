"""After the gift: the thank-you page offers a monthly gift (prefilled form), plain share links and other
organizations on the same cause."""

import re

import pytest

from donations.models import Pledge
from tests import factories
from tests.donations.conftest import give, pay_on_checkout_page

pytestmark = pytest.mark.django_db


def test_thanks_page_offers_monthly_share_and_other_organizations(
    client, stripe_sandbox, giving_org_with_program, django_capture_on_commit_callbacks, settings
):
    settings.PORTAL_BASE_URL = "https://portal.example"
    care = factories.cause(name="Orphan and child care", slug="orphan-child-care")
    giving_org_with_program.causes.set([care])
    factories.organization(name="Crossing Borders", slug="crossing-borders", causes=[care], accepts_gifts=True)
    factories.organization(name="Unrelated", slug="unrelated")
    program = giving_org_with_program.programs.get()
    give(client, giving_org_with_program, program=str(program.pk), amount_choice="other", other_amount="42")
    pledge = Pledge.objects.get()
    _, location, _ = pay_on_checkout_page(pledge.stripe_checkout_url)
    with django_capture_on_commit_callbacks(execute=True):
        page = client.get(location.replace("http://testserver", "")).text
    monthly = (
        "/organizations/helping-hands-korea/programs/foster-care/"
        f"?frequency=monthly&amp;amount=42.00&amp;currency=USD&amp;program={program.pk}#give"
    )
    assert f'href="{monthly}"' in page and "Give US$42.00 every month" in page
    assert "mailto:?subject=Helping%20Hands%20Korea" in page
    assert (
        "https://x.com/intent/post?url=https%3A%2F%2Fportal.example%2Forganizations%2Fhelping-hands-korea%2Fprograms%2Ffoster-care%2F"
        in page
    )
    assert "<script" not in page.split("<main", 1)[1].split("</main>", 1)[0]  # no third-party script
    assert 'href="/organizations/crossing-borders/"' in page and "Unrelated" not in page

    # The link opens the form set to a monthly gift of that amount, for that program.
    form = client.get(monthly.replace("&amp;", "&")).text
    assert re.search(r'<input[^>]*(value="monthly"[^>]*checked|checked[^>]*value="monthly")', form)
    assert re.search(r'<input[^>]*(value="other"[^>]*checked|checked[^>]*value="other")', form)
    assert 'value="42.00"' in form and f'<option value="{program.pk}" selected>' in form


def test_a_monthly_gift_is_not_offered_monthly_again(
    client, stripe_sandbox, giving_org, django_capture_on_commit_callbacks
):
    give(client, giving_org, frequency="monthly")
    pledge = Pledge.objects.get()
    _, location, _ = pay_on_checkout_page(pledge.stripe_checkout_url)
    with django_capture_on_commit_callbacks(execute=True):
        page = client.get(location.replace("http://testserver", "")).text
    assert "every month</a>" not in page and "Share by Email" in page


def test_prefill_ignores_what_is_not_valid(client, giving_org_with_program):
    url = giving_org_with_program.get_absolute_url()
    page = client.get(url + "?frequency=weekly&amount=-5&currency=XYZ&program=999999").text
    assert "selected>Foster care" not in page
    assert 'value="-5"' not in page
