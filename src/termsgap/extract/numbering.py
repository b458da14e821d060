"""List numbers as printed: 1 -> 'A' (letters), 4 -> 'IV' (roman). Shared by the DOCX and HTML readers."""
from __future__ import annotations

ROMAN = [(1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"), (50, "L"), (40, "XL"),
         (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")]


def alpha(n: int) -> str:
    """1 -> 'A', 26 -> 'Z', 27 -> 'AA'."""
    s = ""
    while n > 0:
        n, r = divmod(n - 1, 26)
        s = chr(65 + r) + s
    return s


def roman(n: int) -> str:
    """4 -> 'IV'; a number roman numerals do not write (0, negative, 4000 or more) stays in digits, so a
    list that claims to start at 10**15 costs nothing."""
    if not 0 < n < 4000:
        return str(n)
    out = ""
    for value, letters in ROMAN:
        while n >= value:
            out += letters
            n -= value
    return out
