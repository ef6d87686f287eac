"""Spreadsheets for import tests."""

from __future__ import annotations

import io

from openpyxl import Workbook


def xlsx(text: str) -> bytes:
    """An XLSX file holding the rows of a comma-separated text."""
    book = Workbook()
    sheet = book.active
    for line in text.strip().splitlines():
        sheet.append(line.split(","))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
