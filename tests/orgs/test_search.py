"""Directory search: the same cases on SQLite (the portable fallback) and PostgreSQL (full text and trigrams).

Run on both: `pytest tests/orgs/test_search.py` and `DATABASE_URL=postgres://... pytest tests/orgs/test_search.py`.
"""

import io
import re

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection

from orgs.search import initials, query_words, stem
from orgs.selectors import DirectoryFilters, organization_list
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _language_reset():
    """A request in Korean leaves Korean active in this thread: the next tests run in the default language."""
    yield
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)


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


# Korean: substrings of at least two characters, particles and loose spacing; the same cases on both databases.


@pytest.fixture
def korean_directory(directory):
    """The seed with Korean texts as staff would set them (the seed's sources state no Korean names): Korean names
    of two causes, Crossing Borders' Korean name, and LiNK's Korean alias."""
    from orgs.models import Cause, Organization

    Cause.objects.filter(slug="orphan-child-care").update(name_ko="고아 및 아동 돌봄")
    Cause.objects.filter(slug="refugee-care").update(name_ko="탈북민 돌봄")
    Cause.objects.filter(slug="rescue").update(name_ko="탈북 경로의 구출")
    crossing = Organization.objects.get(slug="crossing-borders")
    crossing.name_ko = "크로싱 보더스"
    crossing.save()
    link = Organization.objects.get(slug="liberty-in-north-korea")
    link.aliases = "링크"
    link.save()


def test_korean_words_and_particles():
    assert query_words("고아 및 아동") == ["고아", "아동"]  # a lone syllable matches nearly everything: left out
    assert query_words("및") == ["및"]  # unless nothing longer is asked
    assert stem("고아를") == "고아" and stem("탈북민의") == "탈북민" and stem("크로싱에서") == "크로싱"
    assert stem("link는") == "link" and stem("orphans를") == "orphan"
    assert stem("인도") == "인도" and stem("고아") == "고아"  # never shorter than two characters


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("고아", {"crossing-borders", "helping-hands-korea"}),
        ("고아를", {"crossing-borders", "helping-hands-korea"}),
        ("고아 및", {"crossing-borders", "helping-hands-korea"}),
        ("탈북", {"crossing-borders", "helping-hands-korea", "north-korea-refugee-aid", "liberty-in-north-korea"}),
        ("탈북민을", {"crossing-borders", "helping-hands-korea", "north-korea-refugee-aid"}),
        ("크로싱", {"crossing-borders"}),
        ("크로싱을", {"crossing-borders"}),
        ("크로싱보더스", {"crossing-borders"}),  # spaced loosely
        ("크로싱 보더스", {"crossing-borders"}),
        ("크로싱 고아", {"crossing-borders"}),  # every word must match
        ("링크", {"liberty-in-north-korea"}),
        ("링크는", {"liberty-in-north-korea"}),
        ("LiNK", {"liberty-in-north-korea"}),
        ("LiNK의", {"liberty-in-north-korea"}),
        ("크로싱 링크", set()),
    ],
)
def test_korean_search_finds_by_substrings_of_two_characters_or_more(korean_directory, query, expected):
    assert set(_found(query)) == expected


def test_the_korean_name_ranks_first(korean_directory):
    factories.organization(slug="crossing-friends", name="Friends", summary="Friends of 크로싱 보더스.")
    assert _found("크로싱") == ["crossing-borders", "crossing-friends"]  # the name before the summary


def test_korean_search_through_the_directory_page(korean_directory, client):
    page = client.get("/?q=크로싱보더스", HTTP_ACCEPT_LANGUAGE="ko").text
    assert "/organizations/crossing-borders/" in page and "/organizations/enok/" not in page


def _sorted_names(**filters) -> list[str]:
    return [org.slug for org in organization_list(filters=DirectoryFilters(**filters))]


@pytest.fixture
def named():
    factories.organization(slug="alpha", name="Alpha Aid", name_ko="하나 돌봄")
    factories.organization(slug="beta", name="Beta Care")  # no Korean name: its English one
    factories.organization(slug="gamma", name="Gamma Help", name_ko="가나 지원")
    factories.organization(slug="delta", name="Delta Friends", name_ko="크로싱 친구들")
    factories.organization(slug="epsilon", name="Epsilon", name_ko="나눔")


def test_korean_sorting_follows_korean_names(named):
    from django.utils import translation

    with translation.override("ko"):
        # Latin before Hangul; Hangul in dictionary order: 가 < 나 < 크 < 하
        assert _sorted_names(sort="name") == ["beta", "gamma", "epsilon", "delta", "alpha"]
        assert _sorted_names() == ["beta", "gamma", "epsilon", "delta", "alpha"]
    with translation.override("en"):
        assert _sorted_names(sort="name") == ["alpha", "beta", "delta", "epsilon", "gamma"]


def test_the_korean_directory_page_is_in_korean_order(named, client):
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="ko").text
    slugs = [slug for slug in re.findall(r'href="/organizations/([a-z-]+)/"', page) if slug in SORTED_KOREAN]
    assert list(dict.fromkeys(slugs)) == SORTED_KOREAN
    english = client.get("/", HTTP_ACCEPT_LANGUAGE="en").text
    slugs = [slug for slug in re.findall(r'href="/organizations/([a-z-]+)/"', english) if slug in SORTED_KOREAN]
    assert list(dict.fromkeys(slugs)) == sorted(SORTED_KOREAN)


SORTED_KOREAN = ["beta", "gamma", "epsilon", "delta", "alpha"]


def test_korean_search_ties_follow_korean_order(named):
    from django.utils import translation

    factories.organization(slug="zeta", name="Zeta", name_ko="가람 돌봄")
    with translation.override("ko"):
        assert _found("돌봄") == ["zeta", "alpha"]  # same score: 가람 before 하나


def test_lists_beside_causes_follow_korean_order(named):
    """The situation page's organizations per topic (sorted in Python) and the "working on the same causes" lists
    (sorted by the database) use the same Korean order."""
    from django.utils import translation

    from orgs.models import Organization
    from orgs.selectors import figure_list, organizations_on_causes, topic_organizations

    cause = factories.cause(slug="care", name="Care", name_ko="돌봄")
    for organization in Organization.objects.all():
        organization.causes.add(cause)
    factories.figure(source=factories.source(key="doc"), key="people").causes.add(cause)
    with translation.override("ko"):
        assert [org.slug for org in topic_organizations(figure_list())] == SORTED_KOREAN
        assert [org.slug for org in organizations_on_causes(causes=[cause])] == SORTED_KOREAN
    with translation.override("en"):
        assert [org.slug for org in topic_organizations(figure_list())] == sorted(SORTED_KOREAN)
