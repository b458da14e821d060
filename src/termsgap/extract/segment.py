"""Segmentation: a Document's blocks -> clauses with heading path, clause number and character span.

A clause is a paragraph, list item or table row. Its number ("4.2", "B.", "(a)", "iv.") is read from the start of
its text; a heading's own number leads the section path. A paragraph ending in ':' is the lead-in of the list
items and lettered sub-clauses that follow it, so "Your prompts ...: - are NOT used to train" reads whole.
"""
from __future__ import annotations

import re

from ..models import Clause, Document, Location

CLAUSE_NO = re.compile(
    r"^\s*(?:(?:section|clause|article)\s+)?"
    r"(?P<no>\d{1,2}(?:\.\d{1,2}){0,3}\.?|[A-Z]\.|[a-z]\.|\((?:[a-z]{1,2}|[ivxlc]{1,5}|\d{1,2}|[A-Z])\)|[ivx]{1,5}\.|[a-z]\))"
    r"\s+(?=\S)",
    re.IGNORECASE,
)
SUB_ITEM = re.compile(r"^(?:[a-z]\.|\([a-z]{1,2}\)|\([ivxlc]{1,5}\)|[ivx]{1,5}\.|[a-z]\)|\(\d{1,2}\))$", re.I)
SEPARATOR = "\n\n"


def clause_number(text: str) -> str | None:
    m = CLAUSE_NO.match(text)
    if not m:
        return None
    no = m.group("no")
    # "A. " at the start of a sentence like "A. Smith" is rare in terms; a bare year or amount is not a number
    if re.fullmatch(r"\d{3,}\.?", no):
        return None
    return no


def segment(doc: Document) -> tuple[Clause, ...]:
    clauses: list[Clause] = []
    headings: list[tuple[int, str]] = []  # (level, text)
    lead_in: str | None = None
    offset = 0
    for block in doc.blocks:
        start, end = offset, offset + len(block.text)
        offset = end + len(SEPARATOR)
        text = block.text.strip()
        if not text:
            continue
        if block.kind == "heading":
            level = block.level or 1
            headings = [h for h in headings if h[0] < level] + [(level, text)]
            lead_in = None
            continue
        number = clause_number(text) if block.kind != "table_row" else None
        is_sub = block.kind == "list_item" or (number is not None and SUB_ITEM.match(number) is not None)
        this_lead = lead_in if is_sub else None
        clauses.append(Clause(
            index=len(clauses),
            text=text,
            kind=block.kind,
            lead_in=this_lead,
            cells=block.cells,
            location=Location(
                sha256=doc.sha256, page=block.page, line=block.line,
                section=tuple(h[1] for h in headings), clause=number,
                start=start, end=end, bbox=block.bbox,
            ),
        ))
        if block.kind in ("paragraph", "list_item") and text.rstrip().endswith(":"):
            lead_in = text if block.kind == "paragraph" or lead_in is None else lead_in
        elif not is_sub and block.kind != "table_row":
            lead_in = None
    return tuple(clauses)
