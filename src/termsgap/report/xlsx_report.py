"""Excel workbook (`report.xlsx`): a Findings sheet (the CSV's table, filterable) and a Summary sheet.

Findings: one row per document x question, header row frozen, autofilter on, long texts wrapped, the verdict cell
coloured as in the HTML report. Summary: the run (tool, policy, vendor, date) and per document the counts per
verdict. Every text is stored as text: a vendor sentence or file name starting with `=` stays visible as written
and is never run as a formula (the cell is a string marked with Excel's quote prefix, as if typed after a `'`).
The same result gives the same bytes (dates come from the result, not the clock). openpyxl loads on first use.
"""
from __future__ import annotations

import io
import zipfile
from datetime import datetime, timezone

from termsgap.models import VERDICT_ORDER, RunResult
from termsgap.report import Renderer

from . import _table

#: column widths in characters, by heading
_WIDTHS = {"vendor": 16, "document": 30, "question id": 30, "question title": 46, "answer": 16, "value": 10,
           "verdict": 14, "confidence": 11, "page": 7, "section": 28, "clause": 8, "evidence quote": 70,
           "rationale": 46, "remediation": 46}
_WRAPPED = {"question title", "section", "evidence quote", "rationale", "remediation"}
#: verdict -> (text colour, fill colour), as in templates/report.css
_COLOURS = {"gap": ("B42318", "FDE8E6"), "review": ("6130B8", "EFE7FD"), "partial": ("A14A05", "FDEFC8"),
            "not-addressed": ("475467", "E9ECF1"), "waived": ("175CD3", "DBEAFE"),
            "compliant": ("067647", "DAF5E4"), _table.ERROR_VERDICT: ("FFFFFF", "B42318")}


def _created(result: RunResult) -> datetime:
    try:
        when = datetime.fromisoformat(result.created)
    except ValueError:
        return datetime(1980, 1, 1)
    if when.tzinfo is not None:
        when = when.astimezone(timezone.utc).replace(tzinfo=None)
    return max(when, datetime(1980, 1, 1))


class _DatedZip(zipfile.ZipFile):
    """A ZipFile whose entries all carry one given date instead of the clock's, for reproducible bytes."""

    def __init__(self, file, date_time: tuple[int, ...]):
        super().__init__(file, "w", zipfile.ZIP_DEFLATED)
        self._date_time = date_time

    def writestr(self, zinfo_or_arcname, data, compress_type=None, compresslevel=None):
        if not isinstance(zinfo_or_arcname, zipfile.ZipInfo):
            zinfo_or_arcname = zipfile.ZipInfo(zinfo_or_arcname, date_time=self._date_time)
            zinfo_or_arcname.compress_type = self.compression
            zinfo_or_arcname.external_attr = 0o600 << 16
        super().writestr(zinfo_or_arcname, data, compress_type, compresslevel)

    def write(self, filename, arcname=None, compress_type=None, compresslevel=None):  # worksheets come as temp files
        with open(filename, "rb") as f:
            self.writestr(arcname or str(filename), f.read(), compress_type, compresslevel)


def render_xlsx(result: RunResult) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.writer.excel import ExcelWriter

    bold = Font(bold=True)
    top = Alignment(vertical="top")
    wrapped = Alignment(vertical="top", wrap_text=True)

    def append(ws, values) -> list:
        """Add a row; every text stays text (never a formula or an error code), control characters dropped.
        (The row's cells are fetched one by one: `ws[ws.max_row]` scans the whole sheet, quadratic in rows.)"""
        values = [ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v for v in values]
        ws.append(values)
        row = ws._current_row  # the row `append` just wrote
        cells = [ws.cell(row=row, column=i) for i in range(1, len(values) + 1)]
        for cell in cells:
            if isinstance(cell.value, str):
                cell.data_type = "s"
                if _table.is_formula_like(cell.value):
                    cell.quotePrefix = True
        return cells

    def colour(cell, verdict: str) -> None:
        if verdict in _COLOURS:
            ink, fill = _COLOURS[verdict]
            cell.font = Font(bold=True, color=ink)
            cell.fill = PatternFill("solid", start_color=fill, end_color=fill)

    wb = Workbook()
    when = _created(result)
    wb.properties.created = wb.properties.modified = when
    wb.properties.creator = f"{result.tool.name} {result.tool.version}"
    wb.properties.title = f"{result.vendor or 'Vendor terms'}: data-handling terms review"

    ws = wb.active
    ws.title = "Findings"
    for cell in append(ws, _table.COLUMNS):
        cell.font = bold
    verdict_col = _table.COLUMNS.index("verdict")
    confidence_col = _table.COLUMNS.index("confidence")
    for row in _table.rows(result):
        cells = append(ws, row)
        for name, cell in zip(_table.COLUMNS, cells):
            cell.alignment = wrapped if name in _WRAPPED else top
        colour(cells[verdict_col], row[verdict_col])
        cells[confidence_col].number_format = "0%"
    for i, name in enumerate(_table.COLUMNS, 1):
        ws.column_dimensions[get_column_letter(i)].width = _WIDTHS[name]
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(_table.COLUMNS))}{ws.max_row}"

    ws = wb.create_sheet("Summary")
    info = [("tool", f"{result.tool.name} {result.tool.version}"), ("report schema", result.schema_version),
            ("policy", f"{result.policy.name} {result.policy.version}"), ("vendor", result.vendor or ""),
            ("created", result.created), ("documents", len(result.documents))]
    for key, value in info:
        append(ws, (key, value))[0].font = bold
    append(ws, ())
    verdicts = [v.value for v in VERDICT_ORDER]
    for cell, name in zip(append(ws, ["document", "status", "pages", *verdicts, "problem"]),
                          ["", "", "", *verdicts, ""]):
        cell.font = bold
        colour(cell, name)
    for d in result.documents:
        problem = (d.error or "error") if d.status == "error" else "; ".join(d.warnings)
        cells = append(ws, [d.source, d.status, d.pages or None, *(d.counts[v] for v in verdicts), problem])
        if d.status == "error":
            colour(cells[1], _table.ERROR_VERDICT)
    for cell in append(ws, ["total", "", None, *(result.counts[v] for v in verdicts), ""]):
        cell.font = bold
    for letter, width in zip("ABC", (34, 10, 7)):
        ws.column_dimensions[letter].width = width
    for i in range(len(verdicts)):
        ws.column_dimensions[get_column_letter(4 + i)].width = 13
    ws.column_dimensions[get_column_letter(4 + len(verdicts))].width = 60

    if result.vendors:
        ws = wb.create_sheet("Vendors")
        header, rows = _table.comparison(result)
        for cell in append(ws, header):
            cell.font = bold
        for cells, verdicts in rows:
            for cell, verdict in zip(append(ws, cells), verdicts):
                cell.alignment = wrapped
                colour(cell, verdict)
        ws.freeze_panes = "C2"
        ws.column_dimensions["A"].width, ws.column_dimensions["B"].width = 34, 40
        for i in range(len(header) - 2):
            ws.column_dimensions[get_column_letter(3 + i)].width = 22

    buf = io.BytesIO()
    ExcelWriter(wb, _DatedZip(buf, when.timetuple()[:6])).save()
    return buf.getvalue()


RENDERER = Renderer("xlsx", "report.xlsx", render_xlsx, "Excel workbook: filterable findings, a summary and the vendors compared",
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
