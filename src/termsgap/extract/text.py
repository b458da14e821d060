"""Markdown and plain text: headings, numbered paragraphs, list items and pipe tables, with source line numbers."""
from __future__ import annotations

import re
from pathlib import Path

from ..models import Block, Document
from . import InputError

# The patterns run on untrusted lines of any length: none may backtrack more than linearly (a bracket, tag or
# whitespace run never scans past the next one that could start a match of its own).
ATX = re.compile(r"^(#{1,6})\s+(.*)$")
SETEXT = re.compile(r"^(=+|-+)\s*$")
BULLET = re.compile(r"^(\s*)(?:[-*+•]|\d+[.)])\s+(.*)$")
TABLE_SEP = re.compile(r"^\|?\s*:?-{2,}:?\s*(?:\|\s*:?-{2,}:?\s*)*\|?$")  # on a stripped line
LINK = re.compile(r"!?\[([^\[\]]*)\]\([^()]*\)")
EMPH = re.compile(r"(\*\*|__|\*|`)")
HTML_TAG = re.compile(r"</?[a-zA-Z][^<>]*>")


def clean_inline(s: str) -> str:
    """Markdown inline markup to plain text."""
    s = LINK.sub(r"\1", s)
    s = HTML_TAG.sub("", s)
    s = EMPH.sub("", s)
    s = re.sub(r"(?<!\w)_(\S[^_]*\S|\S)_(?!\w)", r"\1", s)
    s = s.replace("\\", "")
    return re.sub(r"[ \t]+", " ", s).strip()


def decode(path: Path, data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 with its byte-order mark (Windows "Unicode")
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise InputError(path, "not a text file (cannot decode as UTF-16)")
    for enc in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    raise InputError(path, "not a text file (cannot decode as UTF-8)")


def extract(path: Path, data: bytes, sha256: str, *, markdown: bool = True) -> Document:
    text = decode(path, data)
    if "\x00" in text:
        raise InputError(path, "binary content in a text file")
    lines = text.splitlines()
    blocks: list[Block] = []
    para: list[str] = []
    para_line = 0

    def add(text: str, **kw) -> None:
        """A block, unless markup was all it held ('- *', '# #', a table row of empty cells)."""
        if text.strip(" |"):
            blocks.append(Block(text=text, **kw))

    def flush() -> None:
        nonlocal para
        if para:
            joined = " ".join(p.strip() for p in para)
            add(clean_inline(joined) if markdown else joined, line=para_line)
        para = []

    i = 0
    while i < len(lines):
        raw = lines[i]
        line = raw.rstrip()
        nxt = lines[i + 1].rstrip() if i + 1 < len(lines) else ""
        if not line.strip():
            flush()
            i += 1
            continue
        if markdown:
            m = ATX.match(line)
            if m:
                flush()
                title = m.group(2).rstrip().rstrip("#")  # an optional closing run of #
                add(clean_inline(title), kind="heading", level=len(m.group(1)), line=i + 1)
                i += 1
                continue
            if not para and SETEXT.match(nxt) and not BULLET.match(line) and len(line) < 200:
                flush()
                level = 1 if nxt.strip().startswith("=") else 2
                add(clean_inline(line), kind="heading", level=level, line=i + 1)
                i += 2
                continue
            if line.lstrip().startswith("|") and TABLE_SEP.match(nxt.strip()):
                flush()
                header = [clean_inline(c) for c in line.strip().strip("|").split("|")]
                add(" | ".join(header), kind="table_row", cells=tuple(header), line=i + 1)
                i += 2
                while i < len(lines) and lines[i].lstrip().startswith("|"):
                    cells = [clean_inline(c) for c in lines[i].strip().strip("|").split("|")]
                    add(" | ".join(cells), kind="table_row", cells=tuple(cells), line=i + 1)
                    i += 1
                continue
            if line.lstrip().startswith(">"):
                line = line.lstrip()[1:].lstrip()
                if not line:
                    flush()
                    i += 1
                    continue
        m = BULLET.match(line)
        if m and not re.match(r"^\s*\d+\.\d", line):
            flush()
            depth = len(m.group(1).expandtabs(4)) // 2
            item = [m.group(0).strip()]
            start = i + 1
            i += 1
            # continuation lines: indented, not a new bullet, not blank
            while i < len(lines) and lines[i].strip() and not BULLET.match(lines[i]) and lines[i].startswith((" ", "\t")):
                item.append(lines[i].strip())
                i += 1
            txt = " ".join(item)
            txt = re.sub(r"^[-*+•]\s+", "", txt)
            add(clean_inline(txt) if markdown else txt, kind="list_item", level=depth, line=start)
            continue
        if not para:
            para_line = i + 1
        para.append(line)
        i += 1
    flush()
    if not blocks:
        raise InputError(path, "no text found")
    return Document(source=str(path), sha256=sha256, format="markdown" if markdown else "text", pages=1,
                    blocks=tuple(blocks))
