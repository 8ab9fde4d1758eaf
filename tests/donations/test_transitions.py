import pytest

from donations.models import PledgeStatus, PledgeTransition
from donations.services.transitions import ALLOWED, Moved, pledge_transition
from tests import factories

pytestmark = pytest.mark.django_db
S = PledgeStatus


def test_a_move_is_recorded_once():
    pledge = factories.pledge(organization=factories.giving_organization())
    assert pledge_transition(pledge=pledge, to=S.PAID, source="webhook", stripe_event_id="evt_1") is Moved.MOVED
    assert pledge_transition(pledge=pledge, to=S.PAID, source="webhook", stripe_event_id="evt_2") is Moved.ALREADY
    history = list(
        PledgeTransition.objects.filter(pledge=pledge).values_list("from_status", "to_status", "stripe_event_id")
    )
    assert history == [("pending", "paid", "evt_1")]
    pledge.refresh_from_db()
    assert pledge.status == S.PAID


def test_a_late_failure_never_undoes_paid():
    pledge = factories.pledge(organization=factories.giving_organization(), status=S.PAID)
    assert pledge_transition(pledge=pledge, to=S.FAILED, source="webhook") is Moved.REFUSED
    pledge.refresh_from_db()
    assert pledge.status == S.PAID
    assert not PledgeTransition.objects.exists()


def test_terminal_states_have_no_way_out():
    for status in (S.FAILED, S.EXPIRED, S.CANCELED):
        assert ALLOWED[status] == set()
    assert ALLOWED[S.REFUNDED] == {S.PAID}  # only when its refund fails afterwards (refund_settle_pledge)
    assert S.PENDING not in set().union(*ALLOWED.values())
    assert set(ALLOWED) == set(S.values)
