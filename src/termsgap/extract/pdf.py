"""PDF: pypdfium2 text layer read word by word, laid out into blocks in reading order.

Fast path: one `get_text_range` per page plus a loose box for the first and last character of every word (walking
the characters only when a word spans two lines); font size and boldness come from the word's text object, cached
per object. Ruling lines are read from the page's path objects, and tables are rebuilt from them, so pdfplumber is
not needed at all. Pages are opened and closed one at a time.
"""
from __future__ import annotations

import ctypes
import re
import shutil
import subprocess
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Optional

import pypdfium2 as pdfium
import pypdfium2.raw as R

from ..models import Block, Document
from . import InputError
from .layout import (BULLET_RE, BULLETS, CLAUSE_RE, TERMINAL_RE, Line, Table, Vocab, Word, build_lines, clean,
                     find_tables, join_lines, join_texts, reading_order)

_WORD = re.compile(r"[^\s\u00a0]+")
_MONO_NAME = re.compile(r"mono|courier|consol|code|menlo|typewriter", re.I)
_BOLD_NAME = re.compile(r"bold|black|heavy|semibold|demibold|extrabold|ultrabold", re.I)
_PAGE_NUM = re.compile(
    r"^(?:page\s*\d+(?:\s*(?:of|/)\s*\d+)?|\d+\s*(?:of|/)\s*\d+|[-–—]\s*\d+\s*[-–—]|\d{1,4}|[ivxlc]{1,6})$", re.I)
_PAGE_NUM_TAIL = re.compile(r"(?:[-–—|·]\s*)?(?:page\s*\d+(?:\s*(?:of|/)\s*\d+)?|\d+\s*/\s*\d+)$", re.I)
_URL_ONLY = re.compile(r"^(?:https?://|file:/|www\.)\S+$", re.I)
_CONFIDENTIAL = re.compile(r"\b(?:confidential|proprietary|draft)\b", re.I)


# --------------------------------------------------------------------------- reading one page

def _native(fn, restype, *argtypes):
    """A pdfium function called with plain integers for its pointers: a third less overhead than pypdfium2's typed
    binding, for the calls made once or twice per word."""
    return ctypes.CFUNCTYPE(restype, *argtypes)(ctypes.cast(fn, ctypes.c_void_p).value)


_P, _I = ctypes.c_void_p, ctypes.c_int
_LOOSE_BOX = _native(R.FPDFText_GetLooseCharBox, _I, _P, _I, _P)
_TEXT_OBJECT = _native(R.FPDFText_GetTextObject, _P, _P, _I)
_OBJECT_FONT = _native(R.FPDFTextObj_GetFont, _P, _P)
_FONT_SIZE = _native(R.FPDFTextObj_GetFontSize, _I, _P, _P)
_MATRIX = _native(R.FPDFPageObj_GetMatrix, _I, _P, _P)


class _Fonts:
    """Per-document cache: font handle -> (bold, family id); the style of a text object."""

    def __init__(self) -> None:
        self.faces: dict[int, tuple[bool, int]] = {}
        self.family_ids: dict[str, int] = {}
        self.buf = ctypes.create_string_buffer(256)
        self._size = ctypes.c_float()
        self._matrix = R.FS_MATRIX()
        self._size_p, self._matrix_p = ctypes.addressof(self._size), ctypes.addressof(self._matrix)

    def style(self, obj: int) -> tuple[bool, float, int]:
        """(bold, font size in points, font family id) of a text object given by its address; size 0.0 when
        unknown."""
        if not obj:
            return False, 0.0, 0
        font = _OBJECT_FONT(obj) or 0
        face = self.faces.get(font)
        if face is None:
            handle = ctypes.cast(font, R.FPDF_FONT)
            face = self.faces[font] = (self.bold(handle), self.family(handle))
        return face[0], self.size(obj), face[1]

    def family(self, font) -> int:
        """A small id per font family name (bold and italic faces share it); negative for monospaced fonts."""
        n = R.FPDFFont_GetFamilyName(font, self.buf, 256)
        name = self.buf.raw[:max(n - 1, 0)].decode("latin-1", "replace").lower() if n else ""
        name = re.sub(r"^[a-z]{6}\+", "", name)                 # subset prefix
        name = re.sub(r"[-, ]?(bold|italic|oblique|regular|medium|light|semibold|black)\b.*", "", name)
        fid = self.family_ids.setdefault(name, len(self.family_ids) + 1)
        mono = bool(R.FPDFFont_GetFlags(font) & 1) or bool(_MONO_NAME.search(name))
        return -fid if mono else fid

    def size(self, obj: int) -> float:
        """Font size times the scale of the object's matrix (the size a reader sees), 0.0 when unknown."""
        if not _FONT_SIZE(obj, self._size_p):
            return 0.0
        if not _MATRIX(obj, self._matrix_p):
            return 0.0
        m = self._matrix
        scale = abs(m.a * m.d - m.b * m.c) ** 0.5
        size = self._size.value * scale
        return size if 1.0 <= size <= 200.0 else 0.0

    def bold(self, font) -> bool:
        n = R.FPDFFont_GetBaseFontName(font, self.buf, 256)
        name = self.buf.raw[:max(n - 1, 0)].decode("latin-1", "replace") if n else ""
        return bool(_BOLD_NAME.search(name)) or R.FPDFFont_GetWeight(font) >= 600 or \
            bool(R.FPDFFont_GetFlags(font) & (1 << 18))


