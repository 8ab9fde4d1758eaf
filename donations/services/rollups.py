"""The reports' running totals (PaymentRollup): one row per organization, day, currency, program and frequency.

Every payment or refund write adds its change to the row of its day in the same transaction (rollup_add), so the
totals are exactly the raw rows' aggregate at every commit; `manage.py rebuild_rollups` recomputes them from the
raw rows (rollup_rebuild) and `--check` compares (rollup_differences).

Race-safe without a table lock: an UPDATE ... SET x = x + n (row-locked by the database) and, for a row that does
not exist yet, an INSERT in a savepoint; if a concurrent transaction inserted it first, the unique constraint
refuses ours and the UPDATE runs again, now on that row.
"""

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from django.db import IntegrityError, connection, transaction
from django.db.models import Count, DateField, F, Q, Sum, Value
from django.db.models.functions import Greatest, Least, TruncDate
from django.utils import timezone

from donations.models import Payment, PaymentRollup, Pledge, PledgeRollup, Refund, RollupDonor, RollupDonorDay

FIGURES = ("payments", "received", "anonymous", "refunded")


@dataclass(frozen=True)
class RollupKey:
    organization_id: int
    day: date
    currency: str
    program_id: int | None
    frequency: str


def rollup_day(moment: datetime) -> date:
    """The day a payment or refund counts on: its date in the portal's time zone (the report filters' zone)."""
    return timezone.localtime(moment, timezone.get_default_timezone()).date()


def _key(pledge: Pledge, moment: datetime, currency: str) -> RollupKey:
    return RollupKey(pledge.organization_id, rollup_day(moment), currency, pledge.program_id, pledge.frequency)


def rollup_add(*, key: RollupKey, **changes: int) -> None:
    """Add `changes` (payments, received, anonymous, refunded; negative to take away) to the key's row."""
    changes = {name: value for name, value in changes.items() if value}
    if not changes:
        return
    unknown = set(changes) - set(FIGURES)
    if unknown:
        raise ValueError(f"not a rollup figure: {', '.join(sorted(unknown))}")
    lookup = {
        "organization_id": key.organization_id,
        "day": key.day,
        "currency": key.currency,
        "program_id": key.program_id,  # None: IS NULL
        "frequency": key.frequency,
    }
    _update_or_insert(
        PaymentRollup, lookup, {name: F(name) + value for name, value in changes.items()}, {**lookup, **changes}
    )


def _update_or_insert(model, lookup: dict, updates: dict, values: dict) -> None:
    """UPDATE the row `lookup` finds with `updates`; if there is none, INSERT `values` in a savepoint; if a
    concurrent transaction inserted it meanwhile (the unique constraint refuses ours), UPDATE that row."""
    rows = model.objects.filter(**lookup)
    with transaction.atomic():
        if rows.update(**updates):
            return
        try:
            with transaction.atomic():
                model.objects.create(**values)
                return
        except IntegrityError:
            pass
        if not rows.update(**updates):
            raise RuntimeError(f"{model.__name__} {lookup} neither updatable nor creatable")


def donor_key(email: str) -> int:
    """How the rollups know a donor who shared their identity: a hash of the email in lower case, not the email (the
    first 64 bits of its SHA-256, signed: two donors share one only by a 1-in-10^19 chance)."""
    return int.from_bytes(hashlib.sha256(email.lower().encode()).digest()[:8], "big", signed=True)


def _rollup_donor(pledge: Pledge, day: date) -> None:
    """A payment of a donor who shared their identity: the donor's first and last days, and this day."""
    lookup = {
        "organization_id": pledge.organization_id,
        "currency": pledge.currency,
        "program_id": pledge.program_id,
        "frequency": pledge.frequency,
        "email_key": donor_key(pledge.donor_email),
    }
    when = Value(day, output_field=DateField())
    updates = {"first_day": Least("first_day", when), "last_day": Greatest("last_day", when)}
    _update_or_insert(RollupDonor, lookup, updates, {**lookup, "first_day": day, "last_day": day})
    donor = RollupDonor.objects.filter(**lookup).values_list("pk", flat=True).get()
    try:
        with transaction.atomic():
            RollupDonorDay.objects.get_or_create(donor_id=donor, day=day)
    except IntegrityError:  # a concurrent payment of the same donor on the same day recorded it
        pass


