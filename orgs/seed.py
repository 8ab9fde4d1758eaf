"""Load the directory from its data file (orgs/data/directory.toml), idempotently.

Each entry is identified by its natural key (a slug or key). The loader remembers a digest of
what it last applied for every entry (SeedRecord): an unchanged entry is left alone, so running
the loader twice changes nothing and staff edits in the admin stand; an entry whose text changed
in the file is applied again. Entries removed from the file are left in the database.
"""

import hashlib
import json
import tomllib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from orgs.models import Cause, Figure, Organization, Program, Region, SeedRecord, Source

DEFAULT_DATA_FILE = Path(__file__).resolve().parent / "data" / "directory.toml"

_SOURCE_FIELDS = {"title", "author", "publisher", "date_text", "url"}
_NAMED_FIELDS = {"name", "description", "position"}
_ORG_FIELDS = {"name", "summary", "description", "based_in", "website", "published", "accepts_gifts"}
# Trust evidence: only what the source named in evidence_source states (see the data file's rules).
_EVIDENCE_FIELDS = {
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
    "evidence_year",
}
_ORG_LISTS = {"regions", "causes", "sources", "programs"}
_PROGRAM_FIELDS = {"name", "description", "active"}
_FIGURE_FIELDS = {"topic", "label", "value", "number", "year", "series", "quote", "position"}


@dataclass
class LoadReport:
    counts: Counter = field(default_factory=Counter)

    def add(self, kind: str, outcome: str) -> None:
        self.counts[(kind, outcome)] += 1

    def total(self, outcome: str) -> int:
        return sum(n for (_, o), n in self.counts.items() if o == outcome)

    def lines(self) -> list[str]:
        kinds = sorted({kind for kind, _ in self.counts})
        return [
            f"{kind}: {self.counts[(kind, 'created')]} created, {self.counts[(kind, 'updated')]} updated, "
            f"{self.counts[(kind, 'unchanged')]} unchanged"
            for kind in kinds
        ]


class SeedError(ValueError):
    """The data file is not valid; nothing was written."""


class ObjectMissing(Exception):
    """An entry names a cause, region or source the file does not define."""


def read_data_file(path: Path = DEFAULT_DATA_FILE) -> dict[str, Any]:
    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise SeedError(f"cannot read {path}: {exc}") from exc


def directory_load(*, data: dict[str, Any]) -> LoadReport:
    """Apply the data file's entries; all or nothing."""
    report = LoadReport()
    with transaction.atomic():
        for position, entry in enumerate(data.get("causes", [])):
            _apply(report, "cause", {"position": position, **entry}, "slug", lambda e: _upsert_named(Cause, e))
        for position, entry in enumerate(data.get("regions", [])):
            _apply(report, "region", {"position": position, **entry}, "slug", lambda e: _upsert_named(Region, e))
        for entry in data.get("sources", []):
            _apply(report, "source", entry, "key", _upsert_source)
        for entry in data.get("organizations", []):
            _apply(report, "organization", entry, "slug", _upsert_organization)
        for position, entry in enumerate(data.get("figures", [])):
            _apply(report, "figure", {"position": position, **entry}, "key", _upsert_figure)
    return report


def _digest(entry: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(entry, sort_keys=True, default=str).encode()).hexdigest()


def _apply(report: LoadReport, kind: str, entry: dict[str, Any], key_field: str, upsert) -> None:
    key = entry.get(key_field)
    if not key:
        raise SeedError(f"a {kind} entry has no {key_field!r}: {entry!r}")
    digest = _digest(entry)
    record = SeedRecord.objects.filter(kind=kind, key=key).first()
    if record and record.digest == digest:
        report.add(kind, "unchanged")
        return
    try:
        created = upsert(entry)
    except (KeyError, ValidationError, ObjectMissing) as exc:
        raise SeedError(f"{kind} {key!r}: {exc}") from exc
    SeedRecord.objects.update_or_create(kind=kind, key=key, defaults={"digest": digest})
    report.add(kind, "created" if created else "updated")


def _only(entry: dict[str, Any], allowed: set[str], key_field: str) -> dict[str, Any]:
    unknown = set(entry) - allowed - {key_field}
    if unknown:
        raise SeedError(f"unknown field(s) {sorted(unknown)} in entry {entry.get(key_field)!r}")
    return {name: value for name, value in entry.items() if name in allowed}


def _save(model, lookup: dict[str, Any], values: dict[str, Any]):
    obj = model.objects.filter(**lookup).first()
    created = obj is None
    obj = obj or model(**lookup)
    for name, value in values.items():
        setattr(obj, name, value)
    obj.full_clean()
    obj.save()
    return obj, created


def _by_key(model, keys: list[str], field_name: str = "slug") -> list:
    found = {getattr(obj, field_name): obj for obj in model.objects.filter(**{f"{field_name}__in": keys})}
    missing = [key for key in keys if key not in found]
    if missing:
        raise ObjectMissing(f"unknown {model._meta.verbose_name} {missing}")
    return [found[key] for key in keys]


def _one(model, key: str | None, field_name: str = "slug"):
    return _by_key(model, [key], field_name)[0] if key else None


def _upsert_named(model, entry: dict[str, Any]) -> bool:
    allowed = _NAMED_FIELDS & {f.name for f in model._meta.concrete_fields}
    _, created = _save(model, {"slug": entry["slug"]}, _only(entry, allowed, "slug"))
    return created


def _upsert_source(entry: dict[str, Any]) -> bool:
    _, created = _save(Source, {"key": entry["key"]}, _only(entry, _SOURCE_FIELDS, "key"))
    return created


def _upsert_organization(entry: dict[str, Any]) -> bool:
    values = _only(entry, _ORG_FIELDS | _EVIDENCE_FIELDS | _ORG_LISTS | {"evidence_source"}, "slug")
    scalars = {name: value for name, value in values.items() if name in _ORG_FIELDS | _EVIDENCE_FIELDS}
    scalars["evidence_source"] = _one(Source, values.get("evidence_source"), "key")
    org, created = _save(Organization, {"slug": entry["slug"]}, scalars)
    org.regions.set(_by_key(Region, values.get("regions", [])))
    org.causes.set(_by_key(Cause, values.get("causes", [])))
    org.sources.set(_by_key(Source, values.get("sources", []), "key"))
    for program in values.get("programs", []):
        _upsert_program(org, program)
    return created


def _upsert_program(org: Organization, entry: dict[str, Any]) -> None:
    values = _only(entry, _PROGRAM_FIELDS | {"cause", "region"}, "slug")
    values["cause"] = _one(Cause, values.get("cause"))
    values["region"] = _one(Region, values.get("region"))
    _save(Program, {"organization": org, "slug": entry["slug"]}, values)


def _upsert_figure(entry: dict[str, Any]) -> bool:
    values = _only(entry, _FIGURE_FIELDS | {"source", "causes"}, "key")
    values["source"] = _one(Source, values["source"], "key")
    causes = _by_key(Cause, values.pop("causes", []))
    figure, created = _save(Figure, {"key": entry["key"]}, values)
    figure.causes.set(causes)
    return created