#: stands at the second index of a surrogate pair, so text indices stay pdfium's character indices
ZWSP = "\u200b"


def read_words(textpage: pdfium.PdfTextPage, page_h: float, fonts: _Fonts) -> list[Word]:
    n = textpage.count_chars()
    if n <= 0:
        return []
    text = textpage.get_text_range(0, n)
    if len(text) != n:  # characters outside the BMP take two indices (a UTF-16 surrogate pair) but one str char
        text = "".join(c + ZWSP if ord(c) > 0xFFFF else c for c in text)
        if len(text) != n:
            raise ValueError(f"page text has {len(text)} characters for {n} indices")
    tp = ctypes.cast(textpage.raw, ctypes.c_void_p).value
    rect = R.FS_RECTF()
    rp = ctypes.addressof(rect)
    box, getobj = _LOOSE_BOX, _TEXT_OBJECT
    obj_style: dict[int, tuple[bool, float, int]] = {}
    words: list[Word] = []

    def char_box(i: int) -> tuple[float, float, float, float]:
        box(tp, i, rp)
        return rect.left, page_h - rect.top, rect.right, page_h - rect.bottom

    def object_style(key: int) -> tuple[bool, float, int]:
        st = obj_style[key] = fonts.style(key)
        return st

    def style(i: int) -> tuple[bool, float, int]:
        key = getobj(tp, i) or 0
        return obj_style.get(key) or object_style(key)

    def emit(i: int, j: int, first: tuple, last: tuple) -> None:
        t = text[i:j].replace(ZWSP, "")
        hy = ""
        if t.endswith("\ufffe"):
            hy = "-"
        elif t.endswith("\u2010") and j < n and text[j] in "\r\n":
            hy = "‐"
        elif t.endswith("\u00ad"):
            hy = "soft"
        elif t.endswith("-") and len(t) > 1 and (j >= n or text[j] in "\r\n"):
            hy = "-"
        t = clean(t.replace("\u2010", "-"))
        if not t:
            return
        x0, top, _, bottom = first
        x1 = last[2]
        bold, size, family = style(i)
        if size:
            top = min(top, bottom - 0.88 * size)     # a glyph-tight box ("." or "o" alone) as tall as its type
        # the loose box of a glyph is as tall as the font's ascent + descent (about 0.88 em), but some fonts
        # (LibreOffice's subsets) give none and the box hugs the glyph: "o" is shorter than "t". The type size
        # (font size times the object's scale) is then the steadier measure of the word's size.
        words.append(Word(t, x0, top, max(x1, x0), bottom, size * 0.88 if size else bottom - top, bold, hy,
                          family))

    append, known = words.append, obj_style.get
    for m in _WORD.finditer(text):
        i, j = m.span()
        box(tp, i, rp)
        x0 = rect.left
        top = page_h - rect.top
        x1 = rect.right
        bottom = page_h - rect.bottom
        if j - 1 > i:
            box(tp, j - 1, rp)
            last_top = page_h - rect.top
            last_x1 = rect.right
        else:
            last_top, last_x1 = top, x1
        h = bottom - top
        if h < 1.0:
            h = 1.0
        if -0.35 * h <= last_top - top <= 0.35 * h and last_x1 >= x0 - 0.5:
            t = text[i:j]
            if not t.isascii():
                emit(i, j, (x0, top, x1, bottom), (0.0, 0.0, last_x1, 0.0))
                continue
            # the common case, as emit() reads it: plain ASCII needs no cleaning, only "-" can end a line
            hy = "-" if t[-1] == "-" and j - i > 1 and (j >= n or text[j] in "\r\n") else ""
            key = getobj(tp, i) or 0
            bold, size, family = known(key) or object_style(key)
            if last_x1 < x0:
                last_x1 = x0
            if size:
                y = bottom - 0.88 * size
                append(Word(t, x0, y if y < top else top, last_x1, bottom, size * 0.88, bold, hy, family))
            else:
                append(Word(t, x0, top, last_x1, bottom, bottom - top, bold, hy, family))
            continue
        first = (x0, top, x1, bottom)
        # the word spans two lines (pdfium joins a hyphenated line end) or runs backwards: split it
        start, sb, pb = i, first, first
        for k in range(i + 1, j):
            b = char_box(k)
            if abs(b[1] - pb[1]) > 0.35 * h or b[0] < pb[0] - 0.5:
                emit(start, k, sb, pb)
                start, sb = k, b
            pb = b
        emit(start, j, sb, pb)
    return words


