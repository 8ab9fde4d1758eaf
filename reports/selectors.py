"""Reads for organizations' pledge reports: SQL aggregates per currency, never a Python loop over payments.

Amounts of different currencies are never added: every total is grouped by currency.
A donor's name and email leave these functions only for pledges whose donor chose to share them.
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.db import connection, transaction
from django.db.models import Case, Count, Exists, F, Func, OuterRef, Q, QuerySet, Sum, TextField, Value, When
from django.db.models.functions import Coalesce, Concat, Least, TruncMonth
from django.db.models.lookups import Regex
from django.utils import timezone

from common.csv import BYTE_ORDER_MARK, CSV_FORMULA_START_PATTERN, CopyCsv, csv_lines
from common.money import CURRENCIES, format_money, to_major
from common.second_factor import second_factor_verified
from donations.models import (
    ActionRequired,
    Dispute,
    Frequency,
    Payment,
    PaymentRollup,
    Pledge,
    PledgeQuerySet,
    PledgeRollup,
    PledgeStatus,
    Refund,
    RollupDonor,
    RollupDonorDay,
)
from orgs.models import Organization, Program


@dataclass(frozen=True)
class ReportFilters:
    start: date
    end: date  # inclusive
    program: Program | None = None
    currency: str = ""
    frequency: str = ""

    @classmethod
    def default(cls) -> "ReportFilters":
        today = timezone.localdate()
        return cls(start=today - timedelta(days=365), end=today)

    @property
    def since(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.start, time.min))

    @property
    def until(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.end + timedelta(days=1), time.min))


def _pledge_filters(filters: ReportFilters, prefix: str = "") -> Q:
    q = Q()
    if filters.program:
        q &= Q(**{f"{prefix}program": filters.program})
    if filters.frequency:
        q &= Q(**{f"{prefix}frequency": filters.frequency})
    return q


def payments_in(organization: Organization, filters: ReportFilters) -> QuerySet[Payment]:
    payments = Payment.objects.filter(
        organization=organization, paid_at__gte=filters.since, paid_at__lt=filters.until
    ).filter(_pledge_filters(filters, "pledge__"))
    return payments.filter(currency=filters.currency) if filters.currency else payments


def refunds_in(organization: Organization, filters: ReportFilters) -> QuerySet[Refund]:
    refunds = (
        Refund.objects.filter(organization=organization, refunded_at__gte=filters.since, refunded_at__lt=filters.until)
        .counted()
        .filter(_pledge_filters(filters, "payment__pledge__"))
    )
    return refunds.filter(currency=filters.currency) if filters.currency else refunds


def rollups_in(organization: Organization, filters: ReportFilters) -> QuerySet[PaymentRollup]:
    """The organization's daily totals (kept on write, see donations.services.rollups) for the filters: what the
    report's sums read instead of every payment. A payment counts on its day, a refund on the day Stripe made it."""
    rollups = PaymentRollup.objects.filter(
        organization=organization, day__gte=filters.start, day__lte=filters.end
    ).filter(_pledge_filters(filters))
    return rollups.filter(currency=filters.currency) if filters.currency else rollups


@dataclass(frozen=True)
class CurrencyTotals:
    currency: str
    received: int
    refunded: int
    gifts: int
    # Anonymity must not be breakable by subtraction: donors who shared their identity are counted (once each),
    # anonymous gifts are counted as gifts, and no figure counts people across both.
    shared_donors: int
    anonymous_gifts: int
    monthly_active: int = 0
    monthly_amount: int = 0  # what the active monthly gifts bring per month; past-due ones are not counted
    monthly_past_due: int = 0
    # Months whose payment the donor's bank asks the donor to confirm (3-D Secure), not yet paid: how many, how much.
    awaiting_donor: int = 0
    awaiting_donor_amount: int = 0

    @property
    def net(self) -> int:
        return self.received - self.refunded

    def money(self, amount: int) -> str:
        return format_money(amount, self.currency)

    @property
    def received_display(self) -> str:
        return self.money(self.received)

    @property
    def refunded_display(self) -> str:
        return self.money(self.refunded)

    @property
    def net_display(self) -> str:
        return self.money(self.net)

    @property
    def monthly_display(self) -> str:
        return self.money(self.monthly_amount)

    @property
    def awaiting_donor_display(self) -> str:
        return self.money(self.awaiting_donor_amount)


