"""The reports' daily totals (PaymentRollup) equal the raw payments and refunds after any mix of writes through the
services, are rebuilt by `rebuild_rollups`, and stay exact under concurrent writes (PostgreSQL).

The mixed sequences are seeded random ones (a failure names its seed and prints the operations): payments (some
delivered twice), refunds in every status, refunds that fail, refunds moving pending -> failed or -> succeeded,
claims of staff refunds filled by Stripe's answer, over several days, programs, currencies and frequencies.
"""

import random
import threading
from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from donations import stripe_gateway as gateway
from donations.models import Payment, PaymentRollup, Refund
from donations.services import fulfilment, refunds
from donations.services.rollups import rollup_differences, rollup_raw_totals, rollup_stored
from donations.services.transitions import pledge_transition
from reports import selectors
from tests import factories

pytestmark = pytest.mark.django_db

START = datetime(2026, 3, 30, 22, 0, tzinfo=UTC)  # near a month's end: days and months both change
STATUSES = ["succeeded", "pending", "failed", "requires_action", "canceled", ""]


def _refund(refund_id: str, payment: Payment, amount: int, status: str, when: datetime, key: str = ""):
    return gateway.Refund(
        id=refund_id,
        payment_intent_id=payment.stripe_payment_intent_id or "",
        amount=amount,
        currency=payment.currency,
        status=status,
        created=when,
        request_key=key,
    )


class Writer:
    """Random writes through the services, each logged (printed when the test fails)."""

    def __init__(self, seed: int, organizations):
        self.rng = random.Random(seed)
        self.log: list[str] = []
        self.pledges = []
        for organization in organizations:
            programs = [None, factories.program(organization=organization, name=f"P {organization.slug}")]
            for n in range(6):
                currency = "KRW" if n % 3 == 0 else "USD"
                self.pledges.append(
                    factories.pledge(
                        organization=organization,
                        status="active" if n % 2 else "paid",
                        frequency="monthly" if n % 2 else "once",
                        currency=currency,
                        gift_amount=50000 if currency == "KRW" else 2500 + 100 * n,
                        share_identity=n % 4 in (0, 1),
                        program=programs[n % 2],
                        donor_email=f"Donor{n % 3}@example.org" if n % 2 else f"donor{n % 3}@EXAMPLE.org",
                    )
                )
        self.payments: list[Payment] = []
        self.refund_ids: list[tuple[str, Payment, int]] = []
        self.count = 0

    def when(self) -> datetime:
        return START + timedelta(hours=self.rng.randrange(0, 24 * 40))

    def step(self) -> None:
        self.count += 1
        actions = [self.pay, self.pay_again, self.refund, self.refund_change, self.staff_refund, self.move]
        weights = [4, 1, 3, 3, 2, 2]
        self.rng.choices(actions, weights)[0]()

    def pay(self) -> None:
        pledge = self.rng.choice(self.pledges)
        stripe_id = f"pi_mix_{self.count}"
        payment, _ = fulfilment.payment_record(
            pledge=pledge,
            stripe_id=stripe_id,
            payment_intent_id=stripe_id,
            amount=pledge.amount,
            currency=pledge.currency,
            paid_at=self.when(),
        )
        self.payments.append(payment)
        self.log.append(f"pay {stripe_id} {pledge.amount} {pledge.currency} at {payment.paid_at}")

    def move(self) -> None:
        """A pledge's status moves (or the move is refused): running monthly gifts are counted from the rollups."""
        pledge = self.rng.choice(self.pledges)
        to = self.rng.choice(["active", "past_due", "canceled", "paid", "refunded"])
        moved = pledge_transition(pledge=pledge, to=to, source="webhook")
        self.log.append(f"move {pledge.reference} to {to}: {moved.value}")

    def pay_again(self) -> None:
        """A second delivery of a recorded payment: not counted again."""
        if self.payments:
            payment = self.rng.choice(self.payments)
            fulfilment.payment_record(
                pledge=payment.pledge, stripe_id=payment.stripe_id, amount=payment.amount, currency=payment.currency
            )
            self.log.append(f"pay again {payment.stripe_id}")

    def refund(self) -> None:
        if not self.payments:
            return
        payment = self.rng.choice(self.payments)
        amount = self.rng.randint(1, payment.amount)
        status = self.rng.choice(STATUSES)
        refund_id = f"re_mix_{self.count}"
        fulfilment.refund_record(
            payment=payment, refund=_refund(refund_id, payment, amount, status, self.when()), source="stripe"
        )
        self.refund_ids.append((refund_id, payment, amount))
        self.log.append(f"refund {refund_id} of {payment.stripe_id}: {amount} {status!r}")

    def refund_change(self) -> None:
        """Stripe's news of a refund's new status (pending -> failed, pending -> succeeded, ...)."""
        if not self.refund_ids:
            return
        refund_id, payment, amount = self.rng.choice(self.refund_ids)
        status = self.rng.choice(STATUSES)
        fulfilment.refund_updated(refund=_refund(refund_id, payment, amount, status, self.when()), source="webhook")
        self.log.append(f"refund {refund_id} now {status!r}")

    def staff_refund(self) -> None:
        """A refund staff asked for: its claim (not counted), then Stripe's answer fills it (or never comes)."""
        if not self.payments:
            return
        payment = self.rng.choice(self.payments)
        key = f"key{self.count}"
        staff = factories.staff(username=f"staff{self.count}")
        amount = self.rng.randint(1, payment.amount)
        refunds._refund_claim(payment=payment, amount=amount, request_key=key, requested_by=staff, reason="test")
        status = self.rng.choice([*STATUSES, None])
        if status is not None:
            refund_id = f"re_staff_{self.count}"
            answer = _refund(refund_id, payment, amount, status, self.when(), key=key)
            fulfilment.refund_record(payment=payment, refund=answer, source="staff", request_key=key)
            self.refund_ids.append((refund_id, payment, amount))
        self.log.append(f"staff refund {key} of {payment.stripe_id}: {amount} {status!r}")