def ruling_lines(page: pdfium.PdfPage, page_h: float) -> tuple[list, list]:
    """Thin path objects: horizontal (x0, x1, y) and vertical (x, y0, y1) rules, top-left origin."""
    hs, vs, _ = page_paths(page, page_h)
    return hs, vs


def page_paths(page: pdfium.PdfPage, page_h: float) -> tuple[list, list, list]:
    """One pass over the page's path objects: horizontal rules (x0, x1, y), vertical rules (x, y0, y1), and
    small square-ish shapes (x0, top, x1, bottom) that may be list bullets drawn as graphics (browsers draw
    disc, circle and square markers as paths, not as text)."""
    raw = page.raw
    hs: list[tuple[float, float, float]] = []
    vs: list[tuple[float, float, float]] = []
    marks: list[tuple[float, float, float, float]] = []
    left, bottom, right, top = ctypes.c_float(), ctypes.c_float(), ctypes.c_float(), ctypes.c_float()
    fill, stroke = ctypes.c_int(), ctypes.c_int()
    for i in range(R.FPDFPage_CountObjects(raw)):
        obj = R.FPDFPage_GetObject(raw, i)
        t = R.FPDFPageObj_GetType(obj)
        if t not in (R.FPDF_PAGEOBJ_PATH, R.FPDF_PAGEOBJ_FORM):
            continue
        if t == R.FPDF_PAGEOBJ_FORM:
            continue
        if not R.FPDFPageObj_GetBounds(obj, left, bottom, right, top):
            continue
        x0, x1, y0, y1 = left.value, right.value, page_h - top.value, page_h - bottom.value
        w, h = x1 - x0, y1 - y0
        if 1.5 <= w <= 8 and 1.5 <= h <= 8 and 0.7 <= w / h <= 1.4:
            marks.append((x0, y0, x1, y1))
        elif h <= 3 and w >= 8:
            hs.append((x0, x1, (y0 + y1) / 2))
        elif w <= 3 and h >= 5:
            vs.append(((x0 + x1) / 2, y0, y1))
        elif w > 8 and h > 5 and R.FPDFPath_CountSegments(obj) <= 6:
            R.FPDFPath_GetDrawMode(obj, fill, stroke)
            if stroke.value:          # a stroked rectangle: its four edges
                hs += [(x0, x1, y0), (x0, x1, y1)]
                vs += [(x0, y0, y1), (x1, y0, y1)]
    return hs, vs, marks


def attach_bullets(words: list[Word], marks: list[tuple[float, float, float, float]]) -> list[Word]:
    """A small shape just left of the first word of a line, centred on it, is that line's bullet: put a "•"
    word there so the line reads as a list item."""
    if not marks or not words:
        return words
    before: dict[int, Word] = {}
    for mx0, mt, mx1, mb in marks:
        cy = (mt + mb) / 2
        best, best_i = None, -1
        for i, w in enumerate(words):
            if w.top <= cy <= w.bottom and w.x0 >= mx1 - 0.5 and w.x0 - mx1 <= 2.5 * (w.bottom - w.top) and \
                    (best is None or w.x0 < best.x0):
                best, best_i = w, i
        if best is None or best.text[:1] in BULLETS or mb - mt > 0.7 * (best.bottom - best.top):
            continue
        # nothing of the same line may sit between the shape and the word, nor just left of the shape
        if any(w.top <= cy <= w.bottom and (mx0 - 2 * (w.bottom - w.top) < w.x1 <= mx0 + 0.5) for w in words):
            continue
        before[best_i] = Word("•", mx0, best.top, mx1, best.bottom, best.size, False, "")
    if not before:
        return words
    out: list[Word] = []
    for i, w in enumerate(words):
        if i in before:
            out.append(before[i])
        out.append(w)
    return out