def _shared_donors(organization: Organization, filters: ReportFilters) -> dict[str, int]:
    """Per currency, donors who shared their identity and paid in the period, once each (by email). From the
    donors' first and last paid days; only a donor who paid before and after the period has its days looked up."""
    donors = RollupDonor.objects.filter(
        organization=organization, first_day__lte=filters.end, last_day__gte=filters.start
    ).filter(_pledge_filters(filters))
    if filters.currency:
        donors = donors.filter(currency=filters.currency)
    days = RollupDonorDay.objects.filter(donor=OuterRef("pk"), day__gte=filters.start, day__lte=filters.end)
    paid_within = Q(first_day__gte=filters.start) | Q(last_day__lte=filters.end) | Exists(days)
    counts = donors.filter(paid_within).values("currency").annotate(n=Count("email_key", distinct=True))
    return dict(counts.values_list("currency", "n"))


def report_totals(organization: Organization, filters: ReportFilters) -> list[CurrencyTotals]:
    """Received, refunded and net per currency; gifts, donors who shared their identity and anonymous gifts;
    running monthly gifts."""
    sums = rollups_in(organization, filters).values("currency").order_by("currency")
    sums = sums.annotate(total=Sum("received"), gifts=Sum("payments"), anonymous=Sum("anonymous"), back=Sum("refunded"))
    received = {row["currency"]: row for row in sums if row["gifts"]}
    refunded = {row["currency"]: row["back"] for row in sums if row["back"]}
    # Donors who shared their identity, counted once each over pledges that have a payment in the range (a semi-join,
    # not a 1M-row sort). Anonymous donors are never counted as people: "3 donors" beside two names and two anonymous
    # gifts would tell that one anonymous gift came from a named donor.
    shared_donors = _shared_donors(organization, filters)
    monthly_pledges = PledgeRollup.objects.filter(  # as Pledge.objects.running_monthly(), from the rollups
        organization=organization, frequency=Frequency.MONTHLY, status__in=PledgeQuerySet.RUNNING_MONTHLY, pledges__gt=0
    ).filter(_pledge_filters(filters))
    if filters.currency:
        monthly_pledges = monthly_pledges.filter(currency=filters.currency)
    monthly: dict[str, dict] = {}
    for row in monthly_pledges.values("currency", "status").annotate(n=Sum("pledges"), total=Sum("amount")):
        monthly.setdefault(row["currency"], {})[row["status"]] = row
    awaiting = {
        row["currency"]: row
        for row in ActionRequired.objects.filter(organization=organization)
        .awaiting()
        .filter(_pledge_filters(filters, "pledge__"))
        .filter(**({"currency": filters.currency} if filters.currency else {}))
        .values("currency")
        .annotate(n=Count("id"), total=Sum("amount"))
    }
    currencies = sorted(set(received) | set(refunded) | set(monthly) | set(awaiting))
    return [
        CurrencyTotals(
            currency=code,
            received=received.get(code, {}).get("total") or 0,
            refunded=refunded.get(code) or 0,
            gifts=received.get(code, {}).get("gifts") or 0,
            shared_donors=shared_donors.get(code) or 0,
            anonymous_gifts=received.get(code, {}).get("anonymous") or 0,
            monthly_active=monthly.get(code, {}).get(PledgeStatus.ACTIVE, {}).get("n") or 0,
            monthly_amount=monthly.get(code, {}).get(PledgeStatus.ACTIVE, {}).get("total") or 0,
            monthly_past_due=monthly.get(code, {}).get(PledgeStatus.PAST_DUE, {}).get("n") or 0,
            awaiting_donor=awaiting.get(code, {}).get("n") or 0,
            awaiting_donor_amount=awaiting.get(code, {}).get("total") or 0,
        )
        for code in currencies
    ]


@dataclass(frozen=True)
class MonthRow:
    month: date
    currency: str
    received: int
    gifts: int

    @property
    def received_display(self) -> str:
        return format_money(self.received, self.currency)


def report_by_month(organization: Organization, filters: ReportFilters) -> list[MonthRow]:
    rows = (
        rollups_in(organization, filters)
        .filter(payments__gt=0)
        .annotate(month=TruncMonth("day"))
        .values("month", "currency")
        .annotate(total=Sum("received"), gifts=Sum("payments"))
        .order_by("month", "currency")
    )
    return [
        MonthRow(month=_as_date(row["month"]), currency=row["currency"], received=row["total"], gifts=row["gifts"])
        for row in rows
    ]