@pytest.mark.parametrize("seed", range(6))
def test_rollups_equal_the_raw_aggregate_after_mixed_writes(seed, org_a, org_b):
    writer = Writer(seed, [org_a, org_b])
    for _ in range(80):
        writer.step()
    assert rollup_differences() == [], f"seed {seed}:\n" + "\n".join(writer.log)
    assert sum(row["payments"] for row in rollup_stored().values()) == Payment.objects.count()
    counted = sum(Refund.objects.counted().values_list("amount", flat=True))
    assert sum(row["refunded"] for row in rollup_stored().values()) == counted
    assert Refund.objects.exclude(status__in=Refund.COUNTED).exists()  # failed ones were among the writes
    _report_matches_the_raw_rows(org_a)


def _report_matches_the_raw_rows(organization) -> None:
    """The report's sums (read from the rollups) are the raw aggregate, for several periods and filters."""
    program = organization.programs.first()
    for start, end, extra in [
        (START.date(), (START + timedelta(days=50)).date(), {}),
        ((START + timedelta(days=3)).date(), (START + timedelta(days=17)).date(), {}),
        (START.date(), (START + timedelta(days=50)).date(), {"currency": "USD", "frequency": "monthly"}),
        (START.date(), (START + timedelta(days=50)).date(), {"program": program}),
        ((START + timedelta(days=9)).date(), (START + timedelta(days=11)).date(), {}),  # donors paid before and after
        ((START + timedelta(days=20)).date(), (START + timedelta(days=20)).date(), {"frequency": "once"}),
    ]:
        filters = selectors.ReportFilters(start=start, end=end, **extra)
        payments = selectors.payments_in(organization, filters)
        expected = {}
        for currency in {p.currency for p in payments} | {
            r.currency for r in selectors.refunds_in(organization, filters)
        }:
            mine = payments.filter(currency=currency)
            expected[currency] = (
                sum(mine.values_list("amount", flat=True)),
                mine.count(),
                mine.filter(pledge__share_identity=False).count(),
                sum(
                    selectors.refunds_in(organization, filters)
                    .filter(currency=currency)
                    .values_list("amount", flat=True)
                ),
            )
        for currency, n in _shared_donors_raw(organization, payments).items():
            expected[currency] = (*expected[currency], n)
        totals = selectors.report_totals(organization, filters)
        got = {
            row.currency: (row.received, row.gifts, row.anonymous_gifts, row.refunded, row.shared_donors)
            for row in totals
        }
        running = {
            row.currency: (row.monthly_active, row.monthly_amount, row.monthly_past_due)
            for row in totals
            if row.monthly_active or row.monthly_past_due
        }
        assert running == _running_monthly_raw(organization, filters), filters
        for currency in set(got) | set(expected):  # a currency of running monthly gifts only shows zeros
            want = expected.get(currency, ())
            want = (*want, *(0,) * (5 - len(want)))
            assert got.get(currency, (0,) * 5) == want, (filters, got, expected)
        months = selectors.report_by_month(organization, filters)
        assert sum(row.gifts for row in months) == payments.count()


