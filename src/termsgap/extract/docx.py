"""DOCX: python-docx, body children in document order (paragraphs and tables where they sit).

Headings from paragraph styles (Title, Heading 1..n), list items from numbering or list styles (with the number
Word would print for numbered lists), table rows with their cells, page numbers from explicit page breaks.
Paragraphs that carry literal Markdown (a converter that pasted Markdown into Word: "*   1.1. ..." items run
together, setext underlines, `1\\.` escapes) are read with the Markdown reader instead.
"""
from __future__ import annotations

import io
import os
import re
import zipfile
from pathlib import Path
from typing import Optional

from ..models import Block, Document
from . import InputError
from .numbering import alpha, roman
from .layout import BULLET_RE, clean

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"

_MD_HINTS = re.compile(r"(?:^|\s)[*+] {2,4}\S|(?:^|[.:;!?]\s)- \S|\S\s+(?:={3,}|-{3,})\s*$|^\s*(?:={3,}|-{3,})\s*$"
                       r"|\\[.\-*_#()\[\]]|\[[^\[\]]+\]\([^()\s]+\)|^\s*#{1,6}\s|^\s*\*\s\*\s\*\s*$|\*\*\S|```"
                       r"|^\s*>\s|\|\s*-{3,}\s*\||<!--|^\s*1\.\s.*[.:;)]\s+1\.\s+[A-Z]|^\s*1\.\s+\S.*\s2\.\s+[A-Z]")
# list markers of items that a converter ran together into one paragraph (a whitespace run is tried from its start
# only: paragraphs are untrusted and may hold long runs)
_MD_ITEM = re.compile(r"(?<!\s)\s+(?=[*+] {2,4}\S)|(?<=[.:;!?)\]])\s+(?=(?:-|\d{1,2}\.)\s+\S)")
_MD_SETEXT = re.compile(r"^(.*\S)\s+(={3,}|-{3,})\s*$")
_MD_OL = re.compile(r"^(\s*)(\d+)\.(\s+)")


#: bytes a DOCX may inflate to, all parts together; an operator raises it with TERMSGAP_MAX_DOCX_INFLATED
MAX_INFLATED = int(os.environ.get("TERMSGAP_MAX_DOCX_INFLATED", 256 * 1024 * 1024))


