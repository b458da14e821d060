"""Geometry and text helpers shared by the PDF extractor (and the text normalisation of DOCX/HTML).

Coordinates are PDF points with the origin at the top-left of the page: (x0, top, x1, bottom).
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from itertools import accumulate
from operator import attrgetter
from typing import Optional

# --------------------------------------------------------------------------- characters

LIGATURES = {
    "\ufb00": "ff", "\ufb01": "fi", "\ufb02": "fl", "\ufb03": "ffi", "\ufb04": "ffl", "\ufb05": "st", "\ufb06": "st",
}
_CHAR_MAP = str.maketrans({
    **LIGATURES,
    "\u00ad": "",          # soft hyphen
    "\u00a0": " ", "\u2007": " ", "\u202f": " ", "\u2009": " ", "\u200a": " ", "\u2002": " ", "\u2003": " ",
    "\u200b": "", "\ufeff": "", "\u2060": "",
    "\u2011": "-",         # non-breaking hyphen
    "\ufffe": "-",         # pdfium's marker for a hyphen at a line end
    "\r": " ", "\n": " ", "\t": " ",
})
_SPACES = re.compile(r"\s+")


def clean(s: str) -> str:
    """Ligatures, soft hyphens, NBSP and other odd spaces normalised; whitespace collapsed."""
    return _SPACES.sub(" ", s.translate(_CHAR_MAP)).strip()


# bullets that are dropped from list item text
BULLETS = "•◦▪▫‣∙·●○■□–—-*⁃➢►▶✓"
BULLET_RE = re.compile(r"^[•◦▪▫‣∙·●○■□⁃➢►▶✓\-–—*](?:\s+|$)")
# a numbered clause at the start of a block: 4.2 / 4.2. / 12. / B. / (a) / (iv) / a. / iv.
CLAUSE_RE = re.compile(
    r"^(?:\d{1,3}(?:\.\d{1,3})+\.?|\d{1,3}\.|\d{1,3}\)|[A-Z]\.|[a-z]\.|\((?:[a-z]{1,2}|[ivxlc]{1,5}|[A-Z]|\d{1,3})\)"
    r"|(?:[ivxlc]{1,5})\.|(?:Section|Article|Clause)\s+\d+(?:\.\d+)*\.?)(?=\s|$)")

# left sides of a line-end hyphen that are real compound prefixes: keep the hyphen
KEEP_PREFIXES = {
    "non", "self", "third", "sub", "co", "cross", "multi", "anti", "semi", "pseudo", "quasi", "ex", "opt", "well",
    "end", "all", "first", "high", "low", "long", "short", "full", "part", "half", "built", "cloud", "real",
    "fine", "machine", "human", "state", "then", "per", "top", "one", "two", "open", "closed", "de", "pre", "post",
}

TERMINAL_RE = re.compile(r"[.:;!?][\"'”’)\]]*$")
URLISH_RE = re.compile(r"(https?://|www\.|@|/)")
# the expressions of the hyphen and vocabulary rules, compiled once (they run for many words of a page)
_LAST_WORD, _FIRST_WORD = re.compile(r"(\S+)$"), re.compile(r"(\S+)")
_LEADING_NONWORD, _WORD_RUN = re.compile(r"^[^\w]+"), re.compile(r"[\w]+")
_LETTERS, _LETTERS_END, _LETTERS_HYPHEN_END = re.compile(r"[A-Za-z]+"), re.compile(r"[A-Za-z]+$"), \
    re.compile(r"([A-Za-z]+)[-‐]?$")
_URL_INSIDE = re.compile(r"\w[./@]\w")
_HYPHENATED_WORDS = re.compile(r"[A-Za-z]+(?:-[A-Za-z]+)*")


# --------------------------------------------------------------------------- geometry records

@dataclass(slots=True)
class Word:
    text: str
    x0: float
    top: float
    x1: float
    bottom: float
    size: float = 0.0
    bold: bool = False
    # hyphen at the end of this word that pdfium or a typesetter placed at a line end:
    # "" none, "-" ASCII / pdfium-marked hyphen, "‐" typesetter hyphen (U+2010), "soft" soft hyphen
    hy: str = ""
    font: int = 0         # font family id (see pdf._Fonts.family); 0 unknown, negative for monospaced fonts


@dataclass(slots=True)
class Line:
    words: list[Word]     # () once the line is laid out (slim)
    x0: float
    top: float
    x1: float
    bottom: float
    page: int = 0
    col: int = 0          # 0 spans the page (or single column), 1 left column, 2 right column
    size: float = 0.0
    bold: bool = False
    text: str = ""
    table: Optional["Table"] = None
    drop: bool = False    # running header / footer
    hy: str = ""          # hyphen kind at the end of the line (see Word.hy)
    x_text: Optional[float] = None   # where the second word starts (the text after a bullet or number)
    font: int = 0         # the font family of all its words (0 when mixed or unknown)

    def slim(self, numbers: dict[float, float]) -> None:
        """Forget the words once the line is laid out, and share equal coordinates and sizes through `numbers`
        (one float object per value in a document; a page of lines repeats the previous page's): memory stays
        proportional to the text."""
        if self.words:
            self.hy = self.words[-1].hy
            self.x_text = self.words[1].x0 if len(self.words) > 1 else None
            self.words = ()
        share = numbers.setdefault       # zero is left alone: -0.0 == 0.0 but prints otherwise
        self.x0 = share(self.x0, self.x0) if self.x0 else self.x0
        self.top = share(self.top, self.top) if self.top else self.top
        self.x1 = share(self.x1, self.x1) if self.x1 else self.x1
        self.bottom = share(self.bottom, self.bottom) if self.bottom else self.bottom
        self.size = share(self.size, self.size) if self.size else self.size
        if self.x_text:
            self.x_text = share(self.x_text, self.x_text)

    @property
    def height(self) -> float:
        return self.bottom - self.top


@dataclass(slots=True)
class Table:
    bbox: tuple[float, float, float, float]
    rows: list[tuple[float, float, list[tuple[float, float]]]]   # (top, bottom, [(x0, x1) cells])
    cells: list[list[str]] = field(default_factory=list)


_X0, _X1, _TOP, _BOTTOM, _SIZE = (attrgetter(a) for a in ("x0", "x1", "top", "bottom", "size"))


def make_line(words: list[Word]) -> Line:
    words.sort(key=_X0)
    sizes = sorted(map(_SIZE, words))
    # one pass: words with no visible space between them are one (a reader splits text objects, not words: "DPA"
    # + ","); the line is bold when every word other than a bullet is; its font is that of all its words
    parts: list[str] = []
    fonts: set[int] = set()
    marked = False        # a word other than a bullet
    bold = True
    a = None
    a_plain = True
    for b in words:
        t = b.text
        if t.strip(BULLETS):
            marked = True
            if not b.bold:
                bold = False
        plain = t not in BULLETS
        if plain:
            fonts.add(b.font)
        if a is None:
            parts.append(t)
        else:
            h = a.bottom - a.top
            if b.x0 - a.x1 < 0.08 * (h if h > 1.0 else 1.0) and b.x0 > a.x0 and abs(b.bottom - a.bottom) < 1.5 \
                    and a_plain:
                parts[-1] += t
            else:
                parts.append(t)
        a, a_plain = b, plain
    return Line(words, words[0].x0, min(map(_TOP, words)), max(map(_X1, words)), max(map(_BOTTOM, words)),
                0, 0, sizes[len(sizes) // 2], marked and bold, " ".join(parts),
                font=fonts.pop() if len(fonts) == 1 else 0)


# --------------------------------------------------------------------------- lines

def segments(words: list[Word]) -> list[list[Word]]:
    """Runs of words that follow each other in content order on one baseline."""
    segs: list[list[Word]] = []
    cur: list[Word] = []
    p = None
    ph = 0.0
    for w in words:
        wh = w.bottom - w.top
        if p is not None:
            h = ph if ph > wh else wh
            if h < 1.0:
                h = 1.0
            if abs(w.top - p.top) > 0.35 * h or w.x0 < p.x1 - 0.5 * h or w.x0 - p.x1 > 4 * h:
                segs.append(cur)
                cur = []
        cur.append(w)
        p, ph = w, wh
    if cur:
        segs.append(cur)
    return segs


def find_gutter(segs: list[list[Word]], width: float, height: float) -> Optional[tuple[float, float]]:
    """A vertical white strip in the middle of the page that separates two columns of text, or None."""
    body = [s for s in segs if 0.05 * height < s[0].top < 0.95 * height]
    if len(body) < 6:
        return None
    lo, hi = int(width * 0.25), int(width * 0.75)
    # how many segments cover each point of the middle half: +1 where a segment starts, -1 after it ends
    steps = [0] * (hi - lo + 2)
    for s in body:
        a, b = max(int(s[0].x0), lo) - lo, min(int(s[-1].x1 + 0.999), hi) - lo
        if a <= b:
            steps[a] += 1
            steps[b + 1] -= 1
    cover = list(accumulate(steps[:-1]))
    limit = max(1, int(0.12 * len(body)))
    best: Optional[tuple[int, int]] = None
    run_start = None
    for i, c in enumerate(cover + [limit + 1]):
        if c <= limit:
            if run_start is None:
                run_start = i
        elif run_start is not None:
            if i - run_start >= 6:
                cand = (run_start + lo, i - 1 + lo)
                mid = width / 2
                if best is None or abs((cand[0] + cand[1]) / 2 - mid) < abs((best[0] + best[1]) / 2 - mid):
                    best = cand
            run_start = None
    if best is None:
        return None
    # narrow the strip to its emptiest part (indented lines of the right column make its edge fuzzy)
    a, b = best[0] - lo, best[1] - lo
    low = min(cover[a:b + 1])
    runs, start = [], None
    for i in range(a, b + 2):
        if i <= b and cover[i] == low:
            start = i if start is None else start
        elif start is not None:
            runs.append((start, i - 1))
            start = None
    ra, rb = max(runs, key=lambda r: r[1] - r[0])
    if rb - ra < 3:
        return None
    g0, g1 = ra + lo, rb + lo
    left = sum(1 for s in body if s[-1].x1 <= g0 + 1)
    right = sum(1 for s in body if s[0].x0 >= g1 - 1)
    if left < 3 or right < 2:
        return None
    return float(g0), float(g1)


def build_lines(words: list[Word], width: float, height: float, page: int) -> list[Line]:
    """Group words into lines (geometric), detect two columns, and return lines in reading order."""
    segs = segments(words)
    gutter = find_gutter(segs, width, height)
    parts: list[tuple[int, list[Word]]] = []
    for s in segs:
        if gutter is None:
            parts.append((0, s))
            continue
        g0, g1 = gutter
        # most segments lie wholly on one side (a word's x1 >= x0, and the gutter is at least 3 points wide)
        if max(map(_X1, s)) <= g0 + 1:
            parts.append((1, s))
            continue
        if min(map(_X0, s)) >= g1 - 1:
            parts.append((2, s))
            continue
        if any(w.x0 < g1 - 1 and w.x1 > g0 + 1 for w in s):
            parts.append((0, s))
            continue
        left = [w for w in s if w.x1 <= g0 + 1]
        right = [w for w in s if w.x0 >= g1 - 1]
        if left:
            parts.append((1, left))
        if right:
            parts.append((2, right))
    parts.sort(key=lambda p: (p[1][0].top, p[1][0].x0))
    open_: list[list] = []           # [column, words, x0, x1] of the lines being gathered
    for col, ws in parts:
        first = ws[0]
        h = max(first.bottom - first.top, 1.0)
        x0 = min(map(_X0, ws))
        x1 = max(map(_X1, ws))
        target = None
        for cand in reversed(open_[-8:]):
            ccol, cws, cx0, cx1 = cand
            if ccol != col:
                continue
            c0 = cws[0]
            ch = max(c0.bottom - c0.top, 1.0)
            if abs(c0.top - first.top) > 0.35 * min(h, ch) and abs(c0.bottom - first.bottom) > 0.35 * min(h, ch):
                continue
            gap = x0 - cx1 if x0 >= cx0 else cx0 - x1
            if -0.5 * h <= gap <= 3 * max(h, ch):
                target = cand
                break
        if target is not None:
            target[1].extend(ws)
            target[2], target[3] = min(target[2], x0), max(target[3], x1)
        else:
            open_.append([col, list(ws), x0, x1])
    lines: list[Line] = []
    for col, ws, _, _ in _merge_split_lines(open_):
        ln = make_line(ws)
        ln.col = col
        ln.page = page
        lines.append(ln)
    return lines


def _merge_split_lines(open_: list[list]) -> list[list]:
    """Pieces of one line that the greedy pass left apart (text objects drawn out of order: the end of a line
    before its start) are joined: same column, same baseline, touching or close horizontally."""
    if len(open_) < 2:
        return open_
    items = sorted(open_, key=lambda p: (p[1][0].bottom, p[2]))
    out: list[list] = []
    for item in items:
        col, ws, x0, x1 = item
        h = max(ws[0].bottom - ws[0].top, 1.0)
        target = None
        for cand in reversed(out[-4:]):
            ccol, cws, cx0, cx1 = cand
            if ccol != col or abs(cws[0].bottom - ws[0].bottom) > 0.2 * h:
                continue
            gap = x0 - cx1 if x0 >= cx0 else cx0 - x1
            if -0.5 * h <= gap <= 1.5 * h:
                target = cand
                break
        if target is not None:
            target[1].extend(ws)
            target[2], target[3] = min(target[2], x0), max(target[3], x1)
        else:
            out.append(item)
    return out


def reading_order(items: list[Line]) -> list[Line]:
    """Full-width items split the page into bands; inside a band the left column comes before the right."""
    items = sorted(items, key=lambda ln: (ln.top, ln.x0))
    out: list[Line] = []
    left: list[Line] = []
    right: list[Line] = []
    for it in items:
        if it.col == 0:
            out.extend(left)
            out.extend(right)
            left, right = [], []
            out.append(it)
        elif it.col == 1:
            left.append(it)
        else:
            right.append(it)
    out.extend(left)
    out.extend(right)
    return out


# --------------------------------------------------------------------------- tables from ruling lines

def find_tables(hlines: list[tuple[float, float, float]], vlines: list[tuple[float, float, float]],
                tol: float = 2.5) -> list[Table]:
    """Grids from horizontal (x0, x1, y) and vertical (x, y0, y1) ruling lines."""
    if len(hlines) < 2 or len(vlines) < 2:
        return []
    # a rule of a grid meets at least two rules of the other direction; underlines and separators do not
    for _ in range(2):
        hlines = [h for h in hlines if sum(1 for v in vlines if h[0] - tol <= v[0] <= h[1] + tol
                                           and v[1] - tol <= h[2] <= v[2] + tol) >= 2]
        vlines = [v for v in vlines if sum(1 for h in hlines if h[0] - tol <= v[0] <= h[1] + tol
                                           and v[1] - tol <= h[2] <= v[2] + tol) >= 2]
    if len(hlines) < 2 or len(vlines) < 2:
        return []
    n_h = len(hlines)
    parent = list(range(n_h + len(vlines)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, (hx0, hx1, hy) in enumerate(hlines):
        for j, (vx, vy0, vy1) in enumerate(vlines):
            if hx0 - tol <= vx <= hx1 + tol and vy0 - tol <= hy <= vy1 + tol:
                a, b = find(i), find(n_h + j)
                if a != b:
                    parent[a] = b
    groups: dict[int, tuple[list, list]] = {}
    for i, h in enumerate(hlines):
        groups.setdefault(find(i), ([], []))[0].append(h)
    for j, v in enumerate(vlines):
        groups.setdefault(find(n_h + j), ([], []))[1].append(v)
    tables = []
    for hs, vs in groups.values():
        if len(hs) < 2 or len(vs) < 2:
            continue
        ys = _cluster(sorted(h[2] for h in hs), tol)
        xs = _cluster(sorted(v[0] for v in vs), tol)
        if len(ys) < 2 or len(xs) < 2:
            continue
        rows = []
        for ya, yb in zip(ys, ys[1:]):
            if yb - ya < 3:
                continue
            mid = (ya + yb) / 2
            bounds = [x for x in xs if any(abs(v[0] - x) <= tol and v[1] - tol <= mid <= v[2] + tol for v in vs)]
            if len(bounds) < 2:
                bounds = [xs[0], xs[-1]]
            rows.append((ya, yb, list(zip(bounds, bounds[1:]))))
        if rows:
            tables.append(Table(bbox=(xs[0], ys[0], xs[-1], ys[-1]), rows=rows))
    return tables


def _cluster(values: list[float], tol: float) -> list[float]:
    out: list[list[float]] = []
    for v in values:
        if out and v - out[-1][-1] <= tol:
            out[-1].append(v)
        else:
            out.append([v])
    return [sum(g) / len(g) for g in out]


# --------------------------------------------------------------------------- joining lines into text

def join_lines(lines: list[list[Word]], vocab: Optional["Vocab"] = None) -> str:
    """Lines of one paragraph to text: spaces between lines, line-end hyphenation undone where it was layout."""
    return join_texts([(" ".join(w.text for w in ln), ln[-1].hy) for ln in lines if ln], vocab)


_SPACE = re.compile(r"\s")


def join_texts(lines: list[tuple[str, str]], vocab: Optional["Vocab"] = None) -> str:
    """(line text, hyphen kind at its end) pairs to paragraph text, in time linear in its length."""
    parts: list[str] = []
    prev_hy = ""
    for txt, hy in lines:
        if not txt:
            continue
        if not parts:
            parts.append(txt)
        elif prev_hy:
            # the hyphen is decided on the last word so far: rejoin only the parts that hold it
            k = len(parts) - 1
            while k > 0 and not _SPACE.search(parts[k][:-1] if parts[k].endswith("\n") else parts[k]):
                k -= 1
            parts[k:] = [join_hyphen("".join(parts[k:]), prev_hy, txt, vocab)]
        else:
            parts.append(" " + txt)
        prev_hy = hy
    return "".join(parts)


def join_hyphen(left_text: str, kind: str, right_text: str, vocab: Optional["Vocab"]) -> str:
    """left_text ends with the hyphen (or not, for soft hyphens); decide whether to keep it."""
    if kind == "soft":
        return left_text + right_text
    base = left_text[:-1] if left_text.endswith(("-", "‐")) else left_text
    m = _LAST_WORD.search(base)
    left = m.group(1) if m else ""
    m2 = _FIRST_WORD.match(right_text)
    right = m2.group(1) if m2 else ""
    if keep_hyphen(left, right, kind, vocab):
        return base + "-" + right_text
    return base + right_text


_WORDCHARS = re.compile(r"[^\w]+")


def keep_hyphen(left: str, right: str, kind: str, vocab: Optional["Vocab"]) -> bool:
    lw = left.rsplit("-", 1)[-1]
    lw = _LEADING_NONWORD.sub("", lw)
    rw = _WORD_RUN.match(right)
    rw_s = rw.group(0) if rw else ""
    if not lw or not rw_s:
        return True
    low = lw.lower()
    if vocab is not None:
        # the document's own spelling decides first: "ChatGPT" written whole elsewhere was broken by the layout
        # (some typesetters break capitalised words and URLs too), "Sub-Processor" written with a hyphen was not
        la = _LETTERS_END.search(lw)
        ra = _LETTERS.match(rw_s)
        if la and ra:
            a, b = la.group(0).lower(), ra.group(0).lower()
            if vocab.hyphenated.get(f"{a}-{b}", 0) > 0:
                return True
            if vocab.words.get(a + b, 0) > 0:
                return False
    caps = lw.isupper() and rw_s.isupper() and len(lw) + len(rw_s) >= 6  # "NOTWITH-STANDING" in capitals
    if not rw_s[0].islower() and not caps:
        return True                        # Third-Party, Sub-Processor, 2-factor
    if URLISH_RE.search(left) or URLISH_RE.search(right):
        return True                        # hyphenation engines rarely break URLs or e-mail addresses
    if kind == "‐":
        return False                       # typesetter hyphenation (U+2010) inside a word
    rlow = rw_s.lower()
    auto = vocab is not None and vocab.auto_hyphenated()
    if low in KEEP_PREFIXES and (not auto or vocab.is_word(rlow)):
        return True                        # non-exclusive; in a typeset text only before a word (not "de-scribed")
    if vocab is not None and vocab.hyphenating:
        return True                        # the typesetter marks its own breaks with U+2010: this one is real
    if vocab is not None and len(low) > 2 and vocab.words.get(low, 0) and vocab.is_word(rlow, tail_ok=6):
        return True                        # both halves are words of the document: a compound
    points = _hyphenation_points(low + rw_s.lower())
    if points is not None and len(low) not in points:
        return True                        # no hyphenation engine would break the word there
    return False


_PYPHEN: list = []


def _hyphenation_points(word: str) -> Optional[list[int]]:
    """Positions where English hyphenation patterns allow a break (pyphen, which WeasyPrint depends on)."""
    if not _PYPHEN:
        try:
            import pyphen
            _PYPHEN.append(pyphen.Pyphen(lang="en_US"))
        except Exception:  # optional: without pyphen the other rules decide
            _PYPHEN.append(None)
    dic = _PYPHEN[0]
    return None if dic is None else dic.positions(word)


@dataclass
class Vocab:
    """Word counts of a whole document, to decide whether a line-end hyphen belongs to the word."""
    words: Counter[str] = field(default_factory=Counter)
    hyphenated: dict[str, int] = field(default_factory=dict)
    hyphenating: bool = False   # the document shows typesetter hyphenation (U+2010 at line ends)
    # words read right after a line-end hyphen ("mitted" of "com-mitted"): maybe no word at all
    tails: dict[str, int] = field(default_factory=dict)
    breaks: list[tuple[str, str]] = field(default_factory=list)   # (left, right) of every line-end hyphen
    _auto: Optional[bool] = None

    def add_break(self, left: str, right: str) -> None:
        """A line-end hyphen between `left` (hyphen included) and `right`, the next word read."""
        la = _LETTERS_HYPHEN_END.search(left)
        ra = _LETTERS.match(right)
        if la and ra:
            t = ra.group(0).lower()
            self.tails[t] = self.tails.get(t, 0) + 1
            self.breaks.append((la.group(1).lower(), t))
        self._auto = None

    def is_word(self, w: str, tail_ok: int = 0) -> bool:
        """`w` occurs as a word of its own (not only after a line-end hyphen; tails as long as `tail_ok` count)."""
        n = self.words.get(w, 0)
        tails = self.tails.get(w, 0)
        return n > tails or (tail_ok > 0 and n > 0 and len(w) >= tail_ok)

    def auto_hyphenated(self) -> bool:
        """The typesetter breaks words with a plain hyphen: many line-end hyphens split a word the document also
        writes whole (and never with that hyphen), or fall where no word of the text begins or ends."""
        if self._auto is None:
            evident = 0
            for a, b in self.breaks:
                if self.hyphenated.get(f"{a}-{b}", 0):
                    continue
                if self.words.get(a + b, 0) or (not self.is_word(a) and not self.is_word(b) and len(a) > 1):
                    evident += 1
            self._auto = evident >= 3 and evident >= 0.4 * len(self.breaks)
        return self._auto

    def add_words(self, words: list[Word]) -> None:
        """The words of a page in reading order: every word without a line-end hyphen counted (add), every line-end
        hyphen recorded with the word read after it (add_break)."""
        texts = [w.text for w in words if not w.hy]
        self.words.update([t.lower() for t in texts if t.isascii() and t.isalpha()])   # most: one plain word
        for t in texts:
            if not (t.isascii() and t.isalpha()):
                self.add(t)
        for k in [k for k, w in enumerate(words) if w.hy]:
            hy = words[k].hy
            if hy == "‐":
                self.hyphenating = True
            if hy in ("-", "‐") and k + 1 < len(words):
                self.add_break(words[k].text, words[k + 1].text)

    def add(self, text: str) -> None:
        if text.isascii() and text.isalpha():   # most words: one plain word, no URL
            low = text.lower()
            self.words[low] = self.words.get(low, 0) + 1
            return
        if URLISH_RE.search(text) and _URL_INSIDE.search(text):
            return      # a URL or e-mail address: "com" of "openai.com" is no word of the text
        for tok in _HYPHENATED_WORDS.findall(text):
            low = tok.lower()
            if "-" in low:
                parts = low.split("-")
                for a, b in zip(parts, parts[1:]):
                    k = f"{a}-{b}"
                    self.hyphenated[k] = self.hyphenated.get(k, 0) + 1
                for p in parts:
                    self.words[p] = self.words.get(p, 0) + 1
            else:
                self.words[low] = self.words.get(low, 0) + 1
