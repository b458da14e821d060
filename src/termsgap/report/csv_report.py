"""CSV report (`report.csv`): every document x question in one table, for spreadsheets and data tools.

UTF-8 with a byte-order mark (so Excel reads the accents right), RFC 4180 quoting, every text cell in quotes, and a
cell a spreadsheet would run as a formula neutralised with a leading `'` (see `_table`). Optional format.
"""
from __future__ import annotations

import csv
import io

from termsgap.models import RunResult
from termsgap.report import Renderer

from . import _table


def _csv(header, rows) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\r\n")
    for row in (header, *rows):
        writer.writerow(["" if c is None else _table.neutralise(c) for c in row])
    return buf.getvalue().encode("utf-8-sig")


def render_csv(result: RunResult) -> bytes:
    return _csv(_table.COLUMNS, _table.rows(result))


def render_comparison(result: RunResult) -> bytes:
    header, rows = _table.comparison(result)
    return _csv(header, (cells for cells, _ in rows))


RENDERER = Renderer("csv", "report.csv", render_csv, "one row per document and question, for spreadsheets",
                    "text/csv")
COMPARISON = Renderer("comparison-csv", "comparison.csv", render_comparison,
                      "vendors x questions: each vendor's verdict and answer, for spreadsheets", "text/csv")