def _check_inflated(path: Path, data: bytes) -> None:
    """Refuse a zip bomb before anything inflates it: the sizes the archive declares must stay in bounds
    (zipfile stops reading a member at its declared size, so a member cannot lie past it)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            total = sum(i.file_size for i in z.infolist())
    except Exception as exc:  # BadZipFile, ValueError, NotImplementedError ("zip file version 6.4"), EOFError...
        raise InputError(path, f"corrupt DOCX ({_short(exc)})")
    if total > MAX_INFLATED:
        raise InputError(path, f"DOCX inflates to {total} bytes (limit {MAX_INFLATED}, "
                               f"TERMSGAP_MAX_DOCX_INFLATED raises it)")


def extract(path: Path, data: bytes, sha256: str) -> Document:
    try:
        import docx  # python-docx
        from docx.opc.exceptions import PackageNotFoundError
    except ImportError as exc:  # pragma: no cover
        raise InputError(path, f"python-docx is not installed ({exc})")
    _check_inflated(path, data)
    try:
        document = docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, PackageNotFoundError, KeyError, ValueError) as exc:
        raise InputError(path, f"corrupt DOCX ({_short(exc)})")
    except Exception as exc:  # lxml.etree.XMLSyntaxError and friends
        raise InputError(path, f"corrupt DOCX ({type(exc).__name__}: {_short(exc)})")
    try:
        blocks, pages = _read(path, document)
    except InputError:
        raise
    except Exception as exc:
        raise InputError(path, f"corrupt DOCX ({type(exc).__name__}: {_short(exc)})")
    if not blocks:
        raise InputError(path, "no text found")
    return Document(source=str(path), sha256=sha256, format="docx", pages=pages, blocks=tuple(blocks))


def _short(exc: Exception) -> str:
    return str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__


class _Numbering:
    """Enough of numbering.xml to print the numbers of numbered list paragraphs."""

    def __init__(self, document) -> None:
        self.levels: dict[tuple[str, int], tuple[str, str, int]] = {}
        self.counters: dict[str, dict[int, int]] = {}
        try:
            part = document.part.numbering_part
        except (NotImplementedError, KeyError, AttributeError):
            return
        root = part.element
        abstract: dict[str, dict[int, tuple[str, str, int]]] = {}
        for an in root.findall(f"{W}abstractNum"):
            lv = {}
            for lvl in an.findall(f"{W}lvl"):
                ilvl = int(lvl.get(f"{W}ilvl", "0"))
                fmt = _val(lvl.find(f"{W}numFmt")) or "decimal"
                text = _val(lvl.find(f"{W}lvlText")) or ""
                start = int(_val(lvl.find(f"{W}start")) or 1)
                lv[ilvl] = (fmt, text, start)
            abstract[an.get(f"{W}abstractNumId")] = lv
        for num in root.findall(f"{W}num"):
            aid = _val(num.find(f"{W}abstractNumId"))
            for ilvl, spec in abstract.get(aid, {}).items():
                self.levels[(num.get(f"{W}numId"), ilvl)] = spec

    def label(self, num_id: str, ilvl: int) -> Optional[str]:
        spec = self.levels.get((num_id, ilvl))
        if spec is None:
            return None
        fmt, text, start = spec
        ctr = self.counters.setdefault(num_id, {})
        ctr[ilvl] = ctr.get(ilvl, start - 1) + 1
        for deeper in [k for k in ctr if k > ilvl]:
            del ctr[deeper]
        if fmt in ("bullet", "none") or not text:
            return None

        def fill(m: re.Match) -> str:
            lv = int(m.group(1)) - 1
            f, _, st = self.levels.get((num_id, lv), ("decimal", "", 1))
            return _format(ctr.get(lv, st), f)

        return re.sub(r"%(\d)", fill, text)


def _val(el) -> Optional[str]:
    return None if el is None else el.get(f"{W}val")


def _format(n: int, fmt: str) -> str:
    if fmt in ("lowerLetter", "upperLetter"):
        return alpha(n) if fmt == "upperLetter" else alpha(n).lower()
    if fmt in ("lowerRoman", "upperRoman"):
        return roman(n) if fmt == "upperRoman" else roman(n).lower()
    return str(n)


def _heading_level(name: str) -> int:
    if name == "Title":
        return 1
    m = re.match(r"(?:Heading|heading)\s*(\d)", name)
    return int(m.group(1)) if m else 0


def _read(path: Path, document) -> tuple[list[Block], int]:
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    numbering = _Numbering(document)
    styles = _Styles(document)
    body = document.element.body
    has_breaks = bool(body.xpath(".//w:br[@w:type='page'] | .//w:pageBreakBefore"))
    page = 1
    blocks: list[Block] = []

    def children(el):
        for ch in el.iterchildren():
            if ch.tag == f"{W}sdt":
                content = ch.find(f"{W}sdtContent")
                if content is not None:
                    yield from children(content)
            else:
                yield ch

    for el in children(body):
        if el.tag == f"{W}p":
            p = Paragraph(el, document)
            ppr = el.pPr
            if ppr is not None and ppr.find(f"{W}pageBreakBefore") is not None and blocks:
                page += 1
            text_before_break = _text_before_page_break(el)
            if text_before_break is False:     # the paragraph starts with a page break
                page += 1
            breaks_inside = len(el.xpath(".//w:br[@w:type='page']")) - (1 if text_before_break is False else 0)
            raw = p.text
            pg = page if has_breaks else None
            if raw.strip():
                blocks.extend(_paragraph_blocks(path, el, raw, numbering, styles, pg))
            page += max(breaks_inside, 0)
        elif el.tag == f"{W}tbl":
            t = Table(el, document)
            pg = page if has_breaks else None
            for row in t.rows:
                seen = set()
                cells = []
                for cell in row.cells:
                    if id(cell._tc) in seen:
                        continue
                    seen.add(id(cell._tc))
                    cells.append(clean(cell.text))
                if any(cells):
                    blocks.append(Block(text=" | ".join(cells), kind="table_row", cells=tuple(cells), page=pg))
    return blocks, page if has_breaks else 1


def _text_before_page_break(p_el):
    """False when the paragraph's first content is a page break, else True."""
    for r in p_el.iter(f"{W}r"):
        for ch in r:
            if ch.tag == f"{W}br" and ch.get(f"{W}type") == "page":
                return False
            if ch.tag == f"{W}t" and (ch.text or "").strip():
                return True
    return True


class _Styles:
    """Paragraph style facts by style id, read once from styles.xml (python-docx's per-paragraph lookup is slow)."""

    def __init__(self, document) -> None:
        self.by_id: dict[str, tuple[str, Optional[str], object]] = {}
        self.default: Optional[str] = None
        self.cache: dict[Optional[str], tuple[int, bool, object]] = {}
        try:
            root = document.part.styles.element
        except (KeyError, AttributeError, NotImplementedError):
            return
        for st in root.findall(f"{W}style"):
            if st.get(f"{W}type") not in (None, "paragraph"):
                continue
            sid = st.get(f"{W}styleId")
            name_el = st.find(f"{W}name")
            based = st.find(f"{W}basedOn")
            ppr = st.find(f"{W}pPr")
            num_pr = ppr.find(f"{W}numPr") if ppr is not None else None
            self.by_id[sid] = (_val(name_el) or sid or "", _val(based), num_pr)
            if st.get(f"{W}default") in ("1", "true"):
                self.default = sid

    def facts(self, style_id: Optional[str]) -> tuple[int, bool, object]:
        """(heading level, is a list style, numPr element inherited from the style)"""
        key = style_id or self.default
        hit = self.cache.get(key)
        if hit is None:
            level, is_list, num_pr = 0, False, None
            seen = set()
            sid = key
            while sid and sid in self.by_id and sid not in seen:
                seen.add(sid)
                name, based, npr = self.by_id[sid]
                level = level or _heading_level(name)
                is_list = is_list or name.lower().startswith("list")
                num_pr = num_pr if num_pr is not None else npr
                sid = based
            hit = self.cache[key] = (level, is_list, num_pr)
        return hit


