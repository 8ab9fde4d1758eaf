"""CSV that a spreadsheet shows as text: cells that could run as formulas get a leading quote."""

import csv
from collections.abc import Iterable, Iterator

# What makes a spreadsheet read a cell as a formula, after any leading spaces (full-width forms included).
CSV_FORMULA_STARTS = ("=", "+", "-", "@", "|", "\t", "\r", "＝", "＋", "－", "＠")
# The same starts for a SQL regular expression (the database's CSV path escapes exactly what csv_safe escapes).
CSV_FORMULA_START_PATTERN = "^ *[-=+@|\t\r＝＋－＠]"


def csv_safe(value: object) -> str:
    """A cell a spreadsheet shows as text, never runs as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.lstrip(" ").startswith(CSV_FORMULA_STARTS) else text


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_lines(header: Iterable[str], rows: Iterable[Iterable[object]]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow([csv_safe(cell) for cell in header])
    for row in rows:
        yield writer.writerow([csv_safe(cell) for cell in row])
