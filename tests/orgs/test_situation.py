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
    assert len(re.findall(r'<rect class="bar"', svg)) == 3
    table = text[text.index("<table") : text.index("</table>")]
    assert re.findall(r'<th scope="row">(\d{4})</th>', table) == ["2011", "2013", "2017"]
    assert "2,706" in table and "1,127" in table


def test_seeded_situation_page_charts_the_documents_series(client):
    from django.core.management import call_command

    call_command("load_directory", verbosity=0, stdout=None)
    text = client.get("/situation/").text
    assert "2,706" in text and "1,509" in text and "1,127" in text
    assert "32,147" in text and "50,000 to 200,000" in text