def _paragraph_blocks(path: Path, p_el, raw: str, numbering: _Numbering, styles: _Styles,
                      page: Optional[int]) -> list[Block]:
    ppr = p_el.find(f"{W}pPr")
    style_id = _val(ppr.find(f"{W}pStyle")) if ppr is not None else None
    level, list_style, style_num = styles.facts(style_id)
    num_pr = ppr.find(f"{W}numPr") if ppr is not None else None
    if num_pr is None:
        num_pr = style_num
    label = None
    ilvl = 0
    if num_pr is not None:
        num_id = _val(num_pr.find(f"{W}numId"))
        ilvl = int(_val(num_pr.find(f"{W}ilvl")) or 0)
        if num_id and num_id != "0":
            label = numbering.label(num_id, ilvl)
        else:
            num_pr = None

    if _MD_HINTS.search(raw):
        if level:
            from .text import clean_inline
            text = clean(clean_inline(raw))
            return [Block(text=text, kind="heading", level=level, page=page)] if text else []
        return _markdown_blocks(path, raw, page)
    text = clean(raw)
    if not text:
        return []
    if level:
        return [Block(text=f"{label} {text}" if label else text, kind="heading", level=level, page=page)]
    if num_pr is not None or list_style:
        text = BULLET_RE.sub("", text, count=1)
        return [Block(text=f"{label} {text}" if label else text, kind="list_item", level=ilvl, page=page)]
    return [Block(text=text, kind="paragraph", page=page)]


def _split_ordered(line: str) -> str:
    """'1. Sign in 2. Select the ...' -> one line per item, following the numbers in sequence."""
    m = re.match(r"\s*(\d{1,2})\.\s+\S", line)
    if not m:
        return line
    n = int(m.group(1))
    pos = m.end()
    while True:
        nxt = re.compile(rf"(?<!\s)\s+(?={n + 1}\.\s+[A-Z])").search(line, pos)
        if not nxt:
            return line
        line = line[:nxt.start()] + "\n" + line[nxt.end():]
        n += 1
        pos = nxt.start() + 2


def _without_comments(s: str) -> str:
    """`<!-- ... -->` removed (by search, not a lazy regex, which is quadratic on many unclosed comments)."""
    out, i = [], 0
    while (start := s.find("<!--", i)) >= 0 and (end := s.find("-->", start + 4)) >= 0:
        out += [s[i:start], " "]
        i = end + 3
    return "".join(out) + s[i:]


def _markdown_blocks(path: Path, raw: str, page: Optional[int]) -> list[Block]:
    """A paragraph holding Markdown source whose line breaks were lost: restore them and read it as Markdown."""
    from . import text as md

    s = _without_comments(raw.replace("\r", "\n"))
    s = re.sub(r"```\w*", " ", s)                                  # code fences and their language tags
    s = re.sub(r"(?:^|(?<=\s))>\s", "", s)                        # blockquote markers
    if re.search(r"\|\s*:?-{3,}:?\s*\|", s):                       # a pipe table run together
        s = re.sub(r"\|\s+\|", "|\n|", s)
    s = _MD_ITEM.sub("\n", s)
    s = "\n".join(_split_ordered(line) for line in s.split("\n"))
    lines = []
    counter: Optional[int] = None
    for line in s.split("\n"):
        m = _MD_SETEXT.match(line)
        if m and not line.lstrip().startswith(("*", "-", "+", "|")):
            lines += [m.group(1), m.group(2)]
            continue
        m = _MD_OL.match(line)          # Markdown numbers an ordered list from its first item: 1. 1. 1. -> 1. 2. 3.
        if m:
            counter = int(m.group(2)) if counter is None else counter + 1
            line = f"{m.group(1)}{counter}.{m.group(3)}{line[m.end():]}"
        lines.append(line)
    try:
        doc = md.extract(path, "\n".join(lines).encode("utf-8"), "", markdown=True)
    except InputError:
        return []
    out = []
    for b in doc.blocks:
        if re.fullmatch(r"[*_\- ]{3,}", b.text):
            continue
        out.append(Block(text=clean(b.text), kind=b.kind, level=b.level, page=page, cells=b.cells))
    return [b for b in out if b.text]
