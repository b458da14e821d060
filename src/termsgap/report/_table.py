"""The findings as a table, one row per document and question, and the vendors x questions comparison: what
the CSV and XLSX reports write.

Spreadsheets run a cell that starts with `=`, `+`, `-` or `@` as a formula, so a vendor's sentence or a file name
like `=HYPERLINK("https://evil.example", "click")` could act when the sheet is opened. `neutralise` puts a single
quote in front of such a text (OWASP's advice for CSV); the XLSX renderer keeps the text as it is and marks the
cell as text instead.
"""
from __future__ import annotations

from typing import Iterator, Optional

from termsgap.models import DocumentResult, Finding, RunResult

from . import _format as fmt, board

#: column headings, in order
COLUMNS = ("vendor", "document", "question id", "question title", "answer", "value", "verdict", "confidence",
           "page", "section", "clause", "evidence quote", "rationale", "remediation")
#: the verdict cell of an unreadable document's row
ERROR_VERDICT = "error"

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")

Cell = Optional[str | int | float]


def is_formula_like(text: str) -> bool:
    return text.startswith(_FORMULA_START)


def neutralise(cell: Cell) -> Cell:
    """A text a spreadsheet would read as a formula gets a leading `'`; numbers and other text stay as they are."""
    if isinstance(cell, str) and is_formula_like(cell):
        return "'" + cell
    return cell


def _evidence_text(f: Finding) -> str:
    """The quotes; with several, each on its own line after the place it is from."""
    if len(f.evidence) == 1:
        return f.evidence[0].quote
    return "\n".join(f"{fmt.locator(e) or 'location not recorded'}: {e.quote}" for e in f.evidence)


def _rationale(f: Finding) -> str:
    return " ".join(p for p in (f.rationale, fmt.waiver_text(f)) if p)


def finding_row(vendor: str, d: DocumentResult, f: Finding) -> tuple[Cell, ...]:
    first = f.evidence[0] if f.evidence else None
    value = int(f.value) if isinstance(f.value, float) and f.value.is_integer() else f.value
    return (vendor, d.source, f.question, f.title, f.answer, value, f.verdict.value, round(f.confidence, 3),
            first.page if first else None, first.section if first else "", first.clause if first else "",
            _evidence_text(f), _rationale(f), f.remediation if f.verdict in fmt.REMEDIATE else "")


def error_row(vendor: str, d: DocumentResult) -> tuple[Cell, ...]:
    """An unreadable document: one row whose verdict is `error` and whose rationale is the reason."""
    return (vendor, d.source, "", "", "", None, ERROR_VERDICT, None, None, "", "", "", d.error or "error", "")


def rows(result: RunResult) -> Iterator[tuple[Cell, ...]]:
    """Every document x question in document and checklist order (not only gaps); an unreadable document is one
    `error` row. Cells are raw: neutralise them for the format that needs it."""
    for d in result.documents:
        vendor = d.vendor or result.vendor or ""
        if d.status == "error":
            yield error_row(vendor, d)
        for f in d.findings:
            yield finding_row(vendor, d, f)


def comparison(result: RunResult) -> tuple[tuple[str, ...], list[tuple[tuple[Cell, ...], tuple[str, ...]]]]:
    """Vendors x questions: the header, then per question its cells ('gap: opt-out') and their verdicts."""
    header = ("question id", "question title", *(v.name for v in result.vendors))
    questions = list(dict.fromkeys((vf.question, vf.finding.title) for v in result.vendors for vf in v.findings))
    out = []
    for q, title in questions:
        cells, verdicts = [q, title], ["", ""]
        for v in result.vendors:
            vf = board.finding(v, q)
            cells.append(f"{vf.finding.verdict.value}: {fmt.answer_phrase(vf.finding)}" if vf else "")
            verdicts.append(vf.finding.verdict.value if vf else "")
        out.append((tuple(cells), tuple(verdicts)))
    return header, out
