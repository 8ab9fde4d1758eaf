"""A gift changed after the donor went to Checkout: the pledge that goes on carries exactly what was confirmed last."""

import pytest

from donations.models import Pledge, PledgeStatus
from tests.donations.conftest import checkout_session, give

pytestmark = pytest.mark.django_db


def test_a_changed_gift_carries_what_the_review_page_showed(client, stripe_sandbox, giving_org):
    first_response = give(client, giving_org, share_identity="on", dedication="For my brother in Yanbian")
    first = Pledge.objects.get()
    assert first.share_identity and first_response.status_code == 303

    # The Back button, "Change something", the box unticked and the dedication cleared: the same form, confirmed.
    response = give(client, giving_org, dedication="")
    assert response.status_code == 303 and response["Location"] != first_response["Location"]
    latest = Pledge.objects.exclude(pk=first.pk).get()
    assert (latest.share_identity, latest.dedication, latest.donor_name) == (False, "", "Dana Donor")
    assert latest.submission_key == "b" * 32

    first.refresh_from_db()  # superseded: cannot be paid any more, and shares no more than the donor's last choice
    assert first.status == PledgeStatus.ABANDONED and first.submission_key is None
    assert (first.share_identity, first.dedication) == (False, "")
    assert checkout_session(stripe_sandbox, first)["status"] == "expired"

    again = give(client, giving_org, dedication="")  # a double click on the changed gift: the same pledge
    assert again["Location"] == response["Location"] and Pledge.objects.count() == 2


@pytest.mark.parametrize(
    ("change", "field", "expected"),
    [
        ({"donor_name": "D. Donor"}, "donor_name", "D. Donor"),
        ({"share_identity": "on"}, "share_identity", True),
        ({"dedication": "In memory of my father"}, "dedication", "In memory of my father"),
        ({"cover_fee": "on"}, "fee_amount", 106),
        ({"amount_choice": "10000"}, "gift_amount", 10000),
        ({"frequency": "monthly"}, "frequency", "monthly"),
    ],
)
def test_any_change_to_a_confirmed_gift_makes_a_pledge_with_it(
    client, stripe_sandbox, giving_org, change, field, expected
):
    give(client, giving_org)
    give(client, giving_org, **change)
    latest = Pledge.objects.get(submission_key="b" * 32)
    assert latest.status == PledgeStatus.PENDING and getattr(latest, field) == expected
    assert Pledge.objects.filter(status=PledgeStatus.ABANDONED).count() == 1


def test_a_paid_gift_is_never_changed_by_its_form(client, stripe_sandbox, giving_org):
    give(client, giving_org, share_identity="on")
    Pledge.objects.update(status=PledgeStatus.PAID)
    response = give(client, giving_org)
    assert response.status_code == 409 and "already sent" in response.text
    assert Pledge.objects.get().share_identity is True
