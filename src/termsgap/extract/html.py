"""HTML: BeautifulSoup + lxml; headings, paragraphs, list items (with the numbers an ordered list shows) and
table rows in document order; page chrome (script, style, nav, header, footer, aside) dropped."""
from __future__ import annotations

import warnings
from pathlib import Path

from bs4 import BeautifulSoup, Comment, NavigableString, Tag

from ..models import Block, Document
from . import InputError
from .numbering import alpha, roman
from .layout import BULLET_RE, clean

DROP = {"script", "style", "nav", "header", "footer", "aside", "noscript", "template", "svg", "form", "button",
        "iframe", "object", "head", "title", "meta", "link", "select", "dialog", "menu"}
HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
LISTS = {"ul", "ol"}
# elements whose content is a block of its own
BLOCKS = {"p", "li", "table", "pre", "blockquote", "dd", "dt", "figcaption", "caption", "address", "summary",
          "div", "section", "article", "main", "body", "details", "figure", "dl", "center", "fieldset", "hr",
          "tr", "thead", "tbody", "tfoot", "td", "th", "html"} | set(HEADINGS) | LISTS


#: elements nested deeper than this are refused (the reader walks the tree recursively; real pages stay under 100)
MAX_DEPTH = 400


def _deeper_than(root: Tag, limit: int) -> bool:
    stack = [(root, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            return True
        stack.extend((ch, depth + 1) for ch in node.children if isinstance(ch, Tag))
    return False


def extract(path: Path, data: bytes, sha256: str) -> Document:
    try:
        with warnings.catch_warnings():  # "looks like XML", "looks like a URL": the reader decides, not bs4
            warnings.simplefilter("ignore", UserWarning)
            soup = BeautifulSoup(data, "lxml")
    except Exception as exc:  # lxml raises a variety of parser errors
        raise InputError(path, f"cannot parse HTML ({exc})")
    if _deeper_than(soup, MAX_DEPTH):
        raise InputError(path, f"HTML nested too deeply (over {MAX_DEPTH} levels)")
    for tag in soup.find_all(list(DROP)):
        tag.decompose()
    for c in soup.find_all(string=lambda s: isinstance(s, Comment)):
        c.extract()
    for tag in soup.find_all(attrs={"hidden": True}):
        tag.decompose()
    root = soup.body or soup
    blocks: list[Block] = []
    _walk(root, blocks, depth=0)
    if not blocks:
        raise InputError(path, "no text found")
    return Document(source=str(path), sha256=sha256, format="html", pages=1, blocks=tuple(blocks))


def _text(node: Tag, skip: frozenset[str] = frozenset()) -> str:
    """Inline text of a node; <br> is a space; nested block children named in `skip` are left out."""
    return clean(_raw(node, skip))


def _raw(node: Tag, skip: frozenset[str] = frozenset()) -> str:
    parts: list[str] = []

    def rec(n) -> None:
        for ch in n.children:
            if isinstance(ch, NavigableString):
                if not isinstance(ch, Comment):
                    parts.append(str(ch))
            elif isinstance(ch, Tag):
                if ch.name == "br":
                    parts.append(" ")
                elif ch.name in skip:
                    continue
                else:
                    if ch.name in BLOCKS:
                        parts.append(" ")
                    rec(ch)
                    if ch.name in BLOCKS:
                        parts.append(" ")

    rec(node)
    return "".join(parts)


def _ol_marker(ol: Tag, index: int) -> str:
    try:
        start = int(ol.get("start", 1))
    except ValueError:
        start = 1
    n = start + index
    kind = ol.get("type", "1")
    if kind == "a":
        return alpha(n).lower() + "."
    if kind == "A":
        return alpha(n) + "."
    if kind in ("i", "I"):
        r = roman(n)
        return (r.lower() if kind == "i" else r) + "."
    return f"{n}."


def _walk(node: Tag, blocks: list[Block], depth: int) -> None:
    inline: list = []

    def flush_inline() -> None:
        if inline:
            txt = clean("".join(str(x) if isinstance(x, NavigableString) else " " if x.name == "br"
                                else _raw(x) for x in inline))
            if txt:
                blocks.append(Block(text=txt, kind="paragraph"))
            inline.clear()

    for ch in node.children:
        if isinstance(ch, NavigableString):
            if not isinstance(ch, Comment):
                inline.append(ch)
            continue
        if not isinstance(ch, Tag):
            continue
        name = ch.name
        if name not in BLOCKS:
            inline.append(ch)
            continue
        flush_inline()
        if name in HEADINGS:
            t = _text(ch)
            if t:
                blocks.append(Block(text=t, kind="heading", level=HEADINGS[name]))
        elif name in ("p", "pre", "dt", "dd", "figcaption", "caption", "address", "summary"):
            t = _text(ch)
            if t:
                blocks.append(Block(text=t, kind="paragraph"))
        elif name in LISTS:
            _list(ch, blocks, depth)
        elif name == "li":     # stray li outside a list
            _item(ch, blocks, depth, "")
        elif name == "table":
            _table(ch, blocks)
        elif name == "hr":
            continue
        else:
            _walk(ch, blocks, depth)
    flush_inline()


def _list(lst: Tag, blocks: list[Block], depth: int) -> None:
    index = 0
    for li in lst.find_all("li", recursive=False):
        marker = _ol_marker(lst, index) if lst.name == "ol" else ""
        index += 1
        _item(li, blocks, depth, marker)


def _item(li: Tag, blocks: list[Block], depth: int, marker: str) -> None:
    nested = [c for c in li.children if isinstance(c, Tag) and c.name in LISTS | {"table"}]
    has_blocks = any(isinstance(c, Tag) and c.name in ("p", "div") for c in li.children)
    if has_blocks:
        # a "loose" item: its first paragraph carries the marker, the rest follow as their own blocks
        sub: list[Block] = []
        _walk(li, sub, depth + 1)
        first = True
        for b in sub:
            if first and b.kind == "paragraph":
                t = BULLET_RE.sub("", b.text, count=1)
                blocks.append(Block(text=f"{marker} {t}".strip(), kind="list_item", level=depth))
                first = False
            else:
                blocks.append(b)
        return
    t = BULLET_RE.sub("", _text(li, skip=frozenset(LISTS | {"table"})), count=1)
    if t:
        blocks.append(Block(text=f"{marker} {t}".strip(), kind="list_item", level=depth))
    for n in nested:
        if n.name in LISTS:
            _list(n, blocks, depth + 1)
        else:
            _table(n, blocks)


def _table(table: Tag, blocks: list[Block]) -> None:
    for tr in table.find_all("tr"):
        if tr.find_parent("table") is not table:
            continue
        cells = tuple(_text(c) for c in tr.find_all(["td", "th"], recursive=False))
        if any(cells):
            blocks.append(Block(text=" | ".join(cells), kind="table_row", cells=cells))
