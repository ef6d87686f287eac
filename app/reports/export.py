"""Report tables as CSV and XLSX downloads: the same rows and headings the page shows."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field

from flask import Response, send_file

FORMATS = ("csv", "xlsx")
MIMETYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
# A cell starting with one of these is a formula to a spreadsheet: a site name typed as
# "=HYPERLINK(...)" must stay text (CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class Table:
    """Named columns (key, heading) and rows of plain values (str, int, float, None)."""

    name: str
    title: str
    columns: list[tuple[str, str]]
    rows: list[dict] = field(default_factory=list)

    def headings(self) -> list[str]:
        return [str(heading) for _key, heading in self.columns]

    def values(self) -> list[list]:
        return [[row.get(key) for key, _heading in self.columns] for row in self.rows]


def _text_safe(value):
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def csv_bytes(table: Table) -> bytes:
    """UTF-8 with a byte-order mark, so that Excel opens the Chinese text correctly."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(table.headings())
    for row in table.values():
        writer.writerow(["" if v is None else _text_safe(v) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def xlsx_bytes(table: Table) -> bytes:
    """One sheet: a bold heading row, frozen, and columns wide enough for their text."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = _sheet_title(table.title)
    sheet.append(table.headings())
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for values in table.values():
        sheet.append([None if v is None else v for v in values])
        for cell in sheet[sheet.max_row]:
            if cell.data_type == "f":  # openpyxl reads a leading "=" as a formula: keep it text
                cell.data_type = "s"
    sheet.freeze_panes = "A2"
    for index, heading in enumerate(table.headings(), start=1):
        longest = max([_width(heading)] + [_width(row[index - 1]) for row in table.values()])
        sheet.column_dimensions[sheet.cell(1, index).column_letter].width = min(60, longest + 2)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _width(value) -> int:
    text = "" if value is None else str(value)
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)  # CJK characters are two wide


def _sheet_title(title: str) -> str:
    cleaned = "".join(ch for ch in str(title) if ch not in "[]:*?/\\")
    return (cleaned or "Sheet")[:31]


def download(table: Table, fmt: str, stem: str) -> Response:
    """The table as an attachment named `stem`.csv or .xlsx."""
    data = csv_bytes(table) if fmt == "csv" else xlsx_bytes(table)
    return send_file(io.BytesIO(data), mimetype=MIMETYPES[fmt], as_attachment=True,
                     download_name=f"{stem}.{fmt}", max_age=0)


def percent(rate: float | None) -> float | None:
    """A rate 0..1 as a percentage with one decimal, for the tables."""
    return None if rate is None else round(rate * 100, 1)


def join(values: Sequence) -> str:
    return ", ".join(str(v) for v in values)
