"""The portal's templates: styles live in static/css/portal.css, and long markup is one element per line."""

import re
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
# The longest line the templates reached after putting one element per line (healthchecks' templates/front/):
# a line this long is a table row, a form or a list written on one line again.
LONGEST_LINE = 160
INLINE_STYLE = re.compile(r"<style[\s>]|\sstyle\s*=", re.IGNORECASE)


def _templates(*suffixes: str) -> list[Path]:
    return sorted(path for path in TEMPLATES.rglob("*") if path.is_file() and path.suffix in suffixes)


def _lines(path: Path) -> list[tuple[int, str]]:
    return list(enumerate(path.read_text(encoding="utf-8").splitlines(), start=1))


def test_templates_are_found():
    assert len(_templates(".html")) > 30 and (TEMPLATES / "base.html") in _templates(".html")


def test_no_template_has_an_inline_style():
    found = [
        f"{path.relative_to(TEMPLATES)}:{number}: {line.strip()}"
        for path in _templates(".html", ".txt", ".xml")
        for number, line in _lines(path)
        if INLINE_STYLE.search(line)
    ]
    assert not found, "Move these styles into a class in static/css/portal.css:\n" + "\n".join(found)


def test_no_template_line_is_too_long():
    found = [
        f"{path.relative_to(TEMPLATES)}:{number}: {len(line)} characters"
        for path in _templates(".html", ".xml")
        for number, line in _lines(path)
        if len(line) > LONGEST_LINE
    ]
    assert not found, f"Put one element per line (at most {LONGEST_LINE} characters):\n" + "\n".join(found)
