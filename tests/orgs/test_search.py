"""Directory search: the same cases on SQLite (the portable fallback) and PostgreSQL (full text and trigrams).

Run on both: `pytest tests/orgs/test_search.py` and `DATABASE_URL=postgres://... pytest tests/orgs/test_search.py`.
"""

import io

import pytest
from django.core.management import call_command
from django.db import connection

from orgs.search import initials, query_words, stem
from orgs.selectors import DirectoryFilters, organization_list
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def directory():
    call_command("load_directory", stdout=io.StringIO())


def _found(query: str, **filters) -> list[str]:
    return [org.slug for org in organization_list(filters=DirectoryFilters(query=query, **filters))]


def test_words_plurals_and_initials():
    assert query_words("  Refugee, ORPHANS refugee ") == ["refugee", "orphans"]
    assert stem("orphans") == "orphan" and stem("families") == "family" and stem("class") == "class"
    assert initials("Liberty in North Korea") == "link"


def test_an_acronym_finds_the_organization_by_its_initials(directory):
    assert _found("LiNK") == ["liberty-in-north-korea"]
    assert _found("link") == ["liberty-in-north-korea"]


def test_every_word_must_match_and_the_name_ranks_first(directory):
    assert _found("liberty korea") == ["liberty-in-north-korea"]  # "Liberty" is in no other name, summary, program
    assert _found("korea")[0] in ("helping-hands-korea", "liberty-in-north-korea", "north-korea-refugee-aid")


def test_plural_words_match_across_summaries_programs_and_causes(directory):
    found = _found("refugee orphans")
    assert found[0] == "crossing-borders"  # "refugees" in its summary and programs "Refugee Care", "Orphan Care"
    assert "helping-hands-korea" in found  # refugees in its summary, its cause "Orphan and child care"
    assert "liberty-in-north-korea" not in found  # no orphans


def test_a_word_matching_nothing_finds_nothing(directory):
    assert _found("liberty zebra") == []


def test_regions_and_korean_fields_are_searched(directory):
    assert "liberty-in-north-korea" in _found("southeast asia")
    factories.organization(slug="hanwol", name="Hanwol", name_ko="한월", summary="Care.", summary_ko="탈북민 돌봄")
    assert _found("탈북민") == ["hanwol"]
    assert _found("한월") == ["hanwol"]


def test_aliases_are_searched(directory):
    factories.organization(slug="rights-aid", name="Rights Aid", aliases="KRHA, 북한인권")
    assert _found("krha") == ["rights-aid"]
    assert _found("북한인권") == ["rights-aid"]
    assert _found("nkra") == ["north-korea-refugee-aid"]  # the initials of its name


def test_takes_gifts_filter_and_sorting(directory):
    takes = _found("", takes_gifts=True)
    assert "liberty-in-north-korea" in takes and "human-rights-watch" not in takes
    by_name = _found("", sort="name")
    assert by_name == sorted(by_name, key=str.lower) or by_name[0] == "crossing-borders"
    from orgs.models import Organization

    Organization.objects.get(slug="enok").save()  # touched now: the most recently updated
    assert _found("", sort="updated")[0] == "enok"


def test_search_runs_on_this_database():
    # Says which engine ran the cases above: both are exercised by .ci/run.
    assert connection.vendor in ("sqlite", "postgresql")