def has_images(page: pdfium.PdfPage) -> bool:
    raw = page.raw
    return any(R.FPDFPageObj_GetType(R.FPDFPage_GetObject(raw, i)) == R.FPDF_PAGEOBJ_IMAGE
               for i in range(R.FPDFPage_CountObjects(raw)))


def fill_table(table: Table, words: list[Word], vocab: Vocab) -> list[Word]:
    """Put the words inside the table's cells; return the words outside it."""
    x0, t0, x1, t1 = table.bbox
    outside = []
    cells: dict[tuple[int, int], list[Word]] = defaultdict(list)
    for w in words:
        cx, cy = (w.x0 + w.x1) / 2, (w.top + w.bottom) / 2
        if not (x0 - 1 <= cx <= x1 + 1 and t0 - 1 <= cy <= t1 + 1):
            outside.append(w)
            continue
        for ri, (ra, rb, cols) in enumerate(table.rows):
            if ra - 1 <= cy <= rb + 1:
                ci = next((k for k, (ca, cb) in enumerate(cols) if ca - 1 <= cx <= cb + 1), len(cols) - 1)
                cells[(ri, ci)].append(w)
                break
    table.cells = []
    for ri, (_, _, cols) in enumerate(table.rows):
        row = []
        for ci in range(len(cols)):
            ws = cells.get((ri, ci), [])
            lines = _cell_lines(ws)
            row.append(clean(join_lines(lines, vocab)))
        table.cells.append(row)
    return outside


def _cell_lines(ws: list[Word]) -> list[list[Word]]:
    ws = sorted(ws, key=lambda w: (w.top, w.x0))
    lines: list[list[Word]] = []
    for w in ws:
        if lines and abs(lines[-1][0].top - w.top) <= 0.35 * max(w.bottom - w.top, 1):
            lines[-1].append(w)
        else:
            lines.append([w])
    for ln in lines:
        ln.sort(key=lambda w: w.x0)
    return lines


# --------------------------------------------------------------------------- OCR (optional)

def ocr_words(page: pdfium.PdfPage, page_h: float) -> list[Word]:
    """Words of an image-only page from tesseract's TSV output (pytesseract if installed, else the binary)."""
    scale = 300 / 72
    img = page.render(scale=scale).to_pil()
    try:
        import pytesseract  # type: ignore
        tsv = pytesseract.image_to_data(img)
    except ImportError:
        with tempfile.TemporaryDirectory() as tmp:
            png = Path(tmp) / "page.png"
            img.save(png)
            res = subprocess.run(["tesseract", str(png), "stdout", "tsv"], capture_output=True, text=True,
                                 timeout=300)
            tsv = res.stdout
    words = []
    for row in tsv.splitlines()[1:]:
        f = row.split("\t")
        if len(f) < 12 or not f[11].strip():
            continue
        try:
            left, top, width, height = (int(v) / scale for v in f[6:10])
        except ValueError:
            continue
        t = clean(f[11])
        if t:
            words.append(Word(t, left, top, left + width, top + height, height, False, ""))
    return words


# --------------------------------------------------------------------------- the document

#: pdfium keeps every object it has parsed until its document is closed: the document is opened again after this
#: many pages, so memory does not grow with the length of the document
PAGES_PER_OPENING = 100


def _open(path: Path, data: bytes) -> pdfium.PdfDocument:
    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        code = getattr(exc, "err_code", None)
        if code == R.FPDF_ERR_PASSWORD or "password" in str(exc).lower():
            raise InputError(path, "encrypted PDF; a password is required")
        if code == R.FPDF_ERR_SECURITY:
            raise InputError(path, "PDF uses an unsupported security handler")
        reason = str(exc).split("(PDFium: ", 1)[-1].rstrip(").") if "PDFium" in str(exc) else str(exc)
        raise InputError(path, f"corrupt or truncated PDF ({reason.lower()})")


def extract(path: Path, data: bytes, sha256: str, *, ocr: bool = False) -> Document:
    opened = [_open(path, data)]       # the document open now (see PAGES_PER_OPENING)
    try:
        if data.rfind(b"%%EOF") == -1:
            raise InputError(path, "corrupt or truncated PDF (no end-of-file marker; the file was cut short)")
        return _extract(path, data, opened, sha256, ocr)
    finally:
        opened[0].close()