def _running_monthly_raw(organization, filters) -> dict[str, tuple[int, int, int]]:
    """Running monthly gifts as the report counted them from the raw pledges before the rollups."""
    from donations.models import Pledge

    pledges = Pledge.objects.filter(organization=organization).running_monthly()
    if filters.program:
        pledges = pledges.filter(program=filters.program)
    for name in ("currency", "frequency"):
        if getattr(filters, name):
            pledges = pledges.filter(**{name: getattr(filters, name)})
    running = {}
    for currency in set(pledges.values_list("currency", flat=True)):
        active = pledges.filter(currency=currency, status="active")
        running[currency] = (
            active.count(),
            sum(active.values_list("amount", flat=True)),
            pledges.filter(currency=currency, status="past_due").count(),
        )
    return running


def _shared_donors_raw(organization, payments) -> dict[str, int]:
    """The figure as the report computed it from the raw rows before the rollups: donors who shared, by email in lower
    case, over pledges with a payment in the period."""
    from django.db.models import Count, Exists, OuterRef
    from django.db.models.functions import Lower

    from donations.models import Pledge

    pledges = Pledge.objects.filter(organization=organization, share_identity=True)
    pledges = pledges.filter(Exists(payments.filter(pledge=OuterRef("pk"))))
    counts = pledges.values("currency").annotate(n=Count(Lower("donor_email"), distinct=True))
    return dict(counts.values_list("currency", "n"))


def test_a_donor_who_paid_before_during_and_after_a_period_counts_once_in_it(org_a):
    """A monthly donor who shared their identity paid on three days: counted in a period holding only the middle
    one (their first and last days lie outside it), not in a period between two payments."""
    monthly = factories.pledge(organization=org_a, status="active", frequency="monthly", share_identity=True)
    again = factories.pledge(organization=org_a, status="paid", share_identity=True, donor_email="DANA@example.org")
    for n, days in enumerate((0, 10, 20)):
        fulfilment.payment_record(
            pledge=monthly, stripe_id=f"in_{n}", amount=monthly.amount, currency="USD", paid_at=START + timedelta(days)
        )
    fulfilment.payment_record(pledge=again, stripe_id="pi_x", amount=again.amount, currency="USD", paid_at=START)

    def shared(first: int, last: int, **extra) -> int:
        filters = selectors.ReportFilters(
            start=(START + timedelta(first)).date(), end=(START + timedelta(last)).date(), **extra
        )
        return sum(row.shared_donors for row in selectors.report_totals(org_a, filters))

    assert shared(9, 11) == 1
    assert shared(12, 15) == 0
    assert shared(0, 30) == 1  # the same email (in any case) on two gifts: one donor
    assert shared(0, 30, frequency="once") == 1 and shared(5, 30, frequency="once") == 0
    assert rollup_differences() == []


