"""Every filter the directory offers is backed by an index."""

import pytest
from django.db import connection

from orgs.models import Organization, Program

pytestmark = pytest.mark.django_db


def _indexed_columns(table: str) -> list[list[str]]:
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    return [c["columns"] for c in constraints.values() if c["index"] or c["unique"] or c["primary_key"]]


def _leads_an_index(table: str, column: str) -> bool:
    return any(columns and columns[0] == column for columns in _indexed_columns(table))


@pytest.mark.parametrize(
    ("model", "column"),
    [
        (Organization, "published"),  # every public query
        (Organization, "slug"),  # profile
        (Organization, "verified_at"),  # verified filter and badge
        (Organization.causes.through, "organization_id"),
        (Organization.causes.through, "cause_id"),  # cause filter
        (Organization.regions.through, "organization_id"),
        (Organization.regions.through, "region_id"),  # region filter
        (Program, "organization_id"),  # program search
        (Program, "cause_id"),
        (Program, "region_id"),
    ],
)
def test_directory_filters_are_indexed(model, column):
    assert _leads_an_index(model._meta.db_table, column)