def _extract(path: Path, data: bytes, opened: list[pdfium.PdfDocument], sha256: str, ocr: bool) -> Document:
    pdf = opened[0]
    npages = len(pdf)
    if npages == 0:
        raise InputError(path, "corrupt or truncated PDF (no pages)")
    fonts = _Fonts()
    vocab = Vocab()
    numbers: dict[float, float] = {}
    warnings: list[str] = []
    pages: list[list[Line]] = []
    dims: list[tuple[float, float]] = []
    image_only: list[int] = []
    tesseract = shutil.which("tesseract") if ocr else None
    for pno in range(npages):
        if pno and pno % PAGES_PER_OPENING == 0:
            pdf.close()
            pdf = opened[0] = _open(path, data)
            fonts.faces.clear()         # font handles belong to the document closed
        try:
            page = pdf[pno]
        except pdfium.PdfiumError as exc:
            raise InputError(path, f"corrupt or truncated PDF (page {pno + 1} cannot be read: {exc})")
        try:
            w, h = page.get_size()
            dims.append((w, h))
            tp = page.get_textpage()
            try:
                words = read_words(tp, h, fonts)
            finally:
                tp.close()
            if not words:
                if has_images(page):
                    if tesseract:
                        words = ocr_words(page, h)
                        if words:
                            warnings.append(f"page {pno + 1}: no text layer; text read by OCR")
                    if not words:
                        image_only.append(pno + 1)
                if not words:
                    pages.append([])
                    continue
            vocab.add_words(words)
            hs, vs, marks = page_paths(page, h) if _maybe_table(page) else ([], [], [])
            words = attach_bullets(words, marks)
            tables = find_tables(hs, vs) if len(vs) >= 2 else []
            items: list[Line] = []
            for t in tables:
                words = fill_table(t, words, vocab)
                if any(any(c for c in row) for row in t.cells):
                    x0, t0, x1, t1 = t.bbox
                    items.append(Line(words=[], x0=x0, top=t0, x1=x1, bottom=t1, page=pno + 1, table=t))
            lines = build_lines(words, w, h, pno + 1)
            for it in items:
                it.col = _col_of(it, lines)
            ordered = reading_order(lines + items)
            for ln in ordered:
                ln.slim(numbers)
            pages.append(ordered)
        finally:
            page.close()

    if image_only and len(image_only) == npages:
        if ocr and not tesseract:
            raise InputError(path, "no text layer; OCR requested but tesseract is not installed")
        raise InputError(path, "no text layer; run OCR first")
    for p in image_only:
        if ocr and not tesseract:
            warnings.append(f"page {p}: no text layer (image only); OCR requested but tesseract is not installed")
        else:
            warnings.append(f"page {p}: no text layer (image only); run OCR first, or --ocr")

    body = _body_size(pages)
    _mark_running(pages, dims, body)
    blocks = _blocks(pages, body, vocab)
    if not blocks:
        if image_only:
            raise InputError(path, "no text layer; run OCR first")
        raise InputError(path, "no text found")
    return Document(source=str(path), sha256=sha256, format="pdf", pages=npages, blocks=tuple(blocks),
                    warnings=tuple(warnings))


def _maybe_table(page: pdfium.PdfPage) -> bool:
    raw = page.raw
    for i in range(R.FPDFPage_CountObjects(raw)):
        if R.FPDFPageObj_GetType(R.FPDFPage_GetObject(raw, i)) == R.FPDF_PAGEOBJ_PATH:
            return True
    return False


def _col_of(item: Line, lines: list[Line]) -> int:
    lefts = [ln for ln in lines if ln.col == 1]
    rights = [ln for ln in lines if ln.col == 2]
    if not lefts or not rights:
        return 0
    gx = (max(ln.x1 for ln in lefts) + min(ln.x0 for ln in rights)) / 2
    if item.x1 <= gx:
        return 1
    if item.x0 >= gx:
        return 2
    return 0


def _body_size(pages: list[list[Line]]) -> float:
    weight: dict[float, int] = defaultdict(int)
    for lines in pages:
        for ln in lines:
            if ln.table is None:
                weight[round(ln.size * 2) / 2] += len(ln.text)
    return max(weight, key=weight.get) if weight else 10.0


def _norm_key(text: str) -> str:
    return re.sub(r"\d+", "#", re.sub(r"\s+", " ", text.lower())).strip()


