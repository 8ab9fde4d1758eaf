"""The reports benchmark (bench/reports.py) keeps running: its bulk fill, run small, still matches the models, and the
report page and CSV work on what it wrote. On PostgreSQL only (the fill is COPY); .ci/run runs it there."""

import csv
import importlib.util
import io
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.db import connection

pytestmark = pytest.mark.django_db

BENCH = Path(__file__).resolve().parents[1] / "bench" / "reports.py"


@pytest.fixture
def bench(monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("the benchmark fills PostgreSQL with COPY; .ci/run runs this with DATABASE_URL set")
    spec = importlib.util.spec_from_file_location("bench_reports", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setattr(module, "LARGEST_PAYMENTS", 40)
    monkeypatch.setattr(module, "OTHER_ORGS", 3)
    monkeypatch.setattr(module, "OTHER_PAYMENTS", 8)
    return module


def test_benchmark_fill_matches_the_models_and_its_report_and_csv_work(bench):
    from donations.models import Payment
    from orgs.models import Organization

    bench._fill()
    assert Organization.objects.filter(slug__startswith="bench-").count() == 4
    assert Payment.objects.filter(organization__slug="bench-largest").count() == 40
    client = bench._staff_client(bench._bench_staff(get_user_model()))
    page = client.get("/reports/bench-largest/?start=2000-01-01")
    assert page.status_code == 200 and sum(row.gifts for row in page.context["totals"]) == 40
    export = client.get("/reports/bench-largest/gifts.csv?start=2000-01-01")
    rows = list(csv.reader(io.StringIO(b"".join(export.streaming_content).decode("utf-8-sig"))))
    assert len(rows) == 1 + 40
