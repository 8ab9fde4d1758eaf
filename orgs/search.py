"""Directory search: every word of the query must match somewhere, ranked by where it matched.

A word matches an organization when it appears (case-insensitively, English plurals reduced: "orphans" finds
"Orphan Care") in its names or aliases (English and Korean), its summaries, an active program's name or description,
one of its causes or regions (its own or a program's), or when it is the initials of its name ("LiNK" is
Liberty in North Korea). Filtering is the same on every database, so both give the same results; the ranking
is a portable weighted score, and on PostgreSQL full-text rank and trigram similarity of the name are added.
"""

import re

from django.db import connection
from django.db.models import Case, Exists, F, FloatField, IntegerField, OuterRef, Q, QuerySet, Value, When
from django.db.models.functions import Cast

from orgs.models import Cause, Organization, Program, Region

MAX_WORDS = 8
_WORD = re.compile(r"\w+")
# Where a word matched, and how much that says about the organization.
NAME_WEIGHT, SUMMARY_WEIGHT, PROGRAM_WEIGHT, TERM_WEIGHT = 8, 3, 2, 1


def query_words(query: str) -> list[str]:
    """The distinct words of a query, lower-cased, at most MAX_WORDS."""
    words: list[str] = []
    for word in _WORD.findall(query.lower()):
        if word not in words:
            words.append(word)
    return words[:MAX_WORDS]


def stem(word: str) -> str:
    """A plain English plural reduced to its singular ("orphans" -> "orphan", "families" -> "family")."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def initials(name: str) -> str:
    """'Liberty in North Korea' -> 'link'."""
    return "".join(word[0] for word in _WORD.findall(name)).lower()


def _text(fields: tuple[str, ...], word: str, prefix: str = "") -> Q:
    q = Q()
    for name in fields:
        q |= Q(**{f"{prefix}{name}__icontains": word})
    return q


def _matches(word: str, acronym_pks: list[int]) -> dict[str, Q | Exists]:
    """Each place a word may match, as a condition on an organization."""
    term = stem(word)
    programs = Program.objects.filter(organization=OuterRef("pk"), active=True)
    causes = Cause.objects.filter(_text(("name", "name_ko"), term))
    regions = Region.objects.filter(_text(("name", "name_ko"), term))
    return {
        "name": _text(("name", "name_ko", "aliases"), term) | Q(pk__in=acronym_pks),
        "summary": _text(("summary", "summary_ko"), term),
        "program": Exists(programs.filter(_text(("name", "name_ko", "description", "description_ko"), term))),
        "term": Exists(Organization.causes.through.objects.filter(organization=OuterRef("pk"), cause__in=causes))
        | Exists(Organization.regions.through.objects.filter(organization=OuterRef("pk"), region__in=regions))
        | Exists(programs.filter(Q(cause__in=causes) | Q(region__in=regions))),
    }


WEIGHTS = {"name": NAME_WEIGHT, "summary": SUMMARY_WEIGHT, "program": PROGRAM_WEIGHT, "term": TERM_WEIGHT}


def _acronym_pks(organizations: QuerySet[Organization], words: list[str]) -> dict[str, list[int]]:
    """For each word, the organizations whose name's initials it is (one query, names only)."""
    found: dict[str, list[int]] = {word: [] for word in words}
    for pk, name in organizations.values_list("pk", "name"):
        letters = initials(name)
        if letters in found and len(letters) > 1:
            found[letters].append(pk)
    return found


def search(organizations: QuerySet[Organization], query: str) -> QuerySet[Organization]:
    """The organizations matching every word of `query`, annotated with `relevance` (higher first)."""
    words = query_words(query)
    if not words:
        return organizations.annotate(relevance=Value(0.0, output_field=FloatField()))
    acronyms = _acronym_pks(organizations, words)
    score = Value(0, output_field=IntegerField())
    for word in words:
        places = _matches(word, acronyms[word])
        organizations = organizations.filter(_any(places.values()))
        for place, condition in places.items():
            score = score + Case(When(condition, then=Value(WEIGHTS[place])), default=Value(0))
    relevance = Cast(score, FloatField())
    if connection.vendor == "postgresql":
        relevance = relevance + _postgres_rank(" ".join(words))
    return organizations.annotate(relevance=relevance)


def _any(conditions) -> Q:
    combined = Q()
    for condition in conditions:
        combined |= condition if isinstance(condition, Q) else Q(condition)
    return combined


def _postgres_rank(text: str):
    """Full-text rank (English stemming) over names, aliases and summaries, plus trigram similarity of the name:
    among organizations with the same portable score, the closer match comes first."""
    from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector, TrigramSimilarity

    vector = (
        SearchVector("name", weight="A", config="english")
        + SearchVector("aliases", weight="A", config="simple")
        + SearchVector("summary", weight="B", config="english")
        + SearchVector("name_ko", "summary_ko", weight="B", config="simple")
    )
    words = SearchQuery(text, search_type="plain", config="english")
    # Each part lies in [0, 1) (normalization 32: rank / (rank + 1)), so together, halved, they stay under the
    # portable score's smallest step of 1: they order ties, never overturn where a word matched.
    rank = SearchRank(vector, words, normalization=Value(32))
    return (rank + TrigramSimilarity(F("name"), Value(text))) / Value(2.0)
