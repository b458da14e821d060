"""Numbers written in words and digits, and the durations legal text states ("thirty (30) days", "30 (thirty)
days", "72 hours")."""
from __future__ import annotations

import re

from ..models import Duration

UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
    "seventeen": 17, "eighteen": 18, "nineteen": 19,
}
TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90}
WORD = r"(?:%s)" % "|".join(sorted(list(UNITS) + list(TENS) + ["hundred", "a", "an"], key=len, reverse=True))
NUMBER_WORDS = rf"{WORD}(?:[\s-]+(?:and[\s-]+)?{WORD})*"

DURATION = re.compile(
    rf"(?P<qual>up to|a maximum of|maximum of|max(?:imum)?\.?|no later than|not later than|no more than|not more than|"
    rf"within|at least|no less than|not less than|a minimum of|at most|in excess of|more than|less than|for)?\s*"
    rf"(?<![\w-])(?P<num>\d{{1,4}}|{NUMBER_WORDS})\s*(?:\((?P<paren>\d{{1,4}}|{NUMBER_WORDS})\)\s*)?"
    rf"(?P<cal>business|working|calendar)?[\s-]*(?P<unit>hours?|hrs?|days?|months?|years?)\b",
    re.IGNORECASE,
)

MAX_QUALS = {"up to", "a maximum of", "maximum of", "max", "max.", "maximum", "no later than", "not later than",
             "no more than", "not more than", "within", "at most", "less than"}
MIN_QUALS = {"at least", "no less than", "not less than", "a minimum of", "in excess of", "more than"}


def words_to_number(text: str) -> int | None:
    """'thirty' -> 30, 'seventy-two' -> 72, 'one hundred and twenty' -> 120, '30' -> 30."""
    text = text.strip().lower()
    if text.isdigit():
        return int(text)
    total, current, seen = 0, 0, False
    for w in re.split(r"[\s-]+", text):
        if w == "and" or not w:
            continue
        if w in ("a", "an"):
            current = max(current, 1)
            seen = True
        elif w in UNITS:
            current += UNITS[w]
            seen = True
        elif w in TENS:
            current += TENS[w]
            seen = True
        elif w == "hundred":
            current = max(current, 1) * 100
            seen = True
        else:
            return None
    return total + current if seen else None


#: what every DURATION match holds: a unit that ends a word ("three", "through" hold none)
UNIT_WORD = re.compile(r"(?:hour|hr|day|month|year)s?\b", re.IGNORECASE)


def durations(text: str) -> tuple[Duration, ...]:
    if not UNIT_WORD.search(text):  # most sentences state no period: skip the long pattern
        return ()
    out = []
    for m in DURATION.finditer(text):
        num = m.group("paren") or m.group("num")
        value = words_to_number(num)
        if value is None:
            continue
        if num.lower() in ("a", "an") and not m.group("qual"):
            continue  # "a day" in running prose is rarely a period
        unit = m.group("unit").lower().rstrip("s").replace("hr", "hour") + "s"
        cal = (m.group("cal") or "").lower()
        if unit == "days" and cal in ("business", "working"):
            unit = "business-days"
        qual = (m.group("qual") or "").lower().strip()
        qualifier = "max" if qual in MAX_QUALS else "min" if qual in MIN_QUALS else "exact"
        out.append(Duration(value=value, unit=unit, text=m.group(0).strip(), qualifier=qualifier))
    return tuple(out)