def _as_date(value) -> date:
    return value.date() if isinstance(value, datetime) else value


@dataclass(frozen=True)
class ProgramRow:
    program: str
    currency: str
    received: int
    gifts: int

    @property
    def received_display(self) -> str:
        return format_money(self.received, self.currency)


def report_by_program(organization: Organization, filters: ReportFilters, *, unassigned: str) -> list[ProgramRow]:
    rows = (
        rollups_in(organization, filters)
        .filter(payments__gt=0)
        .values("program__name", "currency")
        .annotate(total=Sum("received"), gifts=Sum("payments"))
        .order_by("program__name", "currency")
    )
    return [
        ProgramRow(
            program=row["program__name"] or unassigned,
            currency=row["currency"],
            received=row["total"],
            gifts=row["gifts"],
        )
        for row in rows
    ]


@dataclass(frozen=True)
class StatusRow:
    status: str
    label: str
    currency: str
    pledges: int
    amount: int

    @property
    def amount_display(self) -> str:
        return format_money(self.amount, self.currency)


def report_not_completed(organization: Organization, filters: ReportFilters) -> list[StatusRow]:
    """Gifts started in the period but not (or not yet) completed: pledged, not received."""
    pledges = (
        Pledge.objects.filter(organization=organization, created_at__gte=filters.since, created_at__lt=filters.until)
        .not_completed()
        .filter(_pledge_filters(filters))
    )
    if filters.currency:
        pledges = pledges.filter(currency=filters.currency)
    labels = dict(PledgeStatus.choices)
    rows = (
        pledges.values("status", "currency").annotate(n=Count("id"), total=Sum("amount")).order_by("status", "currency")
    )
    return [
        StatusRow(
            status=row["status"],
            label=str(labels[row["status"]]),
            currency=row["currency"],
            pledges=row["n"],
            amount=row["total"],
        )
        for row in rows
    ]


@dataclass(frozen=True)
class GiftRow:
    """One payment as the organization may see it: the donor only when they chose to share."""

    paid_at: datetime
    amount: int
    currency: str
    frequency: str
    program: str
    dedication: str
    donor_name: str  # "" when not shared
    donor_email: str  # "" when not shared
    refunded: int

    @property
    def amount_display(self) -> str:
        return format_money(self.amount, self.currency)

    @property
    def shared(self) -> bool:
        return bool(self.donor_name or self.donor_email)

    @property
    def fully_refunded(self) -> bool:
        return self.refunded >= self.amount

    @property
    def refunded_display(self) -> str:
        return format_money(self.refunded, self.currency)


_GIFT_FIELDS = (
    "paid_at",
    "amount",
    "currency",
    "pledge__frequency",
    "pledge__program__name",
    "pledge__dedication",
    "pledge__share_identity",
    "pledge__donor_name",
    "pledge__donor_email",
)


def _gift(row: tuple, unassigned: str, refunded: int = 0) -> GiftRow:
    paid_at, amount, currency, frequency, program, dedication, shared, name, email = row
    return GiftRow(
        paid_at=paid_at,
        amount=amount,
        currency=currency,
        frequency=frequency,
        program=program or unassigned,
        dedication=dedication,
        donor_name=name if shared else "",
        donor_email=email if shared else "",
        refunded=refunded,
    )


def report_latest_gifts(
    organization: Organization, filters: ReportFilters, *, unassigned: str, limit: int = 20
) -> list[GiftRow]:
    rows = (
        payments_in(organization, filters)
        .order_by("-paid_at", "-pk")
        .with_refunded()  # per shown row, not a GROUP BY over every payment
        .values_list(*_GIFT_FIELDS, "refunded_total")[:limit]
    )
    return [_gift(row[:-1], unassigned, row[-1] or 0) for row in rows]


# Times in the CSV: UTC, ISO 8601, to the second, the zone written out ("2026-05-01T03:34:56Z").
_CSV_TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
_CSV_TIME_SQL = "to_char(%(expressions)s AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
_CSV_FIELDS = (
    "stripe_id",
    "pledge__reference",
    "pledge__fee_amount",
    *_GIFT_FIELDS,
    "refunded_total",
    "dispute_status",
    "dispute_amount",
)


