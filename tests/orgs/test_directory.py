from datetime import timedelta

import pytest
from django.utils import timezone

from tests import factories

pytestmark = pytest.mark.django_db


def test_directory_lists_published_organizations_only(client):
    factories.organization(name="Open Hands")
    factories.organization(name="Hidden Draft", published=False)
    response = client.get("/")
    assert response.status_code == 200
    assert "Open Hands" in response.text
    assert "Hidden Draft" not in response.text


def test_unpublished_profile_is_404_for_public_and_visible_to_staff(client, donor_client, superuser_client):
    org = factories.organization(name="Hidden Draft", slug="hidden-draft", published=False)
    assert client.get(org.get_absolute_url()).status_code == 404
    assert donor_client.get(org.get_absolute_url()).status_code == 404
    response = superuser_client.get(org.get_absolute_url())
    assert response.status_code == 200
    assert "not published" in response.text


def test_unpublished_organization_never_matches_a_search_or_filter(client):
    rescue = factories.cause(slug="rescue")
    factories.organization(name="Hidden Rescue", published=False, causes=[rescue])
    for url in ("/?q=Hidden", "/?cause=rescue", "/?q=Rescue&cause=rescue"):
        assert "Hidden Rescue" not in client.get(url).text


def test_search_matches_name_summary_and_program(client):
    factories.organization(name="Alpha Aid", summary="Shelter for families.")
    beta = factories.organization(name="Beta Care", summary="Counselling.")
    factories.program(organization=beta, name="Orphan Care", description="Foster homes")
    factories.organization(name="Gamma", summary="Unrelated.")

    assert "Alpha Aid" in client.get("/?q=alpha").text
    by_summary = client.get("/?q=shelter").text
    assert "Alpha Aid" in by_summary and "Beta Care" not in by_summary
    by_program = client.get("/?q=foster").text
    assert "Beta Care" in by_program and "Gamma" not in by_program


def test_inactive_program_does_not_match_search(client):
    org = factories.organization(name="Beta Care")
    factories.program(organization=org, name="Closed Orphanage", active=False)
    assert "Beta Care" not in client.get("/?q=orphanage").text


def test_filters_by_cause_and_region_including_programs(client):
    rescue, food = factories.cause(slug="rescue"), factories.cause(slug="food")
    china, laos = factories.region(slug="china"), factories.region(slug="laos")
    factories.organization(name="Route Team", causes=[rescue], regions=[china])
    pantry = factories.organization(name="Pantry", causes=[food], regions=[laos])
    factories.program(organization=pantry, name="Border rescue", cause=rescue, region=china)

    by_cause = client.get("/?cause=rescue").text
    assert "Route Team" in by_cause and "Pantry" in by_cause
    by_region = client.get("/?region=laos").text
    assert "Pantry" in by_region and "Route Team" not in by_region
    both = client.get("/?cause=food&region=laos").text
    assert "Pantry" in both and "Route Team" not in both


def test_organization_matching_twice_is_listed_once(client):
    rescue = factories.cause(slug="rescue")
    org = factories.organization(name="Twice Found", causes=[rescue])
    factories.program(organization=org, name="Rescue one", cause=rescue)
    factories.program(organization=org, name="Rescue two", cause=rescue)
    response = client.get("/?cause=rescue&q=rescue")
    assert response.context["page"].paginator.count == 1


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("cause=no-such-cause", "There is no such cause"),
        ("region=atlantis", "There is no such region"),
        ("q=" + "x" * 10_000, "at most 100 characters"),
    ],
)
def test_bad_filter_values_give_a_normal_page_with_a_message(client, query, message):
    factories.organization(name="Still Listed")
    response = client.get(f"/?{query}")
    assert response.status_code == 200
    assert message in response.text
    assert "Still Listed" in response.text


@pytest.mark.parametrize("page", ["999", "-1", "abc", "1.5", "0"])
def test_page_numbers_out_of_range_give_a_normal_page(client, settings, page):
    settings.DIRECTORY_PAGE_SIZE = 2
    for n in range(5):
        factories.organization(name=f"Org {n}")
    response = client.get(f"/?page={page}")
    assert response.status_code == 200
    assert len(response.context["organizations"]) >= 1


def test_pagination_keeps_filters_in_page_links(client, settings):
    settings.DIRECTORY_PAGE_SIZE = 2
    food = factories.cause(slug="food")
    for n in range(5):
        factories.organization(name=f"Food {n}", causes=[food])
    response = client.get("/?cause=food&page=2")
    assert [org.name for org in response.context["organizations"]] == ["Food 2", "Food 3"]
    assert "cause=food&amp;page=3" in response.text


