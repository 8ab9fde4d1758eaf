import re
import tomllib
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from orgs.models import Cause, Figure, Organization, Program, Region, Source
from orgs.seed import DEFAULT_DATA_FILE

pytestmark = pytest.mark.django_db

SEED_DOCUMENTS = Path(settings.BASE_DIR).parent / "shared" / "seeds"
SOURCE_FILES = {
    "chen-how-to-help": "000_59825383ef67476e.txt",
    "tvedt-forgotten-refugees": "001_7cd8de9765f8112c.txt",
    "enok-nk-101": "002_76c883a3bc6d90c2.txt",
    "liu-defectors-neighbours": "003_b70a4fac17ab52c9.txt",
    "stp-north-korean-refugees": "004_deac12dc45fb9f95.txt",
}


def _counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (Organization, Program, Cause, Region, Source, Figure, Organization.causes.through)
    }


def _load(path: Path = DEFAULT_DATA_FILE) -> str:
    from io import StringIO

    out = StringIO()
    call_command("load_directory", file=path, stdout=out)
    return out.getvalue()


def test_seed_loads_every_named_organization_with_programs():
    _load()
    names = set(Organization.objects.published().values_list("name", flat=True))
    for name in (
        "Crossing Borders",
        "Liberty in North Korea",
        "Helping Hands Korea",
        "North Korea Refugee Aid",
        "ENoK",
        "Society for Threatened Peoples",
        "Defense Forum Foundation",
        "Human Rights Watch",
    ):
        assert name in names
    crossing = Organization.objects.get(slug="crossing-borders")
    assert set(crossing.programs.values_list("name", flat=True)) == {"Refugee Care", "Orphan Care"}
    assert crossing.based_in == "China"
    assert crossing.sources.get().author == "Natalie Chen"


def test_seed_load_twice_doubles_nothing():
    _load()
    first = _counts()
    output = _load()
    assert _counts() == first
    assert "0 created, 0 updated" in output


def test_edited_file_entry_lands_and_staff_edits_to_other_entries_stand(tmp_path):
    _load()
    Organization.objects.filter(slug="enok").update(summary="Edited by staff.")
    data = DEFAULT_DATA_FILE.read_text(encoding="utf-8")
    edited = data.replace(
        'summary = "A Christian nonprofit based in China',
        'summary = "Revised: a Christian nonprofit based in China',
    )
    assert edited != data
    path = tmp_path / "directory.toml"
    path.write_text(edited, encoding="utf-8")
    output = _load(path)
    assert Organization.objects.get(slug="crossing-borders").summary.startswith("Revised:")
    assert Organization.objects.get(slug="enok").summary == "Edited by staff."
    assert "organization: 0 created, 1 updated" in output


def test_invalid_file_loads_nothing(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text(
        DEFAULT_DATA_FILE.read_text(encoding="utf-8").replace('causes = ["rescue", "advocacy"]', 'causes = ["nope"]'),
        encoding="utf-8",
    )
    with pytest.raises(CommandError, match="nope"):
        _load(bad)
    assert Organization.objects.count() == 0
    garbage = tmp_path / "garbage.toml"
    garbage.write_text("[[organizations]\nname=", encoding="utf-8")
    with pytest.raises(CommandError, match="cannot read"):
        _load(garbage)


def test_unknown_field_is_refused(tmp_path):
    path = tmp_path / "typo.toml"
    path.write_text('[[regions]]\nslug = "x"\nname = "X"\ncolour = "red"\n', encoding="utf-8")
    with pytest.raises(CommandError, match="colour"):
        _load(path)


def _normalised(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\u2019", "'")).strip().lower()


@pytest.fixture
def seed_texts() -> dict[str, str]:
    if not SEED_DOCUMENTS.is_dir():
        pytest.skip(f"the seed documents are not beside the repository ({SEED_DOCUMENTS})")
    return {key: _normalised((SEED_DOCUMENTS / name).read_text(encoding="utf-8")) for key, name in SOURCE_FILES.items()}


def test_every_figure_quotes_its_source_word_for_word(seed_texts):
    data = tomllib.loads(DEFAULT_DATA_FILE.read_text(encoding="utf-8"))
    assert {source["key"] for source in data["sources"]} == set(SOURCE_FILES)
    for figure in data["figures"]:
        assert _normalised(figure["quote"]) in seed_texts[figure["source"]], figure["key"]
        if figure.get("number"):
            assert f"{figure['number']:,}" in figure["quote"], figure["key"]


def test_every_organization_is_named_in_its_sources(seed_texts):
    data = tomllib.loads(DEFAULT_DATA_FILE.read_text(encoding="utf-8"))
    for org in data["organizations"]:
        name = _normalised(org["name"].split(" (")[0])
        assert org["sources"], org["slug"]
        assert all(name in seed_texts[key] for key in org["sources"]), org["slug"]
        for link in [org.get("website", "")]:
            host = link.split("/")[2] if link else ""
            assert not host or any(host in text for text in seed_texts.values()), link


EVIDENCE_KEYS = (
    "aliases",
    "legal_name",
    "registration_country",
    "registration_number",
    "registry_url",
    "charitable_status",
    "charitable_status_country",
    "founded_year",
    "city",
    "leadership",
)


def test_trust_evidence_comes_word_for_word_from_its_source(seed_texts):
    """Evidence in the data file (names of leaders, status, acronyms) is what the named document states: each
    value (a leader's name without the role in brackets) appears in it; nothing else is filled."""
    data = tomllib.loads(DEFAULT_DATA_FILE.read_text(encoding="utf-8"))
    filled = 0
    for org in data["organizations"]:
        for key in EVIDENCE_KEYS:
            if key not in org:
                continue
            filled += 1
            sources = [org["evidence_source"]] if key != "aliases" else org["sources"]
            for value in str(org[key]).split(","):
                stated = _normalised(value.split(" (")[0].strip())
                assert any(stated in seed_texts[source] for source in sources), (org["slug"], key, stated)
    assert filled >= 3


def test_seeded_evidence_shows_with_its_source(client):
    _load()
    text = client.get("/organizations/refugees-welcome/").text
    assert "Johanna Tvedt (board member)" in text and "Leadership" in text
    assert "Legal name" not in text  # not stated: not shown