def rollup_pledge(*, pledge: Pledge, before: str | None, after: str | None) -> None:
    """A pledge created (`before` None) or moved from one status to another: counted under its new status."""
    lookup = {
        "organization_id": pledge.organization_id,
        "currency": pledge.currency,
        "program_id": pledge.program_id,
        "frequency": pledge.frequency,
    }
    for status, sign in sorted(((before, -1), (after, 1)), key=lambda item: item[0] or ""):  # one order: no deadlock
        if status is None:
            continue
        row = {**lookup, "status": status}
        updates = {"pledges": F("pledges") + sign, "amount": F("amount") + sign * pledge.amount}
        _update_or_insert(PledgeRollup, row, updates, {**row, "pledges": sign, "amount": sign * pledge.amount})


def rollup_payment(*, payment: Payment, pledge: Pledge) -> None:
    """A payment newly recorded: one more payment and its amount on its day."""
    key = _key(pledge, payment.paid_at, payment.currency)
    rollup_add(key=key, payments=1, received=payment.amount, anonymous=0 if pledge.share_identity else 1)
    if pledge.share_identity:
        _rollup_donor(pledge, key.day)


@dataclass(frozen=True)
class RefundState:
    """What of a refund the totals depend on: counted or not (its status), its amount and currency, its day."""

    status: str
    amount: int
    currency: str
    refunded_at: datetime

    @property
    def counted(self) -> int:
        return self.amount if self.status in Refund.COUNTED else 0


def rollup_refund(*, payment: Payment, before: RefundState | None, after: RefundState | None) -> None:
    """A refund recorded or changed (a claim filled, pending -> failed, ...): its counted amount moves from the
    day it was on to the day it is on now. `before` is None for a new refund, `after` None for a withdrawn one."""
    pledge = Pledge.objects.only("organization_id", "program_id", "frequency").get(pk=payment.pledge_id)
    changes: dict[RollupKey, int] = {}
    for state, sign in ((before, -1), (after, 1)):
        if state is not None and state.counted:
            key = _key(pledge, state.refunded_at, state.currency)
            changes[key] = changes.get(key, 0) + sign * state.counted
    for key in sorted(changes, key=_order):  # one order everywhere: no two transactions wait for each other
        rollup_add(key=key, refunded=changes[key])


def _order(key: RollupKey) -> tuple:
    return (key.organization_id, key.day, key.currency, key.frequency, key.program_id or 0)


# The raw aggregate, the one the rollups must equal. ------------------------------------------------------------------


