"""The Give form on a cached public page carries no CSRF token: its steps before the confirmation write nothing;
the confirmation, which starts a pledge, is checked like every other POST."""

import re

import pytest
from django.test import Client

from tests import factories
from tests.donations.conftest import give_data

pytestmark = pytest.mark.django_db


def test_the_give_form_works_without_a_token_until_the_step_that_writes(stripe_sandbox):
    giving = factories.giving_organization(name="Open Hands", slug="open-hands")
    donor = Client(HTTP_HOST="127.0.0.1", enforce_csrf_checks=True)
    data = give_data()
    data.pop("confirm")
    review = donor.post(f"/donations/give/{giving.slug}/", data)
    assert review.status_code == 200 and "csrfmiddlewaretoken" in review.text  # the confirmation carries a token
    forged = Client(HTTP_HOST="127.0.0.1", enforce_csrf_checks=True)
    assert forged.post(f"/donations/give/{giving.slug}/", {**data, "confirm": "1"}).status_code == 403
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', review.text).group(1)
    confirmed = donor.post(f"/donations/give/{giving.slug}/", {**data, "confirm": "1", "csrfmiddlewaretoken": token})
    assert confirmed.status_code == 303