def test_a_pending_refund_that_fails_leaves_the_totals(org_a):
    pledge = factories.pledge(organization=org_a, status="paid")
    payment, _ = fulfilment.payment_record(
        pledge=pledge, stripe_id="pi_1", payment_intent_id="pi_1", amount=2500, currency="USD", paid_at=START
    )
    later = START + timedelta(days=3)
    fulfilment.refund_record(payment=payment, refund=_refund("re_1", payment, 1000, "pending", later), source="stripe")
    assert _refunded() == 1000
    fulfilment.refund_updated(refund=_refund("re_1", payment, 1000, "failed", later), source="webhook")
    assert _refunded() == 0
    fulfilment.refund_record(payment=payment, refund=_refund("re_2", payment, 500, "failed", later), source="stripe")
    assert _refunded() == 0  # a failed refund never counts
    assert rollup_differences() == []
    [row] = PaymentRollup.objects.filter(payments=1)
    assert (row.day, row.received, row.anonymous) == (START.date(), 2500, 1)


def _refunded() -> int:
    return sum(PaymentRollup.objects.values_list("refunded", flat=True))


def test_rebuild_command_recomputes_and_check_finds_differences(org_a):
    pledge = factories.pledge(organization=org_a, status="paid")
    factories.refund(payment=factories.payment(pledge=pledge, paid_at=START), amount=300)
    call_command("rebuild_rollups", "--check", stdout=StringIO())
    PaymentRollup.objects.update(received=1)  # wrong, as after rows changed behind the services' back
    Payment.objects.create(
        pledge=pledge, organization=org_a, stripe_id="pi_raw", amount=700, currency="USD", paid_at=START
    )
    with pytest.raises(CommandError, match="differ from the raw rows"):
        call_command("rebuild_rollups", "--check", stdout=StringIO())
    out = StringIO()
    call_command("rebuild_rollups", stdout=out)
    assert "Rebuilt 3 row(s)" in out.getvalue()  # the payments' day, the refund's day, the pledges' status
    assert rollup_stored() == rollup_raw_totals() and rollup_differences() == []
    call_command("rebuild_rollups", "--check", "--organization", "alpha", stdout=StringIO())
    with pytest.raises(CommandError, match="No organization"):
        call_command("rebuild_rollups", "--organization", "nope")


def test_rebuild_of_one_organization_leaves_the_others(org_a, org_b):
    factories.payment(pledge=factories.pledge(organization=org_a, status="paid"), paid_at=START)
    factories.payment(pledge=factories.pledge(organization=org_b, status="paid"), paid_at=START)
    PaymentRollup.objects.update(payments=9)
    call_command("rebuild_rollups", "--organization", "alpha", stdout=StringIO())
    assert dict(PaymentRollup.objects.values_list("organization__slug", "payments")) == {"alpha": 1, "beta": 9}


def test_report_sums_read_the_rollups_not_every_payment(org_a, member_a_client):
    from django.test.utils import CaptureQueriesContext

    for n in range(5):
        factories.payment(pledge=factories.pledge(organization=org_a, status="paid", share_identity=n % 2 == 0))
    with CaptureQueriesContext(connection) as queries:
        response = member_a_client.get("/reports/alpha/")
    [usd] = response.context["totals"]
    assert (usd.gifts, usd.anonymous_gifts, usd.shared_donors) == (5, 2, 1)
    sums = [q["sql"] for q in queries.captured_queries if "SUM(" in q["sql"].upper()]
    assert sums and not any('SUM("donations_payment"' in sql for sql in sums), sums
    assert any("donations_paymentrollup" in sql for sql in sums)


@pytest.mark.django_db(transaction=True)
def test_concurrent_payments_on_one_day_are_all_counted(org_a):
    """Twelve payments of one organization, day, currency and program at once: the day's row is created by one of
    them and added to by all (no lost update, no duplicate row). Row locks: PostgreSQL only."""
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL; .ci/run runs this with DATABASE_URL set")
    pledges = [factories.pledge(organization=org_a, status="paid") for _ in range(12)]
    barrier = threading.Barrier(len(pledges))
    errors: list[BaseException] = []

    def pay(n: int) -> None:
        try:
            barrier.wait(timeout=10)
            fulfilment.payment_record(
                pledge=pledges[n], stripe_id=f"pi_c{n}", amount=2500, currency="USD", paid_at=START
            )
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=pay, args=(n,)) for n in range(len(pledges))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    [row] = PaymentRollup.objects.all()
    assert (row.payments, row.received) == (12, 12 * 2500)
