"""What a document says about itself: its title and the date its terms take effect.

    title_of(clauses)       'Data Processing Addendum' (the first heading, else a short first line)
    effective_date(clauses) '2026-01-08' from 'Effective: January 8, 2026', 'Last updated 8 January 2026', ...

Both read the opening of the document only; neither guesses: a document that states no date has none.
"""
from __future__ import annotations

import re
from datetime import date
from typing import Optional

from ..models import Clause

MONTHS = {m: i + 1 for i, m in enumerate(
    "january february march april may june july august september october november december".split())}
_MONTH = r"(?P<month>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
DATE = re.compile(
    rf"(?P<iso>(?P<y1>(?:19|20)\d\d)-(?P<m1>[01]?\d)-(?P<d1>[0-3]?\d))"
    rf"|(?:{_MONTH}\s+(?P<d2>[0-3]?\d)(?:st|nd|rd|th)?,?\s+(?P<y2>(?:19|20)\d\d))"
    rf"|(?:(?P<d3>[0-3]?\d)(?:st|nd|rd|th)?\s+(?P<month3>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?,?\s+(?P<y3>(?:19|20)\d\d))",
    re.IGNORECASE)
#: the words that introduce the date the terms apply from
DATE_CUE = re.compile(r"\b(?:effective|last\s+(?:updated|modified|revised|amended)|updated|revised|version\s+date|"
                      r"dated|as\s+of|published)\b", re.IGNORECASE)
OPENING_CLAUSES = 25
MAX_TITLE = 120


def _month(name: str) -> int:
    name = name.lower()
    return next(i for m, i in MONTHS.items() if m.startswith(name[:3]))


def parse_date(m: re.Match) -> Optional[str]:
    try:
        if m.group("iso"):
            d = date(int(m.group("y1")), int(m.group("m1")), int(m.group("d1")))
        elif m.group("y2"):
            d = date(int(m.group("y2")), _month(m.group("month")), int(m.group("d2")))
        else:
            d = date(int(m.group("y3")), _month(m.group("month3")), int(m.group("d3")))
    except ValueError:  # 31 February
        return None
    return d.isoformat()


def effective_date(clauses: tuple[Clause, ...] | list[Clause]) -> Optional[str]:
    """The first date the opening of the document introduces as its effective or last-updated date."""
    for clause in clauses[:OPENING_CLAUSES]:
        texts = [clause.text, *clause.location.section]
        for text in texts:
            for cue in DATE_CUE.finditer(text):
                m = DATE.search(text, cue.end(), cue.end() + 40)
                if m:
                    found = parse_date(m)
                    if found:
                        return found
    return None


def title_of(clauses: tuple[Clause, ...] | list[Clause]) -> str:
    """The document's first heading, else its first line when that is short enough to be a title."""
    for clause in clauses[:OPENING_CLAUSES]:
        if clause.location.section:
            return clause.location.section[0].strip()[:MAX_TITLE]
    if clauses:
        first = clauses[0].text.strip().splitlines()[0]
        if len(first) <= MAX_TITLE and not first.endswith("."):
            return first
    return ""