def _mark_running(pages: list[list[Line]], dims: list[tuple[float, float]], body: float) -> None:
    """Running headers and footers: lines repeated in the top/bottom band of several pages, page numbers,
    browser URL/title lines, CONFIDENTIAL markers."""
    counts: dict[tuple[str, str], set[int]] = defaultdict(set)
    cands: list[tuple[Line, str, str]] = []
    for pi, lines in enumerate(pages):
        if not lines:
            continue
        h = dims[pi][1]
        for ln, zone in _margin_lines(lines, h):
            # the type size is part of the key: a browser prints the page title small in its header, and the
            # same words set large on page one are the document's own title
            key = f"{_norm_key(ln.text)}@{round(ln.size)}"
            counts[(zone, key)].add(pi)
            cands.append((ln, zone, key))
    npages = sum(1 for p in pages if p)
    for ln, zone, key in cands:
        h = dims[ln.page - 1][1]
        extreme = ln.bottom < 0.07 * h or ln.top > 0.93 * h
        t = ln.text.strip()
        if npages >= 2 and len(counts[(zone, key)]) >= max(2, 0.3 * npages):
            ln.drop = True
        elif _PAGE_NUM.match(t) or (extreme and _PAGE_NUM_TAIL.search(t)):
            ln.drop = True
        elif extreme and (_URL_ONLY.match(t.split(" ")[0]) and len(t.split()) <= 2):
            ln.drop = True
        elif extreme and _CONFIDENTIAL.search(t) and len(t.split()) <= 8:
            ln.drop = True
        elif extreme and ln.size < 0.85 * body and len(t.split()) <= 10:
            ln.drop = True


def _margin_lines(lines: list[Line], h: float) -> list[tuple[Line, str]]:
    """Lines in the top/bottom 12% of the page that stand apart from the text next to them (a running header
    or footer sits in the margin, separated from the body by white space)."""
    text = sorted((ln for ln in lines if ln.table is None), key=lambda ln: ln.top)
    out: list[tuple[Line, str]] = []
    for i, ln in enumerate(text):
        if ln.bottom >= 0.12 * h:
            break
        nxt = next((o for o in text[i + 1:] if o.top > ln.bottom - 1), None)
        if nxt is not None and nxt.top - ln.bottom < 0.4 * ln.height and not _apart(ln, nxt):
            break
        out.append((ln, "top"))
    for i in range(len(text) - 1, -1, -1):
        ln = text[i]
        if ln.top <= 0.88 * h:
            break
        prv = next((o for o in reversed(text[:i]) if o.bottom < ln.top + 1), None)
        if prv is not None and ln.top - prv.bottom < 0.4 * ln.height and not _apart(ln, prv):
            break
        out.append((ln, "bottom"))
    return out


def _apart(ln: Line, other: Line) -> bool:
    """A margin line set in a clearly smaller type than the text beside it stands apart even when close (browsers
    print their date/title header and URL/page footer in small type just outside the page box)."""
    return ln.size < 0.85 * other.size and not ln.bold


def _body_font(pages: list[list[Line]]) -> int:
    weight: dict[int, int] = defaultdict(int)
    for lines in pages:
        for ln in lines:
            if ln.table is None and not ln.drop:
                weight[ln.font] += len(ln.text)
    return max(weight, key=weight.get) if weight else 0


def _heading_levels(pages: list[list[Line]], body: float) -> dict[float, int]:
    sizes = sorted({round(ln.size * 2) / 2 for lines in pages for ln in lines
                    if ln.table is None and not ln.drop and ln.size >= body * 1.12}, reverse=True)
    return {s: i + 1 for i, s in enumerate(sizes)}


def _style(ln: Line, body: float, levels: dict[float, int], body_font: int = 0) -> int:
    """0 for body text, else the heading level."""
    s = round(ln.size * 2) / 2
    if s in levels:
        return levels[s]
    if ln.bold and ln.size >= body * 0.95 and len(ln.text) <= 160:
        return len(levels) + 1
    # a whole line in another typeface than the text, at text size (Word's headings: "Calibri Light" over a
    # serif body): a heading too, unless monospaced (code) or the document mixes faces freely
    if body_font > 0 and ln.font > 0 and ln.font != body_font and ln.size >= body * 0.95 and len(ln.text) <= 160 \
            and not TERMINAL_RE.search(ln.text.rstrip("?")) and not _starts_item(ln.text):
        return len(levels) + 2
    return 0


def _starts_item(text: str) -> bool:
    return bool(BULLET_RE.match(text))


