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


def render_csv(result: RunResult) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\r\n")
    writer.writerow(_table.COLUMNS)
    for row in _table.rows(result):
        writer.writerow(["" if c is None else _table.neutralise(c) for c in row])
    return buf.getvalue().encode("utf-8-sig")


RENDERER = Renderer("csv", "report.csv", render_csv, "one row per document and question, for spreadsheets",
                    "text/csv")
