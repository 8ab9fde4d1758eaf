"""Benchmark: pledge reports and the CSV export on PostgreSQL with a million payments.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_bench .venv/bin/python bench/reports.py

It creates the database if it does not exist, migrates it, fills it once (1,000 organizations; the largest
has 1,000,000 payments, the 999 others 100 each; bulk COPY, with progress), then measures in one run:
- the report page of the largest organization (all time, through Django's test client), against the bare
  SQL aggregates that page runs, replayed straight on a cursor: the ratio (target: at most 1.5x);
- the CSV export of its 1,000,000 rows, in a fresh process: rows per second (target: at least 100,000) and
  the process's peak memory (target: under 150 MB).
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
        raw.execute("ANALYZE")
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
    print(f"report page (largest organization, {LARGEST_PAYMENTS:,} payments): {page * 1000:.0f} ms (median of {runs})")
    print(f"bare SQL aggregates it runs ({len(aggregates)} statements): {bare * 1000:.0f} ms")
    print(f"ratio page / bare SQL: {page / bare:.2f}x (target <= 1.5x)")


def _measure_csv() -> None:
    """In a fresh process: stream the largest organization's CSV through the real view; count rows and bytes."""
    from django.contrib.auth import get_user_model
    from django.test.utils import setup_test_environment

    setup_test_environment()
    staff = _bench_staff(get_user_model())
    client = _staff_client(staff)
    started = time.perf_counter()
    response = client.get("/reports/bench-largest/gifts.csv?start=2000-01-01")
    rows = size = 0
    for chunk in response.streaming_content:
        rows += 1
        size += len(chunk)
    elapsed = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"CSV export: {rows - 1:,} rows, {size / 1e6:.0f} MB in {elapsed:.1f} s: {(rows - 1) / elapsed:,.0f} rows/s "
        f"(target >= 100,000)"
    )
    print(f"CSV export: peak memory of the process {peak_mb:.0f} MB (target < 150 MB)")


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
                "TRUNCATE donations_refund, donations_payment, donations_pledgetransition, donations_pledge, "
                "orgs_membership, orgs_program, orgs_organization_causes, orgs_organization_regions, "
                "orgs_organization_sources, orgs_organization CASCADE"
            )
    _fill()
    _measure_report(args.runs)
    subprocess.run([sys.executable, __file__, "--csv-only"], check=True, env=os.environ.copy())  # noqa: S603


if __name__ == "__main__":
    main()