def rollup_raw_totals(organization_ids: Iterable[int] | None = None) -> dict[RollupKey, dict[str, int]]:
    """The rollups as computed from the raw payments and refunds (only non-zero rows)."""
    zone = timezone.get_default_timezone()
    payments = Payment.objects.all()
    refunds = Refund.objects.counted()
    if organization_ids is not None:
        payments = payments.filter(organization_id__in=list(organization_ids))
        refunds = refunds.filter(organization_id__in=list(organization_ids))
    totals: dict[RollupKey, dict[str, int]] = {}
    paid = (
        payments.annotate(day=TruncDate("paid_at", tzinfo=zone))
        .values_list("organization_id", "day", "currency", "pledge__program_id", "pledge__frequency")
        .annotate(n=Count("id"), total=Sum("amount"), anonymous=Count("id", filter=Q(pledge__share_identity=False)))
        .order_by()
    )
    for org, day, currency, program, frequency, n, total, anonymous in paid:
        row = totals.setdefault(RollupKey(org, day, currency, program, frequency), dict.fromkeys(FIGURES, 0))
        row.update(payments=n, received=total, anonymous=anonymous)
    refunded = (
        refunds.annotate(day=TruncDate("refunded_at", tzinfo=zone))
        .values_list("organization_id", "day", "currency", "payment__pledge__program_id", "payment__pledge__frequency")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    for org, day, currency, program, frequency, total in refunded:
        row = totals.setdefault(RollupKey(org, day, currency, program, frequency), dict.fromkeys(FIGURES, 0))
        row["refunded"] = total
    return {key: row for key, row in totals.items() if any(row.values())}


def rollup_stored(organization_ids: Iterable[int] | None = None) -> dict[RollupKey, dict[str, int]]:
    """The rollups as stored (only non-zero rows: a refund that failed after counting leaves a row of zeros)."""
    rows = PaymentRollup.objects.all()
    if organization_ids is not None:
        rows = rows.filter(organization_id__in=list(organization_ids))
    stored: dict[RollupKey, dict[str, int]] = {}
    for org, day, currency, program, frequency, *figures in rows.values_list(
        "organization_id", "day", "currency", "program_id", "frequency", *FIGURES
    ):
        key = RollupKey(org, day, currency, program, frequency)
        row = stored.setdefault(key, dict.fromkeys(FIGURES, 0))
        for name, value in zip(FIGURES, figures, strict=True):
            row[name] += value
    return {key: row for key, row in stored.items() if any(row.values())}


DonorKey = tuple[int, str, int | None, str, int]  # organization, currency, program, frequency, email key


def rollup_raw_donors(organization_ids: Iterable[int] | None = None) -> dict[DonorKey, set[date]]:
    """The days each donor who shared their identity paid, from the raw payments."""
    payments = Payment.objects.filter(pledge__share_identity=True)
    if organization_ids is not None:
        payments = payments.filter(organization_id__in=list(organization_ids))
    rows = (
        payments.annotate(day=TruncDate("paid_at", tzinfo=timezone.get_default_timezone()))
        .values_list(
            "organization_id",
            "pledge__currency",
            "pledge__program_id",
            "pledge__frequency",
            "pledge__donor_email",
            "day",
        )
        .order_by()
        .distinct()
    )
    donors: dict[DonorKey, set[date]] = {}
    for org, currency, program, frequency, email, day in rows.iterator(chunk_size=10_000):
        donors.setdefault((org, currency, program, frequency, donor_key(email)), set()).add(day)
    return donors


def rollup_stored_donors(organization_ids: Iterable[int] | None = None) -> dict[DonorKey, set[date]]:
    """The days stored for each donor, checked against their first and last days."""
    donors = RollupDonor.objects.all()
    if organization_ids is not None:
        donors = donors.filter(organization_id__in=list(organization_ids))
    stored: dict[DonorKey, set[date]] = {}
    spans = {}
    for pk, org, currency, program, frequency, key, first, last in donors.values_list(
        "pk", "organization_id", "currency", "program_id", "frequency", "email_key", "first_day", "last_day"
    ):
        spans[pk] = ((org, currency, program, frequency, key), first, last)
        stored[spans[pk][0]] = set()
    for donor, day in RollupDonorDay.objects.filter(donor__in=donors).values_list("donor_id", "day"):
        stored[spans[donor][0]].add(day)
    for key, first, last in spans.values():
        if stored[key] and (min(stored[key]), max(stored[key])) != (first, last):
            stored[key] = {first, last, *stored[key], date.min}  # a wrong span: never equal to the raw days
    return stored


def rollup_differences(organization_ids: Iterable[int] | None = None) -> list[tuple]:
    """Where the stored rollups differ from the raw rows: (key, stored, raw), sorted; empty when equal."""
    ids = None if organization_ids is None else list(organization_ids)
    stored, raw = rollup_stored(ids), rollup_raw_totals(ids)
    zero = dict.fromkeys(FIGURES, 0)
    keys = sorted(set(stored) | set(raw), key=_order)
    differences = [(key, stored.get(key, zero), raw.get(key, zero)) for key in keys if stored.get(key) != raw.get(key)]
    stored_pledges, raw_pledges = _pledge_counts(PledgeRollup.objects, ids), _pledge_counts(None, ids)
    for key in sorted(set(stored_pledges) | set(raw_pledges), key=str):
        if stored_pledges.get(key) != raw_pledges.get(key):
            differences.append((key + ("pledges",), stored_pledges.get(key), raw_pledges.get(key)))
    stored_donors, raw_donors = rollup_stored_donors(ids), rollup_raw_donors(ids)
    for key in sorted(set(stored_donors) | set(raw_donors), key=str):
        if stored_donors.get(key) != raw_donors.get(key):
            differences.append(
                (key[:4] + ("donor",), sorted(stored_donors.get(key, ())), sorted(raw_donors.get(key, ())))
            )
    return differences


PledgeKey = tuple[int, str, int | None, str, str]  # organization, currency, program, frequency, status


def _pledge_counts(stored, organization_ids: list[int] | None) -> dict[PledgeKey, tuple[int, int]]:
    """Pledges and their amount per key: as stored (`stored`, PledgeRollup's manager) or from the raw pledges (None);
    keys with no pledge left out."""
    fields = ("organization_id", "currency", "program_id", "frequency", "status")
    if stored is None:
        rows = Pledge.objects.values_list(*fields).annotate(n=Count("id"), total=Sum("amount"))
    else:
        rows = stored.values_list(*fields).annotate(n=Sum("pledges"), total=Sum("amount"))
    if organization_ids is not None:
        rows = rows.filter(organization_id__in=organization_ids)
    return {tuple(row[:5]): (row[5], row[6]) for row in rows.order_by() if row[5]}


def rollup_rebuild(*, organization_ids: Iterable[int] | None = None) -> int:
    """Replace the rollups (all, or some organizations') by the raw aggregate. Returns the number of rows written.

    Payments and refunds are locked against writes meanwhile (PostgreSQL; SQLite's write transactions are one at a
    time anyway), so no write lands between reading the raw rows and storing the sums."""
    ids = None if organization_ids is None else list(organization_ids)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                models = (Pledge, Payment, Refund, PaymentRollup, PledgeRollup, RollupDonor)
                tables = ", ".join(m._meta.db_table for m in models)
                cursor.execute(f"LOCK TABLE {tables} IN SHARE ROW EXCLUSIVE MODE")
        raw, donors, pledges = rollup_raw_totals(ids), rollup_raw_donors(ids), _pledge_counts(None, ids)
        for model in (RollupDonorDay, RollupDonor, PaymentRollup, PledgeRollup):
            old = model.objects.all()
            if ids is not None:
                old = old.filter(
                    **{"donor__organization_id__in" if model is RollupDonorDay else "organization_id__in": ids}
                )
            old.delete()  # the days first: then the donors have nothing left to cascade to
        PaymentRollup.objects.bulk_create(
            [
                PaymentRollup(
                    organization_id=key.organization_id,
                    day=key.day,
                    currency=key.currency,
                    program_id=key.program_id,
                    frequency=key.frequency,
                    **row,
                )
                for key, row in raw.items()
            ],
            batch_size=2000,
        )
        rows = [
            RollupDonor(
                organization_id=org,
                currency=currency,
                program_id=program,
                frequency=frequency,
                email_key=key,
                first_day=min(days),
                last_day=max(days),
            )
            for (org, currency, program, frequency, key), days in donors.items()
        ]
        PledgeRollup.objects.bulk_create(
            [
                PledgeRollup(
                    organization_id=org,
                    currency=currency,
                    program_id=program,
                    frequency=frequency,
                    status=status,
                    pledges=n,
                    amount=total,
                )
                for (org, currency, program, frequency, status), (n, total) in pledges.items()
            ],
            batch_size=2000,
        )
        RollupDonor.objects.bulk_create(rows, batch_size=2000)
        days = [
            RollupDonorDay(donor_id=row.pk, day=day)
            for row, row_days in zip(rows, donors.values(), strict=True)
            for day in row_days
        ]
        RollupDonorDay.objects.bulk_create(days, batch_size=5000)
    return len(raw) + len(pledges) + len(rows) + len(days)


def rollup_identity_changed(*, pledge: Pledge, shared_before: bool, email_before: str) -> None:
    """A pledge's sharing choice or donor email changed (the donor's page, erasure) after payments were counted:
    its payments move between named and anonymous, and the donors it counted or now counts are recomputed from the
    raw payments (only that donor's, in the pledge's group). Call inside the transaction that changed the pledge."""
    payments = list(Payment.objects.filter(pledge=pledge).values_list("paid_at", "currency"))
    if shared_before != pledge.share_identity:
        for paid_at, currency in payments:
            rollup_add(key=_key(pledge, paid_at, currency), anonymous=1 if shared_before else -1)
    emails = {email.lower() for email, shared in ((email_before, shared_before), (pledge.donor_email, True)) if email}
    for email in emails:
        _rollup_donor_recount(pledge, email)


def _rollup_donor_recount(pledge: Pledge, email: str) -> None:
    """One donor's days in one group (organization, currency, program, frequency), from the raw payments."""
    group = {
        "organization_id": pledge.organization_id,
        "currency": pledge.currency,
        "program_id": pledge.program_id,
        "frequency": pledge.frequency,
    }
    RollupDonor.objects.filter(**group, email_key=donor_key(email)).delete()
    shared = Pledge.objects.filter(**group, share_identity=True, donor_email__iexact=email)
    for payment in Payment.objects.filter(pledge__in=shared).select_related("pledge").order_by("paid_at"):
        _rollup_donor(payment.pledge, rollup_day(payment.paid_at))


def rollup_amount_changed(*, pledge: Pledge, amount_before: int) -> None:
    """A pledge's amount changed (a monthly gift's new amount): its status's pledged total follows."""
    row = {
        "organization_id": pledge.organization_id,
        "currency": pledge.currency,
        "program_id": pledge.program_id,
        "frequency": pledge.frequency,
        "status": pledge.status,
    }
    diff = pledge.amount - amount_before
    if diff:
        _update_or_insert(PledgeRollup, row, {"amount": F("amount") + diff}, {**row, "pledges": 0, "amount": diff})
