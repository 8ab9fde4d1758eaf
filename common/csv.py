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


# Put first in a file, it makes Excel (Korean Windows included) read the file as UTF-8, so Hangul shows.
BYTE_ORDER_MARK = "\ufeff"


class CopyCsv(csv.Dialect):
    """CSV byte for byte as PostgreSQL writes it with COPY ... (FORMAT csv, FORCE_QUOTE *): every cell quoted,
    lines ending in a line feed. Quoting every cell also keeps a carriage return inside a cell from ending the line
    (Python's csv quotes a cell only for the line ending's own characters)."""

    delimiter = ","
    quotechar = '"'
    doublequote = True
    skipinitialspace = False
    lineterminator = "\n"
    quoting = csv.QUOTE_ALL


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_lines(
    header: Iterable[str], rows: Iterable[Iterable[object]], *, dialect: type[csv.Dialect] = csv.excel
) -> Iterator[str]:
    writer = csv.writer(_Echo(), dialect=dialect)
    yield writer.writerow([csv_safe(cell) for cell in header])
    for row in rows:
        yield writer.writerow([csv_safe(cell) for cell in row])