def report_gift_rows(
    organization: Organization, filters: ReportFilters, *, unassigned: str, anonymous: str
) -> Iterator[tuple]:
    """Every filtered payment, one row each, as CSV-ready values, streamed from the database in chunks (memory stays
    flat): payment id, time, reference, currency, gift, added fee, received, refunded (so far), net, frequency,
    program, dedication, donor name and email (only when shared; "Anonymous" otherwise), and the payment's dispute:
    its status as Stripe's ("lost": not received) and amount ("" and 0 when none)."""
    rows = (
        payments_in(organization, filters)
        .order_by("paid_at", "pk")
        .with_refunded()
        .with_dispute()
        .values_list(*_CSV_FIELDS)
        .iterator(chunk_size=5000)
    )
    for stripe_id, reference, fee, *values, refunded, dispute, disputed in rows:
        gift = _gift(tuple(values), unassigned, refunded or 0)
        fee = min(fee, gift.amount)  # the donor's added fee, within what was charged
        amounts = (gift.amount - fee, fee, gift.amount, gift.refunded, gift.amount - gift.refunded)
        yield (
            stripe_id,
            gift.paid_at.astimezone(UTC).strftime(_CSV_TIME_FORMAT),
            reference,
            gift.currency,
            *(str(to_major(amount, gift.currency)) for amount in amounts),
            gift.frequency,
            gift.program,
            gift.dedication,
            gift.donor_name or anonymous,
            gift.donor_email,
            dispute or "",
            str(to_major(disputed or 0, gift.currency)),
        )


def report_gift_csv_copy(
    organization: Organization, filters: ReportFilters, *, unassigned: str, anonymous: str
) -> Iterator[bytes]:
    """PostgreSQL only: the same rows as report_gift_rows, made into CSV by the database (COPY ... TO STDOUT), in
    exactly the bytes common.csv.CopyCsv gives (every cell quoted, so no cell may be NULL).

    PostgreSQL writes CSV far faster than Python does, in blocks, so memory stays flat whatever the size. Refunds
    are summed once per payment and joined by hash (payments keep their order), not looked up row by row.
    """
    columns = {
        "c_pk": F("pk"),
        "c_paid_at": F("paid_at"),
        "c_id": F("stripe_id"),
        "c_time": Func(F("paid_at"), template=_CSV_TIME_SQL, output_field=TextField()),
        "c_reference": F("pledge__reference"),
        "c_currency": F("currency"),
        "c_amount": F("amount"),
        "c_fee": Least(F("pledge__fee_amount"), F("amount")),  # the donor's added fee, within what was charged
        "c_frequency": F("pledge__frequency"),
        "c_program": _safe(Coalesce("pledge__program__name", Value(unassigned), output_field=TextField())),
        "c_dedication": _safe(F("pledge__dedication")),
        "c_name": Case(
            When(~Q(pledge__donor_name=""), pledge__share_identity=True, then=_safe(F("pledge__donor_name"))),
            default=Value(anonymous),
            output_field=TextField(),
        ),
        "c_email": Case(
            When(pledge__share_identity=True, then=_safe(F("pledge__donor_email"))),
            default=Value(""),
            output_field=TextField(),
        ),
    }
    payments = payments_in(organization, filters).order_by("paid_at", "pk")
    payments = payments.annotate(**columns).values_list(*columns)
    payments_sql, payments_params = payments.query.sql_with_params()
    refunds = Refund.objects.filter(organization=organization).counted().values("payment_id").annotate(t=Sum("amount"))
    refunds_sql, refunds_params = refunds.query.sql_with_params()
    # Each payment's latest dispute (as PaymentQuerySet.with_dispute), joined by hash like the refunds: two
    # subqueries per row cost a 1M-row export about a second.
    disputes = (
        Dispute.objects.filter(organization=organization)
        .order_by("payment_id", "-opened_at", "-pk")
        .distinct("payment_id")
        .values("payment_id", "status", "amount")
    )
    disputes_sql, disputes_params = disputes.query.sql_with_params()
    money, money_params = [], []
    for amount in (
        "q.c_amount - q.c_fee",
        "q.c_fee",
        "q.c_amount",
        "COALESCE(r.t, 0)::bigint",
        "q.c_amount - COALESCE(r.t, 0)::bigint",
        "COALESCE(d.amount, 0)::bigint",
    ):
        sql, params = _major_sql(amount, "q.c_currency")
        money.append(sql)
        money_params += params
    select = (
        f"SELECT q.c_id, q.c_time, q.c_reference, q.c_currency, {', '.join(money[:-1])}, "  # noqa: S608 (no input)
        f"q.c_frequency, q.c_program, q.c_dedication, q.c_name, q.c_email, COALESCE(d.status, ''), {money[-1]} "
        f"FROM ({payments_sql}) q LEFT JOIN ({refunds_sql}) r ON r.payment_id = q.c_pk "
        f"LEFT JOIN ({disputes_sql}) d ON d.payment_id = q.c_pk "
        "ORDER BY q.c_paid_at, q.c_pk"
    )
    copy_sql = f"COPY ({select}) TO STDOUT WITH (FORMAT csv, FORCE_QUOTE *)"
    params = [*money_params, *payments_params, *refunds_params, *disputes_params]
    # For this statement only (SET LOCAL ends with the transaction): no JIT, whose compiling of this query's many
    # expressions cost a second of a 1M-row export, and sort memory to keep a large export's sort off the disk.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL jit = off")
        cursor.execute(f"SET LOCAL work_mem = '{_COPY_WORK_MEM}'")
        with cursor.cursor.copy(copy_sql, params) as copy:
            yield from _blocks(copy)


