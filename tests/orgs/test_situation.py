import re

import pytest

from tests import factories

pytestmark = pytest.mark.django_db


def test_situation_page_shows_each_figure_with_its_source(client):
    doc = factories.source(title="North Korean Refugees", publisher="Society for Threatened Peoples")
    factories.figure(source=doc, topic="Refugees in China", label="North Koreans hiding in China", value="about 50,000")
    response = client.get("/situation/")
    assert response.status_code == 200
    text = response.text
    assert "about 50,000" in text and "North Koreans hiding in China" in text
    assert "Society for Threatened Peoples" in text


def test_yearly_series_is_an_accessible_svg_chart_with_a_data_table(client):
    doc = factories.source(title="How to Help")
    for year, number in ((2017, 1127), (2011, 2706), (2013, 1509)):
        factories.figure(source=doc, series="defections-to-south-korea", year=year, number=number, value=f"{number:,}")
    text = client.get("/situation/").text
    svg = text[text.index("<svg") : text.index("</svg>")]
    assert 'role="img"' in svg and "aria-labelledby" in svg and "<title" in svg and "<desc" in svg
    xs = [float(x) for x in re.findall(r'<circle cx="([\d.]+)"', svg)]
    assert len(xs) == 3  # 2011, 2013, 2017 on a true scale: 2013 is a third of the way, not the middle
    assert xs[1] - xs[0] == pytest.approx((xs[2] - xs[0]) / 3, abs=0.2)
    table = text[text.index("<table") : text.index("</table>")]
    assert re.findall(r'<th scope="row">(\d{4})</th>', table) == ["2011", "2013", "2017"]
    assert "2,706" in table and "1,127" in table


def test_seeded_situation_page_charts_the_documents_series(client):
    from django.core.management import call_command

    call_command("load_directory", verbosity=0, stdout=None)
    text = client.get("/situation/").text
    assert "2,706" in text and "1,509" in text and "1,127" in text
    assert "32,147" in text and "50,000 to 200,000" in text


def test_different_measures_are_separate_series_and_each_problem_names_its_organizations(client):
    doc = factories.source(title="Threatened Peoples")
    rescue = factories.cause(name="Rescue along escape routes", slug="rescue")
    factories.organization(name="Liberty in North Korea", causes=[rescue])
    factories.organization(name="Unpublished Rescue", causes=[rescue], published=False)
    for year, number, series, label in (
        (2011, 2706, "defections", "North Koreans who defected to South Korea"),
        (2017, 1127, "defections", "North Koreans who defected to South Korea"),
        (2013, 1509, "escapes", "People who escaped North Korea"),
    ):
        figure = factories.figure(
            source=doc, topic="Escapes", series=series, year=year, number=number, value=f"{number:,}", label=label
        )
        figure.causes.set([rescue])
    text = client.get("/situation/").text
    svg = text[text.index("<svg") : text.index("</svg>")]
    assert len(re.findall(r'<g class="series series-', svg)) == 2
    assert len(re.findall(r"<circle ", svg)) == 2 and len(re.findall(r"<rect ", svg)) == 1  # told apart by shape
    captions = re.findall(r"<caption>.*?</span>\s*(.*?)\s*</caption>", text, re.S)
    assert captions == ["North Koreans who defected to South Korea", "People who escaped North Korea"]
    assert "Organizations working on this:" in text and "Liberty in North Korea</a>" in text
    assert "Unpublished Rescue" not in text


def test_situation_query_count_is_flat(client, django_assert_num_queries):
    doc = factories.source()
    cause = factories.cause()
    for n in range(5):
        factories.organization(causes=[cause])
        factories.figure(source=doc, topic=f"Topic {n}").causes.set([cause])
    with django_assert_num_queries(3):  # figures with their sources, their causes, the causes' organizations
        client.get("/situation/")