def test_empty_state_says_nothing_matches(client):
    factories.organization(name="Alpha")
    response = client.get("/?q=zzzz-nothing")
    assert response.status_code == 200
    assert "No organization matches" in response.text


def test_verified_badge_shows_until_verification_expires(client, superuser):
    now = timezone.now()
    factories.organization(
        name="Fresh",
        verified_at=now - timedelta(days=30),
        verified_by=superuser,
        verification_basis="registry",
        verification_reference="Charity registry no. 1",
    )
    factories.organization(
        name="Stale",
        verified_at=now - timedelta(days=366),
        verified_by=superuser,
        verification_basis="document",
        verification_reference="Annual report",
    )
    page = client.get("/").text
    fresh_card = page[page.index("Fresh") :][:600]
    stale_card = page[page.index("Stale") :][:600]
    assert "Verified" in fresh_card
    assert "Verified" not in stale_card


def test_profile_shows_programs_regions_causes_and_sources(client):
    food = factories.cause(name="Food and medicine")
    china = factories.region(name="China")
    doc = factories.source(title="How to Help", author="A. Writer")
    org = factories.organization(
        name="Crossing", based_in="China", causes=[food], regions=[china], sources=[doc], website="https://x.example"
    )
    factories.program(organization=org, name="Refugee Care", cause=food, region=china)
    factories.program(organization=org, name="Gone Program", active=False)
    response = client.get(org.get_absolute_url())
    assert response.status_code == 200
    for text in ("Crossing", "Refugee Care", "Food and medicine", "China", "How to Help", "A. Writer", "give-heading"):
        assert text in response.text
    assert "Gone Program" not in response.text


def test_unknown_profile_is_404_with_a_message(client):
    response = client.get("/organizations/does-not-exist/")
    assert response.status_code == 404
    assert "We could not find that page" in response.text


def _directory_of(size: int):
    causes = [factories.cause() for _ in range(3)]
    regions = [factories.region() for _ in range(3)]
    doc = factories.source()
    orgs = []
    for n in range(size):
        org = factories.organization(
            name=f"Org {n:04}", causes=causes[: 1 + n % 3], regions=regions[: 1 + n % 2], sources=[doc]
        )
        factories.program(organization=org, cause=causes[0], region=regions[0])
        orgs.append(org)
    return orgs, causes, regions


DIRECTORY_QUERIES = 7  # count, page, causes, regions, programs (prefetches), cause and region choices
FILTERED_QUERIES = DIRECTORY_QUERIES + 3  # the submitted cause and region are looked up; names for initials (search)
PROFILE_QUERIES = 9  # the organization (with its evidence source), causes, regions, sources, programs (with their
# cause and region), finance years, approved unit-cost statements, published outcomes, updates


@pytest.mark.parametrize("size", [5, 500])
def test_directory_query_count_is_flat(client, django_assert_num_queries, size):
    orgs, causes, regions = _directory_of(size)
    with django_assert_num_queries(DIRECTORY_QUERIES):
        assert client.get("/").status_code == 200
    with django_assert_num_queries(FILTERED_QUERIES):
        response = client.get(f"/?q=Org&cause={causes[0].slug}&region={regions[0].slug}&page=2")
    assert response.status_code == 200


@pytest.mark.parametrize("size", [5, 500])
def test_profile_query_count_is_flat(client, django_assert_num_queries, size):
    orgs, _, _ = _directory_of(size)
    with django_assert_num_queries(PROFILE_QUERIES):
        assert client.get(orgs[-1].get_absolute_url()).status_code == 200


def test_korean_texts_show_in_korean_and_english_where_empty(client):
    org = factories.organization(
        name="Helping Hands Korea", name_ko="헬핑핸즈코리아", summary="Aid in crisis.", summary_ko=""
    )
    factories.program(organization=org, name="Foster care", name_ko="위탁 양육")
    korean = client.get(org.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="ko").text
    assert "헬핑핸즈코리아" in korean and "위탁 양육" in korean and "Aid in crisis." in korean
    english = client.get(org.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").text
    assert "헬핑핸즈코리아" not in english and "Helping Hands Korea" in english
    assert "헬핑핸즈코리아" in client.get("/", HTTP_ACCEPT_LANGUAGE="ko").text