_COPY_WORK_MEM = "64MB"
_BLOCK = 64 * 1024


def _blocks(rows: Iterable) -> Iterator[bytes]:
    """COPY's rows gathered into blocks of about 64 KB: one write to the client each, not one per row."""
    block = bytearray()
    for row in rows:
        block += row
        if len(block) >= _BLOCK:
            yield bytes(block)
            block.clear()
    if block:
        yield bytes(block)


def report_gift_csv(
    organization: Organization,
    filters: ReportFilters,
    *,
    header: Iterable[str],
    unassigned: str,
    anonymous: str,
    database_writes: bool | None = None,
) -> Iterator[bytes]:
    """The gifts CSV file, streamed: a UTF-8 byte-order mark, the header, one row per payment.

    On PostgreSQL the database writes the rows (COPY); elsewhere Python does: the same bytes either way (tested).
    """
    if database_writes is None:
        database_writes = connection.vendor == "postgresql"
    labels = {"unassigned": unassigned, "anonymous": anonymous}
    rows = [] if database_writes else report_gift_rows(organization, filters, **labels)
    lines = csv_lines(header, rows, dialect=CopyCsv)
    yield (BYTE_ORDER_MARK + next(lines)).encode()
    if database_writes:
        yield from report_gift_csv_copy(organization, filters, **labels)
    else:
        yield from (line.encode() for line in lines)


def _major_sql(amount: str, currency: str) -> tuple[str, list[str]]:
    """SQL twin of str(common.money.to_major(amount, currency)) for amounts of at least 0, in integer arithmetic
    (fast): "25.00" for US$25, "50000" for ₩50,000. Returns the SQL and its parameters (the currency codes)."""
    by_exponent: dict[int, list[str]] = {}
    for code, cur in CURRENCIES.items():
        by_exponent.setdefault(cur.exponent, []).append(code)
    whens, params = [], []
    for exponent, codes in sorted(by_exponent.items()):
        if exponent == 0:
            text = f"({amount})::text"
        else:
            unit = 10**exponent  # "%%": a percent sign in SQL given with parameters
            text = f"(({amount}) / {unit})::text || '.' || lpad((({amount}) %% {unit})::text, {exponent}, '0')"
        whens.append(f"WHEN {currency} IN ({', '.join(['%s'] * len(codes))}) THEN {text}")
        params += codes
    return f"CASE {' '.join(whens)} END", params


def _safe(expression) -> Case:
    """SQL twin of common.csv.csv_safe: a leading =, +, -, @, tab or CR gets a quote, so no spreadsheet runs it."""
    return Case(
        When(Regex(expression, Value(CSV_FORMULA_START_PATTERN)), then=Concat(Value("'"), expression)),
        default=expression,
        output_field=TextField(),
    )


# Staff read every organization's report only with this permission, the one the admin's pledge list asks.
REPORT_PERMISSION = "donations.view_pledge"


def member_organizations(user) -> QuerySet[Organization]:
    """The organizations whose reports this user may read: all for staff allowed to view pledges who signed in with
    their second factor, their memberships otherwise (a staff account without the permission, or not verified, is
    like anyone else)."""
    if not user.is_authenticated:
        return Organization.objects.none()
    if user.is_staff and user.has_perm(REPORT_PERMISSION) and second_factor_verified(user):
        return Organization.objects.all()
    return Organization.objects.filter(memberships__user=user)
