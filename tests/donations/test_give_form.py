"""The Give form and its review step: clear messages next to the field, never a 500. No Stripe call here."""

import pytest

from donations.models import Pledge
from tests import factories
from tests.donations.conftest import give_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def org():
    organization = factories.giving_organization(name="Helping Hands Korea", slug="hhk")
    factories.program(organization=organization, name="Foster care")
    factories.program(organization=organization, name="Closed program", active=False)
    return organization


def _data(**overrides):
    """The form as the page posts it, before the review step."""
    data = give_data(**{"submission_key": "a" * 32, **overrides})
    data.pop("confirm")
    return data


def test_profile_shows_the_give_form_private_by_default(client, org):
    page = client.get(org.get_absolute_url()).text
    assert 'action="/donations/give/hhk/#give"' in page
    assert "Share my name and email with Helping Hands Korea" in page
    share = page[page.index('name="share_identity"') - 200 : page.index('name="share_identity"') + 100]
    assert "checked" not in share
    fee = page[page.index('name="cover_fee"') - 200 : page.index('name="cover_fee"') + 100]
    assert "checked" not in fee
    assert "Foster care" in page and "Closed program" not in page
    assert "US$50.00" in page and "Where most needed" in page


def test_suggested_amounts_follow_the_currency(client, org):
    page = client.get(org.get_absolute_url() + "?currency=KRW").text
    assert "₩50,000" in page and 'name="currency" value="KRW"' in page


def test_organization_can_limit_its_currencies(client, org):
    org.gift_currencies = "KRW"
    org.save()
    page = client.get(org.get_absolute_url() + "?currency=USD").text
    assert 'name="currency" value="KRW"' in page
    response = client.post("/donations/give/hhk/", _data(currency="USD"))
    assert response.status_code == 400
    assert not Pledge.objects.exists()


def test_organization_not_taking_gifts_has_no_form(client):
    org = factories.organization(slug="hrw", accepts_gifts=False)
    assert "donations/give" not in client.get(org.get_absolute_url()).text
    assert client.post("/donations/give/hrw/", _data()).status_code == 404


def test_review_shows_the_exact_fee_before_paying(client, org, settings):
    settings.STRIPE_FEE_PERCENT = "2.9"
    response = client.post("/donations/give/hhk/", _data(amount_choice="other", other_amount="25", cover_fee="on"))
    assert response.status_code == 200
    assert "US$25.00" in response.text and "US$1.06" in response.text and "US$26.06" in response.text
    assert "Anonymous" in response.text
    assert not Pledge.objects.exists()  # nothing saved until the donor confirms


def test_review_with_dedication_and_sharing(client, org):
    response = client.post(
        "/donations/give/hhk/",
        _data(share_identity="on", dedication="In honour of my grandmother", currency="KRW", amount_choice="50000"),
    )
    assert response.status_code == 200
    assert "₩50,000" in response.text and "In honour of my grandmother" in response.text
    assert "dana@example.org" in response.text


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"amount_choice": "other", "other_amount": "500.5", "currency": "KRW"}, "other_amount", "whole number"),
        ({"amount_choice": "other", "other_amount": "0.10"}, "other_amount", "smallest gift"),
        ({"amount_choice": "other", "other_amount": ""}, "other_amount", "Enter the amount"),
        ({"amount_choice": "other", "other_amount": "lots"}, "other_amount", "as a number"),
        ({"amount_choice": "123"}, "amount_choice", "Select a valid choice"),
        ({"donor_email": "not-an-email"}, "donor_email", "valid email"),
        ({"donor_name": ""}, "donor_name", "required"),
        ({"frequency": "weekly"}, "frequency", "Select a valid choice"),
        ({"program": "999999"}, "program", "Select a valid choice"),
        ({"dedication": "x" * 500}, "dedication", "at most 200"),
    ],
)
def test_bad_input_gets_a_message_next_to_its_field(client, org, overrides, field, message):
    response = client.post("/donations/give/hhk/", _data(**overrides))
    assert response.status_code == 400
    form = response.context["give_form"]
    assert message in " ".join(form.errors[field])
    assert f'id="id_{field}' in response.text
    assert "Please correct the marked fields" in response.text
    assert not Pledge.objects.exists()


def test_program_of_another_organization_is_refused(client, org):
    other = factories.program(organization=factories.giving_organization())
    response = client.post("/donations/give/hhk/", _data(program=str(other.pk)))
    assert response.status_code == 400


def test_honeypot_rejects_simple_bots(client, org):
    response = client.post("/donations/give/hhk/", _data(website="http://spam.example", confirm="1"))
    assert response.status_code == 400
    assert not Pledge.objects.exists()


@pytest.mark.parametrize("garbage", ["\x00", "😀" * 300, "<script>alert(1)</script>", "' OR 1=1 --", "9" * 400])
def test_garbage_in_every_field_is_a_message_not_a_500(client, org, garbage):
    fields = [
        "currency",
        "submission_key",
        "frequency",
        "amount_choice",
        "other_amount",
        "program",
        "donor_name",
        "donor_email",
        "dedication",
    ]
    for name in fields:
        response = client.post("/donations/give/hhk/", _data(**{name: garbage}))
        assert response.status_code in (200, 400), (name, response.status_code)
        assert "<script>alert(1)</script>" not in response.text
    assert not Pledge.objects.exists()


def test_change_something_brings_the_form_back_filled_in(client, org):
    response = client.post("/donations/give/hhk/", _data(edit="1", dedication="For Min-ji"))
    assert response.status_code == 200
    assert 'value="For Min-ji"' in response.text


def test_organization_name_cannot_inject_html_into_the_form(client):
    from tests import factories

    org = factories.giving_organization(name='Evil <img src=x onerror="alert(1)">', slug="evil")
    text = client.get(org.get_absolute_url()).text
    assert "<img src=x" not in text and "&lt;img src=x" in text
