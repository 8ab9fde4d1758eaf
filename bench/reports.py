"""Benchmark: pledge reports and the CSV export on PostgreSQL with a million payments.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_bench .venv/bin/python bench/reports.py

It creates the database if it does not exist, migrates it, fills it once (1,000 organizations; the largest
has 1,000,000 payments, the 999 others 100 each; bulk COPY, with progress; then the reports' daily totals are
rebuilt from those rows by the same code as `manage.py rebuild_rollups`), then measures in one run:
- the report page of the largest organization (all time, through Django's test client): its time (target: at
  most 150 ms), and beside it the SQL it runs, replayed straight on a cursor;
- the CSV export of its 1,000,000 rows through the real view, in a fresh process: rows per second (target: at
  least 250,000) and the process's peak memory (target: at most 100 MB), read as the peak resident set size
  (VmHWM in /proc/self/status: the process's own since it started; getrusage's ru_maxrss is not, as Linux carries
  the parent's peak over into a child started by fork and exec).
Use --refill to rebuild the data, --runs N for more timing runs.
"""

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DJANGO_DEBUG", "1")

LARGEST_PAYMENTS = 1_000_000
OTHER_ORGS = 999
OTHER_PAYMENTS = 100
PAYMENTS_PER_PLEDGE = 4  # a monthly gift's four months, or four separate gifts' worth of rows


def _ensure_database(url: str) -> None:
    import dj_database_url
    import psycopg

    config = dj_database_url.parse(url)
    if "postgresql" not in config["ENGINE"]:
        sys.exit("The benchmark needs PostgreSQL: set DATABASE_URL=postgres://...")
    admin = psycopg.connect(
        host=config["HOST"], port=config["PORT"] or 5432, user=config["USER"], dbname="postgres", autocommit=True
    )
    exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [config["NAME"]]).fetchone()
    if not exists:
        admin.execute(f'CREATE DATABASE "{config["NAME"]}"')
        print(f"created database {config['NAME']}")
    admin.close()


