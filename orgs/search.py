"""Directory search: every word of the query must match somewhere, ranked by where it matched.

A word matches an organization when it appears (case-insensitively, English plurals reduced: "orphans" finds
"Orphan Care") in its names or aliases (English and Korean), its summaries, an active program's name or description,
one of its causes or regions (its own or a program's), or when it is the initials of its name ("LiNK" is
Liberty in North Korea). Filtering is the same on every database, so both give the same results; the ranking
is a portable weighted score, and on PostgreSQL full-text rank and trigram similarity of the names are added.

Korean writes particles onto words ("고아를", "탈북민의") and is spaced loosely ("크로싱보더스"), so a word matches
as a substring of at least MIN_CHARS characters: anywhere inside a text ("탈북" finds "탈북민"), a trailing particle
dropped ("고아를" finds "고아"), and, for a Hangul word, with the text's spaces ignored ("크로싱보더스" finds
"크로싱 보더스"). Shorter words (a lone syllable, a letter) match nearly everything and are left out of a query that
has longer ones.
"""

import re

from django.db import connection
from django.db.models import Case, Exists, F, FloatField, IntegerField, OuterRef, Q, QuerySet, TextField, Value, When
from django.db.models.functions import Cast, Replace
from django.db.models.lookups import IContains

from orgs.models import Cause, Organization, Program, Region

MAX_WORDS = 8
MIN_CHARS = 2  # the shortest substring a word matches by
_WORD = re.compile(r"\w+")
_HANGUL = re.compile("[\uac00-\ud7a3]")  # the precomposed syllables of modern Hangul
# Korean particles (조사) written onto the word before them, longest first: "고아를" is "고아" + "를".
PARTICLES = tuple(
    sorted(
        (
            *("에서는", "에게서", "으로는", "으로서", "으로써", "이라는", "에서", "에게", "한테", "으로", "까지"),
            *("부터", "처럼", "보다", "이나", "이랑", "하고", "에는", "과는", "와는", "이다", "라는"),
            *("은", "는", "이", "가", "을", "를", "의", "에", "와", "과", "도", "로", "만", "께", "랑"),
        ),
        key=len,
        reverse=True,
    )
)
# Where a word matched, and how much that says about the organization.
NAME_WEIGHT, SUMMARY_WEIGHT, PROGRAM_WEIGHT, TERM_WEIGHT = 8, 3, 2, 1


def query_words(query: str) -> list[str]:
    """The distinct words of a query, lower-cased, at most MAX_WORDS; words shorter than MIN_CHARS only when the
    query has no longer one."""
    words: list[str] = []
    for word in _WORD.findall(query.lower()):
        if word not in words:
            words.append(word)
    if any(len(word) >= MIN_CHARS for word in words):
        words = [word for word in words if len(word) >= MIN_CHARS]
    return words[:MAX_WORDS]


def is_hangul(word: str) -> bool:
    return bool(_HANGUL.search(word))


def stem(word: str) -> str:
    """The part of a word that must match: a Korean particle dropped ("고아를" -> "고아", "link는" -> "link"), a plain
    English plural reduced to its singular ("orphans" -> "orphan", "families" -> "family"); never shorter than
    MIN_CHARS."""
    for particle in PARTICLES:
        base = word.removesuffix(particle)
        if base != word and len(base) >= MIN_CHARS:
            return base if is_hangul(base) else stem(base)
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def initials(name: str) -> str:
    """'Liberty in North Korea' -> 'link'."""
    return "".join(word[0] for word in _WORD.findall(name)).lower()


def _text(fields: tuple[str, ...], word: str, prefix: str = "") -> Q:
    """The word inside any of the fields, case-insensitively; a Hangul word also across the fields' spaces."""
    q = Q()
    for name in fields:
        if is_hangul(word):
            spaceless = Replace(F(f"{prefix}{name}"), Value(" "), Value(""), output_field=TextField())
            q |= Q(IContains(spaceless, word))
        else:
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
    acronyms = _acronym_pks(organizations, [stem(word) for word in words])
    score = Value(0, output_field=IntegerField())
    for word in words:
        places = _matches(word, acronyms[stem(word)])
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
    """Full-text rank (English stemming) over names, aliases and summaries, plus trigram similarity of the English
    name or (word similarity: the query within them) of the Korean name and the aliases: among organizations with
    the same portable score, the closer match comes first."""
    from django.contrib.postgres.search import (
        SearchQuery,
        SearchRank,
        SearchVector,
        TrigramSimilarity,
        TrigramWordSimilarity,
    )
    from django.db.models.functions import Greatest

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
    trigram = Greatest(
        TrigramSimilarity(F("name"), Value(text)),
        TrigramWordSimilarity(Value(text), F("name_ko")),
        TrigramWordSimilarity(Value(text), F("aliases")),
    )
    return (rank + trigram) / Value(2.0)
