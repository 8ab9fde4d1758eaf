"""Won for Korean visitors: a Korean page starts the Give form in KRW with won presets (the portal's, or what staff
set for the organization); anyone can switch currency; the cached public page holds nothing of one visitor."""

import re

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import translation

from common.money import AmountError, parse_presets
from donations.models import Pledge
from tests import factories
from tests.donations.conftest import give_data

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _language_reset():
    """A request in Korean leaves Korean active in this thread: the next tests run in the default language."""
    yield
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)


KOREAN = {"HTTP_ACCEPT_LANGUAGE": "ko"}
ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def org():
    return factories.giving_organization(name="Crossing Borders", slug="crossing-borders", name_ko="크로싱 보더스")


def _visitor(**headers) -> Client:
    return Client(HTTP_HOST="127.0.0.1", **headers)


def _give_box(html: str) -> tuple[str, list[str], str]:
    """The form's currency, its suggested amounts (values) and the one chosen at first."""
    currency = re.search(r'name="currency" value="([A-Z]{3})"', html)[1]
    radios = re.findall(r'<input[^>]*name="amount_choice"[^>]*>', html)
    values = [re.search(r'value="([^"]*)"', radio)[1] for radio in radios]
    chosen = [re.search(r'value="([^"]*)"', radio)[1] for radio in radios if "checked" in radio]
    return currency, values, chosen[0]


def test_a_korean_visitor_starts_in_won_with_won_presets(org):
    page = _visitor(**KOREAN).get(org.get_absolute_url()).text
    assert _give_box(page) == ("KRW", ["10000", "30000", "50000", "100000", "other"], "30000")
    for label in ("₩10,000", "₩30,000", "₩50,000", "₩100,000"):
        assert label in page
    assert "US$" not in page


def test_an_english_visitor_still_starts_in_dollars(org):
    assert _give_box(_visitor(**ENGLISH).get(org.get_absolute_url()).text)[0] == "USD"


def test_a_korean_visitor_can_switch_to_dollars_and_back(org):
    visitor = _visitor(**KOREAN)
    data = give_data(submission_key="a" * 32, currency="KRW", amount_choice="30000", update="USD")
    data.pop("confirm")
    switched = visitor.post("/donations/give/crossing-borders/", data)
    assert switched.status_code == 200
    assert _give_box(switched.text) == ("USD", ["2500", "5000", "10000", "25000", "other"], "5000")
    linked = visitor.get(org.get_absolute_url() + "?currency=USD").text  # a link may ask for a currency too
    assert _give_box(linked)[0] == "USD"
    back = visitor.post("/donations/give/crossing-borders/", {**data, "currency": "USD", "update": "KRW"})
    assert _give_box(back.text)[0] == "KRW"


def test_a_korean_visitor_gives_won_as_chosen(org):
    data = give_data(submission_key="a" * 32, currency="KRW", amount_choice="10000")
    data.pop("confirm")
    review = _visitor(**KOREAN).post("/donations/give/crossing-borders/", data)
    assert review.status_code == 200 and "₩10,000" in review.text
    assert not Pledge.objects.exists()


def test_an_organization_without_won_starts_korean_visitors_in_its_currency(org):
    org.gift_currencies = "USD,EUR"
    org.save()
    assert _give_box(_visitor(**KOREAN).get(org.get_absolute_url()).text)[0] == "USD"
    org.gift_currencies = "EUR"
    org.save()
    assert _give_box(_visitor(**KOREAN).get(org.get_absolute_url()).text)[0] == "EUR"


def test_staff_set_presets_per_organization(org):
    org.gift_presets = "KRW 20,000 40,000 ₩60,000\nusd: 10 20.50 30"
    org.full_clean()
    org.save()
    other = factories.giving_organization(name="Other Aid", slug="other-aid")
    page = _visitor(**KOREAN).get(org.get_absolute_url()).text
    assert _give_box(page) == ("KRW", ["20000", "40000", "60000", "other"], "40000")
    assert "₩40,000" in page
    assert _give_box(_visitor(**ENGLISH).get(org.get_absolute_url()).text) == (
        "USD",
        ["1000", "2050", "3000", "other"],
        "2050",
    )
    assert _give_box(_visitor(**KOREAN).get(other.get_absolute_url()).text)[1][:4] == [
        "10000",
        "30000",
        "50000",
        "100000",
    ]
    # The organization's presets are the choices: one of them is taken, a portal preset it replaced is not.
    data = give_data(submission_key="a" * 32, currency="KRW", amount_choice="60000")
    data.pop("confirm")
    assert _visitor(**KOREAN).post("/donations/give/crossing-borders/", data).status_code == 200
    refused = _visitor(**KOREAN).post("/donations/give/crossing-borders/", {**data, "amount_choice": "30000"})
    assert refused.status_code == 400 and not Pledge.objects.exists()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("KRW 10000", "Give 2 to 6 different amounts for KRW."),
        ("KRW 10000 10,000", "Give 2 to 6 different amounts for KRW."),
        ("KRW 1 2 3 4 5 6 7", "Give 2 to 6 different amounts for KRW."),
        ("KRW 100 30000", "The smallest gift is ₩5,000."),
        ("KRW 10000.5 30000", "whole number"),
        ("KRW 10000 thirty", "Enter the amount as a number"),
        ("XYZ 10 20", "We do not take gifts in XYZ."),
        ("10000 30000", "Start each line with a currency code"),
        ("KRW 10000 30000\nKRW 20000 40000", "KRW is given twice"),
    ],
)
def test_bad_presets_are_refused_with_a_clear_message(org, text, message):
    with translation.override("en"), pytest.raises(AmountError, match=re.escape(message)):
        parse_presets(text)
    org.gift_presets = text
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        org.full_clean()
    assert message in " ".join(refused.value.message_dict["gift_presets"])


def test_presets_for_a_currency_the_organization_does_not_take_are_refused(org):
    org.gift_currencies, org.gift_presets = "USD", "KRW 10000 30000"
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        org.full_clean()
    assert refused.value.message_dict["gift_presets"] == ["Not among the gift currencies: KRW."]


def test_the_admin_shows_the_presets_with_the_giving_settings(org, superuser_client):
    page = superuser_client.get(f"/admin/orgs/organization/{org.pk}/change/")
    assert page.status_code == 200 and 'name="gift_presets"' in page.text


def test_the_cached_korean_page_is_the_same_for_every_korean_visitor_and_holds_no_ones_state(org):
    first = _visitor(**KOREAN).get(org.get_absolute_url())
    # Another Korean visitor switches to dollars and starts a gift: nothing of it reaches the cached page.
    data = give_data(submission_key="c" * 32, currency="KRW", amount_choice="30000", update="USD")
    data.pop("confirm")
    switcher = _visitor(**KOREAN)
    switcher.post("/donations/give/crossing-borders/", data)
    later = _visitor(**KOREAN).get(org.get_absolute_url())
    assert later.content == first.content and _give_box(later.text)[0] == "KRW"
    assert not later.cookies and "csrfmiddlewaretoken" not in later.text
    assert not re.search(r'name="submission_key"[^>]*value="[0-9a-f]{32}"', later.text)
    assert _give_box(_visitor(**ENGLISH).get(org.get_absolute_url()).text)[0] == "USD"