def _copy(cursor, model, columns: list[str], rows) -> int:
    """COPY rows into the model's table: `columns` as given, every other column filled from the model itself (its
    default, "now" for timestamps, NULL where allowed), so the fill follows the models as fields are added."""
    rest = _other_columns(model, columns)
    names = [*columns, *rest]
    tail = tuple(rest.values())
    count = 0
    with cursor.copy(f"COPY {model._meta.db_table} ({', '.join(names)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row((*row, *tail))
            count += 1
    return count


def _other_columns(model, given: list[str]) -> dict:
    now = datetime.now(tz=UTC)
    rest = {}
    for field in model._meta.concrete_fields:
        if field.primary_key or field.column in given:
            continue
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            rest[field.column] = now
            continue
        value = field.get_default()
        if (value is None and not field.null) or (field.unique and value is not None):
            sys.exit(f"bench/reports.py: give {model.__name__}.{field.name} a value in the fill (no usable default)")
        rest[field.column] = value
    return rest


def _fill() -> None:
    from django.db import connection, transaction

    from donations.models import Payment, Pledge
    from orgs.models import Organization

    if Organization.objects.filter(slug="bench-largest").exists():
        print("data already there (use --refill to rebuild)")
        from donations.models import PaymentRollup

        if not PaymentRollup.objects.exists():  # filled before the daily totals existed
            _rollups()
        return
    started = time.monotonic()
    now = datetime.now(tz=UTC)
    with transaction.atomic(), connection.cursor() as cursor:
        raw = cursor.cursor  # psycopg's own cursor, for COPY
        orgs = [("bench-largest", "Bench Largest")] + [
            (f"bench-{n:04}", f"Bench Org {n:04}") for n in range(OTHER_ORGS)
        ]
        _copy(
            raw,
            Organization,
            ["name", "slug", "summary", "published", "accepts_gifts"],
            ((name, slug, "Benchmark.", True, True) for slug, name in orgs),
        )
        ids = dict(Organization.objects.filter(slug__startswith="bench-").values_list("slug", "pk"))
        largest = ids["bench-largest"]
        plan = [(largest, LARGEST_PAYMENTS)] + [(ids[slug], OTHER_PAYMENTS) for slug, _ in orgs[1:]]
        print(f"organizations: {len(ids)}")

        pledge_rows = []
        for org_id, payments in plan:
            for n in range(payments // PAYMENTS_PER_PLEDGE):
                monthly = n % 3 == 0
                currency = "KRW" if n % 5 == 0 else "USD"
                amount = 50000 if currency == "KRW" else 2500 + (n % 7) * 500
                pledge_rows.append((org_id, n, monthly, currency, amount))
        pledge_columns = [
            "reference",
            "organization_id",
            "frequency",
            "currency",
            "gift_amount",
            "fee_amount",
            "amount",
            "donor_name",
            "donor_email",
            "share_identity",
            "dedication",
            "status",
            "language",
            "stripe_checkout_url",
            "stripe_customer_id",
            "created_at",
            "updated_at",
        ]

        def pledges():
            for i, (org_id, n, monthly, currency, amount) in enumerate(pledge_rows):
                if i % 100_000 == 0:
                    print(f"  pledges: {i:,} / {len(pledge_rows):,}", flush=True)
                created = now - timedelta(minutes=i % 500_000)
                yield (
                    f"B{org_id:05}{n:010}",
                    org_id,
                    "monthly" if monthly else "once",
                    currency,
                    amount,
                    0,
                    amount,
                    f"Donor {n}",
                    f"donor{n % 50_000}@example.org",
                    n % 2 == 0,
                    "In honour" if n % 10 == 0 else "",
                    "active" if monthly else "paid",
                    "en",
                    "",
                    "",
                    created,
                    created,
                )

        _copy(raw, Pledge, pledge_columns, pledges())
        print(f"pledges: {len(pledge_rows):,}")
        raw.execute("SELECT id, organization_id, currency, amount FROM donations_pledge WHERE reference LIKE 'B%%'")
        pledge_ids = raw.fetchall()

        def payments():
            count = 0
            for pledge_id, org_id, currency, amount in pledge_ids:
                for month in range(PAYMENTS_PER_PLEDGE):
                    if count % 100_000 == 0:
                        print(f"  payments: {count:,}", flush=True)
                    paid = now - timedelta(days=(pledge_id % 330) + 30 * month, minutes=pledge_id % 1440)
                    yield (pledge_id, org_id, f"in_bench_{pledge_id}_{month}", None, amount, currency, paid, paid, paid)
                    count += 1

        total = _copy(
            raw,
            Payment,
            [
                "pledge_id",
                "organization_id",
                "stripe_id",
                "stripe_payment_intent_id",
                "amount",
                "currency",
                "paid_at",
                "receipt_sent_at",
                "created_at",
            ],
            payments(),
        )
        print(f"payments: {total:,}")
    _rollups()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"filled in {time.monotonic() - started:.0f} s")


def _staff_client(staff):
    """A test client signed in as staff with the second factor, as reading every organization's report needs."""
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(staff)
    device = TOTPDevice.objects.filter(user=staff).first() or TOTPDevice.objects.create(user=staff, name="bench")
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def _rollups() -> None:
    """The reports' daily totals, rebuilt from the rows the fill wrote (COPY bypasses the services that keep them)."""
    from donations.services.rollups import rollup_rebuild

    started = time.monotonic()
    rows = rollup_rebuild()
    print(f"daily totals rebuilt from the raw rows: {rows:,} rows in {time.monotonic() - started:.1f} s")


def _bench_staff(users):
    """Staff who may read every report (report access for staff follows the permission to view pledges)."""
    staff, _ = users.objects.update_or_create(username="bench-staff", defaults={"is_staff": True, "is_superuser": True})
    return staff


def _measure_report(runs: int) -> None:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    setup_test_environment()
    staff = _bench_staff(get_user_model())
    client = _staff_client(staff)
    url = "/reports/bench-largest/?start=2000-01-01"
    client.get(url)  # warm caches: the comparison is of warm runs on both sides
    page_times, sql_times = [], []
    for _ in range(runs):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get(url)
            page_times.append(time.perf_counter() - started)
        assert response.status_code == 200, response.status_code
        aggregates = [q["sql"] for q in queries.captured_queries if "donations_" in q["sql"]]
        started = time.perf_counter()
        with connection.cursor() as cursor:
            for sql in aggregates:
                cursor.execute(sql)
                cursor.fetchall()
        sql_times.append(time.perf_counter() - started)
    page, bare = statistics.median(page_times), statistics.median(sql_times)
    print(
        f"report page (largest organization, {LARGEST_PAYMENTS:,} payments): {page * 1000:.0f} ms "
        f"(median of {runs}; target <= 150 ms)"
    )
    print(f"of which the SQL it runs ({len(aggregates)} statements), replayed on a cursor: {bare * 1000:.0f} ms")


def _measure_csv() -> None:
    """In a fresh process: stream the largest organization's CSV through the real view; count rows and bytes."""
    from django.contrib.auth import get_user_model
    from django.test.utils import setup_test_environment

    setup_test_environment()
    staff = _bench_staff(get_user_model())
    client = _staff_client(staff)
    started = time.perf_counter()
    response = client.get("/reports/bench-largest/gifts.csv?start=2000-01-01")
    lines = size = 0
    for chunk in response.streaming_content:
        lines += chunk.count(b"\n")  # the fill's cells hold no line breaks: one per row
        size += len(chunk)
    elapsed = time.perf_counter() - started
    rows = lines - 1  # the header
    print(
        f"CSV export: {rows:,} rows, {size / 1e6:.0f} MB in {elapsed:.1f} s: {rows / elapsed:,.0f} rows/s "
        f"(target >= 250,000)"
    )
    print(f"CSV export: peak memory (peak RSS, VmHWM) of the process {_peak_rss_mb():.0f} MB (target <= 100 MB)")


def _peak_rss_mb() -> float:
    """This process's peak resident set size since it started (VmHWM), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # not Linux: may include the parent's peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--refill", action="store_true")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--csv-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not args.csv_only:
        _ensure_database(url)
    import django

    django.setup()
    if args.csv_only:
        _measure_csv()
        return
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    if args.refill:
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute(
                "TRUNCATE donations_paymentrollup, donations_refund, donations_payment, donations_pledgetransition, "
                "donations_pledge, orgs_membership, orgs_program, orgs_organization_causes, orgs_organization_regions, "
                "orgs_organization_sources, orgs_organization CASCADE"
            )
    _fill()
    _measure_report(args.runs)
    subprocess.run([sys.executable, __file__, "--csv-only"], check=True, env=os.environ.copy())  # noqa: S603


if __name__ == "__main__":
    main()
