"""Segmentation: a Document's blocks -> clauses with heading path, clause number and character span.

A clause is a paragraph, list item or table row. Its number ("4.2", "B.", "(a)", "iv.") is read from the start of
its text; a heading's own number leads the section path. A paragraph ending in ':' is the lead-in of the list
items and lettered sub-clauses that follow it, so "Your prompts ...: - are NOT used to train" reads whole.
"""
from __future__ import annotations

import re

from ..models import Block, Clause, Document, Location

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


#: a paragraph cut where a line ended (a hard-wrapped text, a PDF line gap): no sentence end, and the next
#: paragraph goes on in lower case without a clause number of its own
CUT_END = re.compile(r"[A-Za-z0-9,]$")
GOES_ON = re.compile(r"^[a-z]")


def rejoin(blocks) -> list[Block]:
    """Blocks with each paragraph cut mid-sentence joined to its continuation. The joined text keeps the
    separator, so character offsets into `Document.text` stay exact."""
    out: list[Block] = []
    for block in blocks:
        prev = out[-1] if out else None
        text = block.text.strip()
        if (prev is not None and block.kind == "paragraph" and prev.kind in ("paragraph", "list_item")
                and CUT_END.search(prev.text.rstrip()) and GOES_ON.match(text) and clause_number(text) is None
                and block.text == text):
            bbox = prev.bbox
            if prev.bbox and block.bbox and prev.page == block.page:
                bbox = (min(prev.bbox[0], block.bbox[0]), prev.bbox[1], max(prev.bbox[2], block.bbox[2]), block.bbox[3])
            out[-1] = prev.model_copy(update={"text": prev.text + SEPARATOR + block.text, "bbox": bbox})
        else:
            out.append(block)
    return out


def segment(doc: Document) -> tuple[Clause, ...]:
    clauses: list[Clause] = []
    headings: list[tuple[int, str]] = []  # (level, text)
    lead_in: str | None = None
    offset = 0
    for block in rejoin(doc.blocks):
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