def _blocks(pages: list[list[Line]], body: float, vocab: Vocab) -> list[Block]:
    levels = _heading_levels(pages, body)
    body_font = _body_font(pages)
    flow: list[Line] = [ln for lines in pages for ln in lines if not ln.drop]
    gaps = _normal_gaps(flow)
    blocks: list[Block] = []
    cur: list[Line] = []
    cur_style = 0
    cur_kind = "paragraph"
    cur_level = 0
    col_right: dict[tuple[int, int], float] = {}
    col_left: dict[tuple[int, int], float] = {}
    doc_left: dict[int, float] = {}
    for ln in flow:
        if ln.table is None:
            k = (ln.page, ln.col)
            col_right[k] = max(col_right.get(k, 0.0), ln.x1)
            doc_left[ln.col] = min(doc_left.get(ln.col, 1e9), ln.x0)
    for ln in flow:      # left edges: the same for every page (pages without body-level lines are common)
        col_left[(ln.page, ln.col)] = doc_left.get(ln.col, ln.x0)
    bullet_x: dict[tuple[int, int], list[float]] = defaultdict(list)
    for ln in flow:
        if ln.table is None and _starts_item(ln.text):
            xs = bullet_x[(ln.page, ln.col)]
            if all(abs(x - ln.x0) > 4 for x in xs):
                xs.append(ln.x0)
    for xs in bullet_x.values():
        xs.sort()

    def flush() -> None:
        nonlocal cur
        if not cur:
            return
        text = clean(join_texts([(l.text, l.hy) for l in cur], vocab))
        kind = cur_kind
        if kind == "list_item":
            text = BULLET_RE.sub("", text, count=1).strip()
        if cur_style and len(text) <= 200 and kind != "list_item":
            kind = "heading"
        if text and kind == "paragraph" and _MD_TABLE_SEP.search(text):
            text = _md_table_rows(text, cur, blocks)    # literal Markdown table source printed as text
        if text:
            x0 = min(l.x0 for l in cur)
            top = min(l.top for l in cur if l.page == cur[0].page)
            x1 = max(l.x1 for l in cur)
            bottom = max(l.bottom for l in cur if l.page == cur[0].page)
            blocks.append(Block(text=text, kind=kind, page=cur[0].page,
                                bbox=(round(x0, 1), round(top, 1), round(x1, 1), round(bottom, 1)),
                                level=cur_style if kind == "heading" else cur_level))
        cur = []

    for ln in flow:
        if ln.table is not None:
            flush()
            t = ln.table
            for row in t.cells:
                if not any(row):
                    continue
                blocks.append(Block(text=" | ".join(row), kind="table_row", cells=tuple(row), page=ln.page,
                                    bbox=(round(t.bbox[0], 1), round(t.bbox[1], 1), round(t.bbox[2], 1),
                                          round(t.bbox[3], 1))))
            cur_style = 0
            cur_kind = "paragraph"
            continue
        style = _style(ln, body, levels, body_font)
        item = _starts_item(ln.text)
        if not cur:
            new = True
        elif style != cur_style or item:
            new = True
        elif cur_style and CLAUSE_RE.match(ln.text) and ln.page == cur[-1].page and ln.top > cur[-1].bottom:
            new = True          # a numbered heading right below another heading of the same type
        else:
            new = _breaks(cur, ln, gaps, col_left, col_right, cur_style)
        if new:
            flush()
            cur_style = style
            cur_kind = "list_item" if item else "paragraph"
            cur_level = 0
            if item:
                xs = bullet_x.get((ln.page, ln.col), [])
                cur_level = next((i for i, x in enumerate(xs) if abs(x - ln.x0) <= 4), 0)
        cur.append(ln)
    flush()
    return blocks


_MD_TABLE_SEP = re.compile(r"\|\s*:?-{3,}:?\s*\|")


def _md_table_rows(text: str, cur: list[Line], blocks: list[Block]) -> str:
    """A paragraph that is Markdown pipe-table source run together ("|Date |Changes | |---|---| | 3 October |..."),
    as printed from a Word file that holds Markdown: its rows become table rows. Returns the text before the
    table (the rest is appended to `blocks`)."""
    start = text.find("|")
    head, src = text[:start].strip(), text[start:]
    rows = re.split(r"\|\s+\|", src)
    ln = cur[0]
    bbox = (round(min(l.x0 for l in cur), 1), round(ln.top, 1), round(max(l.x1 for l in cur), 1), round(ln.bottom, 1))
    out = []
    for r in rows:
        cells = tuple(clean(c) for c in r.strip().strip("|").split("|"))
        if not any(cells) or all(re.fullmatch(r":?-{3,}:?", c) for c in cells if c):
            continue
        out.append(Block(text=" | ".join(cells), kind="table_row", cells=cells, page=ln.page, bbox=bbox))
    if len(out) < 2:
        return text
    if head:
        blocks.append(Block(text=head, kind="paragraph", page=ln.page, bbox=bbox))
    blocks.extend(out)
    return ""


