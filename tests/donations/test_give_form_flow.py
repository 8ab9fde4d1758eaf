"""The Give form between its pages: switching currency keeps what was typed; one amount, never a guess; errors
summarised at the top of the Give box, focused, each linking to its field."""

import re

import pytest

from donations.models import Pledge
from tests import factories
from tests.donations.conftest import give, give_data

pytestmark = pytest.mark.django_db

CURRENCY_BUTTON = re.compile(r'<button type="submit" name="update" value="KRW"[^>]*>KRW</button>')


@pytest.fixture
def org():
    organization = factories.giving_organization(name="Helping Hands Korea", slug="hhk")
    factories.program(organization=organization, name="Foster care")
    return organization


def _typed(org, **overrides):
    """A form as the donor typed it, not yet reviewed."""
    program = org.programs.get()
    data = give_data(
        submission_key="a" * 32,
        frequency="monthly",
        amount_choice="other",
        other_amount="75",
        program=str(program.pk),
        donor_name="Min-ji Kim",
        donor_email="minji@example.org",
        share_identity="on",
        dedication="For my mother",
        cover_fee="on",
    )
    data.pop("confirm")
    data.update(overrides)
    return data


def _assert_kept(form, org, email="minji@example.org"):
    values = {name: form[name].value() for name in ("frequency", "program", "donor_name", "donor_email", "dedication")}
    assert values == {
        "frequency": "monthly",
        "program": str(org.programs.get().pk),
        "donor_name": "Min-ji Kim",
        "donor_email": email,
        "dedication": "For my mother",
    }
    assert form["share_identity"].value() and form["cover_fee"].value()


@pytest.mark.parametrize("after", ["error", "change something"])
def test_switching_currency_after_an_error_or_change_something_keeps_what_was_typed(client, org, after):
    first = _typed(org, donor_email="not-an-email") if after == "error" else _typed(org, edit="1")
    page = client.post("/donations/give/hhk/", first)
    assert page.status_code == (400 if after == "error" else 200)
    assert CURRENCY_BUTTON.search(page.text), "the currency choices post the form, so that nothing typed is lost"
    assert "?currency=" not in page.text

    switched = client.post("/donations/give/hhk/", {**first, "update": "KRW"})
    assert switched.status_code == 200
    form = switched.context["give_form"]
    assert form.currency_code == "KRW" and 'name="currency" value="KRW"' in switched.text
    assert not form.is_bound and "Please correct" not in switched.text  # nothing is wrong yet
    assert form["amount_choice"].value() == "other" and form["other_amount"].value() == "75"
    assert "Amounts are not converted between currencies: check your amount in KRW." in switched.text
    _assert_kept(form, org, email="not-an-email" if after == "error" else "minji@example.org")  # as typed
    assert not Pledge.objects.exists()


def test_switching_currency_on_the_cancelled_page_keeps_the_gift(client, stripe_sandbox, org):
    give(client, org, **{**_typed(org), "confirm": "1"})
    pledge = Pledge.objects.get()
    cancelled = client.get(f"/donations/cancelled/{pledge.reference}/")
    assert CURRENCY_BUTTON.search(cancelled.text) and 'action="/donations/give/hhk/#give"' in cancelled.text
    form = cancelled.context["give_form"]
    data = {name: form[name].value() for name in form.fields}
    data = {name: ("on" if value is True else value) for name, value in data.items() if value not in (None, False)}
    switched = client.post("/donations/give/hhk/", {**data, "update": "KRW"})
    assert switched.status_code == 200 and switched.context["give_form"].currency_code == "KRW"
    _assert_kept(switched.context["give_form"], org)
    assert switched.context["give_form"]["other_amount"].value() == "75.00"


def test_a_chosen_suggested_amount_becomes_the_new_currencys_default(client, org):
    switched = client.post("/donations/give/hhk/", _typed(org, amount_choice="10000", other_amount="", update="KRW"))
    form = switched.context["give_form"]
    assert (form["amount_choice"].value(), form["other_amount"].value()) == ("30000", "")


def test_a_preset_and_a_typed_amount_together_are_asked_about_not_guessed(client, stripe_sandbox, org):
    both = _typed(org, amount_choice="5000", other_amount="75")
    review = client.post("/donations/give/hhk/", both)
    assert review.status_code == 400
    (message,) = review.context["give_form"].errors["other_amount"]
    assert "You chose US$50.00 and also typed an amount under “Other amount”" in message
    confirmed = client.post("/donations/give/hhk/", {**both, "confirm": "1"})
    assert confirmed.status_code == 400 and not Pledge.objects.exists()


def test_typing_an_amount_selects_other_amount_in_the_browser_script(client, org):
    page = client.get(org.get_absolute_url()).text
    assert '<script src="/static/js/give.js" defer></script>' in page


def test_errors_are_summarised_at_the_top_of_the_give_box_linking_to_each_field(client, org):
    page = client.post(
        "/donations/give/hhk/", _typed(org, donor_email="not-an-email", donor_name="", frequency="weekly")
    )
    assert page.status_code == 400
    text = page.text
    give_box = text.index('id="give"')
    summary = re.search(r'<div class="alert alert-danger" role="alert" id="give-errors" tabindex="-1" autofocus>', text)
    assert summary and give_box < summary.start() < text.index('name="frequency"')
    links = re.findall(r'<a class="alert-link" href="#([^"]+)">([^<]+)</a>', text)
    assert [anchor for anchor, _ in links] == ["id_frequency_0", "id_donor_name", "id_donor_email"]
    for anchor, _ in links:
        assert f'id="{anchor}"' in text
    assert "Your email: Enter a valid email address." in [line for _, line in links]
    assert 'action="/donations/give/hhk/#give"' in text  # the page comes back scrolled to the Give box


def test_change_something_returns_to_the_give_box(client, org):
    review = client.post("/donations/give/hhk/", _typed(org))
    edit = re.search(r'<button type="submit" name="edit" value="1" formaction="([^"]+)"', review.text)
    assert review.status_code == 200 and edit and edit.group(1) == "/donations/give/hhk/#give"
    assert 'action="/donations/give/hhk/"' in review.text  # to Checkout: no fragment added to Stripe's address