def _offsets(cur: list[Line], col_left) -> tuple[float, Optional[float]]:
    """Where the block's first line and its following lines start, relative to their column's left edge.
    The second is None when it cannot be told (a one-line block without a marker)."""
    def off(l: Line, x: float) -> float:
        return x - col_left.get((l.page, l.col), l.x0)

    first = cur[0]
    first_off = off(first, first.x0)
    if len(cur) > 1:
        return first_off, off(cur[1], cur[1].x0)
    if first.x_text is not None and (BULLET_RE.match(first.text) or CLAUSE_RE.match(first.text)):
        return first_off, off(first, first.x_text)
    return first_off, None


def _breaks(cur: list[Line], ln: Line, gaps, col_left, col_right, cur_style: int) -> bool:
    """Does `ln` start a new block after the lines `cur` (same style, no bullet)?"""
    prev = cur[-1]
    same_region = prev.page == ln.page and prev.col == ln.col and ln.top >= prev.top - 1
    first_off, cont_off = _offsets(cur, col_left)
    ln_off = ln.x0 - col_left.get((ln.page, ln.col), ln.x0)
    clause = bool(CLAUSE_RE.match(ln.text))
    # a sibling of a hanging-indent item: starts where the block's marker started, not where its text runs
    if clause and abs(ln_off - first_off) <= 2 and cont_off is not None and abs(cont_off - first_off) > 2:
        if same_region or not prev.hy:
            return True
    if same_region:
        gap = ln.top - prev.bottom
        normal = gaps.get(round(prev.size * 2) / 2, 0.25 * prev.height)
        if gap > normal + 0.4 * max(prev.height, 1):
            return True
        if clause and TERMINAL_RE.search(prev.text) and not _full(prev, col_right):
            return True
        if ln.x0 < _region_first(cur, ln).x0 - 2:
            return True                                     # outdented: the block above was indented
        if cont_off is not None and len(cur) > 1 and ln_off > cont_off + 12 and not _full(prev, col_right):
            return True                                     # an indented first line
        return False
    # first line of a new column or page
    if cur_style:
        return True
    if cont_off is not None and abs(ln_off - cont_off) <= 2 and (cont_off != first_off or not clause):
        return False                                        # runs on at the block's own indentation
    return not _continues(prev, ln, col_left, col_right)


def _region_first(cur: list[Line], ln: Line) -> Line:
    for l in cur:
        if l.page == ln.page and l.col == ln.col:
            return l
    return ln


def _normal_gaps(flow: list[Line]) -> dict[float, float]:
    """Usual white space between two lines of one paragraph, per font size."""
    per: dict[float, list[float]] = defaultdict(list)
    for a, b in zip(flow, flow[1:]):
        if a.table is None and b.table is None and a.page == b.page and a.col == b.col and \
                abs(a.size - b.size) < 0.5 and b.top > a.top:
            g = b.top - a.bottom
            if g < 2 * a.height:
                per[round(a.size * 2) / 2].append(g)
    out = {}
    for k, v in per.items():
        if len(v) >= 5:
            v.sort()
            out[k] = v[len(v) // 3]
    if out:
        # sizes with too few samples (headings): scale the gap of the most frequent size
        ref = max(per, key=lambda k: len(per[k]) if k in out else -1)
        for k in per:
            if k not in out:
                out[k] = out[ref] * k / ref if ref else 0.0
    return out


def _full(ln: Line, col_right: dict[tuple[int, int], float]) -> bool:
    right = col_right.get((ln.page, ln.col), ln.x1)
    return ln.x1 >= right - 4 * max(ln.height, 1)


def _continues(prev: Line, ln: Line, col_left, col_right) -> bool:
    """Does `ln`, the first line of a new column or page, continue the paragraph that `prev` ended?"""
    if prev.hy:
        return True
    if ln.text[:1].islower():
        return True
    if not TERMINAL_RE.search(prev.text):
        return True
    if CLAUSE_RE.match(ln.text):
        return False
    left = col_left.get((ln.page, ln.col), ln.x0)
    return _full(prev, col_right) and ln.x0 <= left + 2 and prev.text.rstrip()[-1:] not in ".:"
